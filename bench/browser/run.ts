// Browser crypto benchmark: serves bench/browser/ from 127.0.0.1, opens it in
// headless Chromium (Debian's chromium, through playwright-core) and prints
// wasmguard/crypto against @noble/*, libsodium-wrappers, hash-wasm and the
// browser's own Web Crypto X25519, all measured in the same page.
//   node --import tsx bench/browser/run.ts [--quick] [--json out.json]
import { realpathSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { launchChromium } from "../../test/browser/chromium.js";
import { startServer } from "../../test/browser/server.js";
import { formatRate, machineLine, parseArgs, table, writeJson } from "../report.js";
import type { Row } from "./bench.js";

const args = parseArgs();
const root = (p: string) => fileURLToPath(new URL(`../../${p}`, import.meta.url));

const server = await startServer([
  { url: "/bench/browser/", dir: root("bench/browser") },
  { url: "/bindings/crypto/", dir: root("bindings/crypto") },
  { url: "/node_modules/", dir: realpathSync(root("node_modules")) },
]);
const browser = await launchChromium();
let rows: Row[];
let version: string;
try {
  const page = await browser.context.newPage();
  const errors: string[] = [];
  page.on("pageerror", (e) => errors.push(e.message));
  const query = args.quick ? "?rounds=3&slice=60" : "?rounds=7&slice=120";
  await page.goto(`${server.origin}/bench/browser/index.html${query}`);
  await page.waitForFunction(() => "benchmarkRows" in globalThis);
  process.stderr.write("running in Chromium ...\n");
  rows = await page.evaluate(() => (globalThis as unknown as { benchmarkRows: Promise<Row[]> }).benchmarkRows);
  version = browser.context.browser()?.version() ?? (await page.evaluate(() => navigator.userAgent));
  if (errors.length) throw new Error(`page errors: ${errors.join("; ")}`);
  if (browser.offsite.length) throw new Error(`the page tried to leave 127.0.0.1: ${browser.offsite.join(", ")}`);
} finally {
  await browser.close();
  await server.close();
}

console.log(`# wasmguard crypto benchmark in the browser\n# Chromium ${version}, headless; ${machineLine()}\n`);
const results = [];
for (const group of [...new Set(rows.map((r) => r.group))]) {
  const g = rows.filter((r) => r.group === group);
  const ours = g.find((r) => r.impl === "wasmguard (simd)")!.opsPerSec;
  const bytes = g[0].bytes;
  console.log(`## ${group}`);
  console.log(
    table(
      ["implementation", "ops/s", ...(bytes ? ["MB/s"] : []), "wasmguard ×"],
      g.map((r) => [
        r.impl,
        formatRate(r.opsPerSec),
        ...(bytes ? [((r.opsPerSec * bytes) / 1e6).toFixed(0)] : []),
        (ours / r.opsPerSec).toFixed(2),
      ]),
    ),
  );
  console.log("");
  for (const r of g) results.push({ ...r, wasmguardSpeedup: ours / r.opsPerSec });
}
console.log("wasmguard × = how many times faster wasmguard (simd) is than that row (above 1: wasmguard wins).");
writeJson(args.json, { benchmark: "crypto-browser", browser: `Chromium ${version}`, machine: machineLine(), results });
