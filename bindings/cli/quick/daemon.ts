// Starting and stopping the interface daemon for `up` and `down`.
//
// `up` runs this package's own wasmguardd (never whatever `wasmguardd` is on
// PATH), in the foreground mode (WG_PROCESS_FOREGROUND=1) but detached in its
// own session, so we know its pid for `down` and it outlives us, as it must
// under systemd's oneshot unit. WASMGUARD_DAEMON names another UAPI daemon to
// run instead (wireguard-go, for instance: the demo's second pair). Its
// output goes to /run/wasmguard/<iface>.log, or to the journal when systemd
// started us; we never hand it our own stdout/stderr, which a caller may be
// reading to the end.
import { spawn } from "node:child_process";
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, rmSync } from "node:fs";
import { dirname, extname, join, resolve } from "node:path";
import { createRequire } from "node:module";
import { fileURLToPath, pathToFileURL } from "node:url";
import { socketPath } from "../../uapi/server.js";
import { CliError } from "../io.js";
import { getDevice } from "../uapi-access.js";
import { tryRun, which, type Shell } from "./exec.js";
import type { UndoStep } from "./state.js";

type DaemonStep = Extract<UndoStep, { kind: "daemon" }>;

/**
 * The command line that runs one of this package's programs: node with the
 * same loader flags we run under (tsx when running from the sources), and the
 * script beside ours: bin/<name>.ts from the sources, dist/bin/<name>.js once
 * compiled.
 */
export function packageCommand(name: "wasmguard" | "wasmguardd"): string[] {
  const self = fileURLToPath(import.meta.url);
  const script = resolve(dirname(self), "..", "..", "..", "bin", `${name}${extname(self)}`);
  return [process.execPath, ...portableExecArgv(process.execArgv), script];
}

function resolveSpecifier(spec: string): string {
  // import.meta.resolve is missing only where a bundler rewrote import.meta (the test runner).
  if (typeof import.meta.resolve === "function") return import.meta.resolve(spec);
  return pathToFileURL(createRequire(import.meta.url).resolve(spec)).href;
}

const LOADER_FLAGS = new Set(["--import", "--loader", "--experimental-loader"]);

/**
 * The flags with bare loader names (`--import tsx`) resolved to file URLs, so
 * the command works from any directory (systemd starts units in /).
 */
export function portableExecArgv(argv: string[]): string[] {
  const bare = (spec: string) => !/^(\.|\/|file:|data:|node:)/.test(spec);
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const eq = a.indexOf("=");
    if (eq > 0 && LOADER_FLAGS.has(a.slice(0, eq)) && bare(a.slice(eq + 1))) {
      out.push(a.slice(0, eq), resolveSpecifier(a.slice(eq + 1)));
    } else if (LOADER_FLAGS.has(a) && i + 1 < argv.length && bare(argv[i + 1])) {
      out.push(a, resolveSpecifier(argv[++i]));
    } else {
      out.push(a);
    }
  }
  return out;
}

/** The daemon command for `up` and the name to show for it. */
export function daemonCommand(env: Record<string, string | undefined>): { argv: string[]; display: string } {
  const other = env.WASMGUARD_DAEMON;
  if (other) {
    const path = which(other, env);
    if (!path) throw new CliError(`WASMGUARD_DAEMON names \`${other}', which is not on PATH`);
    return { argv: [path], display: other };
  }
  return { argv: packageCommand("wasmguardd"), display: "wasmguardd" };
}

/** The process's start time in clock ticks (field 22 of /proc/<pid>/stat), to tell it from a later process with the same pid. */
export function processStartTime(pid: number): string | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2).split(" ")[19] ?? null;
  } catch {
    return null;
  }
}

function sameProcessAlive(step: DaemonStep): boolean {
  return processStartTime(step.pid) === step.startTime;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Starts the daemon for `iface` and resolves once its UAPI socket answers
 * `get`. The process is recorded as soon as it exists, so that whatever
 * happens to us next, `down` can end it.
 */
export async function startDaemon(
  shell: Shell,
  iface: string,
  socketDir: string,
  stateDir: string,
  record: (step: DaemonStep) => void,
  timeoutMs = 30_000,
): Promise<void> {
  const { argv, display } = daemonCommand(shell.env);
  shell.err(`[#] ${display} ${iface}\n`);
  let log: string | undefined;
  let out: number | "inherit";
  if (shell.env.JOURNAL_STREAM) {
    out = "inherit";
  } else {
    mkdirSync(stateDir, { recursive: true, mode: 0o700 });
    log = join(stateDir, `${iface}.log`);
    out = openSync(log, "w", 0o600);
  }
  const child = spawn(argv[0], [...argv.slice(1), iface], {
    env: { ...shell.env, WG_PROCESS_FOREGROUND: "1" } as NodeJS.ProcessEnv,
    detached: true,
    stdio: ["ignore", out, out],
  });
  if (typeof out === "number") closeSync(out);
  const startTime = child.pid ? processStartTime(child.pid) : null;
  if (child.pid && startTime) record({ kind: "daemon", pid: child.pid, startTime, command: display, ...(log ? { log } : {}) });
  let ended: string | null = null;
  child.on("error", (e) => (ended = e.message));
  child.on("exit", (code, signal) => (ended = signal ? `killed by ${signal}` : `exit status ${code}`));

  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (ended !== null) break;
    try {
      await getDevice(iface, socketDir);
      child.unref();
      return;
    } catch {
      // not serving yet
    }
    if (Date.now() > deadline) {
      child.kill("SIGKILL");
      ended = `no UAPI socket after ${timeoutMs / 1000} s`;
      break;
    }
    await sleep(50);
  }
  const said = log ? readLog(log) : "";
  throw new CliError(`${display} ${iface} failed (${ended ?? "it stopped"})${said ? `:\n${said}` : ""}`);
}

function readLog(path: string): string {
  try {
    return readFileSync(path, "utf8").trim().split("\n").slice(-10).join("\n");
  } catch {
    return "";
  }
}

export async function linkExists(shell: Shell, iface: string): Promise<boolean> {
  return (await tryRun(shell, ["ip", "link", "show", "dev", iface], { quiet: true })).status === 0;
}

async function waitGone(step: DaemonStep, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (sameProcessAlive(step)) {
    if (Date.now() > deadline) return false;
    await sleep(50);
  }
  return true;
}

/**
 * Deletes the interface (the daemon exits when its TUN device goes, as
 * wireguard-go does) and makes sure the recorded process has ended.
 */
export async function stopDaemon(shell: Shell, iface: string, step: DaemonStep | null, socketDir: string, stateDir: string): Promise<void> {
  if (await linkExists(shell, iface)) {
    const r = await tryRun(shell, ["ip", "link", "delete", "dev", iface]);
    if (r.status !== 0) shell.err(`[!] ${r.stderr.trim()}\n`);
  }
  if (!step) rmSync(join(stateDir, `${iface}.log`), { force: true });
  if (step) {
    if (!(await waitGone(step, 3000))) {
      shell.err(`[#] kill ${step.pid}\n`);
      try {
        process.kill(step.pid, "SIGTERM");
      } catch {
        // gone meanwhile
      }
      if (!(await waitGone(step, 2000))) {
        try {
          process.kill(step.pid, "SIGKILL");
        } catch {
          // gone meanwhile
        }
        await waitGone(step, 1000);
      }
    }
    if (step.log) rmSync(step.log, { force: true });
  }
  // A daemon that died without cleaning up leaves its socket behind.
  const sock = socketPath(iface, socketDir);
  if (existsSync(sock) && (!step || !sameProcessAlive(step))) {
    try {
      await getDevice(iface, socketDir);
    } catch {
      rmSync(sock, { force: true });
    }
  }
}
