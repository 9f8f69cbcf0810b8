// `wasmguard demo`: the whole job on an embedded default, for someone with no
// peer yet. Two temporary network namespaces joined by a veth pair; in each,
// `wasmguard up` of a generated config; then the handshake, a ping, a short
// TCP throughput figure and `show` output. When wireguard-go is installed, a
// second tunnel runs against it (interop, and a speed ratio measured in the
// same run). Every packet stays inside the two namespaces, and everything is
// removed on exit, on error and on Ctrl-C.
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, extname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { loadCryptoSync } from "../crypto/index.js";
import { nativeAvailable } from "../io/native.js";
import { keyToBase64 } from "../uapi/key-encoding.js";
import { type CliIo } from "./io.js";
import { which } from "./quick/exec.js";
import { packageCommand } from "./quick/daemon.js";
import { runWgCommand } from "./wg-commands.js";

export const ROOT_MESSAGE =
  "wasmguard demo needs root: it creates network namespaces and TUN devices (CAP_NET_ADMIN). Run it as: sudo npx wasmguard demo";

/** What is missing to run the demo here, in words; empty when nothing is. */
export function demoPrerequisites(env: Record<string, string | undefined>, uid = process.getuid?.() ?? 0): string[] {
  if (process.platform !== "linux") return [`wasmguard demo needs Linux (network namespaces and TUN), not ${process.platform}`];
  if (uid !== 0) return [ROOT_MESSAGE];
  const missing: string[] = [];
  if (!which("ip", env)) missing.push("the ip command (Debian/Ubuntu: apt-get install iproute2)");
  if (!existsSync("/dev/net/tun")) missing.push("/dev/net/tun (modprobe tun; in a container: --device /dev/net/tun)");
  const addon = nativeAvailable();
  if (!addon.ok) missing.push(`wasmguard's native addon (${addon.reason}; run npm install, which builds it)`);
  return missing;
}

interface Result {
  status: number | null;
  stdout: string;
  stderr: string;
}

const KEYGEN_BYTES = 32;

function keyPair(): { priv: string; pub: string } {
  const crypto = loadCryptoSync();
  const k = globalThis.crypto.getRandomValues(new Uint8Array(KEYGEN_BYTES));
  k[0] &= 248;
  k[31] = (k[31] & 127) | 64;
  return { priv: keyToBase64(k), pub: keyToBase64(crypto.x25519PublicKey(k)) };
}

/** Throughput in Mbit/s, one decimal below 10. */
function mbits(bitsPerSecond: number): string {
  const m = bitsPerSecond / 1e6;
  return m < 10 ? m.toFixed(1) : String(Math.round(m));
}

class Demo {
  readonly id = process.pid;
  readonly nsA = `wgdemo-${this.id}-a`;
  readonly nsB = `wgdemo-${this.id}-b`;
  readonly dir = mkdtempSync(join(tmpdir(), "wasmguard-demo-"));
  private readonly children = new Set<ChildProcess>();
  /** [namespace, config path] of every `up` attempted, for `down`. */
  private readonly ups: [string, string][] = [];
  private readonly ifaces: string[] = [];
  private cleaned = false;
  private cleaning: Promise<void> | null = null;

  constructor(
    private readonly io: CliIo,
    private readonly env: Record<string, string | undefined>,
  ) {}

  say(text: string): void {
    this.io.out(text + "\n");
  }

  /** Runs a command (inside a namespace when ns is set); kills it after timeoutMs. */
  run(ns: string | null, argv: string[], options: { timeoutMs?: number; env?: Record<string, string> } = {}): Promise<Result> {
    const full = ns ? ["ip", "netns", "exec", ns, ...argv] : argv;
    return new Promise((resolve) => {
      const child = spawn(full[0], full.slice(1), { env: { ...this.env, ...options.env } as NodeJS.ProcessEnv, stdio: ["ignore", "pipe", "pipe"] });
      this.children.add(child);
      let stdout = "";
      let stderr = "";
      child.stdout.setEncoding("utf8").on("data", (d: string) => (stdout += d));
      child.stderr.setEncoding("utf8").on("data", (d: string) => (stderr += d));
      const timer = setTimeout(() => child.kill("SIGKILL"), options.timeoutMs ?? 30_000);
      child.on("error", (e) => (stderr += e.message));
      child.on("close", (status) => {
        clearTimeout(timer);
        this.children.delete(child);
        resolve({ status, stdout, stderr });
      });
    });
  }

  async must(ns: string | null, argv: string[], what: string, options: { timeoutMs?: number; env?: Record<string, string> } = {}): Promise<Result> {
    const r = await this.run(ns, argv, options);
    if (r.status !== 0) throw new Error(`${what} failed (${argv.join(" ")}):\n${(r.stderr || r.stdout).trim()}`);
    return r;
  }

  /** A long-running process in a namespace; its output lines go to onLine. */
  background(ns: string, argv: string[], onLine: (line: string) => void): ChildProcess {
    const child = spawn("ip", ["netns", "exec", ns, ...argv], { env: this.env as NodeJS.ProcessEnv, stdio: ["ignore", "pipe", "pipe"] });
    this.children.add(child);
    child.on("close", () => this.children.delete(child));
    let buf = "";
    child.stdout!.setEncoding("utf8").on("data", (d: string) => {
      buf += d;
      for (let nl = buf.indexOf("\n"); nl !== -1; nl = buf.indexOf("\n")) {
        onLine(buf.slice(0, nl));
        buf = buf.slice(nl + 1);
      }
    });
    return child;
  }

  async network(): Promise<void> {
    await this.must(null, ["ip", "netns", "add", this.nsA], "creating a network namespace");
    await this.must(null, ["ip", "netns", "add", this.nsB], "creating a network namespace");
    await this.must(null, ["ip", "link", "add", "veth-a", "netns", this.nsA, "type", "veth", "peer", "name", "veth-b", "netns", this.nsB], "creating a veth pair");
    for (const [ns, dev, addr] of [
      [this.nsA, "veth-a", "192.168.241.1/24"],
      [this.nsB, "veth-b", "192.168.241.2/24"],
    ]) {
      await this.must(ns, ["ip", "link", "set", "lo", "up"], "setting up loopback");
      await this.must(ns, ["ip", "address", "add", addr, "dev", dev], "addressing the veth pair");
      await this.must(ns, ["ip", "link", "set", dev, "up"], "setting up the veth pair");
    }
  }

  /** Writes a config and runs `wasmguard up` on it in the namespace; returns the interface name. */
  writeConfig(iface: string, text: string): string {
    const path = join(this.dir, `${iface}.conf`);
    writeFileSync(path, text, { mode: 0o600 });
    return path;
  }

  /** Runs `wasmguard up` in the namespace; resolves to what it did, to print. */
  async up(ns: string, conf: string, label: string, env: Record<string, string> = {}): Promise<string[]> {
    this.ups.push([ns, conf]);
    const r = await this.run(ns, [...packageCommand("wasmguard"), "up", conf], { timeoutMs: 60_000, env });
    if (r.status !== 0) throw new Error(`wasmguard up failed in ${ns}:\n${r.stderr.trim()}`);
    const shown = r.stderr.split("\n").filter((l) => l.startsWith("[#]") || l.startsWith("[!]"));
    return [`      ${label}:`, ...shown.map((l) => `        ${l}`)];
  }

  async ping(from: string, to: string): Promise<string> {
    if (!which("ping", this.env)) {
      // No ping: a TCP connection attempt (refused is fine: it crossed the tunnel) shows the path works.
      const probe = await this.run(from, [process.execPath, "-e",
        `const s=require("net").connect(9,${JSON.stringify(to)});s.on("connect",()=>process.exit(0));s.on("error",e=>process.exit(e.code==="ECONNREFUSED"?0:1));setTimeout(()=>process.exit(1),5000)`]);
      if (probe.status !== 0) throw new Error(`no answer from ${to} through the tunnel`);
      return "reached over TCP (ping is not installed)";
    }
    const r = await this.run(from, ["ping", "-c", "3", "-i", "0.2", "-W", "2", to], { timeoutMs: 20_000 });
    const summary = /(\d+) packets transmitted, (\d+) received/.exec(r.stdout);
    const rtt = /= [\d.]+\/([\d.]+)\//.exec(r.stdout);
    if (!summary || summary[2] === "0") throw new Error(`no answer from ${to} through the tunnel:\n${(r.stdout + r.stderr).trim()}`);
    return `${summary[2]} of ${summary[1]} pings answered${rtt ? `, average round trip ${rtt[1]} ms` : ""}`;
  }

  /** A short TCP transfer from one namespace to an address in the other; bits per second. */
  async throughput(from: string, to: string, address: string, port: number, seconds: number): Promise<{ bps: number; tool: string }> {
    if (which("iperf3", this.env)) {
      let listening = false;
      const server = this.background(to, ["iperf3", "-s", "-1", "-B", address, "-p", String(port)], (l) => {
        if (/listening/i.test(l)) listening = true;
      });
      for (let i = 0; i < 100 && !listening; i++) await new Promise((r) => setTimeout(r, 50));
      const r = await this.run(from, ["iperf3", "-c", address, "-p", String(port), "-t", String(seconds), "-J"], { timeoutMs: (seconds + 15) * 1000 });
      server.kill();
      try {
        return { bps: JSON.parse(r.stdout).end.sum_received.bits_per_second as number, tool: "iperf3" };
      } catch {
        throw new Error(`iperf3 failed: ${(r.stderr || r.stdout).trim().slice(0, 300)}`);
      }
    }
    const script = join(dirname(fileURLToPath(import.meta.url)), `demo-tcp${extname(fileURLToPath(import.meta.url))}`);
    const node = [process.execPath, ...packageCommand("wasmguard").slice(1, -1), script];
    let listening = false;
    let result: { bytes: number; seconds: number } | null = null;
    this.background(to, [...node, "serve", address, String(port)], (l) => {
      const m = JSON.parse(l) as { listening?: boolean; bytes?: number; seconds?: number };
      if (m.listening) listening = true;
      else result = m as { bytes: number; seconds: number };
    });
    for (let i = 0; i < 200 && !listening; i++) await new Promise((r) => setTimeout(r, 50));
    await this.must(from, [...node, "send", address, String(port), String(seconds)], "the TCP transfer", { timeoutMs: (seconds + 15) * 1000 });
    for (let i = 0; i < 200 && !result; i++) await new Promise((r) => setTimeout(r, 50));
    const got = result as { bytes: number; seconds: number } | null;
    if (!got || !got.seconds) throw new Error("the TCP receiver reported nothing");
    return { bps: (got.bytes * 8) / got.seconds, tool: "a built-in TCP sender, as iperf3 is not installed" };
  }

  async show(iface: string): Promise<void> {
    let text = "";
    const io: CliIo = { ...this.io, out: (t) => void (text += t), stdoutIsTTY: false, env: { ...this.io.env, WG_COLOR_MODE: "never" } };
    await runWgCommand("show", [iface], io);
    for (const l of text.trimEnd().split("\n")) this.say(l ? `      ${l}` : "");
  }

  async handshakeAge(iface: string): Promise<string> {
    let text = "";
    const io: CliIo = { ...this.io, out: (t) => void (text += t) };
    await runWgCommand("show", [iface, "latest-handshakes"], io);
    const ts = Number(text.trim().split("\t")[1] ?? 0);
    if (!ts) return "no handshake yet";
    const age = Math.max(0, Math.round(Date.now() / 1000 - ts));
    return `handshake completed ${age} second${age === 1 ? "" : "s"} ago`;
  }

  /** `wasmguard down` for every tunnel, then nothing of ours is left: processes, namespaces, files. */
  cleanup(): Promise<void> {
    this.cleaning ??= (async () => {
      for (const c of this.children) c.kill("SIGKILL");
      const downs = await Promise.all(
        [...this.ups].reverse().map(([ns, conf]) => this.run(ns, [...packageCommand("wasmguard"), "down", conf], { timeoutMs: 20_000 })),
      );
      const failed = downs.filter((r) => r.status !== 0 && !r.stderr.includes("is not a WireGuard interface"));
      for (const r of failed) this.io.err(r.stderr);
      this.hardCleanup();
    })();
    return this.cleaning;
  }

  /** Synchronous last resort (also from an exit handler): end every process in the namespaces and delete them. */
  hardCleanup(): void {
    if (this.cleaned) return;
    this.cleaned = true;
    for (const c of this.children) c.kill("SIGKILL");
    for (const ns of [this.nsA, this.nsB]) {
      const pids = spawnSync("ip", ["netns", "pids", ns], { encoding: "utf8" }).stdout ?? "";
      for (const pid of pids.split(/\s+/).filter(Boolean)) {
        try {
          process.kill(Number(pid), "SIGKILL");
        } catch {
          // gone
        }
      }
      spawnSync("ip", ["netns", "del", ns], { stdio: "ignore" });
    }
    for (const iface of this.ifaces)
      for (const f of [`/var/run/wireguard/${iface}.sock`, `/run/wasmguard/${iface}.json`, `/run/wasmguard/${iface}.log`]) rmSync(f, { force: true });
    rmSync(this.dir, { recursive: true, force: true });
  }

  async main(): Promise<void> {
    const t0 = Date.now();
    const a1 = `wgd${this.id}a`;
    const b1 = `wgd${this.id}b`;
    const a2 = `wgd${this.id}c`;
    const b2 = `wgd${this.id}g`;
    this.ifaces.push(a1, b1, a2, b2);
    const withGo = which("wireguard-go", this.env) !== null;
    const steps = withGo ? 6 : 5;

    this.say("wasmguard demo: a WireGuard tunnel between two network namespaces.");
    this.say("Everything happens inside two temporary namespaces; your own network is not touched.\n");

    this.say(`[1/${steps}] Network: namespaces ${this.nsA} and ${this.nsB}, joined by a veth pair 192.168.241.1 <-> 192.168.241.2`);
    await this.network();

    const [ka, kb, kc, kg] = [keyPair(), keyPair(), keyPair(), keyPair()];
    this.say(`[2/${steps}] Keys (what wasmguard genkey | wasmguard pubkey make):`);
    this.say(`      a: public key ${ka.pub}`);
    this.say(`      b: public key ${kb.pub}`);

    const peer = (pub: string, ip: string, endpoint?: string) =>
      `\n[Peer]\nPublicKey = ${pub}\n${endpoint ? `Endpoint = ${endpoint}\n` : ""}AllowedIPs = ${ip}/32\n`;
    const confA = this.writeConfig(a1, `[Interface]\nPrivateKey = ${ka.priv}\nAddress = 10.99.0.1/24\n${peer(kb.pub, "10.99.0.2", "192.168.241.2:51820")}`);
    const confB = this.writeConfig(b1, `[Interface]\nPrivateKey = ${kb.priv}\nAddress = 10.99.0.2/24\nListenPort = 51820\n${peer(ka.pub, "10.99.0.1")}`);
    const confC = this.writeConfig(a2, `[Interface]\nPrivateKey = ${kc.priv}\nAddress = 10.99.1.1/24\n${peer(kg.pub, "10.99.1.2", "192.168.241.2:51821")}`);
    const confG = this.writeConfig(b2, `[Interface]\nPrivateKey = ${kg.priv}\nAddress = 10.99.1.2/24\nListenPort = 51821\n${peer(kc.pub, "10.99.1.1")}`);
    this.say(
      `[3/${steps}] wasmguard up in each namespace: a ${a1} 10.99.0.1 <-> b ${b1} 10.99.0.2 (port 51820)` +
        (withGo ? `,\n      and a second pair against wireguard-go: a ${a2} 10.99.1.1 <-> b ${b2} 10.99.1.2 (port 51821)` : ""),
    );
    const done = await Promise.all([
      this.up(this.nsA, confA, `a: wasmguard up ${confA}`),
      this.up(this.nsB, confB, `b: wasmguard up ${confB}`),
      ...(withGo
        ? [
            this.up(this.nsA, confC, `a: wasmguard up ${confC}`),
            this.up(this.nsB, confG, `b: WASMGUARD_DAEMON=wireguard-go wasmguard up ${confG}`, { WASMGUARD_DAEMON: "wireguard-go" }),
          ]
        : []),
    ]);
    for (const lines of done) for (const l of lines) this.say(l);

    this.say(`[4/${steps}] Handshake and ping, a -> b through the tunnel:`);
    this.say(`      ${await this.ping(this.nsA, "10.99.0.2")}`);
    this.say(`      ${await this.handshakeAge(a1)}`);

    const seconds = 2;
    const first = await this.throughput(this.nsA, this.nsB, "10.99.0.2", 5201, seconds);
    this.say(`[5/${steps}] Throughput, ${seconds} s of TCP a -> b through the tunnel (${first.tool}): ${mbits(first.bps)} Mbit/s`);

    if (withGo) {
      this.say(`[6/${steps}] The same against wireguard-go (a: wasmguard, b: wireguard-go):`);
      this.say(`      ${await this.ping(this.nsA, "10.99.1.2")}; ${await this.handshakeAge(a2)}`);
      const go = await this.throughput(this.nsA, this.nsB, "10.99.1.2", 5202, seconds);
      this.say(`      throughput wasmguard -> wireguard-go: ${mbits(go.bps)} Mbit/s (${(go.bps / first.bps).toFixed(2)}x the wasmguard pair, same run)`);
    }

    this.say(`\nwasmguard show ${a1} (namespace a):`);
    await this.show(a1);
    if (withGo) {
      this.say(`\nwasmguard show ${a2} (namespace a, its peer is wireguard-go):`);
      await this.show(a2);
    }
    this.say(`\nDone in ${((Date.now() - t0) / 1000).toFixed(1)} s. For a tunnel of your own, see the README (wasmguard up).`);
  }
}

/** Runs the demo; resolves to the exit status. */
export async function demoCommand(io: CliIo): Promise<number> {
  const missing = demoPrerequisites(io.env);
  if (missing.length === 1 && missing[0] === ROOT_MESSAGE) {
    io.err(`${ROOT_MESSAGE}\n`);
    return 1;
  }
  if (missing.length) {
    io.err(`wasmguard demo cannot run here; missing:\n${missing.map((m) => `  - ${m}\n`).join("")}`);
    return 1;
  }
  const demo = new Demo(io, io.env);
  const onExit = () => demo.hardCleanup();
  let interrupted = false;
  const onSignal = (sig: NodeJS.Signals) => {
    if (interrupted) return;
    interrupted = true;
    io.err(`\n${sig === "SIGINT" ? "Interrupted" : `Got ${sig}`}: cleaning up...\n`);
    void demo.cleanup().then(() => {
      io.err("Cleaned up: the namespaces, tunnels and daemons are gone.\n");
      process.exit(130);
    });
  };
  process.on("exit", onExit);
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  process.on("SIGHUP", onSignal);
  let status = 0;
  try {
    await demo.main();
  } catch (e) {
    if (interrupted) return new Promise<number>(() => {}); // the signal handler exits
    io.err(`\nwasmguard demo: ${e instanceof Error ? e.message : String(e)}\n`);
    status = 1;
  }
  if (interrupted) return new Promise<number>(() => {});
  io.out("Cleaning up: wasmguard down in both namespaces, then deleting them...\n");
  await demo.cleanup();
  io.out("Cleaned up: nothing is left behind.\n");
  process.off("exit", onExit);
  process.off("SIGINT", onSignal);
  process.off("SIGTERM", onSignal);
  process.off("SIGHUP", onSignal);
  return status;
}
