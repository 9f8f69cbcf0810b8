// Running the system tools `up` and `down` drive (ip, nft, resolvconf…):
// each command is echoed as `[#] …` on stderr before it runs, as wg-quick
// does, so the user sees exactly what changed on the machine.
import { spawn } from "node:child_process";
import { accessSync, constants } from "node:fs";
import { delimiter, join } from "node:path";
import { CliError } from "../io.js";

export interface ExecResult {
  status: number;
  stdout: string;
  stderr: string;
}

export interface ExecOptions {
  /** Written to the command's standard input. */
  input?: string;
  /** Do not echo the command (for read-only queries). */
  quiet?: boolean;
}

/** Where commands come from and where their echo goes; tests and the demo swap these. */
export interface Shell {
  env: Record<string, string | undefined>;
  /** Echo lines (`[#] ip link …`, warnings). */
  err(text: string): void;
}

/** Finds an executable on PATH, as `command -v` does; null when absent. */
export function which(name: string, env: Record<string, string | undefined>): string | null {
  if (name.includes("/")) return name;
  for (const dir of (env.PATH ?? "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin").split(delimiter)) {
    if (!dir) continue;
    const p = join(dir, name);
    try {
      accessSync(p, constants.X_OK);
      return p;
    } catch {
      // not here
    }
  }
  return null;
}

/** Runs a command and collects its output; never throws for a non-zero status. */
export function tryRun(shell: Shell, argv: string[], options: ExecOptions = {}): Promise<ExecResult> {
  if (!options.quiet) shell.err(`[#] ${argv.join(" ")}\n`);
  return new Promise((resolve) => {
    let child;
    try {
      child = spawn(argv[0], argv.slice(1), { env: shell.env as NodeJS.ProcessEnv, stdio: ["pipe", "pipe", "pipe"] });
    } catch (e) {
      resolve({ status: 127, stdout: "", stderr: `${argv[0]}: ${(e as Error).message}` });
      return;
    }
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (d: string) => (stdout += d));
    child.stderr.setEncoding("utf8").on("data", (d: string) => (stderr += d));
    child.on("error", (e: NodeJS.ErrnoException) => {
      resolve({ status: 127, stdout, stderr: e.code === "ENOENT" ? `${argv[0]}: command not found` : `${argv[0]}: ${e.message}` });
    });
    child.on("close", (code, signal) => resolve({ status: code ?? (signal ? 128 : 1), stdout, stderr }));
    child.stdin.on("error", () => {
      // The command did not read its input; its status tells what happened.
    });
    child.stdin.end(options.input ?? "");
  });
}

/** Runs a command; a non-zero status becomes a CliError carrying the command's own message. */
export async function run(shell: Shell, argv: string[], options: ExecOptions = {}): Promise<string> {
  const r = await tryRun(shell, argv, options);
  if (r.status !== 0) {
    const why = r.stderr.trim() || `exit status ${r.status}`;
    throw new CliError(`\`${argv.join(" ")}' failed: ${why}`);
  }
  return r.stdout;
}
