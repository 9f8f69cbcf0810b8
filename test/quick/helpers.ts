// Running `wasmguard` (from the sources) inside test namespaces, and
// snapshots of everything `up` may touch, to prove `down` restores it.
import { spawn } from "node:child_process";
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { repoRoot, type Netns } from "../helpers/netns.js";
import { hasTool } from "../helpers/tools.js";
import { nsPids, tsxLoader } from "../helpers/wg.js";

export interface CliResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

export function baseEnv(extra: Record<string, string> = {}): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && k !== "NODE_OPTIONS") env[k] = v;
  return { ...env, ...extra };
}

/** Runs a command in the namespace (or on the host with ns null) and collects its output. */
export function runIn(ns: Netns | null, argv: string[], env: Record<string, string> = {}, timeoutMs = 60_000): Promise<CliResult> {
  const full = ns ? ["ip", "netns", "exec", ns.name, ...argv] : argv;
  return new Promise((resolve) => {
    const child = spawn(full[0], full.slice(1), { cwd: repoRoot, env: baseEnv(env), stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (d: string) => (stdout += d));
    child.stderr.setEncoding("utf8").on("data", (d: string) => (stderr += d));
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    child.on("close", (status) => {
      clearTimeout(timer);
      resolve({ status, stdout, stderr });
    });
  });
}

/** The wasmguard CLI from the sources, as root would run it. */
export function cliArgv(...args: string[]): string[] {
  return [process.execPath, "--import", tsxLoader(), join(repoRoot, "bin/wasmguard.ts"), ...args];
}

export function wasmguard(ns: Netns | null, args: string[], env: Record<string, string> = {}): Promise<CliResult> {
  return runIn(ns, cliArgv(...args), env);
}

/** Like wasmguard(), but throws with the output when the status is not 0. */
export async function wasmguardOk(ns: Netns | null, args: string[], env: Record<string, string> = {}): Promise<CliResult> {
  const r = await wasmguard(ns, args, env);
  if (r.status !== 0) throw new Error(`wasmguard ${args.join(" ")}: exit ${r.status}\n${r.stdout}${r.stderr}`);
  return r;
}

/** A private scratch directory (configs hold keys). */
export function scratchDir(): string {
  const d = mkdtempSync(join(tmpdir(), "wasmguard-quick-"));
  chmodSync(d, 0o700);
  return d;
}

export function writeConfig(dir: string, iface: string, text: string): string {
  const path = join(dir, `${iface}.conf`);
  writeFileSync(path, text, { mode: 0o600 });
  return path;
}

/**
 * A directory with a fake `resolvconf` that appends its arguments (and, for
 * -a, its input) to `log`; put it first on PATH.
 */
export function fakeResolvconf(dir: string): { path: string; log: string } {
  const bin = join(dir, "fakebin");
  const log = join(dir, "resolvconf.log");
  const script = join(bin, "resolvconf");
  mkdirSync(bin, { recursive: true });
  writeFileSync(script, `#!/bin/sh\necho "ARGS $*" >> '${log}'\nif [ "$1" = "-a" ]; then sed 's/^/IN /' >> '${log}'; fi\n`);
  chmodSync(script, 0o755);
  writeFileSync(log, "");
  return { path: bin, log };
}

/** Everything of the namespace's networking that `up` may change, as text. */
export async function snapshot(ns: Netns): Promise<Record<string, string>> {
  const q = async (...argv: string[]) => (await runIn(ns, argv)).stdout;
  const snap: Record<string, string> = {
    links: (await q("ip", "-o", "link", "show")).replace(/\s+link\/.*$/gm, "").replace(/^\d+: /gm, ""),
    addresses: await q("ip", "-o", "address", "show"),
    rules4: await q("ip", "-4", "rule", "show"),
    rules6: await q("ip", "-6", "rule", "show"),
    routes4: await q("ip", "-4", "route", "show", "table", "all"),
    routes6: (await q("ip", "-6", "route", "show", "table", "all")).replace(/ expires \d+sec/g, ""),
    srcValidMark: await q("cat", "/proc/sys/net/ipv4/conf/all/src_valid_mark"),
  };
  if (hasTool("nft")) snap.nft = await q("nft", "list", "ruleset");
  return snap;
}

/** Interface daemons (wasmguardd, wireguard-go) living in the namespace; other processes (a CLI still exiting) don't count. */
export function daemonsIn(ns: Netns): number[] {
  return nsPids(ns).filter((pid) => {
    try {
      return /wasmguardd|wireguard-go/.test(readFileSync(`/proc/${pid}/cmdline`, "latin1"));
    } catch {
      return false; // already gone
    }
  });
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
