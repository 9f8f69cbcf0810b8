// The kernel UDP sockets behind UdpBind, through the wasmguard_io addon:
// 0.0.0.0:port and [::]:port (IPV6_V6ONLY), moved with recvmmsg/sendmmsg.
import { constants as osConstants } from "node:os";
import { ENDPOINT_BYTES, type Endpoint } from "./endpoint.js";
import { errorCode, ioError } from "./errors.js";
import { loadNative, type NativeIo, type PollerHandle } from "./native.js";
import type { ReadableHandler, UdpBind, UdpSendStats } from "./types.js";

export interface NativeUdpOptions {
  /** SO_MARK for both sockets (0: none). */
  fwmark?: number;
  /** Tries at finding a port free in both families when opening port 0. */
  portAttempts?: number;
  /** The addon to call; tests pass a scripted stand-in. */
  io?: NativeIo;
}

interface Socket {
  fd: number;
  poller: PollerHandle;
}

const code = errorCode;

export class NativeUdpBind implements UdpBind {
  readonly stats: UdpSendStats = { refused: 0, dropped: 0 };
  private readonly io: NativeIo;
  private v4: Socket | null = null;
  private v6: Socket | null = null;
  private boundPort = 0;
  private fwmark: number;
  private readonly portAttempts: number;
  private handler: ReadableHandler | null = null;
  private errorListeners: ((error: Error) => void)[] = [];
  private v6First = false;
  private readonly errors = new Uint32Array(2);
  // Scratch for send(): one packet, one record.
  private readonly oneOffset = new Uint32Array(1);
  private readonly oneLength = new Uint32Array(1);
  private readonly oneEndpoint = new Uint8Array(ENDPOINT_BYTES);

  constructor(options: NativeUdpOptions = {}) {
    this.io = options.io ?? loadNative();
    this.fwmark = options.fwmark ?? 0;
    this.portAttempts = options.portAttempts ?? 10;
  }

  get port(): number {
    return this.boundPort;
  }

  /** The socket fds (-1: none), e.g. for getsockopt checks in tests. */
  get fds(): { v4: number; v6: number } {
    return { v4: this.v4?.fd ?? -1, v6: this.v6?.fd ?? -1 };
  }

  open(port: number): number {
    if (!Number.isInteger(port) || port < 0 || port > 65535) throw new RangeError(`port ${port} is not in [0, 65535]`);
    this.close();
    // Port 0: IPv4 picks a free port, IPv6 must then get the same one; if
    // another socket holds it for IPv6, start over (as wireguard-go does).
    for (let attempt = 1; ; attempt++) {
      let fd4 = -1;
      let chosen = port;
      try {
        const r = this.io.udpOpen(4, port, this.fwmark);
        fd4 = r.fd;
        chosen = r.port;
      } catch (e) {
        // A host without IPv4 still gets an IPv6 socket.
        if (code(e) !== "EAFNOSUPPORT") throw e;
      }
      let fd6 = -1;
      try {
        const r = this.io.udpOpen(6, chosen, this.fwmark);
        fd6 = r.fd;
        chosen = r.port;
      } catch (e) {
        const c = code(e);
        if (c === "EAFNOSUPPORT" && fd4 >= 0) {
          // IPv6 is disabled on this host: IPv4 alone.
        } else {
          if (fd4 >= 0) this.io.fdClose(fd4);
          if (c === "EADDRINUSE" && port === 0 && attempt < this.portAttempts) continue;
          throw e;
        }
      }
      this.v4 = fd4 >= 0 ? this.watch(fd4) : null;
      this.v6 = fd6 >= 0 ? this.watch(fd6) : null;
      this.boundPort = chosen;
      if (this.handler) this.startPolling();
      return chosen;
    }
  }

  onReadable(handler: ReadableHandler | null): void {
    this.handler = handler;
    if (handler) this.startPolling();
    else {
      this.v4?.poller.stop();
      this.v6?.poller.stop();
    }
  }

  recvBatch(
    buf: Uint8Array,
    offset: number,
    slotSize: number,
    maxPackets: number,
    lengths: Uint32Array,
    endpoints: Uint8Array,
  ): number {
    // Alternate which family goes first so a flood on one cannot starve the other.
    this.v6First = !this.v6First;
    const a = this.v6First ? this.v6 : this.v4;
    const b = this.v6First ? this.v4 : this.v6;
    let n = 0;
    try {
      if (a) n = this.io.udpRecvBatch(a.fd, buf, offset, slotSize, 0, maxPackets, lengths, endpoints);
      if (b && n < maxPackets)
        n += this.io.udpRecvBatch(b.fd, buf, offset, slotSize, n, maxPackets - n, lengths, endpoints);
    } catch (e) {
      if (n > 0) return n; // the error repeats on the next call
      throw e;
    }
    return n;
  }

  sendBatch(buf: Uint8Array, offsets: Uint32Array, lengths: Uint32Array, endpoints: Uint8Array, count: number): number {
    const errors = this.errors;
    errors[0] = 0;
    const handled = this.io.udpSendBatch(
      this.v4?.fd ?? -1,
      this.v6?.fd ?? -1,
      buf,
      offsets,
      lengths,
      endpoints,
      count,
      errors,
    );
    if (errors[0]) {
      this.stats.refused += errors[0];
      this.stats.lastError = errnoName(errors[1]);
    }
    this.stats.dropped += count - handled;
    return handled;
  }

  send(packet: Uint8Array, to: Endpoint): boolean {
    this.oneOffset[0] = 0;
    this.oneLength[0] = packet.length;
    to.write(this.oneEndpoint, 0);
    const refusedBefore = this.stats.refused;
    const handled = this.sendBatch(packet, this.oneOffset, this.oneLength, this.oneEndpoint, 1);
    return handled === 1 && this.stats.refused === refusedBefore;
  }

  setFwmark(mark: number): void {
    if (!Number.isInteger(mark) || mark < 0 || mark > 0xffffffff) throw new RangeError(`fwmark ${mark} is not a u32`);
    if (this.v4) this.io.udpSetMark(this.v4.fd, mark);
    if (this.v6) this.io.udpSetMark(this.v6.fd, mark);
    this.fwmark = mark;
  }

  /** SO_MARK as the kernel holds it on each open socket. */
  getFwmark(): { v4?: number; v6?: number } {
    return {
      v4: this.v4 ? this.io.udpGetMark(this.v4.fd) : undefined,
      v6: this.v6 ? this.io.udpGetMark(this.v6.fd) : undefined,
    };
  }

  onError(listener: (error: Error) => void): void {
    this.errorListeners.push(listener);
  }

  close(): void {
    for (const s of [this.v4, this.v6]) {
      if (!s) continue;
      s.poller.close();
      this.io.fdClose(s.fd);
    }
    this.v4 = this.v6 = null;
    this.boundPort = 0;
  }

  private watch(fd: number): Socket {
    try {
      return { fd, poller: new this.io.Poller(fd, (error) => this.onPoll(fd, error)) };
    } catch (e) {
      this.io.fdClose(fd);
      throw e;
    }
  }

  private startPolling(): void {
    this.v4?.poller.start(this.io.POLL_READABLE);
    this.v6?.poller.start(this.io.POLL_READABLE);
  }

  private onPoll(fd: number, error: string | null): void {
    if (!error) {
      this.handler?.();
      return;
    }
    const err = ioError(error, `udp socket fd ${fd} poll`);
    if (this.errorListeners.length === 0) throw err;
    for (const l of this.errorListeners) l(err);
  }
}

let errnoNames: Map<number, string> | undefined;

function errnoName(n: number): string {
  errnoNames ??= new Map(Object.entries(osConstants.errno).map(([name, value]) => [value, name]));
  return errnoNames.get(n) ?? `errno ${n}`;
}
