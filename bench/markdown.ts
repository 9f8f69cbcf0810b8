// Renders the crypto benchmark's JSON as the README's markdown table:
//   node --import tsx bench/markdown.ts results/crypto.json
import { readFileSync } from "node:fs";

interface Result {
  group: string;
  impl: string;
  opsPerSec: number;
  wasmguardSpeedup: number;
}

const data = JSON.parse(readFileSync(process.argv[2], "utf8")) as { machine: string; results: Result[] };
const peers = [
  ["node:crypto (OpenSSL)", "Node OpenSSL"],
  ["libsodium-wrappers", "libsodium-wrappers"],
  ["@noble/ciphers", "@noble"],
  ["@noble/hashes", "@noble"],
  ["@noble/curves", "@noble"],
  ["hash-wasm", "hash-wasm"],
  ["@chainsafe/as-chacha20poly1305", "@chainsafe"],
  ["wasmguard (scalar)", "wasmguard scalar"],
] as const;
const columns = [...new Set(peers.map(([, c]) => c))];
const time = (hz: number) => {
  const us = 1e6 / hz;
  return us >= 100 ? `${us.toFixed(0)} µs` : us >= 10 ? `${us.toFixed(1)} µs` : `${us.toFixed(2)} µs`;
};
console.log(`| operation | wasmguard (SIMD) | ${columns.join(" | ")} |`);
console.log(`|---|---|${columns.map(() => "---").join("|")}|`);
for (const group of [...new Set(data.results.map((r) => r.group))]) {
  const rows = data.results.filter((r) => r.group === group);
  const ours = rows.find((r) => r.impl === "wasmguard (simd)")!;
  const cells = columns.map((c) => {
    const r = rows.find((x) => peers.some(([impl, col]) => col === c && impl === x.impl));
    return r ? `${r.wasmguardSpeedup.toFixed(2)}×` : "—";
  });
  console.log(`| ${group} | ${time(ours.opsPerSec)} | ${cells.join(" | ")} |`);
}
console.log(`\n${data.machine}`);
