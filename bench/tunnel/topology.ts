// The benchmark's network: two namespaces joined by a veth pair. Every tunnel
// under test runs between them, one endpoint in each, so all traffic stays
// inside namespaces this process created (and deletes on exit or signal).
//
//   ns A (sender, initiator)                  ns B (receiver, responder)
//   tunnel: 10.10.0.1/24                      tunnel: 10.10.0.2/24, listen port 51820
//   veth va: 10.201.0.1/24   <------------->  veth vb: 10.201.0.2/24
import { type ChildProcess } from "node:child_process";
import { createVethPair, Netns } from "../../test/helpers/netns-core.js";

export const VETH_A = "10.201.0.1";
export const VETH_B = "10.201.0.2";
export const TUNNEL_A = "10.10.0.1";
export const TUNNEL_B = "10.10.0.2";
export const LISTEN_PORT = 51820;

export interface RunResult {
  status: number | null;
  stdout: string;
  stderr: string;
  /** Wall time from spawn to exit, in milliseconds. */
  ms: number;
  timedOut: boolean;
}

export class Topology {
  private constructor(
    readonly a: Netns,
    readonly b: Netns,
  ) {}

  static create(): Topology {
    const a = Netns.create("ba");
    let b: Netns;
    try {
      b = Netns.create("bb");
    } catch (e) {
      a.delete();
      throw e;
    }
    const topo = new Topology(a, b);
    try {
      createVethPair(a, b, { nameA: "va", nameB: "vb", addrA: [`${VETH_A}/24`], addrB: [`${VETH_B}/24`] });
    } catch (e) {
      topo.delete();
      throw e;
    }
    return topo;
  }

  /** Kills everything running in both namespaces and deletes them (interfaces go with them). */
  delete(): void {
    this.a.delete();
    this.b.delete();
  }
}

/**
 * Runs `cmd` inside `ns` without blocking the event loop (so a signal can end
 * the run at once), killing it after `timeoutMs`.
 */
export function runIn(ns: Netns, cmd: string, args: string[], timeoutMs: number): Promise<RunResult> {
  const t0 = performance.now();
  const child = ns.spawn(cmd, args);
  return collect(child, t0, timeoutMs);
}

/** A long-running command in `ns` (an iperf3 server); the namespace's deletion kills it. */
export function startIn(ns: Netns, cmd: string, args: string[]): ChildProcess {
  return ns.spawn(cmd, args);
}

function collect(child: ChildProcess, t0: number, timeoutMs: number): Promise<RunResult> {
  let stdout = "";
  let stderr = "";
  let timedOut = false;
  child.stdout?.setEncoding("utf8").on("data", (d: string) => (stdout += d));
  child.stderr?.setEncoding("utf8").on("data", (d: string) => (stderr += d));
  const timer = setTimeout(() => {
    timedOut = true;
    child.kill("SIGKILL");
  }, timeoutMs);
  return new Promise((resolve) => {
    const done = (status: number | null, err?: Error) => {
      clearTimeout(timer);
      resolve({ status, stdout, stderr: stderr + (err ? String(err) : ""), ms: performance.now() - t0, timedOut });
    };
    child.once("error", (e) => done(null, e));
    child.once("close", (code) => done(code));
  });
}

/** Runs `cmd` in `ns`; resolves with stdout, rejects with the command and its stderr on failure. */
export async function mustRunIn(ns: Netns, cmd: string, args: string[], timeoutMs = 20_000): Promise<string> {
  const r = await runIn(ns, cmd, args, timeoutMs);
  if (r.status !== 0)
    throw new Error(`[${ns.name}] ${cmd} ${args.join(" ")}: ${r.timedOut ? `timed out after ${timeoutMs} ms` : `exit ${r.status}`}: ${r.stderr.trim()}`);
  return r.stdout;
}
