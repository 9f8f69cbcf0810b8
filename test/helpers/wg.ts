// Running WireGuard daemons (wasmguardd or wireguard-go) inside test namespaces.
import { spawnSync } from "node:child_process";
import { chmodSync, existsSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createRequire } from "node:module";
import { repoRoot, type Netns } from "./netns.js";

export type Implementation = "wasmguard" | "wireguard-go";

let shimDir: string | undefined;

/** Absolute path of tsx's ESM loader, for `node --import` from any working directory. */
export function tsxLoader(): string {
  const pkg = createRequire(join(repoRoot, "package.json")).resolve("tsx/package.json");
  return join(pkg, "..", "dist", "loader.mjs");
}

/**
 * A directory holding a `wasmguardd` command that runs the daemon from the
 * sources (so tests never run a stale build); put it first on PATH, e.g. for
 * WG_QUICK_USERSPACE_IMPLEMENTATION=wasmguardd.
 */
export function daemonShimDir(): string {
  if (shimDir) return shimDir;
  shimDir = mkdtempSync(join(tmpdir(), "wasmguard-bin-"));
  const tsx = tsxLoader();
  const shim = join(shimDir, "wasmguardd");
  writeFileSync(shim, `#!/bin/sh\nexec "${process.execPath}" --import "${tsx}" "${join(repoRoot, "bin/wasmguardd.ts")}" "$@"\n`);
  chmodSync(shim, 0o755);
  return shimDir;
}

export function envWithShim(extra: Record<string, string> = {}): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && k !== "NODE_OPTIONS") env[k] = v;
  return { ...env, PATH: `${daemonShimDir()}:${process.env.PATH}`, ...extra };
}

/** Runs a command in a namespace with the shim on PATH; throws on failure. */
export function nsRun(ns: Netns, cmd: string[], extraEnv: Record<string, string> = {}, timeout = 60_000): string {
  const r = spawnSync("ip", ["netns", "exec", ns.name, ...cmd], { encoding: "utf8", env: envWithShim(extraEnv), timeout });
  if (r.status !== 0) throw new Error(`[${ns.name}] ${cmd.join(" ")}: exit ${r.status ?? r.signal}: ${r.stderr}${r.error ?? ""}`);
  return r.stdout;
}

export function socketPath(iface: string): string {
  return `/var/run/wireguard/${iface}.sock`;
}

/** Starts a daemon for `iface` in `ns` and waits until its UAPI socket answers. */
export async function startDaemon(ns: Netns, impl: Implementation, iface: string, env: Record<string, string> = {}): Promise<void> {
  const cmd = impl === "wasmguard" ? "wasmguardd" : "wireguard-go";
  nsRun(ns, [cmd, iface], env);
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline) {
    if (existsSync(socketPath(iface)) && spawnSync("wg", ["show", iface], { stdio: "ignore" }).status === 0) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`${impl} did not start on ${iface}`);
}

/** PIDs of the processes living in a namespace. */
export function nsPids(ns: Netns): number[] {
  const r = spawnSync("ip", ["netns", "pids", ns.name], { encoding: "utf8" });
  return (r.stdout ?? "").split(/\s+/).filter(Boolean).map(Number);
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** SIGTERMs every process in the namespace and waits for them to go (SIGKILL after the timeout). */
export async function stopAll(ns: Netns, timeoutMs = 5000): Promise<{ clean: boolean }> {
  const pids = nsPids(ns);
  for (const p of pids) {
    try {
      process.kill(p, "SIGTERM");
    } catch {
      // already gone
    }
  }
  const deadline = Date.now() + timeoutMs;
  while (pids.some(alive) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  const left = pids.filter(alive);
  for (const p of left) process.kill(p, "SIGKILL");
  return { clean: left.length === 0 };
}

/** A fresh WireGuard key pair from the stock tool. */
export function wgKeyPair(): { priv: string; pub: string } {
  const priv = spawnSync("wg", ["genkey"], { encoding: "utf8" }).stdout.trim();
  const pub = spawnSync("wg", ["pubkey"], { input: priv + "\n", encoding: "utf8" }).stdout.trim();
  return { priv, pub };
}

/** Writes a key to a private temporary file (wg set reads keys from files). */
export function keyFile(key: string): string {
  const dir = mkdtempSync(join(tmpdir(), "wgkey-"));
  const f = join(dir, "key");
  writeFileSync(f, key + "\n", { mode: 0o600 });
  return f;
}
