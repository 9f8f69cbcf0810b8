// What the wg-compatible commands need from the outside world, so that tests
// can run them in-process with captured output, a fixed clock, a scratch
// socket directory and a fake resolver.
import { lookup as dnsLookup } from "node:dns";
import { DEFAULT_SOCKET_DIR } from "../uapi/server.js";

export const PROG_NAME = "wasmguard";

/** Resolves a host name to its first address, as getaddrinfo's first result. Rejects with an error carrying a getaddrinfo `code`. */
export type HostLookup = (host: string) => Promise<{ address: string; family: 4 | 6 }>;

export interface CliIo {
  out(text: string): void;
  err(text: string): void;
  env: Record<string, string | undefined>;
  /** Whether standard output is a terminal (colours in WG_COLOR_MODE=auto). */
  stdoutIsTTY: boolean;
  /** The current Unix time in whole seconds, for handshake ages. */
  nowSec(): bigint;
  /** The UAPI socket directory (default /var/run/wireguard). */
  socketDir: string;
  lookup: HostLookup;
  sleep(ms: number): Promise<void>;
}

export const systemLookup: HostLookup = (host) =>
  new Promise((resolve, reject) => {
    // verbatim: the resolver's order, as wg takes getaddrinfo's first answer.
    dnsLookup(host, { family: 0, verbatim: true }, (err, address, family) => {
      if (err) reject(err);
      else resolve({ address, family: family === 6 ? 6 : 4 });
    });
  });

let pipeGuard = false;

/** The process's own streams, environment and clock. */
export function processIo(): CliIo {
  if (!pipeGuard) {
    pipeGuard = true;
    // `wasmguard show | head -1`: end as quietly as wg does when SIGPIPE kills it (status 128+13).
    process.stdout.on("error", (e: NodeJS.ErrnoException) => {
      if (e.code === "EPIPE") process.exit(141);
      throw e;
    });
  }
  return {
    out: (t) => process.stdout.write(t),
    err: (t) => process.stderr.write(t),
    env: process.env,
    stdoutIsTTY: process.stdout.isTTY === true,
    nowSec: () => BigInt(Math.floor(Date.now() / 1000)),
    socketDir: DEFAULT_SOCKET_DIR,
    lookup: systemLookup,
    sleep: (ms) => new Promise((r) => setTimeout(r, ms)),
  };
}

/** A failure already worded for the user: one line on stderr, then exit with `exitCode`. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
    this.name = "CliError";
  }
}

// glibc's strerror() texts for the errors a UAPI exchange can meet, and Linux errno numbers.
const ERRNO: Record<string, [number, string]> = {
  EPERM: [1, "Operation not permitted"],
  ENOENT: [2, "No such file or directory"],
  EIO: [5, "Input/output error"],
  EBADF: [9, "Bad file descriptor"],
  EAGAIN: [11, "Resource temporarily unavailable"],
  ENOMEM: [12, "Cannot allocate memory"],
  EACCES: [13, "Permission denied"],
  ENOTDIR: [20, "Not a directory"],
  EISDIR: [21, "Is a directory"],
  EINVAL: [22, "Invalid argument"],
  EPIPE: [32, "Broken pipe"],
  ENAMETOOLONG: [36, "File name too long"],
  ENOANO: [55, "No anode"],
  EPROTO: [71, "Protocol error"],
  ENOTSOCK: [88, "Socket operation on non-socket"],
  EPROTONOSUPPORT: [93, "Protocol not supported"],
  EADDRINUSE: [98, "Address already in use"],
  ENETUNREACH: [101, "Network is unreachable"],
  ECONNRESET: [104, "Connection reset by peer"],
  ETIMEDOUT: [110, "Connection timed out"],
  ECONNREFUSED: [111, "Connection refused"],
  ENODEV: [19, "No such device"],
};
const BY_NUMBER = new Map(Object.entries(ERRNO).map(([name, [n, text]]) => [n, { name, text }]));

/** strerror() for an errno name (`ENOENT`) or number (2 or -2). */
export function strerror(code: string | number): string {
  if (typeof code === "number") return BY_NUMBER.get(Math.abs(code))?.text ?? `Unknown error ${Math.abs(code)}`;
  return ERRNO[code]?.[1] ?? code;
}

/** The errno name of a Node error, or EIO when it has none. */
export function errnoName(e: unknown): string {
  const code = (e as NodeJS.ErrnoException | undefined)?.code;
  return typeof code === "string" && code in ERRNO ? code : "EIO";
}

/** The one-line message for a Node system error, as perror() would word it. */
export function describeSystemError(e: unknown): string {
  const code = (e as NodeJS.ErrnoException | undefined)?.code;
  if (typeof code === "string" && code in ERRNO) return ERRNO[code][1];
  return e instanceof Error ? e.message : String(e);
}
