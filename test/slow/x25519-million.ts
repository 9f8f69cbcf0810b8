// RFC 7748 §5.2's iterated X25519 test at 1,000,000 iterations, on both builds.
// About 110 µs per iteration, so a few minutes: run with `npm run test:slow`.
import { readFileSync } from "node:fs";
import { loadCryptoSync } from "../../bindings/crypto/index.js";

const rfc = JSON.parse(readFileSync(new URL("../vectors/rfc7748.json", import.meta.url), "utf8"));
const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");
const unhex = (s: string) => new Uint8Array(Buffer.from(s, "hex"));

let failed = false;
for (const build of ["simd", "scalar"] as const) {
  const api = loadCryptoSync({ build });
  let k: Uint8Array = unhex(rfc.iterated.start);
  let u: Uint8Array = unhex(rfc.iterated.start);
  const t0 = performance.now();
  for (let i = 1; i <= 1_000_000; i++) {
    const next = api.x25519(k, u);
    u = k;
    k = next;
  }
  const ok = hex(k) === rfc.iterated.after["1000000"];
  failed ||= !ok;
  console.log(`${build}: ${ok ? "ok" : "MISMATCH"} after 1,000,000 iterations (${((performance.now() - t0) / 1000).toFixed(0)} s)`);
}
process.exit(failed ? 1 : 0);
