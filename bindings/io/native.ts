// Loads the wasmguard_io addon (native/*.c, built by node-gyp into
// build/Release) once, on first use, so that importing bindings/io costs
// nothing where only the fakes are used.
import { existsSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { ENDPOINT_BYTES } from "./endpoint.js";

export interface PollerHandle {
  start(events: number): void;
  stop(): void;
  close(): void;
  ref(): void;
  unref(): void;
}

/** The addon's exports, as native/*.c define them. Errors carry .code (errno name). */
export interface NativeIo {
  tunOpen(name: string, multiQueue: boolean): { fd: number; name: string };
  tunAdopt(fd: number): { fd: number; name: string };
  /** TUNGETIFF: the interface name, or throws EBADFD once the interface is gone. */
  tunCheck(fd: number): string;
  tunReadBatch(
    fd: number,
    buf: Uint8Array,
    offset: number,
    slotSize: number,
    maxPackets: number,
    lengths: Uint32Array,
  ): number;
  tunWrite(fd: number, buf: Uint8Array, offset: number, length: number): boolean;
  tunWriteBatch(fd: number, buf: Uint8Array, offsets: Uint32Array, lengths: Uint32Array, count: number): number;
  fdClose(fd: number): void;
  ifGetMtu(name: string): number;
  ifSetMtu(name: string, mtu: number): void;
  ifIndex(name: string): number;
  udpOpen(family: 4 | 6, port: number, fwmark: number): { fd: number; port: number };
  udpSetMark(fd: number, mark: number): void;
  udpGetMark(fd: number): number;
  udpRecvBatch(
    fd: number,
    buf: Uint8Array,
    offset: number,
    slotSize: number,
    first: number,
    maxPackets: number,
    lengths: Uint32Array,
    endpoints: Uint8Array,
  ): number;
  udpSendBatch(
    fd4: number,
    fd6: number,
    buf: Uint8Array,
    offsets: Uint32Array,
    lengths: Uint32Array,
    endpoints: Uint8Array,
    count: number,
    errors: Uint32Array | null,
  ): number;
  Poller: new (fd: number, callback: (error: string | null, events: number) => void) => PollerHandle;
  POLL_READABLE: number;
  POLL_WRITABLE: number;
  /** Priority data: TUN fds and UDP sockets never have any, so this watches for errors alone. */
  POLL_PRIORITIZED: number;
  /** Most packets one recvmmsg/sendmmsg call moves. */
  BATCH_MAX: number;
  ENDPOINT_BYTES: number;
}

const ADDON = join("build", "Release", "wasmguard_io.node");

/**
 * The package root: the nearest directory above this file whose package.json
 * is wasmguard's. Works from bindings/io (sources under vitest/tsx) and from
 * dist/bindings/io (compiled).
 */
export function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const pkg = join(dir, "package.json");
    if (existsSync(pkg)) {
      try {
        if (JSON.parse(readFileSync(pkg, "utf8")).name === "wasmguard") return dir;
      } catch {
        // an unreadable package.json is not ours: keep walking up
      }
    }
    const up = dirname(dir);
    if (up === dir) throw new Error("wasmguard: cannot find the package root above " + fileURLToPath(import.meta.url));
    dir = up;
  }
}

/** Where the addon is expected (WASMGUARD_IO_ADDON overrides, e.g. for a debug build). */
export function addonPath(): string {
  return process.env.WASMGUARD_IO_ADDON || join(packageRoot(), ADDON);
}

let cached: NativeIo | undefined;

/** The addon, loaded on first call. Throws a readable error when it was not built. */
export function loadNative(): NativeIo {
  if (cached) return cached;
  const path = addonPath();
  if (process.platform !== "linux") throw new Error(`wasmguard: TUN and UDP I/O need Linux (this is ${process.platform})`);
  if (!existsSync(path))
    throw new Error(`wasmguard: the native I/O addon is not built (${path} is missing); build it with node-gyp (npm install does)`);
  const addon = createRequire(import.meta.url)(path) as NativeIo;
  if (addon.ENDPOINT_BYTES !== ENDPOINT_BYTES)
    throw new Error(`wasmguard: addon endpoint records are ${addon.ENDPOINT_BYTES} bytes, expected ${ENDPOINT_BYTES}`);
  cached = addon;
  return addon;
}

/** Whether the addon can be loaded here, and why not. */
export function nativeAvailable(): { ok: boolean; reason?: string } {
  try {
    loadNative();
    return { ok: true };
  } catch (e) {
    return { ok: false, reason: (e as Error).message };
  }
}
