// wasmguardd: the interface daemon, with wireguard-go's command line and
// environment. `wasmguardd [-f|--foreground] <iface>` creates the TUN device,
// serves the UAPI socket and runs until SIGINT/SIGTERM, until the interface is
// deleted, or until its socket file is removed.
//
// Without -f (and unless WG_PROCESS_FOREGROUND=1) the process daemonizes as
// wireguard-go does: the parent creates the TUN device so errors reach the
// caller, hands the fd to a detached child, and exits 0 only once the child
// serves its UAPI socket, so `wg setconf` can follow at once (wg-quick does).
import { spawn } from "node:child_process";
import { createLogger, parseLogLevel, type Logger } from "../device/logger.js";
import { errorCode } from "../io/errors.js";
import { NativeTun } from "../io/tun.js";
import type { UapiServer } from "../uapi/server.js";

const PROG = "wasmguardd";
const DEFAULT_MTU = 1420;
const IFNAMSIZ = 16;

export interface DaemonArgs {
  foreground: boolean;
  iface: string;
}

export function usage(): string {
  return `Usage: ${PROG} [-f/--foreground] INTERFACE-NAME\n`;
}

export function parseDaemonArgs(argv: string[], env: NodeJS.ProcessEnv): DaemonArgs | string {
  let foreground = env.WG_PROCESS_FOREGROUND === "1";
  const rest: string[] = [];
  for (const a of argv) {
    if (a === "-f" || a === "--foreground") foreground = true;
    else if (a === "--version" || a === "-v") return "version";
    else if (a.startsWith("-")) return usage();
    else rest.push(a);
  }
  if (rest.length !== 1) return usage();
  const iface = rest[0];
  if (iface.length >= IFNAMSIZ || iface.includes("/") || iface === "." || iface === "..")
    return `${PROG}: invalid interface name '${iface}'\n`;
  return { foreground, iface };
}

function reasonFor(e: unknown, what: string): string {
  const code = errorCode(e);
  const hint =
    code === "EPERM" || code === "EACCES"
      ? " (run as root, or with CAP_NET_ADMIN)"
      : code === "ENOENT"
        ? " (is /dev/net/tun present? modprobe tun)"
        : code === "EBUSY"
          ? " (the name is in use by another TUN device)"
          : "";
  return `${PROG}: ${what}: ${e instanceof Error ? e.message : String(e)}${hint}`;
}

function openTun(iface: string, env: NodeJS.ProcessEnv): NativeTun {
  if (env.WG_TUN_FD !== undefined) return NativeTun.adopt(Number(env.WG_TUN_FD));
  const tun = NativeTun.open(iface);
  try {
    tun.setMtu(DEFAULT_MTU);
  } catch {
    // Not fatal: wg-quick sets the MTU itself.
  }
  return tun;
}

/** Runs the daemon in this process until it is told to stop. Resolves with the exit status. */
export async function runForeground(iface: string, env: NodeJS.ProcessEnv, log: Logger, ready?: (err?: string) => void): Promise<number> {
  let tun: NativeTun;
  try {
    tun = openTun(iface, env);
  } catch (e) {
    const msg = reasonFor(e, `failed to create TUN device ${iface}`);
    ready?.(msg);
    log.error(msg);
    return 1;
  }
  // Loaded here, not at the top: the daemonizing parent only opens the TUN device
  // and should not pay for the WASM core and the protocol modules.
  const [{ Device }, { NativeUdpBind }, { UapiServer }] = await Promise.all([
    import("../device/device.js"),
    import("../io/udp.js"),
    import("../uapi/server.js"),
  ]);
  const device = new Device({ tun, bind: new NativeUdpBind(), log });
  let server: UapiServer;
  try {
    device.start();
    server = await UapiServer.listen(tun.name, device, {
      fd: env.WG_UAPI_FD !== undefined ? Number(env.WG_UAPI_FD) : undefined,
      log,
    });
  } catch (e) {
    const msg = reasonFor(e, "failed to start");
    ready?.(msg);
    log.error(msg);
    device.close();
    return 1;
  }
  log.verbose(`UAPI listener started on ${server.path ?? `fd ${env.WG_UAPI_FD}`}`);
  ready?.();

  return await new Promise<number>((resolve) => {
    let stopping = false;
    const stop = (why: string) => {
      if (stopping) return;
      stopping = true;
      log.verbose(`Shutting down: ${why}`);
      clearInterval(watch);
      void server.close().then(() => {
        device.close();
        resolve(0);
      });
    };
    process.on("SIGINT", () => stop("SIGINT"));
    process.on("SIGTERM", () => stop("SIGTERM"));
    device.onClose((err) => stop(`interface gone (${err?.message ?? "closed"})`));
    // wireguard-go also exits when its socket file is deleted.
    const watch = setInterval(() => {
      if (!server.socketFilePresent()) stop("UAPI socket removed");
    }, 1000);
  });
}

/** Daemonizes: the child runs in the foreground with the TUN fd; we wait for it to serve UAPI. */
async function daemonize(iface: string, env: NodeJS.ProcessEnv, log: Logger): Promise<number> {
  let tun: NativeTun | null = null;
  if (env.WG_TUN_FD === undefined) {
    try {
      tun = openTun(iface, env);
    } catch (e) {
      log.error(reasonFor(e, `failed to create TUN device ${iface}`));
      return 1;
    }
  }
  const childEnv = { ...env, WG_PROCESS_FOREGROUND: "1", ...(tun ? { WG_TUN_FD: "3" } : {}) };
  // As wireguard-go: the daemon keeps our stdout/stderr only when LOG_LEVEL asks for logs;
  // otherwise a caller reading our output (wg-quick, a test) would wait for it forever.
  const keepOutput = env.LOG_LEVEL !== undefined && env.LOG_LEVEL !== "" && parseLogLevel(env.LOG_LEVEL) !== "silent";
  const out = keepOutput ? "inherit" : "ignore";
  const child = spawn(process.execPath, [...process.execArgv, process.argv[1], iface], {
    env: childEnv,
    detached: true,
    stdio: ["ignore", out, out, tun ? tun.fd : "ignore", "ipc"],
  });
  const status = await new Promise<number>((resolve) => {
    child.once("message", (m: { ready?: boolean; error?: string }) => {
      if (m.error) {
        process.stderr.write(m.error + "\n");
        resolve(1);
      } else resolve(0);
    });
    child.once("exit", (code) => resolve(code === 0 ? 1 : (code ?? 1)));
  });
  child.disconnect?.();
  child.unref();
  // Our copy of the TUN fd goes; the child keeps its own.
  tun?.close();
  return status;
}

export async function daemonMain(argv: string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const args = parseDaemonArgs(argv, env);
  if (args === "version") {
    process.stdout.write(`${PROG} (wasmguard userspace WireGuard)\n`);
    return 0;
  }
  if (typeof args === "string") {
    process.stderr.write(args);
    return 2;
  }
  const log = createLogger(parseLogLevel(env.LOG_LEVEL), `(${args.iface}) `, (l) => process.stderr.write(l));
  if (!args.foreground) return daemonize(args.iface, env, log);
  const ready = process.send
    ? (err?: string) => {
        process.send!(err ? { error: err } : { ready: true });
        process.disconnect?.();
      }
    : undefined;
  return runForeground(args.iface, env, log, ready);
}
