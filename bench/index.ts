// `npm run bench`: runs each benchmark in its own process, in order.
//   npm run bench -- [--only crypto,allowedips,tunnel] [--quick] [--json DIR] [tunnel options: --pairs, --runs, --svg, ...]
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync } from "node:fs";
import { join } from "node:path";

const argv = process.argv.slice(2);
const onlyIdx = argv.indexOf("--only");
const only = onlyIdx >= 0 ? argv[onlyIdx + 1].split(",") : undefined;
const jsonIdx = argv.indexOf("--json");
const jsonDir = jsonIdx >= 0 ? (argv[jsonIdx + 1] ?? ".bench-results") : undefined;
const quick = argv.includes("--quick");
// Anything else (--pairs, --runs, --svg, --markdown, ...) is for the tunnel benchmark.
const consumed = new Set([onlyIdx, onlyIdx + 1, jsonIdx, jsonIdx + 1].filter((i) => i >= 0));
const tunnelArgs = argv.filter((a, i) => !consumed.has(i) && a !== "--quick");

const parts: [name: string, file: string][] = [
  ["crypto", "bench/crypto.bench.ts"],
  ["allowedips", "bench/allowedips.bench.ts"],
  ["tunnel", "bench/tunnel.ts"],
];

if (jsonDir) mkdirSync(jsonDir, { recursive: true });
let failed = false;
for (const [name, file] of parts) {
  if (only && !only.includes(name)) continue;
  if (!existsSync(file)) {
    console.log(`(${name}: ${file} is not part of this build yet)`);
    continue;
  }
  const extra = [
    ...(quick ? ["--quick"] : []),
    ...(jsonDir ? ["--json", join(jsonDir, `${name}.json`)] : []),
    ...(name === "tunnel" ? tunnelArgs : []),
  ];
  const r = spawnSync(process.execPath, ["--import", "tsx", file, ...extra], { stdio: "inherit" });
  if (r.status !== 0) {
    console.error(`${name} benchmark failed (exit ${r.status ?? r.signal})`);
    failed = true;
  }
}
process.exit(failed ? 1 : 0);
