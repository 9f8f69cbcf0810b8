// One measurement each: iperf3 TCP and small-packet UDP, a ping series, the
// time to the first answered ping, and the CPU and memory the endpoints'
// processes use (read from /proc around each transfer).
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import type { Netns } from "../../test/helpers/netns-core.js";
import { runIn, startIn } from "./topology.js";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

// ---- statistics ------------------------------------------------------------

export function median(xs: number[]): number {
  return quantile(xs, 0.5);
}

/** Linear interpolation between closest ranks (as numpy's default). */
export function quantile(xs: number[], q: number): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((x, y) => x - y);
  const pos = (s.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return s[lo] + (s[hi] - s[lo]) * (pos - lo);
}

// ---- CPU and memory from /proc ---------------------------------------------

let ticksPerSecond: number | undefined;

function clockTicks(): number {
  if (ticksPerSecond) return ticksPerSecond;
  const r = spawnSync("getconf", ["CLK_TCK"], { encoding: "utf8" });
  ticksPerSecond = Number(r.stdout?.trim()) || 100;
  return ticksPerSecond;
}

/** User + system CPU seconds of a process, all its threads included; NaN once it is gone. */
export function processCpuSeconds(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // Fields after the command name (which may hold spaces): state is field 3, utime 14, stime 15.
    const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return (Number(f[11]) + Number(f[12])) / clockTicks();
  } catch {
    return NaN;
  }
}

/** Peak resident set size of a process (VmHWM), in bytes; NaN once it is gone. */
export function peakRssBytes(pid: number): number {
  try {
    const m = /^VmHWM:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    return m ? Number(m[1]) * 1024 : NaN;
  } catch {
    return NaN;
  }
}

/** Busy CPU seconds of the whole host (every core, idle and iowait excluded). */
export function hostBusySeconds(): number {
  const line = readFileSync("/proc/stat", "utf8").split("\n")[0];
  // cpu user nice system idle iowait irq softirq steal guest guest_nice (guest time is already in user)
  const [user, nice, system, , , irq, softirq, steal] = line.trim().split(/\s+/).slice(1).map(Number);
  return (user + nice + system + irq + softirq + (steal || 0)) / clockTicks();
}

/** CPU seconds used by each endpoint's processes and by the host while `body` ran. */
export interface CpuUse {
  /** Per side; null when that side has no process (kernel, bare veth). */
  a: number | null;
  b: number | null;
  host: number;
}

export async function measureCpu<T>(pidsA: number[], pidsB: number[], body: () => Promise<T>): Promise<{ result: T; cpu: CpuUse }> {
  const sum = (pids: number[]) => pids.reduce((s, p) => s + processCpuSeconds(p), 0);
  const a0 = sum(pidsA);
  const b0 = sum(pidsB);
  const h0 = hostBusySeconds();
  const result = await body();
  const host = hostBusySeconds() - h0;
  const a = pidsA.length ? sum(pidsA) - a0 : null;
  const b = pidsB.length ? sum(pidsB) - b0 : null;
  if (Number.isNaN(a) || Number.isNaN(b)) throw new Error("a tunnel process exited during the transfer");
  return { result, cpu: { a, b, host } };
}

// ---- iperf3 ------------------------------------------------------------------

export interface TransferResult {
  /** Payload bits per second the receiver got. */
  bitsPerSecond: number;
  /** Payload bytes the receiver got. */
  bytes: number;
  seconds: number;
}

export interface UdpResult extends TransferResult {
  sentPackets: number;
  receivedPackets: number;
  packetsPerSecond: number;
  lossPercent: number;
}

const IPERF_PORT = 5201;

/** Starts a one-shot iperf3 server bound to `addr` in `ns` and waits until it listens. */
async function iperfServer(ns: Netns, addr: string) {
  // --forceflush: the "listening" line must reach us through the pipe at once.
  const server = startIn(ns, "iperf3", ["-s", "-1", "--forceflush", "-B", addr, "-p", String(IPERF_PORT)]);
  let out = "";
  server.stdout?.setEncoding("utf8").on("data", (d: string) => (out += d));
  server.stderr?.setEncoding("utf8").on("data", (d: string) => (out += d));
  const deadline = Date.now() + 5000;
  while (!/listening/i.test(out)) {
    if (server.exitCode !== null || Date.now() > deadline) {
      server.kill("SIGKILL");
      throw new Error(`iperf3 server did not start: ${out.trim()}`);
    }
    await sleep(10);
  }
  return server;
}

async function iperf(client: Netns, server: Netns, addr: string, args: string[], seconds: number): Promise<Record<string, any>> {
  const srv = await iperfServer(server, addr);
  try {
    const r = await runIn(client, "iperf3", ["-c", addr, "-p", String(IPERF_PORT), "-t", String(seconds), "-J", "--connect-timeout", "3000", ...args], (seconds + 20) * 1000);
    let json: Record<string, any> | undefined;
    try {
      json = JSON.parse(r.stdout);
    } catch {
      // reported below
    }
    if (r.status !== 0 || !json || json.error)
      throw new Error(`iperf3 ${args.join(" ")}: ${json?.error ?? (r.timedOut ? "timed out" : `exit ${r.status}`)} ${r.stderr.trim()}`.trim());
    return json;
  } finally {
    // Wait for it to go, so that the next server can bind the port.
    if (srv.exitCode === null && srv.signalCode === null) {
      const gone = new Promise((r) => srv.once("exit", r));
      srv.kill("SIGKILL");
      await gone;
    }
  }
}

/** TCP from `client` to the iperf3 server at `addr` in `server`, with `streams` parallel streams. */
export async function tcpThroughput(client: Netns, server: Netns, addr: string, streams: number, seconds: number): Promise<TransferResult> {
  const j = await iperf(client, server, addr, streams > 1 ? ["-P", String(streams)] : [], seconds);
  const s = j.end?.sum_received;
  if (!(s?.bytes > 0)) throw new Error("iperf3 reported no bytes received");
  return { bitsPerSecond: s.bits_per_second, bytes: s.bytes, seconds: s.seconds };
}

/** UDP with `payload`-byte datagrams sent as fast as iperf3 can: what the receiver gets per second. */
export async function udpPacketRate(client: Netns, server: Netns, addr: string, payload: number, seconds: number): Promise<UdpResult> {
  const j = await iperf(client, server, addr, ["-u", "-l", String(payload), "-b", "0"], seconds);
  const s = j.end?.sum_received ?? j.end?.sum;
  const sent = Number(s?.packets);
  const lost = Number(s?.lost_packets);
  const received = sent - lost;
  if (!(received > 0)) throw new Error(`iperf3 UDP: no datagram arrived (${sent} sent)`);
  return {
    bitsPerSecond: s.bits_per_second,
    bytes: s.bytes,
    seconds: s.seconds,
    sentPackets: sent,
    receivedPackets: received,
    packetsPerSecond: received / s.seconds,
    lossPercent: (100 * lost) / sent,
  };
}

// ---- ping --------------------------------------------------------------------

export interface PingSeries {
  sent: number;
  /** Round-trip times of the answered pings, in microseconds, in order. */
  rttsUs: number[];
}

/** `count` pings 10 ms apart (root allows that interval). */
export async function pingSeries(ns: Netns, addr: string, count: number): Promise<PingSeries> {
  const r = await runIn(ns, "ping", ["-n", "-c", String(count), "-i", "0.01", "-W", "1", addr], count * 10 + 10_000);
  const rttsUs = [...r.stdout.matchAll(/time=([\d.]+) ms/g)].map((m) => Number(m[1]) * 1000);
  if (rttsUs.length === 0) throw new Error(`ping ${addr}: no answer (${r.stderr.trim() || `exit ${r.status}`})`);
  return { sent: count, rttsUs };
}

/**
 * Pings every 10 ms until the first answer (at most `timeoutS` seconds): returns
 * when it came, in milliseconds after this call.
 */
export async function firstPing(ns: Netns, addr: string, timeoutS: number): Promise<number> {
  const t0 = performance.now();
  const r = await runIn(ns, "ping", ["-n", "-c", "1", "-i", "0.01", "-w", String(timeoutS), addr], timeoutS * 1000 + 5000);
  if (r.status !== 0) throw new Error(`no ping answered within ${timeoutS} s (${r.stderr.trim() || `exit ${r.status}`})`);
  return performance.now() - t0;
}
