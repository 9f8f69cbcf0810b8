// Where to find the Linux kernel's WireGuard for interop tests, and how to run
// test/netns/kernel-interop.sh against it:
//   1. the host's own module, when `ip link add ... type wireguard` works here: run directly;
//   2. else ../shared/tools/kernel-vm.sh (a throwaway VM with a stock Debian kernel);
//   3. else nothing: the suite skips with the reason, or fails under WASMGUARD_REQUIRE_KERNEL=1.
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import { resolve } from "node:path";
import { netnsAvailable, repoRoot } from "./netns.js";
import { hasTool } from "./tools.js";

export const requireKernel = process.env.WASMGUARD_REQUIRE_KERNEL === "1";

export const SCRIPT = "test/netns/kernel-interop.sh";

export type KernelMode = { kind: "host" } | { kind: "vm"; tool: string } | { kind: "none"; reason: string };

/** The VM tool: WASMGUARD_KERNEL_VM, else ../shared/tools/kernel-vm.sh beside the checkout. */
export function kernelVmTool(): string {
  return process.env.WASMGUARD_KERNEL_VM || resolve(repoRoot, "..", "shared", "tools", "kernel-vm.sh");
}

/** Whether this host's kernel can make a WireGuard interface (tried in a throwaway namespace). */
function hostHasWireGuard(): { ok: boolean; reason: string } {
  const env = netnsAvailable({ tun: true, addon: true });
  if (!env.ok) return { ok: false, reason: env.reason! };
  const ns = `wgt-kprobe-${process.pid}`;
  if (spawnSync("ip", ["netns", "add", ns]).status !== 0) return { ok: false, reason: "cannot create a namespace" };
  try {
    const r = spawnSync("ip", ["-n", ns, "link", "add", "wgprobe0", "type", "wireguard"], { encoding: "utf8" });
    return r.status === 0 ? { ok: true, reason: "" } : { ok: false, reason: `no WireGuard module (${r.stderr.trim()})` };
  } finally {
    spawnSync("ip", ["netns", "del", ns]);
  }
}

/** Picks the kernel to test against, in the order above. */
export function kernelMode(): KernelMode {
  const missing = ["bash", "ip", "wg", "ping", "sha256sum", "timeout"].filter((t) => !hasTool(t));
  if (missing.length > 0)
    return { kind: "none", reason: `missing ${missing.join(", ")} (apt-get install wireguard-tools iproute2 iputils-ping)` };
  const host = hostHasWireGuard();
  if (host.ok) return { kind: "host" };
  const tool = kernelVmTool();
  if (existsSync(tool)) return { kind: "vm", tool };
  return { kind: "none", reason: `this kernel has ${host.reason}, and there is no VM tool at ${tool}` };
}

/** The script's environment knobs (KI_*) pass through, on the host and into the VM. */
function kiEnv(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (k.startsWith("KI_") && v !== undefined) env[k] = v;
  return env;
}

/** The checks the script will report, "scenario: check" each, in order (KI_* from `env` or ours). */
export function plannedChecks(env: Record<string, string> = {}): string[] {
  const r = spawnSync("bash", [SCRIPT, "--list"], { cwd: repoRoot, encoding: "utf8", env: { ...process.env, ...env } });
  if (r.status !== 0) throw new Error(`${SCRIPT} --list failed: ${r.stderr}`);
  return r.stdout.split("\n").filter(Boolean);
}

export interface CheckResult {
  ok: boolean;
  /** The diagnostic lines printed after a failing check. */
  detail: string[];
}

export interface ScriptRun {
  status: number | null;
  results: Map<string, CheckResult>;
  output: string;
  seconds: number;
}

const TAP_LINE = /^(not )?ok \d+ - (.*?)(?: \(\d+ s\))?(?: # (.*))?$/;

/** Reads the script's TAP output: one result per check name. */
export function parseTap(output: string): Map<string, CheckResult> {
  const results = new Map<string, CheckResult>();
  let last: CheckResult | undefined;
  for (const line of output.split("\n")) {
    const m = TAP_LINE.exec(line);
    if (m) {
      last = { ok: !m[1], detail: m[3] ? [m[3]] : [] };
      results.set(m[2], last);
    } else if (line.startsWith("#   ") && last) {
      last.detail.push(line.slice(4));
    }
  }
  return results;
}

/**
 * Runs the script against the kernel `mode` names, printing each line as it comes
 * (`onLine`). `timeoutSeconds` bounds the script itself (in the VM: the VM's life).
 */
export function runKernelInterop(
  mode: Exclude<KernelMode, { kind: "none" }>,
  timeoutSeconds: number,
  onLine: (line: string) => void,
  started?: (child: ChildProcess) => void,
): Promise<ScriptRun> {
  const env = { ...process.env, ...kiEnv() };
  delete env.NODE_OPTIONS; // the test runner's loaders are not for the daemons
  let cmd: string;
  let args: string[];
  if (mode.kind === "host") {
    cmd = "timeout";
    args = [String(timeoutSeconds), "bash", SCRIPT];
  } else {
    cmd = mode.tool;
    const pass = Object.keys(kiEnv()).flatMap((k) => ["--env", k]);
    // Debug messages of the module help explain a failure; the VM is thrown away after.
    args = ["--timeout", String(timeoutSeconds), "--env", "KI_KERNEL_DEBUG=1", ...pass, "--", "bash", SCRIPT];
  }
  const start = Date.now();
  return new Promise((resolvePromise) => {
    const child = spawn(cmd, args, { cwd: repoRoot, env, stdio: ["ignore", "pipe", "pipe"] });
    started?.(child);
    let output = "";
    let partial = "";
    const take = (d: Buffer) => {
      const text = partial + d.toString("utf8");
      const lines = text.split("\n");
      partial = lines.pop()!;
      for (const l of lines) {
        output += l + "\n";
        onLine(l);
      }
    };
    child.stdout.on("data", take);
    child.stderr.on("data", take);
    child.on("close", (status) => {
      if (partial) output += partial + "\n";
      resolvePromise({ status, results: parseTap(output), output, seconds: Math.round((Date.now() - start) / 1000) });
    });
  });
}
