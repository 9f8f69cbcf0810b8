// The pairings measured (one endpoint in each namespace) and one round of
// measurements over a pairing: bring the tunnel up and time the first answered
// ping, then a ping series, TCP with one and four streams, and small-packet
// UDP, reading the endpoints' CPU and memory around them. Traffic flows from
// A (initiator, iperf3 client) to B (responder, iperf3 server).
import { configurePair, type Driver, type ImplName, type KeyPair } from "./implementations.js";
import { firstPing, measureCpu, peakRssBytes, pingSeries, quantile, tcpThroughput, udpPacketRate, type CpuUse } from "./metrics.js";
import { TUNNEL_B, VETH_B, type Topology } from "./topology.js";

export interface PairSpec {
  /** Name on the command line (--pairs) and in the JSON. */
  id: string;
  label: string;
  /** The implementation at each end; null for both on the bare veth (no tunnel). */
  a: ImplName | null;
  b: ImplName | null;
}

export const ALL_PAIRS: PairSpec[] = [
  { id: "veth", label: "bare veth (no tunnel)", a: null, b: null },
  { id: "kernel", label: "kernel ↔ kernel", a: "kernel", b: "kernel" },
  { id: "wireguard-go", label: "wireguard-go ↔ wireguard-go", a: "wireguard-go", b: "wireguard-go" },
  { id: "wasmguard", label: "wasmguard ↔ wasmguard", a: "wasmguard", b: "wasmguard" },
  { id: "wasmguard:wireguard-go", label: "wasmguard → wireguard-go", a: "wasmguard", b: "wireguard-go" },
  { id: "wasmguard:kernel", label: "wasmguard → kernel", a: "wasmguard", b: "kernel" },
];

export interface Settings {
  runs: number;
  /** iperf3 duration per transfer, seconds. */
  seconds: number;
  pingCount: number;
  udpPayload: number;
  /** Upper bound on bringing a tunnel up to its first answered ping, seconds. */
  firstPingTimeout: number;
}

export interface TransferRecord {
  bitsPerSecond: number;
  bytes: number;
  seconds: number;
  /** CPU seconds during the transfer: endpoint processes at A and B (null: none), and the whole host. */
  cpu: CpuUse;
}

/** Everything one round measured on one pairing; a stage that failed leaves its field out and adds an error. */
export interface RunRecord {
  round: number;
  /** From starting the endpoints to the first answered ping, handshake included. */
  upToPingMs?: number;
  /** From the configured, up interfaces to the first answered ping (handshake and first packet). */
  configuredToPingMs?: number;
  ping?: { sent: number; received: number; medianUs: number; p99Us: number; minUs: number; maxUs: number };
  tcp1?: TransferRecord;
  tcp4?: TransferRecord;
  udp?: TransferRecord & { sentPackets: number; receivedPackets: number; packetsPerSecond: number; lossPercent: number };
  /** Peak resident set size of the endpoint processes at the end of the round, bytes (null: no process). */
  peakRss?: { a: number | null; b: number | null };
  errors: string[];
}

export type Stage = "up" | "ping" | "tcp1" | "tcp4" | "udp";

export function stagesOf(pair: PairSpec): Stage[] {
  return pair.a === null ? ["ping", "tcp1", "tcp4", "udp"] : ["up", "ping", "tcp1", "tcp4", "udp"];
}

export const STAGE_LABEL: Record<Stage, string> = {
  up: "up → first ping",
  ping: "ping series",
  tcp1: "TCP, 1 stream",
  tcp4: "TCP, 4 streams",
  udp: "UDP, small packets",
};

export interface RoundContext {
  topo: Topology;
  drivers: Record<ImplName, Driver>;
  keys: { a: KeyPair; b: KeyPair };
  settings: Settings;
  /** A fresh interface name per end and round (UAPI sockets live in one host-wide directory). */
  ifaceName(side: "a" | "b"): string;
  /** Called when a stage starts, and when it ends with a short result or an error. */
  onStage(stage: Stage, state: "start" | "done" | "failed", detail?: string): void;
}

const fmtGbps = (bps: number) => `${(bps / 1e9).toFixed(2)} Gbit/s`;

/** Runs one round of every stage on `pair`, always taking the tunnel down again. */
export async function measureRound(pair: PairSpec, round: number, ctx: RoundContext): Promise<RunRecord> {
  const { topo, settings } = ctx;
  const rec: RunRecord = { round, errors: [] };
  const target = pair.a === null ? VETH_B : TUNNEL_B;
  const ends = pair.a === null ? [] : [
    { side: "a" as const, ns: topo.a, driver: ctx.drivers[pair.a], iface: ctx.ifaceName("a") },
    { side: "b" as const, ns: topo.b, driver: ctx.drivers[pair.b!], iface: ctx.ifaceName("b") },
  ];
  const pidsOf = (side: "a" | "b") => ends.find((e) => e.side === side)?.driver.processes(side === "a" ? topo.a : topo.b) ?? [];

  async function stage<T>(s: Stage, body: () => Promise<T>, show: (v: T) => string): Promise<T | undefined> {
    ctx.onStage(s, "start");
    try {
      const v = await body();
      ctx.onStage(s, "done", show(v));
      return v;
    } catch (e) {
      const msg = e instanceof Error ? e.message : String(e);
      rec.errors.push(`${STAGE_LABEL[s]}: ${msg}`);
      ctx.onStage(s, "failed", msg.split("\n")[0]);
      return undefined;
    }
  }

  try {
    if (ends.length) {
      const up = await stage("up", async () => {
        const t0 = performance.now();
        await Promise.all(ends.map((e) => e.driver.create(e.ns, e.iface)));
        await configurePair(
          { ns: topo.a, iface: ends[0].iface, key: ctx.keys.a },
          { ns: topo.b, iface: ends[1].iface, key: ctx.keys.b },
        );
        const configured = performance.now() - t0;
        const ping = await firstPing(topo.a, target, settings.firstPingTimeout);
        return { total: configured + ping, ping };
      }, (v) => `${v.total.toFixed(0)} ms (${v.ping.toFixed(0)} ms of it handshake and first ping)`);
      // Without a working tunnel, nothing else can be measured.
      if (!up) return rec;
      rec.upToPingMs = up.total;
      rec.configuredToPingMs = up.ping;
    }
    // Processes are looked up once the tunnel is up (daemons have detached by then).
    const pidsA = pidsOf("a");
    const pidsB = pidsOf("b");
    for (const e of ends)
      if (e.driver.processes(e.ns).length === 0 && e.driver.name !== "kernel") rec.errors.push(`no ${e.driver.name} process found in ${e.ns.name}`);

    const p = await stage("ping", () => pingSeries(topo.a, target, settings.pingCount),
      (v) => `median ${quantile(v.rttsUs, 0.5).toFixed(0)} µs, p99 ${quantile(v.rttsUs, 0.99).toFixed(0)} µs, ${v.rttsUs.length}/${v.sent} answered`);
    if (p)
      rec.ping = {
        sent: p.sent,
        received: p.rttsUs.length,
        medianUs: quantile(p.rttsUs, 0.5),
        p99Us: quantile(p.rttsUs, 0.99),
        minUs: Math.min(...p.rttsUs),
        maxUs: Math.max(...p.rttsUs),
      };

    for (const [s, streams] of [["tcp1", 1], ["tcp4", 4]] as const) {
      const t = await stage(s, () => measureCpu(pidsA, pidsB, () => tcpThroughput(topo.a, topo.b, target, streams, settings.seconds)),
        (v) => fmtGbps(v.result.bitsPerSecond));
      if (t) rec[s] = { ...t.result, cpu: t.cpu };
    }

    const u = await stage("udp", () => measureCpu(pidsA, pidsB, () => udpPacketRate(topo.a, topo.b, target, settings.udpPayload, settings.seconds)),
      (v) => `${(v.result.packetsPerSecond / 1e3).toFixed(1)} kpackets/s received, ${v.result.lossPercent.toFixed(1)}% lost`);
    if (u) rec.udp = { ...u.result, cpu: u.cpu };

    const rss = (pids: number[]) => (pids.length ? Math.max(...pids.map(peakRssBytes)) : null);
    if (ends.length) rec.peakRss = { a: rss(pidsA), b: rss(pidsB) };
    return rec;
  } finally {
    await Promise.all(ends.map((e) => e.driver.destroy(e.ns, e.iface).catch((err) => rec.errors.push(`taking ${e.iface} down: ${err}`))));
  }
}

