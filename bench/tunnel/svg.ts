// A hand-written SVG chart of the tunnel results for the README: horizontal
// bars per pairing for TCP throughput (1 and 4 streams) and median round-trip
// time, with the min–max spread as a whisker and the ratios to wireguard-go
// and the kernel as labels. No dependency: plain strings.
import { fmt, fmtRatio, REFERENCES } from "./report.js";
import type { MetricId, PairResult, TunnelReport } from "./schema.js";

const WIDTH = 940;
const LABEL_W = 220;
const BAR_X = LABEL_W + 10;
const BAR_MAX = 320;
const ROW_H = 24;
const BAR_H = 16;
const FONT = "system-ui, -apple-system, 'Segoe UI', Helvetica, Arial, sans-serif";

const COLORS: Record<string, string> = {
  veth: "#9ca3af",
  kernel: "#f59e0b",
  "wireguard-go": "#0ea5e9",
  wasmguard: "#7c3aed",
  "wasmguard:wireguard-go": "#a78bfa",
  "wasmguard:kernel": "#c4b5fd",
};

function esc(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}

function text(x: number, y: number, s: string, attrs = ""): string {
  return `<text x="${x.toFixed(1)}" y="${y.toFixed(1)}" ${attrs}>${esc(s)}</text>`;
}

interface Panel {
  metric: MetricId;
  title: string;
  unit: string;
}

const PANELS: Panel[] = [
  { metric: "tcp1Gbps", title: "TCP throughput, 1 stream (higher is better)", unit: "Gbit/s" },
  { metric: "tcp4Gbps", title: "TCP throughput, 4 streams (higher is better)", unit: "Gbit/s" },
  { metric: "rttMedianUs", title: "Round-trip time, median (lower is better)", unit: "µs" },
];

function ratioLabel(p: PairResult, metric: MetricId): string {
  const r = p.results[metric];
  if (!r) return "";
  const parts: string[] = [];
  if (p.id !== REFERENCES.wireguardGo && r.vsWireguardGo !== null) parts.push(`${fmtRatio(r.vsWireguardGo)} wireguard-go`);
  if (p.id !== REFERENCES.kernel && r.vsKernel !== null) parts.push(`${fmtRatio(r.vsKernel)} kernel`);
  if (parts.length === 0 && (p.id === REFERENCES.wireguardGo || p.id === REFERENCES.kernel)) return "reference";
  return parts.join(" · ");
}

function panel(rep: TunnelReport, pnl: Panel, y0: number): { svg: string[]; height: number } {
  const svg: string[] = [];
  const rows = rep.pairs.filter((p) => p.results[pnl.metric]);
  svg.push(text(16, y0 + 14, pnl.title, `font-weight="600" font-size="14" fill="#111827"`));
  // The scale fits the tunnels; a far larger ceiling (the bare veth) is drawn cut, with its value.
  const tunnels = rows.filter((p) => p.id !== "veth").map((p) => p.results[pnl.metric]!.max);
  const ceiling = rows.find((p) => p.id === "veth")?.results[pnl.metric]?.max ?? 0;
  const tunnelMax = Math.max(0, ...tunnels);
  const scaleMax = tunnelMax > 0 && ceiling > 1.5 * tunnelMax ? tunnelMax * 1.15 : Math.max(tunnelMax, ceiling);
  const px = (v: number) => (scaleMax > 0 ? Math.min(BAR_MAX, (v / scaleMax) * BAR_MAX) : 0);
  let y = y0 + 26;
  for (const p of rows) {
    const r = p.results[pnl.metric]!;
    const w = Math.max(1, px(r.median));
    const cut = r.median > scaleMax;
    const color = COLORS[p.id] ?? "#6b7280";
    svg.push(text(LABEL_W, y + BAR_H - 3, p.label, `text-anchor="end" font-size="12" fill="#374151"`));
    svg.push(`<rect x="${BAR_X}" y="${y}" width="${w.toFixed(1)}" height="${BAR_H}" rx="2" fill="${color}"/>`);
    if (cut) {
      // A white zigzag across the bar's end says "not to scale".
      const cx = BAR_X + w - 18;
      svg.push(`<path d="M${cx} ${y - 1} l6 ${BAR_H / 2 + 1} l-6 ${BAR_H / 2 + 1}" stroke="#fff" stroke-width="3" fill="none"/>`);
    } else if (r.samples.length > 1) {
      const x1 = BAR_X + px(r.min);
      const x2 = BAR_X + px(r.max);
      const cy = y + BAR_H / 2;
      svg.push(`<path d="M${x1.toFixed(1)} ${cy} H${x2.toFixed(1)} M${x1.toFixed(1)} ${cy - 4} v8 M${x2.toFixed(1)} ${cy - 4} v8" stroke="#111827" stroke-width="1.2" fill="none"/>`);
    }
    const valueX = BAR_X + Math.max(w, px(r.max)) + 6;
    const value = `${fmt(r.median)} ${pnl.unit}${cut ? " (off scale)" : ""}`;
    svg.push(text(valueX, y + BAR_H - 3, value, `font-size="12" font-weight="600" fill="#111827"`));
    // Ratios in a right-aligned column of their own, clear of the longest bar and value.
    const ratio = ratioLabel(p, pnl.metric);
    if (ratio) svg.push(text(WIDTH - 16, y + BAR_H - 3, ratio, `text-anchor="end" font-size="11" fill="#4b5563"`));
    y += ROW_H;
  }
  if (rows.length === 0) {
    svg.push(text(BAR_X, y + BAR_H - 3, "not measured", `font-size="12" fill="#6b7280"`));
    y += ROW_H;
  }
  return { svg, height: y - y0 + 10 };
}

/** The chart as an SVG document. */
export function chartSvg(rep: TunnelReport): string {
  const body: string[] = [];
  const m = rep.machine;
  body.push(text(16, 26, "wasmguard: tunnel benchmark", `font-weight="700" font-size="17" fill="#111827"`));
  body.push(text(16, 45, `${m.cpu}, ${m.cores} cores, Linux ${m.kernel}, Node ${m.node} · ${rep.date.slice(0, 10)}`, `font-size="12" fill="#4b5563"`));
  const notes = [
    `Two network namespaces joined by a veth pair; iperf3 and ping; median of ${rep.settings.runs} run${rep.settings.runs > 1 ? "s" : ""}, whiskers min–max; in "A → B", A sends.`,
    rep.kernelWireguard.available ? "" : `Kernel WireGuard not available on this host (${rep.kernelWireguard.reason ?? "no module"}).`,
  ].filter(Boolean);
  notes.forEach((n, i) => body.push(text(16, 62 + i * 15, n, `font-size="11" fill="#6b7280"`)));
  let y = 62 + notes.length * 15 + 8;
  for (const pnl of PANELS) {
    const { svg, height } = panel(rep, pnl, y);
    body.push(...svg);
    y += height;
  }
  const height = Math.ceil(y + 6);
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}" font-family="${FONT}" role="img" aria-label="wasmguard tunnel benchmark">`,
    `<rect width="100%" height="100%" rx="8" fill="#ffffff"/>`,
    ...body,
    `</svg>`,
    "",
  ].join("\n");
}
