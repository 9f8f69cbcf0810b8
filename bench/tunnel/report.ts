// Turns run records into figures (median over runs, min–max spread, ratios to
// wireguard-go and to the kernel measured in the same run) and prints them:
// one table per metric on the terminal, and a compact Markdown table for the
// README.
import { table } from "../report.js";
import type { PairSpec, RunRecord } from "./pairs.js";
import { median } from "./metrics.js";
import type { MetricId, MetricInfo, MetricSummary, PairResult, TunnelReport } from "./schema.js";

const GB = 1e9;
const MiB = 2 ** 20;

/** A metric's value in one run: a number, null where it does not apply, undefined where it failed. */
type Extract = (r: RunRecord, pair: PairSpec) => number | null | undefined;

function cpuPerGB(r: RunRecord, side: "a" | "b" | "host"): number | null | undefined {
  const ts = [r.tcp1, r.tcp4].filter((t) => t !== undefined);
  if (ts.length === 0) return undefined;
  const cpu = ts.map((t) => t.cpu[side]);
  if (cpu.some((c) => c === null)) return null;
  const bytes = ts.reduce((s, t) => s + t.bytes, 0);
  return (cpu as number[]).reduce((s, c) => s + c, 0) / (bytes / GB);
}

function rss(r: RunRecord, pair: PairSpec, side: "a" | "b"): number | null | undefined {
  if (pair[side] === null || pair[side] === "kernel") return null;
  const v = r.peakRss?.[side];
  return v === null || v === undefined || Number.isNaN(v) ? undefined : v / MiB;
}

export const METRICS: (MetricInfo & { extract: Extract })[] = [
  { id: "tcp1Gbps", label: "TCP throughput, 1 stream", unit: "Gbit/s", better: "higher", ratios: true,
    extract: (r) => (r.tcp1 ? r.tcp1.bitsPerSecond / 1e9 : undefined) },
  { id: "tcp4Gbps", label: "TCP throughput, 4 streams", unit: "Gbit/s", better: "higher", ratios: true,
    extract: (r) => (r.tcp4 ? r.tcp4.bitsPerSecond / 1e9 : undefined) },
  { id: "udpKpps", label: "UDP, 64-byte datagrams received", unit: "kpackets/s", better: "higher", ratios: true,
    extract: (r) => (r.udp ? r.udp.packetsPerSecond / 1e3 : undefined) },
  { id: "udpLossPercent", label: "UDP, 64-byte datagrams lost (offered as fast as iperf3 sends)", unit: "%", better: "lower", ratios: false,
    extract: (r) => r.udp?.lossPercent },
  { id: "rttMedianUs", label: "Round-trip time, median", unit: "µs", better: "lower", ratios: true,
    extract: (r) => r.ping?.medianUs },
  { id: "rttP99Us", label: "Round-trip time, 99th percentile", unit: "µs", better: "lower", ratios: true,
    extract: (r) => r.ping?.p99Us },
  { id: "upToPingMs", label: "From starting the endpoints to the first answered ping (handshake included)", unit: "ms", better: "lower", ratios: true,
    extract: (r, p) => (p.a === null ? null : r.upToPingMs) },
  { id: "cpuSenderSecPerGB", label: "CPU per gigabyte over TCP, sending endpoint's process", unit: "s/GB", better: "lower", ratios: true,
    extract: (r) => cpuPerGB(r, "a") },
  { id: "cpuReceiverSecPerGB", label: "CPU per gigabyte over TCP, receiving endpoint's process", unit: "s/GB", better: "lower", ratios: true,
    extract: (r) => cpuPerGB(r, "b") },
  { id: "hostCpuSecPerGB", label: "CPU per gigabyte over TCP, whole host (iperf3 and kernel included)", unit: "s/GB", better: "lower", ratios: true,
    extract: (r) => cpuPerGB(r, "host") },
  { id: "rssSenderMiB", label: "Peak RSS, sending endpoint's process", unit: "MiB", better: "lower", ratios: true,
    extract: (r, p) => rss(r, p, "a") },
  { id: "rssReceiverMiB", label: "Peak RSS, receiving endpoint's process", unit: "MiB", better: "lower", ratios: true,
    extract: (r, p) => rss(r, p, "b") },
];

export const REFERENCES = { wireguardGo: "wireguard-go", kernel: "kernel" } as const;

/** Medians, spreads and ratios for every pair measured. */
export function summarize(measured: { pair: PairSpec; runs: RunRecord[] }[]): PairResult[] {
  const base = measured.map(({ pair, runs }) => {
    const results = {} as Record<MetricId, MetricSummary | null>;
    const missing: MetricId[] = [];
    for (const m of METRICS) {
      const values = runs.map((r) => m.extract(r, pair));
      const samples = values.filter((v): v is number => typeof v === "number" && Number.isFinite(v));
      if (samples.length === 0) {
        results[m.id] = null;
        if (values.some((v) => v !== null)) missing.push(m.id);
        continue;
      }
      results[m.id] = { median: median(samples), min: Math.min(...samples), max: Math.max(...samples), samples, vsWireguardGo: null, vsKernel: null };
    }
    const errors = runs.flatMap((r) => r.errors.map((e) => `run ${r.round}: ${e}`));
    return { id: pair.id, label: pair.label, a: pair.a, b: pair.b, results, missing, runs, errors };
  });
  const ref = (id: string) => base.find((p) => p.id === id);
  for (const p of base)
    for (const m of METRICS) {
      const r = p.results[m.id];
      if (!r || !m.ratios) continue;
      const ratio = (refPair: PairResult | undefined) => {
        const rm = refPair?.results[m.id]?.median;
        return rm && rm > 0 && r.median > 0 ? r.median / rm : null;
      };
      r.vsWireguardGo = ratio(ref(REFERENCES.wireguardGo));
      r.vsKernel = ratio(ref(REFERENCES.kernel));
    }
  return base;
}

/** A figure with about three significant digits. */
export function fmt(v: number): string {
  const a = Math.abs(v);
  if (a >= 100) return v.toFixed(0);
  if (a >= 10) return v.toFixed(1);
  if (a >= 1) return v.toFixed(2);
  return v.toPrecision(2);
}

export function fmtRatio(r: number | null): string {
  if (r === null) return "–";
  return `${r >= 10 ? r.toFixed(0) : r >= 1 ? r.toFixed(2) : r.toPrecision(2)}×`;
}

/** The terminal report: one table per metric with median, spread, runs and ratios. */
export function textReport(rep: TunnelReport): string {
  const out: string[] = [];
  const hasGo = rep.pairs.some((p) => p.id === REFERENCES.wireguardGo);
  const hasKernel = rep.pairs.some((p) => p.id === REFERENCES.kernel);
  for (const m of METRICS) {
    const rows = rep.pairs.map((p) => {
      const r = p.results[m.id];
      if (!r) return [p.label, p.missing.includes(m.id) ? "failed" : "n/a", "", "", "", ""];
      const spread = r.samples.length > 1 ? `${fmt(r.min)}–${fmt(r.max)}` : "(1 run)";
      return [p.label, fmt(r.median), spread, String(r.samples.length), m.ratios ? fmtRatio(r.vsWireguardGo) : "", m.ratios ? fmtRatio(r.vsKernel) : ""];
    });
    out.push(`${m.label} — ${m.unit}, ${m.better} is better`);
    out.push(table(["", "median", "min–max", "runs", hasGo ? "vs wireguard-go" : "vs wireguard-go (–)", hasKernel ? "vs kernel" : "vs kernel (–)"], rows));
    out.push("");
  }
  return out.join("\n");
}

/** One line per tunnel pair: its main figures relative to wireguard-go and the kernel. */
export function ratioSummary(rep: TunnelReport): string[] {
  const lines: string[] = [];
  const keys: [MetricId, string][] = [
    ["tcp1Gbps", "TCP 1 stream"],
    ["tcp4Gbps", "TCP 4 streams"],
    ["udpKpps", "UDP packets/s"],
    ["rttMedianUs", "RTT median"],
    ["rttP99Us", "RTT p99"],
    ["upToPingMs", "up→ping"],
  ];
  for (const p of rep.pairs) {
    if (p.id === "veth") continue;
    for (const [ref, name] of [["vsWireguardGo", "wireguard-go"], ["vsKernel", "the kernel"]] as const) {
      if (p.id === (ref === "vsWireguardGo" ? REFERENCES.wireguardGo : REFERENCES.kernel)) continue;
      const parts = keys.flatMap(([id, label]) => {
        const r = p.results[id]?.[ref];
        return r ? [`${label} ${fmtRatio(r)}`] : [];
      });
      if (parts.length) lines.push(`${p.label}, relative to ${name}: ${parts.join(", ")}`);
    }
  }
  return lines;
}

/** The README table: one row per pair, main figures with their ratio to wireguard-go (and the kernel). */
export function markdownReport(rep: TunnelReport): string {
  const hasKernel = rep.pairs.some((p) => p.id === REFERENCES.kernel);
  const cols: [MetricId, string][] = [
    ["tcp1Gbps", "TCP, 1 stream"],
    ["tcp4Gbps", "TCP, 4 streams"],
    ["udpKpps", "UDP 64 B"],
    ["rttMedianUs", "RTT median"],
    ["rttP99Us", "RTT p99"],
    ["upToPingMs", "up → first ping"],
    ["cpuSenderSecPerGB", "CPU/GB send"],
    ["cpuReceiverSecPerGB", "CPU/GB receive"],
    ["rssSenderMiB", "peak RSS send"],
    ["rssReceiverMiB", "peak RSS receive"],
  ];
  const units = Object.fromEntries(METRICS.map((m) => [m.id, m.unit]));
  const cell = (p: PairResult, id: MetricId) => {
    const r = p.results[id];
    if (!r) return p.missing.includes(id) ? "failed" : "–";
    const ratios = [r.vsWireguardGo !== null && p.id !== REFERENCES.wireguardGo ? `${fmtRatio(r.vsWireguardGo)} wg-go` : "",
      hasKernel && r.vsKernel !== null && p.id !== REFERENCES.kernel ? `${fmtRatio(r.vsKernel)} kernel` : ""].filter(Boolean);
    return `${fmt(r.median)} ${units[id]}${ratios.length ? ` (${ratios.join(", ")})` : ""}`;
  };
  const lines = [
    `| | ${cols.map(([, l]) => l).join(" | ")} |`,
    `|---|${cols.map(() => "---:").join("|")}|`,
    ...rep.pairs.map((p) => `| ${p.label} | ${cols.map(([id]) => cell(p, id)).join(" | ")} |`),
  ];
  const m = rep.machine;
  lines.push(
    "",
    `${m.cpu}, ${m.cores} cores, Linux ${m.kernel}, Node ${m.node}; ${rep.settings.runs} runs per figure (median), ` +
      `${rep.settings.seconds} s per iperf3 transfer, ${rep.settings.pingCount} pings per series; ${rep.date.slice(0, 10)}.` +
      (rep.kernelWireguard.available ? "" : ` Kernel WireGuard was not available on this host (${rep.kernelWireguard.reason}).`),
  );
  return lines.join("\n") + "\n";
}
