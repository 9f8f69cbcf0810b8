// PreUp/PostUp/PreDown/PostDown: each line runs through bash with `%i`
// replaced by the interface name, with errexit and pipefail as in wg-quick
// (whose hooks are eval'd inside its `set -e -o pipefail` script), so
// `PostUp = wg set %i private-key <(cat /etc/wireguard/privatekey)` works.
// PATH starts with a directory holding `wasmguard` (this very CLI), and `wg`
// too when the stock tool is not installed: seed configs written for
// wg-quick then run unchanged.
import { spawn } from "node:child_process";
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { which, type Shell } from "./exec.js";
import { packageCommand } from "./daemon.js";

export function expandHook(hook: string, iface: string): string {
  return hook.replaceAll("%i", iface);
}

function shQuote(s: string): string {
  return `'${s.replaceAll("'", `'\\''`)}'`;
}

/** A temporary directory of shims for hooks; remove it with the returned function. */
function shimDir(env: Record<string, string | undefined>): { dir: string; remove: () => void } {
  const dir = mkdtempSync(join(tmpdir(), "wasmguard-hooks-"));
  const cli = packageCommand("wasmguard").map(shQuote).join(" ");
  const body = `#!/bin/sh\nexec ${cli} "$@"\n`;
  writeFileSync(join(dir, "wasmguard"), body);
  chmodSync(join(dir, "wasmguard"), 0o755);
  if (!which("wg", env)) {
    writeFileSync(join(dir, "wg"), body);
    chmodSync(join(dir, "wg"), 0o755);
  }
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

function runBash(command: string, env: Record<string, string | undefined>): Promise<number> {
  return new Promise((resolve) => {
    const child = spawn("bash", ["-o", "errexit", "-o", "pipefail", "-c", command], {
      env: env as NodeJS.ProcessEnv,
      stdio: ["ignore", "inherit", "inherit"],
    });
    child.on("error", () => resolve(127));
    child.on("close", (code, signal) => resolve(code ?? (signal ? 128 : 1)));
  });
}

export interface HookFailure {
  hook: string;
  status: number;
}

/**
 * Runs the hooks in order. `stopOnFailure` (up's PreUp/PostUp) stops at the
 * first failing one; otherwise (down) every hook runs. Returns the failures.
 */
export async function runHooks(shell: Shell, hooks: string[], iface: string, stopOnFailure: boolean): Promise<HookFailure[]> {
  if (hooks.length === 0) return [];
  const shims = shimDir(shell.env);
  const env = { ...shell.env, PATH: `${shims.dir}:${shell.env.PATH ?? "/usr/sbin:/usr/bin:/sbin:/bin"}` };
  const failures: HookFailure[] = [];
  try {
    for (const raw of hooks) {
      const hook = expandHook(raw, iface);
      shell.err(`[#] ${hook}\n`);
      const status = await runBash(hook, env);
      if (status !== 0) {
        failures.push({ hook, status });
        if (stopOnFailure) break;
      }
    }
  } finally {
    shims.remove();
  }
  return failures;
}
