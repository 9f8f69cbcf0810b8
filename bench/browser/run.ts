// Browser crypto benchmark: serves bench/browser/ from 127.0.0.1, opens it in
// headless Chromium (Debian's chromium, through playwright-core) and prints
// wasmguard/crypto against @noble/*, libsodium-wrappers, hash-wasm and the
// browser's own Web Crypto X25519, all measured in the same page.
//   node --import tsx bench/browser/run.ts [--quick] [--repeat N] [--json out.json] [--markdown]
// --repeat loads the page N times (default 3) and reports, per row, the median
// over the loads of the rate and of the ratio to wasmguard measured in the same load.
import { realpathSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { launchChromium } from "../../test/browser/chromium.js";
import { startServer } from "../../test/browser/server.js";
import { formatMicros, formatRate, machineLine, parseArgs, table, writeJson } from "../report.js";
import type { Row } from "./bench.js";

const args = parseArgs();
const argv = process.argv.slice(2);
const repeatAt = argv.indexOf("--repeat");
const repeat = repeatAt >= 0 ? Number(argv[repeatAt + 1]) : args.quick ? 1 : 3;
const markdown = argv.includes("--markdown");
const root = (p: string) => fileURLToPath(new URL(`../../${p}`, import.meta.url));

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

const server = await startServer([
  { url: "/bench/browser/", dir: root("bench/browser") },
  { url: "/bindings/crypto/", dir: root("bindings/crypto") },
  { url: "/node_modules/", dir: realpathSync(root("node_modules")) },
]);
const browser = await launchChromium();
const runs: Row[][] = [];
let version = "";
try {
  for (let i = 0; i < repeat; i++) {
    const page = await browser.context.newPage();
    const errors: string[] = [];
    page.on("pageerror", (e) => errors.push(e.message));
    const query = args.quick ? "?rounds=3&slice=60" : "?rounds=7&slice=120";
    await page.goto(`${server.origin}/bench/browser/index.html${query}`);
    await page.waitForFunction(() => "benchmarkRows" in globalThis);
    process.stderr.write(`running in Chromium (${i + 1}/${repeat}) ...\n`);
    runs.push(await page.evaluate(() => (globalThis as unknown as { benchmarkRows: Promise<Row[]> }).benchmarkRows));
    version = browser.context.browser()?.version() ?? (await page.evaluate(() => navigator.userAgent));
    await page.close();
    if (errors.length) throw new Error(`page errors: ${errors.join("; ")}`);
  }
  if (browser.offsite.length) throw new Error(`the page tried to leave 127.0.0.1: ${browser.offsite.join(", ")}`);
} finally {
  await browser.close();
  await server.close();
}

interface Result extends Row {
  /** How many times faster wasmguard (simd) is than this row (median over the loads). */
  wasmguardSpeedup: number;
}
const results: Result[] = runs[0].map((first) => {
  const same = (r: Row) => r.group === first.group && r.impl === first.impl;
  const ours = (run: Row[]) => run.find((r) => r.group === first.group && r.impl === "wasmguard (simd)")!.opsPerSec;
  return {
    ...first,
    opsPerSec: median(runs.map((run) => run.find(same)!.opsPerSec)),
    wasmguardSpeedup: median(runs.map((run) => ours(run) / run.find(same)!.opsPerSec)),
  };
});
const groups = [...new Set(results.map((r) => r.group))];
const header = `Chromium ${version} (headless), ${machineLine()}; median of ${repeat} page load(s)`;

if (markdown) {
  const columns = ["@noble", "libsodium-wrappers", "hash-wasm", "Web Crypto (native, async)", "wasmguard (scalar)"];
  const column = (impl: string) => (impl.startsWith("@noble/") ? "@noble" : impl);
  console.log(`| operation | wasmguard (SIMD) | ${columns.join(" | ")} |`);
  console.log(`|---|---|${columns.map(() => "---").join("|")}|`);
  for (const group of groups) {
    const rows = results.filter((r) => r.group === group);
    const ours = rows.find((r) => r.impl === "wasmguard (simd)")!;
    const cells = columns.map((c) => {
      const r = rows.find((x) => column(x.impl) === c);
      return r ? `${r.wasmguardSpeedup.toFixed(2)}×` : "—";
    });
    console.log(`| ${group} | ${formatMicros(1e6 / ours.opsPerSec)} | ${cells.join(" | ")} |`);
  }
  console.log(`\n${header}`);
} else {
  console.log(`# wasmguard crypto benchmark in the browser\n# ${header}\n`);
  for (const group of groups) {
    const rows = results.filter((r) => r.group === group);
    const bytes = rows[0].bytes;
    console.log(`## ${group}`);
    console.log(
      table(
        ["implementation", "ops/s", ...(bytes ? ["MB/s"] : []), "wasmguard ×"],
        rows.map((r) => [
          r.impl,
          formatRate(r.opsPerSec),
          ...(bytes ? [((r.opsPerSec * bytes) / 1e6).toFixed(0)] : []),
          r.wasmguardSpeedup.toFixed(2),
        ]),
      ),
    );
    console.log("");
  }
  console.log("wasmguard × = how many times faster wasmguard (simd) is than that row (above 1: wasmguard wins).");
}
writeJson(args.json, { benchmark: "crypto-browser", browser: `Chromium ${version}`, machine: machineLine(), repeat, results });
