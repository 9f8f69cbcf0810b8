// Shared helpers for the benchmarks: machine header, argument parsing and a
// plain-text table with ratios against peers measured in the same run.
import { cpus, release, totalmem } from "node:os";
import { writeFileSync } from "node:fs";

export interface BenchArgs {
  json?: string;
  quick: boolean;
}

export function parseArgs(argv = process.argv.slice(2)): BenchArgs {
  const args: BenchArgs = { quick: argv.includes("--quick") };
  const j = argv.indexOf("--json");
  if (j >= 0) args.json = argv[j + 1] && !argv[j + 1].startsWith("--") ? argv[j + 1] : "-";
  return args;
}

export function machine(): { cpu: string; cores: number; kernel: string; node: string; memGiB: number } {
  const c = cpus();
  return {
    cpu: c[0]?.model.trim() ?? "unknown",
    cores: c.length,
    kernel: release(),
    node: process.version,
    memGiB: Math.round(totalmem() / 2 ** 30),
  };
}

export function machineLine(): string {
  const m = machine();
  return `${m.cpu}, ${m.cores} cores, Linux ${m.kernel}, Node ${m.node}`;
}

export function table(headers: string[], rows: string[][]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (cells: string[]) =>
    cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join("  ");
  return [line(headers), widths.map((w) => "-".repeat(w)).join("  "), ...rows.map(line)].join("\n");
}

export function formatRate(opsPerSec: number): string {
  if (opsPerSec >= 1e6) return `${(opsPerSec / 1e6).toFixed(2)} M/s`;
  if (opsPerSec >= 1e3) return `${(opsPerSec / 1e3).toFixed(1)} k/s`;
  return `${opsPerSec.toFixed(0)} /s`;
}

export function formatMicros(us: number): string {
  return us >= 100 ? `${us.toFixed(0)} µs` : us >= 10 ? `${us.toFixed(1)} µs` : `${us.toFixed(2)} µs`;
}

export function writeJson(path: string | undefined, data: unknown): void {
  if (!path) return;
  const text = JSON.stringify(data, null, 2) + "\n";
  if (path === "-") process.stdout.write(text);
  else writeFileSync(path, text);
}
