// The two OS boundaries the device programs against. Both move packets in
// batches between the kernel (or a fake) and memory the caller owns, so the
// hot path costs one JS call per batch and packets can land in WASM memory
// where they are sealed or opened in place.
//
// Batch layout, for reads: packet i goes to `buf[offset + i*slotSize ...]`
// with its length in `lengths[i]`; a packet longer than a slot is dropped.
// For writes: packet i is `buf[offsets[i] ... offsets[i] + lengths[i]]`.
//
// Readiness is level-triggered and pull-based: `onReadable(handler)` calls the
// handler while packets are waiting; the handler pulls with readBatch /
// recvBatch (until it returns fewer than asked, or whenever it likes: it is
// called again while packets remain). `onReadable(null)` pauses delivery,
// which is how a busy consumer applies back-pressure.
import type { Endpoint } from "./endpoint.js";

export type ReadableHandler = () => void;
export type CloseListener = (error?: Error) => void;

/** The TUN interface: IP packets to and from the host's network stack. */
export interface TunDevice {
  /** The interface name the kernel gave (it may differ from the one asked for). */
  readonly name: string;
  readonly closed: boolean;
  mtu(): number;
  setMtu(mtu: number): void;
  /** Starts (handler) or pauses (null) readiness callbacks. */
  onReadable(handler: ReadableHandler | null): void;
  /** Pulls up to maxPackets queued packets into slots; 0 when none is queued. */
  readBatch(buf: Uint8Array, offset: number, slotSize: number, maxPackets: number, lengths: Uint32Array): number;
  /** Writes one packet; false when the kernel refused it (no room, interface down, malformed). */
  write(buf: Uint8Array, offset: number, length: number): boolean;
  /** Writes `count` packets; returns how many the kernel took (refused ones are dropped). */
  writeBatch(buf: Uint8Array, offsets: Uint32Array, lengths: Uint32Array, count: number): number;
  /**
   * Called once when the device closes: with no error after close(), with an
   * Error (code EBADFD, EIO, ...) when the interface went away under us.
   */
  onClose(listener: CloseListener): void;
  close(): void;
}

/** Counters a bind keeps about packets it could not send. */
export interface UdpSendStats {
  /** Packets the kernel refused one by one (unreachable, too big, no socket for the family). */
  refused: number;
  /** Packets not attempted because the socket buffer was full. */
  dropped: number;
  /** errno name of the last refusal, e.g. "ENETUNREACH". */
  lastError?: string;
}

/**
 * The UDP side: one socket per address family on one port. Source and
 * destination addresses travel as endpoint records (see endpoint.ts,
 * ENDPOINT_BYTES per packet), parallel to the packet slots.
 */
export interface UdpBind {
  /** The bound port; 0 while closed. */
  readonly port: number;
  readonly stats: UdpSendStats;
  /**
   * (Re)binds both families on `port` (0: any free port, the same for both)
   * and returns the port. Any previous sockets are closed first. Throws an
   * Error with code EADDRINUSE, EACCES, ... on failure, leaving the bind closed.
   */
  open(port: number): number;
  onReadable(handler: ReadableHandler | null): void;
  /**
   * Pulls up to maxPackets datagrams from either family into slots, with the
   * source of datagram i in endpoint record i of `endpoints`.
   */
  recvBatch(
    buf: Uint8Array,
    offset: number,
    slotSize: number,
    maxPackets: number,
    lengths: Uint32Array,
    endpoints: Uint8Array,
  ): number;
  /**
   * Sends packet i to endpoint record i. Returns how many packets were handled
   * (sent or refused); the rest, if any, were dropped because the socket
   * buffer was full. Both are counted in `stats`.
   */
  sendBatch(buf: Uint8Array, offsets: Uint32Array, lengths: Uint32Array, endpoints: Uint8Array, count: number): number;
  /** One datagram, for handshakes and other cold paths. */
  send(packet: Uint8Array, to: Endpoint): boolean;
  /** SO_MARK on both sockets (0 clears it); kept across open(). */
  setFwmark(mark: number): void;
  /** Called when a socket reports an error the bind cannot recover from. */
  onError(listener: (error: Error) => void): void;
  close(): void;
}
