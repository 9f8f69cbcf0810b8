// The WireGuard implementations under test, each behind one small driver:
// create an unconfigured interface in a namespace, name the processes doing
// its work (for CPU and memory figures), and take it down. All of them are
// then configured the same way, with the stock `wg` tool.
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { repoRoot, type Netns } from "../../test/helpers/netns-core.js";
import { LISTEN_PORT, mustRunIn, runIn, TUNNEL_A, TUNNEL_B, VETH_B } from "./topology.js";

export type ImplName = "wasmguard" | "wireguard-go" | "kernel";

export interface Driver {
  readonly name: ImplName;
  /** Brings up an unconfigured WireGuard interface `iface` in `ns`, ready for `wg set`. */
  create(ns: Netns, iface: string): Promise<void>;
  /** PIDs of the processes that do this endpoint's work; none for the kernel. */
  processes(ns: Netns): number[];
  /** Takes the interface down and ends its processes. */
  destroy(ns: Netns, iface: string): Promise<void>;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function socketPath(iface: string): string {
  return `/var/run/wireguard/${iface}.sock`;
}

function cmdline(pid: number): string[] {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").filter(Boolean);
  } catch {
    return [];
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Waits until `wg show iface` answers (the daemon serves its UAPI socket), bounded by `timeoutMs`. */
async function waitForUapi(ns: Netns, iface: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (existsSync(socketPath(iface)) && (await runIn(ns, "wg", ["show", iface], 5000)).status === 0) return;
    await sleep(20);
  }
  throw new Error(`${iface}: the daemon's UAPI socket did not answer within ${timeoutMs} ms`);
}

/** SIGTERM, then SIGKILL after `graceMs`; removes a socket file a killed daemon leaves. */
async function endDaemon(ns: Netns, iface: string, pids: number[], graceMs = 3000): Promise<void> {
  for (const p of pids) {
    try {
      process.kill(p, "SIGTERM");
    } catch {
      // already gone
    }
  }
  const deadline = Date.now() + graceMs;
  while (pids.some(alive) && Date.now() < deadline) await sleep(20);
  for (const p of pids.filter(alive)) process.kill(p, "SIGKILL");
  rmSync(socketPath(iface), { force: true });
  await runIn(ns, "ip", ["link", "del", iface], 5000); // gone already unless a process was killed
}

/** How wasmguardd is started: the compiled daemon when dist/ is up to date, else the sources via tsx. */
export interface WasmguardCommand {
  argv: string[];
  from: "dist" | "source";
  /** Why the sources are used, when they are. */
  note?: string;
}

/** Every bindings/ and bin/ source must have a compiled counterpart newer than itself. */
function distIsFresh(): { ok: boolean; why?: string } {
  const daemon = join(repoRoot, "dist", "bin", "wasmguardd.js");
  if (!existsSync(daemon)) return { ok: false, why: "dist/ is not built (npm run build:ts)" };
  for (const dir of ["bindings", "bin"]) {
    for (const entry of readdirSync(join(repoRoot, dir), { withFileTypes: true, recursive: true })) {
      if (!entry.isFile() || !entry.name.endsWith(".ts") || entry.name.endsWith(".d.ts")) continue;
      const src = join(entry.parentPath, entry.name);
      const out = join(repoRoot, "dist", relative(repoRoot, src)).replace(/\.ts$/, ".js");
      if (!existsSync(out) || statSync(out).mtimeMs < statSync(src).mtimeMs)
        return { ok: false, why: `dist/ is older than ${relative(repoRoot, src)} (npm run build:ts)` };
    }
  }
  return { ok: true };
}

export function wasmguardCommand(): WasmguardCommand {
  const fresh = distIsFresh();
  if (fresh.ok) return { argv: [process.execPath, join(repoRoot, "dist", "bin", "wasmguardd.js")], from: "dist" };
  const tsxPkg = createRequire(join(repoRoot, "package.json")).resolve("tsx/package.json");
  const loader = join(tsxPkg, "..", "dist", "loader.mjs");
  return {
    argv: [process.execPath, "--import", loader, join(repoRoot, "bin", "wasmguardd.ts")],
    from: "source",
    note: `${fresh.why}; running wasmguardd from the sources through tsx (slower to start)`,
  };
}

export class WasmguardDriver implements Driver {
  readonly name = "wasmguard" as const;
  constructor(private readonly command: WasmguardCommand) {}

  async create(ns: Netns, iface: string): Promise<void> {
    const [cmd, ...args] = this.command.argv;
    // Without -f it daemonizes and exits 0 once the UAPI socket is served, as wireguard-go does.
    await mustRunIn(ns, cmd, [...args, iface], 30_000);
    await waitForUapi(ns, iface, 10_000);
  }

  processes(ns: Netns): number[] {
    return ns.pids().filter((p) => cmdline(p).some((a) => /wasmguardd(\.ts|\.js)?$/.test(a)));
  }

  destroy(ns: Netns, iface: string): Promise<void> {
    return endDaemon(ns, iface, this.processes(ns));
  }
}

export class WireguardGoDriver implements Driver {
  readonly name = "wireguard-go" as const;

  async create(ns: Netns, iface: string): Promise<void> {
    await mustRunIn(ns, "wireguard-go", [iface], 30_000);
    await waitForUapi(ns, iface, 10_000);
  }

  processes(ns: Netns): number[] {
    return ns.pids().filter((p) => {
      const argv0 = cmdline(p)[0] ?? "";
      return argv0 === "wireguard-go" || argv0.endsWith("/wireguard-go");
    });
  }

  destroy(ns: Netns, iface: string): Promise<void> {
    return endDaemon(ns, iface, this.processes(ns));
  }
}

export class KernelDriver implements Driver {
  readonly name = "kernel" as const;

  async create(ns: Netns, iface: string): Promise<void> {
    await mustRunIn(ns, "ip", ["link", "add", iface, "type", "wireguard"]);
  }

  processes(): number[] {
    return [];
  }

  async destroy(ns: Netns, iface: string): Promise<void> {
    await runIn(ns, "ip", ["link", "del", iface], 5000);
  }
}

export interface KeyPair {
  priv: string;
  pub: string;
  /** A private file holding `priv`, for `wg set ... private-key <file>`. */
  file: string;
}

let keyDir: string | undefined;

/** Removes the key files this process wrote. */
export function removeKeys(): void {
  if (keyDir) rmSync(keyDir, { recursive: true, force: true });
  keyDir = undefined;
}

export function keyPair(tag: string): KeyPair {
  keyDir ??= mkdtempSync(join(tmpdir(), "wasmguard-bench-keys-"));
  const priv = spawnSync("wg", ["genkey"], { encoding: "utf8" }).stdout.trim();
  const pub = spawnSync("wg", ["pubkey"], { input: priv + "\n", encoding: "utf8" }).stdout.trim();
  if (!/^[A-Za-z0-9+/]{43}=$/.test(pub)) throw new Error("wg genkey/pubkey did not produce a key");
  const file = join(keyDir, tag);
  writeFileSync(file, priv + "\n", { mode: 0o600 });
  return { priv, pub, file };
}

/**
 * Configures both ends with `wg set` and addresses them: A initiates towards
 * B's veth address, B listens on LISTEN_PORT and learns A's endpoint.
 */
export async function configurePair(
  a: { ns: Netns; iface: string; key: KeyPair },
  b: { ns: Netns; iface: string; key: KeyPair },
): Promise<void> {
  await Promise.all([
    (async () => {
      await mustRunIn(a.ns, "wg", ["set", a.iface, "private-key", a.key.file, "peer", b.key.pub,
        "endpoint", `${VETH_B}:${LISTEN_PORT}`, "allowed-ips", `${TUNNEL_B}/32`]);
      await mustRunIn(a.ns, "ip", ["addr", "add", `${TUNNEL_A}/24`, "dev", a.iface]);
      await mustRunIn(a.ns, "ip", ["link", "set", a.iface, "up"]);
    })(),
    (async () => {
      await mustRunIn(b.ns, "wg", ["set", b.iface, "private-key", b.key.file, "listen-port", String(LISTEN_PORT),
        "peer", a.key.pub, "allowed-ips", `${TUNNEL_A}/32`]);
      await mustRunIn(b.ns, "ip", ["addr", "add", `${TUNNEL_B}/24`, "dev", b.iface]);
      await mustRunIn(b.ns, "ip", ["link", "set", b.iface, "up"]);
    })(),
  ]);
}
