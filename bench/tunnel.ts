// Tunnel benchmark: wasmguard against wireguard-go and kernel WireGuard on this
// machine, in this run, through the same two-namespace topology, with the bare
// veth as the ceiling. Needs root, iproute2, wireguard-tools, iperf3, ping
// (and wireguard-go, and the kernel module, for those pairs).
//
//   node --import tsx bench/tunnel.ts [--quick] [--json FILE|-] [--svg FILE] [--markdown FILE]
//        [--pairs veth,kernel,wireguard-go,wasmguard,wasmguard:wireguard-go,wasmguard:kernel]
//        [--runs N] [--seconds S] [--pings N]
//
// Runs are interleaved (every pair once per round, the order rotating) so that
// a drift in the machine's load touches every implementation alike.
import { existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { cleanupNetns, repoRoot } from "../test/helpers/netns-core.js";
import { machine, machineLine, parseArgs, writeJson } from "./report.js";
import { KernelDriver, keyPair, removeKeys, WasmguardDriver, wasmguardCommand, WireguardGoDriver, type ImplName } from "./tunnel/implementations.js";
import { ALL_PAIRS, measureRound, STAGE_LABEL, stagesOf, type PairSpec, type RunRecord, type Settings, type Stage } from "./tunnel/pairs.js";
import { markdownReport, METRICS, ratioSummary, summarize, textReport } from "./tunnel/report.js";
import { checkHost, INSTALL_HINT, kernelWireguard } from "./tunnel/requirements.js";
import { validateReport, type TunnelReport } from "./tunnel/schema.js";
import { chartSvg } from "./tunnel/svg.js";
import { Topology } from "./tunnel/topology.js";

const USAGE = `usage: bench/tunnel.ts [--quick] [--json FILE|-] [--svg FILE] [--markdown FILE]
                       [--pairs ${ALL_PAIRS.map((p) => p.id).join(",")}]
                       [--runs N] [--seconds S] [--pings N]`;

function option(argv: string[], name: string): string | undefined {
  const i = argv.indexOf(name);
  if (i < 0) return undefined;
  const v = argv[i + 1];
  if (v === undefined || v.startsWith("--")) fail(`${name} needs a value\n${USAGE}`);
  return v;
}

function positiveInt(argv: string[], name: string, dflt: number): number {
  const v = option(argv, name);
  if (v === undefined) return dflt;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) fail(`${name} must be a positive integer, not '${v}'`);
  return n;
}

function fail(msg: string): never {
  process.stderr.write(msg + "\n");
  process.exit(2);
}

const argv = process.argv.slice(2);
if (argv.includes("--help") || argv.includes("-h")) {
  process.stdout.write(USAGE + "\n");
  process.exit(0);
}
const args = parseArgs(argv);
// The default run measures every pair 3 times for 3 s each and stays under five minutes
// with all six pairs; --quick stays under one minute with the four pairs of a host without the module.
const settings: Settings = {
  runs: positiveInt(argv, "--runs", args.quick ? 1 : 3),
  seconds: positiveInt(argv, "--seconds", args.quick ? 1 : 3),
  pingCount: positiveInt(argv, "--pings", args.quick ? 50 : 200),
  udpPayload: 64,
  firstPingTimeout: 10,
};
const requested = option(argv, "--pairs")?.split(",").map((s) => s.trim()).filter(Boolean);
for (const id of requested ?? [])
  if (!ALL_PAIRS.some((p) => p.id === id)) fail(`unknown pair '${id}'; pairs: ${ALL_PAIRS.map((p) => p.id).join(", ")}`);
const jsonFile = args.json && args.json !== "-" ? resolve(args.json) : undefined;
const outBase = jsonFile ? jsonFile.replace(/\.json$/, "") : join(repoRoot, ".bench-results", "tunnel");
const svgFile = resolve(option(argv, "--svg") ?? `${outBase}.svg`);
const mdFile = resolve(option(argv, "--markdown") ?? `${outBase}.md`);
// Progress goes to stderr when the JSON goes to stdout.
const log = (s: string) => (args.json === "-" ? process.stderr : process.stdout).write(s + "\n");

log(`\nTunnel benchmark — ${machineLine()}`);

// ---- what can run here ---------------------------------------------------------

const host = checkHost();
if (host.blockers.length) {
  log(`The tunnel benchmark cannot run here:`);
  for (const b of host.blockers) log(`  - ${b}`);
  log(`It needs root and the system tools: ${INSTALL_HINT}`);
  log(`(skipped; the other benchmarks are not affected)`);
  process.exit(0);
}
for (const n of host.notes) log(`note: ${n}${n.includes("wireguard-go is missing") ? ` (${INSTALL_HINT})` : ""}`);

const kernel = kernelWireguard();
if (!kernel.ok) log(`kernel WireGuard: not available on this host (${kernel.reason}); its pairs are skipped`);

function unavailable(impl: ImplName | null): string | undefined {
  if (impl === "kernel" && !kernel.ok) return `kernel WireGuard is not available (${kernel.reason})`;
  if (impl === "wireguard-go" && !host.wireguardGo) return "wireguard-go is not installed";
  if (impl === "wasmguard" && !host.wasmguard.ok) return `wasmguardd cannot run: ${host.wasmguard.reason}`;
  return undefined;
}

const skipped: { pair: string; reason: string }[] = [];
const pairs: PairSpec[] = [];
for (const p of ALL_PAIRS) {
  if (requested && !requested.includes(p.id)) continue;
  const why = unavailable(p.a) ?? unavailable(p.b);
  if (why) skipped.push({ pair: p.id, reason: why });
  else pairs.push(p);
}
if (pairs.length === 0) {
  log(`Nothing to measure: every requested pair is unavailable.`);
  process.exit(0);
}

const wgCommand = wasmguardCommand();
if (pairs.some((p) => p.a === "wasmguard" || p.b === "wasmguard")) {
  log(`wasmguardd: ${wgCommand.from === "dist" ? "the compiled daemon in dist/" : wgCommand.note}`);
}
log(
  `Pairs: ${pairs.map((p) => p.label).join("; ")}. ${settings.runs} run${settings.runs > 1 ? "s" : ""} each, ` +
    `${settings.seconds} s per iperf3 transfer, ${settings.pingCount} pings per series.\n`,
);

// ---- cleanup, whatever happens --------------------------------------------------

let topo: Topology | undefined;
const ifacePrefix = `wb${process.pid % 10000}n`;
function cleanup(): void {
  topo?.delete();
  cleanupNetns();
  removeKeys();
  // A daemon killed mid-run leaves its UAPI socket file in the host-wide directory.
  const dir = "/var/run/wireguard";
  if (existsSync(dir)) for (const f of readdirSync(dir)) if (f.startsWith(ifacePrefix) && f.endsWith(".sock")) rmSync(join(dir, f), { force: true });
}
process.on("exit", cleanup);
for (const sig of ["SIGINT", "SIGTERM", "SIGHUP"] as const)
  process.once(sig, () => {
    process.stderr.write(`\n${sig}: removing the namespaces, interfaces and processes of this run\n`);
    cleanup();
    process.kill(process.pid, sig);
  });

// ---- progress ------------------------------------------------------------------

const totalStages = pairs.reduce((s, p) => s + stagesOf(p).length, 0) * settings.runs;
let doneStages = 0;
const started = performance.now();
const tty = (args.json === "-" ? process.stderr : process.stdout).isTTY === true;
const clock = (ms: number) => `${Math.floor(ms / 60_000)}:${String(Math.floor(ms / 1000) % 60).padStart(2, "0")}`;

function progress(run: number, pair: PairSpec, stage: Stage, state: "start" | "done" | "failed", detail?: string): void {
  const stream = args.json === "-" ? process.stderr : process.stdout;
  if (state !== "start") doneStages++;
  const elapsed = performance.now() - started;
  // Left to run, from the average stage so far (stages differ, so this is rough).
  const eta = doneStages > 0 && doneStages < totalStages ? `, ~${clock((elapsed / doneStages) * (totalStages - doneStages))} left` : "";
  const n = state === "start" ? doneStages + 1 : doneStages;
  const head = `[${String(n).padStart(String(totalStages).length)}/${totalStages} ${clock(elapsed)}${eta}] ` +
    `run ${run}/${settings.runs} · ${pair.label} · ${STAGE_LABEL[stage]}`;
  if (state === "start") {
    if (tty) stream.write(`${head} …`);
    return;
  }
  stream.write(`${tty ? "\r\x1b[K" : ""}${head}: ${state === "failed" ? `FAILED: ${detail}` : detail}\n`);
}

// ---- the runs ------------------------------------------------------------------

const drivers = { wasmguard: new WasmguardDriver(wgCommand), "wireguard-go": new WireguardGoDriver(), kernel: new KernelDriver() };
const keys = { a: keyPair("a"), b: keyPair("b") };
const records = new Map<string, RunRecord[]>(pairs.map((p) => [p.id, []]));
let ifaceCounter = 0;

topo = Topology.create();
for (let run = 1; run <= settings.runs; run++) {
  // Rotate the order so no pairing always goes first (or right after another one).
  const order = pairs.map((_, i) => pairs[(i + run - 1) % pairs.length]);
  for (const pair of order) {
    const n = ifaceCounter++;
    const rec = await measureRound(pair, run, {
      topo,
      drivers,
      keys,
      settings,
      ifaceName: (side) => `${ifacePrefix}${n}${side}`,
      onStage: (stage, state, detail) => progress(run, pair, stage, state, detail),
    });
    // A failed "up" skips the pair's other stages in this run: count them as done.
    doneStages += stagesOf(pair).length - countStages(rec, pair);
    records.get(pair.id)!.push(rec);
  }
}
topo.delete();
topo = undefined;

function countStages(rec: RunRecord, pair: PairSpec): number {
  if (pair.a !== null && rec.upToPingMs === undefined) return 1;
  return stagesOf(pair).length;
}

// ---- the report ----------------------------------------------------------------

const report: TunnelReport = {
  benchmark: "tunnel",
  version: 1,
  date: new Date().toISOString(),
  durationSeconds: (performance.now() - started) / 1000,
  machine: machine(),
  settings: { ...settings, quick: args.quick, wasmguardd: wgCommand.from },
  kernelWireguard: kernel.ok ? { available: true } : { available: false, reason: kernel.reason },
  skipped,
  metrics: METRICS.map(({ id, label, unit, better, ratios }) => ({ id, label, unit, better, ratios })),
  pairs: summarize(pairs.map((p) => ({ pair: p, runs: records.get(p.id)! }))),
};

log(`\nResults — ${machineLine()}\n(median of ${settings.runs} run${settings.runs > 1 ? "s" : ""}; ratios are this pair's median over the reference pair's median, measured in the same run)\n`);
log(textReport(report));
for (const s of skipped) log(`skipped ${s.pair}: ${s.reason}`);
for (const line of ratioSummary(report)) log(line);

const invalid = validateReport(report);
if (invalid.length) log(`\nthe report does not match its schema:\n  ${invalid.join("\n  ")}`);
writeJson(args.json, report);
if (jsonFile) log(`\nJSON: ${jsonFile}`);
for (const [file, content] of [[svgFile, chartSvg(report)], [mdFile, markdownReport(report)]] as const) {
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, content);
}
log(`${jsonFile ? "" : "\n"}chart (SVG): ${svgFile}\nMarkdown table: ${mdFile}`);
log(`tunnel benchmark took ${clock(performance.now() - started)}`);

const failures = report.pairs.filter((p) => p.errors.length || p.missing.length);
if (failures.length) {
  log(`\nErrors:`);
  for (const p of failures) for (const e of p.errors) log(`  ${p.label}: ${e}`);
}
process.exitCode = failures.length || invalid.length ? 1 : 0;
