// The kernel TUN device behind TunDevice, through the wasmguard_io addon.
import { errorCode, ioError } from "./errors.js";
import { loadNative, type NativeIo, type PollerHandle } from "./native.js";
import type { CloseListener, ReadableHandler, TunDevice } from "./types.js";

export interface OpenTunOptions {
  /** IFF_MULTI_QUEUE: each open() of the same name adds a queue (one per worker thread). */
  multiQueue?: boolean;
}

// errno names after which the fd is useless: the interface is gone. (A write
// also fails with EIO while the interface is merely down: not in this list,
// and the addon reports it as a dropped packet anyway.)
const GONE = new Set(["EBADFD", "EBADF", "EIO", "ENXIO", "ENODEV", "EOF"]);

export class NativeTun implements TunDevice {
  private poller: PollerHandle | null;
  private handler: ReadableHandler | null = null;
  private listeners: CloseListener[] = [];
  private isClosed = false;

  private constructor(
    private readonly io: NativeIo,
    /** The TUN file descriptor (non-blocking). */
    readonly fd: number,
    readonly name: string,
  ) {
    this.poller = new io.Poller(fd, (error, events) => this.onPoll(error, events));
    this.poller.start(io.POLL_PRIORITIZED);
  }

  /**
   * Creates (or attaches to) the TUN interface `name` ("" lets the kernel pick
   * tunN). Throws with code EBUSY when another process holds a single-queue
   * device of that name, EPERM without CAP_NET_ADMIN, EINVAL when `name` is a
   * different kind of interface.
   */
  static open(name: string, options: OpenTunOptions = {}): NativeTun {
    const io = loadNative();
    const { fd, name: actual } = io.tunOpen(name, options.multiQueue ?? false);
    try {
      return new NativeTun(io, fd, actual);
    } catch (e) {
      io.fdClose(fd);
      throw e;
    }
  }

  /** Takes over a TUN fd inherited from a launcher (WG_TUN_FD). It must be IFF_TUN | IFF_NO_PI. */
  static adopt(fd: number): NativeTun {
    const io = loadNative();
    const { name } = io.tunAdopt(fd);
    return new NativeTun(io, fd, name);
  }

  get closed(): boolean {
    return this.isClosed;
  }

  /** The interface index (as `ip link` shows it). */
  index(): number {
    return this.io.ifIndex(this.name);
  }

  mtu(): number {
    return this.io.ifGetMtu(this.name);
  }

  setMtu(mtu: number): void {
    this.io.ifSetMtu(this.name, mtu);
  }

  onReadable(handler: ReadableHandler | null): void {
    if (this.isClosed || !this.poller) {
      if (handler) throw ioError("EBADFD", `tun ${this.name} is closed`);
      return;
    }
    this.handler = handler;
    // Paused, the poll still watches for errors, so a deleted interface is noticed.
    this.poller.start(handler ? this.io.POLL_READABLE : this.io.POLL_PRIORITIZED);
  }

  readBatch(buf: Uint8Array, offset: number, slotSize: number, maxPackets: number, lengths: Uint32Array): number {
    if (this.isClosed) return 0;
    try {
      return this.io.tunReadBatch(this.fd, buf, offset, slotSize, maxPackets, lengths);
    } catch (e) {
      return this.failed(e);
    }
  }

  write(buf: Uint8Array, offset: number, length: number): boolean {
    if (this.isClosed) return false;
    try {
      return this.io.tunWrite(this.fd, buf, offset, length);
    } catch (e) {
      this.failed(e);
      return false;
    }
  }

  writeBatch(buf: Uint8Array, offsets: Uint32Array, lengths: Uint32Array, count: number): number {
    if (this.isClosed) return 0;
    try {
      return this.io.tunWriteBatch(this.fd, buf, offsets, lengths, count);
    } catch (e) {
      return this.failed(e);
    }
  }

  onClose(listener: CloseListener): void {
    if (this.isClosed) queueMicrotask(() => listener());
    else this.listeners.push(listener);
  }

  close(): void {
    this.shutdown(undefined);
  }

  /** Unless the error says the device is gone (which closes it), rethrows it. */
  private failed(e: unknown): 0 {
    const code = errorCode(e);
    if (!code || !GONE.has(code)) throw e;
    this.shutdown(e as Error);
    return 0;
  }

  private onPoll(error: string | null, events: number): void {
    if (this.isClosed) return;
    // EPOLLERR on a TUN fd means its interface was deleted.
    if (error) return this.shutdown(ioError("EBADFD", `tun ${this.name}: interface gone (poll reported ${error})`));
    if (events & this.io.POLL_PRIORITIZED) {
      // A TUN fd has no priority data: this is an error seen while paused.
      try {
        this.io.tunCheck(this.fd);
      } catch (e) {
        this.failed(e);
      }
      return;
    }
    this.handler?.();
  }

  private shutdown(error: Error | undefined): void {
    if (this.isClosed) return;
    this.isClosed = true;
    this.handler = null;
    this.poller?.close();
    this.poller = null;
    try {
      this.io.fdClose(this.fd);
    } catch {
      // already gone; nothing else to release
    }
    const listeners = this.listeners;
    this.listeners = [];
    for (const l of listeners) l(error);
  }
}
