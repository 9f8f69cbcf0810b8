// The tunnel benchmark's arithmetic and output, on made-up run records (no
// root needed): medians and spreads over runs, ratios to the references,
// figures that do not apply, the JSON validator, the Markdown and the SVG.
import { describe, expect, it } from "vitest";
import { median, quantile } from "../../bench/tunnel/metrics.js";
import { ALL_PAIRS, type PairSpec, type RunRecord } from "../../bench/tunnel/pairs.js";
import { markdownReport, METRICS, summarize, textReport } from "../../bench/tunnel/report.js";
import { METRIC_IDS, validateReport, type TunnelReport } from "../../bench/tunnel/schema.js";
import { chartSvg } from "../../bench/tunnel/svg.js";

const pair = (id: string): PairSpec => ALL_PAIRS.find((p) => p.id === id)!;

/** A run whose figures all scale with `k`: throughput k Gbit/s, RTT 100/k µs, and so on. */
function fakeRun(round: number, k: number, opts: { a: boolean; b: boolean; up: boolean }): RunRecord {
  const bytes = k * 1e9;
  const cpu = { a: opts.a ? 2 / k : null, b: opts.b ? 1 / k : null, host: 4 / k };
  return {
    round,
    ...(opts.up ? { upToPingMs: 100 / k, configuredToPingMs: 10 / k } : {}),
    ping: { sent: 100, received: 100, medianUs: 100 / k, p99Us: 300 / k, minUs: 50 / k, maxUs: 400 / k },
    tcp1: { bitsPerSecond: k * 1e9, bytes, seconds: 1, cpu },
    tcp4: { bitsPerSecond: 2 * k * 1e9, bytes, seconds: 1, cpu },
    udp: { bitsPerSecond: 1e6, bytes: 1e6, seconds: 1, sentPackets: 2000, receivedPackets: 1000, packetsPerSecond: k * 1e3, lossPercent: 50, cpu },
    peakRss: { a: opts.a ? 10 * 2 ** 20 * k : null, b: opts.b ? 20 * 2 ** 20 * k : null },
    errors: [],
  };
}

const daemons = { a: true, b: true, up: true };
const measured = [
  { pair: pair("veth"), runs: [fakeRun(1, 20, { a: false, b: false, up: false }), fakeRun(2, 30, { a: false, b: false, up: false })] },
  { pair: pair("wireguard-go"), runs: [fakeRun(1, 1, daemons), fakeRun(2, 3, daemons)] },
  { pair: pair("kernel"), runs: [fakeRun(1, 4, { a: false, b: false, up: true }), fakeRun(2, 4, { a: false, b: false, up: true })] },
  { pair: pair("wasmguard"), runs: [fakeRun(1, 1, daemons), fakeRun(2, 0.5, daemons)] },
];

function fakeReport(): TunnelReport {
  return {
    benchmark: "tunnel",
    version: 1,
    date: "2025-01-01T00:00:00.000Z",
    durationSeconds: 12,
    machine: { cpu: "Test CPU", cores: 2, kernel: "6.1.0", node: "v20.0.0", memGiB: 4 },
    settings: { runs: 2, seconds: 1, pingCount: 100, udpPayload: 64, firstPingTimeout: 10, quick: true, wasmguardd: "dist" },
    kernelWireguard: { available: true },
    skipped: [],
    metrics: METRICS.map(({ id, label, unit, better, ratios }) => ({ id, label, unit, better, ratios })),
    pairs: summarize(measured),
  };
}

describe("statistics", () => {
  it("median and quantiles interpolate between ranks", () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(quantile([1, 2, 3, 4, 5], 0.99)).toBeCloseTo(4.96, 10);
    expect(quantile([7], 0.99)).toBe(7);
    expect(median([])).toBeNaN();
  });
});

describe("summarize", () => {
  const rep = fakeReport();
  const get = (id: string) => rep.pairs.find((p) => p.id === id)!;

  it("reports the median over runs with min and max", () => {
    const go = get("wireguard-go").results.tcp1Gbps!;
    expect(go.samples).toEqual([1, 3]);
    expect([go.min, go.median, go.max]).toEqual([1, 2, 3]);
  });

  it("gives ratios to wireguard-go and the kernel, medians over medians", () => {
    const wg = get("wasmguard").results;
    expect(wg.tcp1Gbps!.vsWireguardGo).toBeCloseTo(0.75 / 2, 12);
    expect(wg.tcp1Gbps!.vsKernel).toBeCloseTo(0.75 / 4, 12);
    // Lower-is-better figures keep the same direction: value over reference.
    expect(wg.rttMedianUs!.vsWireguardGo).toBeCloseTo(150 / ((100 + 100 / 3) / 2), 12);
    expect(get("wireguard-go").results.tcp4Gbps!.vsWireguardGo).toBe(1);
    // Loss percentages get no ratio.
    expect(wg.udpLossPercent!.vsWireguardGo).toBeNull();
  });

  it("computes CPU per gigabyte from both TCP transfers of a run", () => {
    // Per run: (2/k + 2/k) CPU seconds over 2k GB.
    const wg = get("wasmguard").results.cpuSenderSecPerGB!;
    expect(wg.samples).toEqual([4 / 1 / 2, 4 / 0.5 / 1]);
  });

  it("marks figures that do not apply as null, not as missing", () => {
    const veth = get("veth");
    expect(veth.results.upToPingMs).toBeNull();
    expect(veth.results.cpuSenderSecPerGB).toBeNull();
    expect(veth.results.rssReceiverMiB).toBeNull();
    expect(veth.results.hostCpuSecPerGB).not.toBeNull();
    expect(get("kernel").results.rssSenderMiB).toBeNull();
    expect(get("kernel").results.upToPingMs).not.toBeNull();
    for (const p of rep.pairs) expect(p.missing).toEqual([]);
  });

  it("lists a figure that failed in every run as missing", () => {
    const broken = fakeRun(1, 1, daemons);
    delete broken.tcp4;
    broken.errors.push("TCP, 4 streams: iperf3 failed");
    const [p] = summarize([{ pair: pair("wasmguard"), runs: [broken] }]);
    expect(p.missing).toEqual(["tcp4Gbps"]);
    expect(p.results.tcp4Gbps).toBeNull();
    expect(p.errors).toEqual(["run 1: TCP, 4 streams: iperf3 failed"]);
    // With one transfer left, CPU per GB still comes from it.
    expect(p.results.cpuSenderSecPerGB!.median).toBeCloseTo(2, 12);
  });
});

describe("validateReport", () => {
  it("accepts a complete report", () => {
    expect(validateReport(fakeReport())).toEqual([]);
    expect(validateReport(JSON.parse(JSON.stringify(fakeReport())))).toEqual([]);
  });

  it("rejects missing metrics, bad spreads, wrong run counts and bad ratios", () => {
    const r1 = fakeReport() as unknown as { pairs: { results: Record<string, unknown> }[] };
    delete r1.pairs[1].results.tcp1Gbps;
    expect(validateReport(r1)).toContain("pair wireguard-go: no entry for tcp1Gbps");

    const r2 = fakeReport();
    r2.pairs[1].results.tcp4Gbps!.min = 99;
    expect(validateReport(r2).join()).toMatch(/tcp4Gbps must have min <= median <= max/);

    const r3 = fakeReport();
    r3.pairs[0].runs.pop();
    expect(validateReport(r3).join()).toMatch(/pair veth: one run record per run/);

    const r4 = fakeReport();
    r4.pairs[3].results.rttP99Us!.vsKernel = -1;
    expect(validateReport(r4).join()).toMatch(/rttP99Us ratios/);

    const r5 = fakeReport() as unknown as Record<string, unknown>;
    r5.benchmark = "crypto";
    delete r5.machine;
    expect(validateReport(r5)).toEqual(expect.arrayContaining(['benchmark must be "tunnel"', "machine needs cpu, cores, kernel"]));

    expect(validateReport({ ...fakeReport(), pairs: [] })).toContain("pairs must be a non-empty array");
    expect(validateReport(null)).toEqual(["the report is not an object"]);
  });

  it("knows every metric the report module produces", () => {
    expect(METRICS.map((m) => m.id)).toEqual(METRIC_IDS);
  });
});

describe("output", () => {
  const rep = fakeReport();

  it("prints one table per metric, with ratios and n/a where a figure does not apply", () => {
    const text = textReport(rep);
    for (const m of METRICS) expect(text).toContain(`${m.label} — ${m.unit}`);
    expect(text).toMatch(/wasmguard ↔ wasmguard\s+0\.75\s+0\.50–1\.00\s+2\s+0\.38×\s+0\.19×/);
    expect(text).toMatch(/bare veth \(no tunnel\)\s+n\/a/);
  });

  it("writes a Markdown row per pair with ratios to wireguard-go and the kernel", () => {
    const md = markdownReport(rep).split("\n");
    expect(md[0]).toMatch(/^\| \| TCP, 1 stream \| TCP, 4 streams \|/);
    expect(md.find((l) => l.startsWith("| wasmguard ↔ wasmguard |"))).toContain("0.75 Gbit/s (0.38× wg-go, 0.19× kernel)");
    expect(md.join("\n")).toContain("Test CPU, 2 cores, Linux 6.1.0");
  });

  it("draws a bar per pair and panel, with values, ratios and escaped text", () => {
    const svg = chartSvg({ ...rep, machine: { ...rep.machine, cpu: "A&B <CPU>" } });
    expect(svg).toMatch(/^<svg xmlns="http:\/\/www.w3.org\/2000\/svg" width="\d+" height="\d+"/);
    expect(svg).toContain("A&amp;B &lt;CPU&gt;");
    expect(svg).not.toContain("A&B");
    expect(svg.match(/<rect x=/g)?.length).toBe(4 * 3);
    expect(svg).toContain(">0.38× wireguard-go · 0.19× kernel<");
    // The bare veth is far above the tunnels: drawn cut, labelled off scale.
    expect(svg).toContain("25.0 Gbit/s (off scale)");
    // Every bar fits the drawing.
    const width = Number(/width="(\d+)"/.exec(svg)![1]);
    for (const m of svg.matchAll(/<rect x="([\d.]+)" y="[\d.]+" width="([\d.]+)"/g)) expect(Number(m[1]) + Number(m[2])).toBeLessThan(width);
  });
});
