// Network namespaces without the test runner (benchmarks use them too):
// availability checks, namespaces and veth pairs that are removed even when
// the process dies, and child Node processes that run inside a namespace and
// answer calls over an IPC channel. test/helpers/netns.ts re-exports all of
// this and adds describeNetns for vitest suites.
//
//   const ns = Netns.create();            // ns.delete() when done (exit also deletes it)
//   ns.ip("addr", "add", "10.9.0.1/24", "dev", "lo");
//   const child = ns.spawnNode("test/io/io-child.ts");
//   await child.call("openTun", { name: "wgt0" });
//
// Inside the child script: `serveCalls({ openTun: (params) => ... })` from netns-child.ts.
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { closeSync, existsSync, openSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { nativeAvailable } from "../../bindings/io/native.js";

export const requireNetns = process.env.WASMGUARD_REQUIRE_NETNS === "1";

/** The repository root (test/helpers/..). */
export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..");

export interface Requirements {
  /** /dev/net/tun must be usable. */
  tun?: boolean;
  /** The wasmguard_io addon must load. */
  addon?: boolean;
  /** Namespaces must be creatable (default true). */
  netns?: boolean;
}

export interface Availability {
  ok: boolean;
  reason?: string;
}

let netnsProbe: Availability | undefined;

function run(cmd: string, args: string[]): { ok: boolean; out: string } {
  const r = spawnSync(cmd, args, { encoding: "utf8" });
  return { ok: r.status === 0, out: `${r.stdout ?? ""}${r.stderr ?? ""}${r.error ? String(r.error) : ""}`.trim() };
}

function probeNetns(): Availability {
  if (process.platform !== "linux") return { ok: false, reason: `network namespaces need Linux, not ${process.platform}` };
  if (process.getuid?.() !== 0) return { ok: false, reason: "network namespaces need root" };
  if (!run("ip", ["-V"]).ok) return { ok: false, reason: "the ip tool (iproute2) is missing" };
  const name = `wgt-probe-${process.pid}`;
  const add = run("ip", ["netns", "add", name]);
  if (!add.ok) return { ok: false, reason: `cannot create a network namespace: ${add.out}` };
  run("ip", ["netns", "del", name]);
  return { ok: true };
}


function probeTun(): Availability {
  if (!existsSync("/dev/net/tun")) return { ok: false, reason: "/dev/net/tun is missing" };
  try {
    closeSync(openSync("/dev/net/tun", "r+"));
    return { ok: true };
  } catch (e) {
    return { ok: false, reason: `/dev/net/tun cannot be opened: ${(e as Error).message}` };
  }
}

/** Whether tests needing `req` can run here, and if not, why. */
export function netnsAvailable(req: Requirements = {}): Availability {
  if (req.netns !== false) {
    netnsProbe ??= probeNetns();
    if (!netnsProbe.ok) return netnsProbe;
  }
  if (req.tun) {
    const t = probeTun();
    if (!t.ok) return t;
  }
  if (req.addon) {
    const a = nativeAvailable();
    if (!a.ok) return a;
  }
  return { ok: true };
}

// Everything this process created, for cleanup on exit even after a crash.
const liveNamespaces = new Set<Netns>();
let counter = 0;
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on("exit", cleanupNetns);
  for (const sig of ["SIGINT", "SIGTERM"] as const)
    process.once(sig, () => {
      cleanupNetns();
      process.kill(process.pid, sig);
    });
}

/** Deletes every namespace (and kills every process in it) this process created and has not deleted yet. */
export function cleanupNetns(): void {
  for (const ns of [...liveNamespaces]) ns.delete();
}

/** Namespaces named wgt-<pid>-... whose creating process is dead (left by a killed run). */
function sweepStale(): void {
  const list = run("ip", ["netns", "list"]);
  if (!list.ok) return;
  for (const line of list.out.split("\n")) {
    const m = /^(wgt-(\d+)-\S+)/.exec(line.trim());
    if (!m) continue;
    const pid = Number(m[2]);
    let alive = true;
    try {
      process.kill(pid, 0);
    } catch (e) {
      alive = (e as NodeJS.ErrnoException).code === "EPERM";
    }
    if (!alive) run("ip", ["netns", "del", m[1]]);
  }
}

export class Netns {
  private readonly children = new Set<ChildProcess>();
  private deleted = false;

  private constructor(readonly name: string) {}

  /** A fresh namespace with loopback up. Delete it in afterAll (exit also deletes it). */
  static create(tag = "t"): Netns {
    installExitHook();
    if (counter === 0) sweepStale();
    const name = `wgt-${process.pid}-${tag}${counter++}`;
    const r = run("ip", ["netns", "add", name]);
    if (!r.ok) throw new Error(`ip netns add ${name}: ${r.out}`);
    const ns = new Netns(name);
    liveNamespaces.add(ns);
    ns.ip("link", "set", "lo", "up");
    return ns;
  }

  /** `ip -n <ns> ...`; returns stdout, throws with stderr on failure. */
  ip(...args: string[]): string {
    return this.exec("ip", ...args);
  }

  /** Runs a command inside the namespace and waits; returns stdout, throws on a non-zero exit. */
  exec(cmd: string, ...args: string[]): string {
    const r = spawnSync("ip", ["netns", "exec", this.name, cmd, ...args], { encoding: "utf8", timeout: 30_000 });
    if (r.status !== 0)
      throw new Error(`[${this.name}] ${cmd} ${args.join(" ")}: exit ${r.status ?? r.signal}: ${r.stderr || r.error}`);
    return r.stdout;
  }

  /** Like exec, but returns the exit status and output instead of throwing. */
  tryExec(cmd: string, ...args: string[]): { status: number | null; stdout: string; stderr: string } {
    const r = spawnSync("ip", ["netns", "exec", this.name, cmd, ...args], { encoding: "utf8", timeout: 30_000 });
    return { status: r.status, stdout: r.stdout ?? "", stderr: r.stderr ?? "" };
  }

  /** Starts a long-running command inside the namespace; it is killed when the namespace is deleted. */
  spawn(cmd: string, args: string[], options: { stdio?: ("ignore" | "pipe" | "inherit" | "ipc")[] } = {}): ChildProcess {
    const env = { ...process.env };
    delete env.NODE_OPTIONS; // the test runner's loaders are not for the child
    const child = spawn("ip", ["netns", "exec", this.name, cmd, ...args], {
      cwd: repoRoot,
      env,
      stdio: options.stdio ?? ["ignore", "pipe", "pipe"],
    });
    this.children.add(child);
    child.once("exit", () => this.children.delete(child));
    return child;
  }

  /** A Node process running the TypeScript `script` (relative to the repo root) inside the namespace. */
  spawnNode(script: string, args: string[] = []): NodeChild {
    const child = this.spawn(process.execPath, ["--import", "tsx", resolve(repoRoot, script), ...args], {
      stdio: ["ignore", "pipe", "pipe", "ipc"],
    });
    return new NodeChild(child, `${this.name}:${script}`);
  }

  /** PIDs of every process living in the namespace (ours or daemonized ones). */
  pids(): number[] {
    const r = spawnSync("ip", ["netns", "pids", this.name], { encoding: "utf8" });
    return (r.stdout ?? "").split(/\s+/).filter(Boolean).map(Number);
  }

  /**
   * Kills this namespace's children and every other process still inside it
   * (daemons detach from us, and would otherwise outlive the namespace), then
   * removes it. Safe to call twice.
   */
  delete(): void {
    if (this.deleted) return;
    this.deleted = true;
    for (const c of this.children) c.kill("SIGKILL");
    this.children.clear();
    for (const pid of this.pids()) {
      try {
        process.kill(pid, "SIGKILL");
      } catch {
        // already gone
      }
    }
    run("ip", ["netns", "del", this.name]);
    liveNamespaces.delete(this);
  }
}

export interface VethOptions {
  /** Interface names on each side (at most 15 characters). */
  nameA: string;
  nameB: string;
  /** Addresses with prefix, e.g. "10.99.0.1/24" or "fd99::1/64"; added and the links set up. */
  addrA?: string[];
  addrB?: string[];
}

/** A veth pair between two namespaces, addressed and up. It goes away with either namespace. */
export function createVethPair(a: Netns, b: Netns, opts: VethOptions): void {
  const r = run("ip", ["link", "add", opts.nameA, "netns", a.name, "type", "veth", "peer", "name", opts.nameB, "netns", b.name]);
  if (!r.ok) throw new Error(`veth ${opts.nameA}/${opts.nameB}: ${r.out}`);
  for (const [ns, dev, addrs] of [
    [a, opts.nameA, opts.addrA ?? []],
    [b, opts.nameB, opts.addrB ?? []],
  ] as const) {
    // nodad: IPv6 addresses are usable at once instead of after duplicate detection.
    for (const addr of addrs) ns.ip("addr", "add", addr, "dev", dev, ...(addr.includes(":") ? ["nodad"] : []));
    ns.ip("link", "set", dev, "up");
  }
}

interface CallReply {
  id: number;
  result?: unknown;
  error?: { message: string; code?: string };
}

interface EventMessage {
  event: string;
  data?: unknown;
}

/** Error from a call, with the child's error code. */
export class ChildCallError extends Error {
  constructor(
    message: string,
    readonly code?: string,
  ) {
    super(message);
  }
}

/** A child Node process serving calls (see serveCalls in netns-child.ts). */
export class NodeChild {
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  private readonly events: EventMessage[] = [];
  private readonly eventWaiters: (() => void)[] = [];
  private output = "";
  private exited: string | null = null;

  constructor(
    readonly process: ChildProcess,
    private readonly label: string,
  ) {
    process.stdout?.on("data", (d) => (this.output += d));
    process.stderr?.on("data", (d) => (this.output += d));
    process.on("message", (m: CallReply | EventMessage) => {
      if ("event" in m) {
        this.events.push(m);
        for (const w of this.eventWaiters.splice(0)) w();
        return;
      }
      const p = this.pending.get(m.id);
      if (!p) return;
      this.pending.delete(m.id);
      if (m.error) p.reject(new ChildCallError(m.error.message, m.error.code));
      else p.resolve(m.result);
    });
    process.on("exit", (code, signal) => {
      this.exited = `exited with ${code ?? signal}`;
      const err = new Error(`${this.label} ${this.exited} during a call; output:\n${this.output}`);
      for (const p of this.pending.values()) p.reject(err);
      this.pending.clear();
      for (const w of this.eventWaiters.splice(0)) w();
    });
  }

  /** What the child printed so far (for failure messages). */
  get log(): string {
    return this.output;
  }

  /** Calls `method` in the child; rejects with the child's error (code kept) or on timeout. */
  call<T = unknown>(method: string, params: unknown = {}, timeoutMs = 10_000): Promise<T> {
    if (this.exited) return Promise.reject(new Error(`${this.label} ${this.exited}; output:\n${this.output}`));
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new Error(`${this.label}: ${method} timed out after ${timeoutMs} ms; output:\n${this.output}`));
      }, timeoutMs);
      this.pending.set(id, {
        resolve: (v) => (clearTimeout(timer), resolve(v as T)),
        reject: (e) => (clearTimeout(timer), reject(e)),
      });
      this.process.send({ id, method, params });
    });
  }

  /** The next event named `name` the child emitted (queued ones first). */
  async nextEvent<T = unknown>(name: string, timeoutMs = 10_000): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const i = this.events.findIndex((e) => e.event === name);
      if (i >= 0) return this.events.splice(i, 1)[0].data as T;
      if (this.exited) throw new Error(`${this.label} ${this.exited} before event '${name}'; output:\n${this.output}`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`${this.label}: no '${name}' event within ${timeoutMs} ms; output:\n${this.output}`);
      await new Promise<void>((r) => {
        const t = setTimeout(r, left);
        this.eventWaiters.push(() => (clearTimeout(t), r()));
      });
    }
  }

  /** Ends the child (SIGKILL) and waits for it to go. */
  async kill(): Promise<void> {
    if (this.exited) return;
    const gone = new Promise<void>((r) => this.process.once("exit", () => r()));
    this.process.kill("SIGKILL");
    await gone;
  }
}
