// The shape of the tunnel benchmark's JSON (--json), and a validator for it
// (the quick test runs it on real output; tunnel.ts runs it before writing).
import type { RunRecord, Settings } from "./pairs.js";

export type MetricId =
  | "tcp1Gbps"
  | "tcp4Gbps"
  | "udpKpps"
  | "udpLossPercent"
  | "rttMedianUs"
  | "rttP99Us"
  | "upToPingMs"
  | "cpuSenderSecPerGB"
  | "cpuReceiverSecPerGB"
  | "hostCpuSecPerGB"
  | "rssSenderMiB"
  | "rssReceiverMiB";

export interface MetricInfo {
  id: MetricId;
  label: string;
  unit: string;
  better: "higher" | "lower";
  /** Whether ratios to the reference implementations are meaningful. */
  ratios: boolean;
}

/** The median over runs, the spread (min and max), and ratios to the same figure of the references. */
export interface MetricSummary {
  median: number;
  min: number;
  max: number;
  samples: number[];
  /** median / median of wireguard-go ↔ wireguard-go (null when that was not measured). */
  vsWireguardGo: number | null;
  /** median / median of kernel ↔ kernel (null when that was not measured). */
  vsKernel: number | null;
}

export interface PairResult {
  id: string;
  label: string;
  a: string | null;
  b: string | null;
  /** Per metric: its summary, or null where it does not apply (no process to measure, no tunnel to bring up). */
  results: Record<MetricId, MetricSummary | null>;
  /** Metrics that apply but could not be measured in any run. */
  missing: MetricId[];
  runs: RunRecord[];
  errors: string[];
}

export interface TunnelReport {
  benchmark: "tunnel";
  version: 1;
  date: string;
  durationSeconds: number;
  machine: { cpu: string; cores: number; kernel: string; node: string; memGiB: number };
  settings: Settings & { quick: boolean; wasmguardd: "dist" | "source" };
  kernelWireguard: { available: boolean; reason?: string };
  skipped: { pair: string; reason: string }[];
  metrics: MetricInfo[];
  pairs: PairResult[];
}

export const METRIC_IDS: MetricId[] = [
  "tcp1Gbps",
  "tcp4Gbps",
  "udpKpps",
  "udpLossPercent",
  "rttMedianUs",
  "rttP99Us",
  "upToPingMs",
  "cpuSenderSecPerGB",
  "cpuReceiverSecPerGB",
  "hostCpuSecPerGB",
  "rssSenderMiB",
  "rssReceiverMiB",
];

const isObj = (x: unknown): x is Record<string, unknown> => typeof x === "object" && x !== null && !Array.isArray(x);
const isNum = (x: unknown): x is number => typeof x === "number" && Number.isFinite(x);
const isRatio = (x: unknown) => x === null || (isNum(x) && x > 0);

/** Every way `x` departs from TunnelReport; empty when it conforms. */
export function validateReport(x: unknown): string[] {
  const errs: string[] = [];
  const need = (cond: boolean, msg: string) => {
    if (!cond) errs.push(msg);
  };
  if (!isObj(x)) return ["the report is not an object"];
  need(x.benchmark === "tunnel", "benchmark must be \"tunnel\"");
  need(x.version === 1, "version must be 1");
  need(typeof x.date === "string" && !Number.isNaN(Date.parse(x.date)), "date must be an ISO date");
  need(isNum(x.durationSeconds) && x.durationSeconds > 0, "durationSeconds must be positive");
  const m = x.machine;
  need(isObj(m) && typeof m.cpu === "string" && isNum(m.cores) && m.cores > 0 && typeof m.kernel === "string", "machine needs cpu, cores, kernel");
  const s = x.settings;
  need(
    isObj(s) && isNum(s.runs) && s.runs >= 1 && isNum(s.seconds) && s.seconds > 0 && isNum(s.pingCount) && s.pingCount > 0 && isNum(s.udpPayload) && typeof s.quick === "boolean",
    "settings need runs, seconds, pingCount, udpPayload, quick",
  );
  need(isObj(x.kernelWireguard) && typeof x.kernelWireguard.available === "boolean", "kernelWireguard.available must be a boolean");
  need(Array.isArray(x.skipped) && x.skipped.every((k) => isObj(k) && typeof k.pair === "string" && typeof k.reason === "string"), "skipped must list {pair, reason}");
  need(
    Array.isArray(x.metrics) && METRIC_IDS.every((id) => (x.metrics as unknown[]).some((mi) => isObj(mi) && mi.id === id && typeof mi.unit === "string")),
    "metrics must describe every metric id",
  );
  if (!Array.isArray(x.pairs) || x.pairs.length === 0) return [...errs, "pairs must be a non-empty array"];
  for (const p of x.pairs as unknown[]) {
    if (!isObj(p) || typeof p.id !== "string") {
      errs.push("a pair without an id");
      continue;
    }
    const where = `pair ${p.id}`;
    need(typeof p.label === "string", `${where}: label`);
    need(Array.isArray(p.runs) && p.runs.length === (isObj(s) ? s.runs : -1), `${where}: one run record per run`);
    need(Array.isArray(p.errors), `${where}: errors must be an array`);
    need(Array.isArray(p.missing), `${where}: missing must be an array`);
    if (!isObj(p.results)) {
      errs.push(`${where}: results must be an object`);
      continue;
    }
    for (const id of METRIC_IDS) {
      if (!(id in p.results)) {
        errs.push(`${where}: no entry for ${id}`);
        continue;
      }
      const r = p.results[id];
      if (r === null) continue;
      if (!isObj(r) || !isNum(r.median) || !isNum(r.min) || !isNum(r.max)) {
        errs.push(`${where}: ${id} needs numeric median, min, max`);
        continue;
      }
      need(r.min <= r.median && r.median <= r.max, `${where}: ${id} must have min <= median <= max`);
      need(Array.isArray(r.samples) && r.samples.length >= 1 && r.samples.every(isNum), `${where}: ${id} samples must be numbers`);
      need(isRatio(r.vsWireguardGo) && isRatio(r.vsKernel), `${where}: ${id} ratios must be positive numbers or null`);
    }
  }
  return errs;
}
