// In-memory TunDevice and UdpBind for tests: a fake TUN to inject packets into
// and collect packets from, and a fake network of UDP binds (two cross-wired
// ones from createFakeBindPair, as wireguard-go's bindtest), so devices can
// talk in-process with no kernel involved.
//
// They follow the real contracts: level-triggered readiness delivered from a
// scheduled callback (never inside the call that queued the packets), slots in
// caller memory, packets longer than a slot dropped, endpoint records for
// addresses. A batch sent in one sendBatch call arrives together: recvBatch
// never mixes datagrams from two sends in one call, so batch boundaries show.
import { ENDPOINT_BYTES, Endpoint, parseIPv4, parseIPv6 } from "./endpoint.js";
import { ioError } from "./errors.js";
import type { CloseListener, ReadableHandler, TunDevice, UdpBind, UdpSendStats } from "./types.js";

/** Runs readiness callbacks later; setImmediate by default. */
export type Scheduler = (task: () => void) => void;

const defaultScheduler: Scheduler = (task) => void setImmediate(task);

/** Level-triggered readiness: calls the handler while `pending()` says so. */
class Readiness {
  private handler: ReadableHandler | null = null;
  private scheduled = false;

  constructor(
    private readonly schedule: Scheduler,
    private readonly pending: () => boolean,
  ) {}

  set(handler: ReadableHandler | null): void {
    this.handler = handler;
    this.kick();
  }

  /** Something was queued (or the handler changed): make sure a call is on its way. */
  kick(): void {
    if (this.scheduled || !this.handler || !this.pending()) return;
    this.scheduled = true;
    this.schedule(() => {
      this.scheduled = false;
      if (!this.handler || !this.pending()) return;
      this.handler();
      this.kick();
    });
  }
}

export interface FakeTunOptions {
  name?: string;
  mtu?: number;
  schedule?: Scheduler;
}

/** A TUN device whose "kernel side" is the test: inject() what the OS would send, read written. */
export class FakeTun implements TunDevice {
  readonly name: string;
  /** Packets the device wrote (towards the OS), in order, as copies. */
  readonly written: Uint8Array[] = [];
  /** Sizes of the write calls: 1 per write(), count per writeBatch(). */
  readonly writeCalls: number[] = [];
  private queue: Uint8Array[] = [];
  private currentMtu: number;
  private isClosed = false;
  private listeners: CloseListener[] = [];
  private writeWaiters: (() => void)[] = [];
  private readonly readiness: Readiness;

  constructor(options: FakeTunOptions = {}) {
    this.name = options.name ?? "fake0";
    this.currentMtu = options.mtu ?? 1420;
    this.readiness = new Readiness(options.schedule ?? defaultScheduler, () => !this.isClosed && this.queue.length > 0);
  }

  get closed(): boolean {
    return this.isClosed;
  }

  /** Queues packets as if the host routed them into the interface. */
  inject(...packets: Uint8Array[]): void {
    if (this.isClosed) throw ioError("EBADFD", `fake tun ${this.name} is closed`);
    for (const p of packets) this.queue.push(Uint8Array.from(p));
    this.readiness.kick();
  }

  /** Packets injected but not yet read by the device. */
  get queued(): number {
    return this.queue.length;
  }

  /** Removes and returns everything written so far. */
  takeWritten(): Uint8Array[] {
    return this.written.splice(0);
  }

  /** Resolves once at least `count` packets have been written in total. */
  async waitWritten(count: number, timeoutMs = 5000): Promise<Uint8Array[]> {
    const deadline = Date.now() + timeoutMs;
    while (this.written.length < count) {
      if (Date.now() > deadline) throw new Error(`fake tun ${this.name}: ${this.written.length} of ${count} packets written`);
      await new Promise<void>((resolve) => {
        this.writeWaiters.push(resolve);
        setTimeout(resolve, 10);
      });
    }
    return this.written.slice(0, count);
  }

  /** Simulates `ip link del`: the device closes with an EBADFD error. */
  remove(): void {
    this.shutdown(ioError("EBADFD", `fake tun ${this.name}: interface removed`));
  }

  mtu(): number {
    return this.currentMtu;
  }

  setMtu(mtu: number): void {
    if (!Number.isInteger(mtu) || mtu < 68 || mtu > 65535) throw ioError("EINVAL", `SIOCSIFMTU ${this.name} ${mtu}`);
    this.currentMtu = mtu;
  }

  onReadable(handler: ReadableHandler | null): void {
    if (this.isClosed) throw ioError("EBADFD", `fake tun ${this.name} is closed`);
    this.readiness.set(handler);
  }

  readBatch(buf: Uint8Array, offset: number, slotSize: number, maxPackets: number, lengths: Uint32Array): number {
    checkSlots(buf, offset, slotSize, maxPackets, lengths);
    let n = 0;
    while (n < maxPackets && this.queue.length > 0) {
      const p = this.queue.shift()!;
      if (p.length > slotSize) continue; // the kernel would cut it: the real device drops it too
      buf.set(p, offset + n * slotSize);
      lengths[n++] = p.length;
    }
    return n;
  }

  write(buf: Uint8Array, offset: number, length: number): boolean {
    if (this.isClosed) return false;
    this.accept(buf.slice(offset, offset + length));
    this.writeCalls.push(1);
    this.wake();
    return true;
  }

  writeBatch(buf: Uint8Array, offsets: Uint32Array, lengths: Uint32Array, count: number): number {
    if (this.isClosed) return 0;
    for (let i = 0; i < count; i++) this.accept(buf.slice(offsets[i], offsets[i] + lengths[i]));
    this.writeCalls.push(count);
    this.wake();
    return count;
  }

  onClose(listener: CloseListener): void {
    if (this.isClosed) queueMicrotask(() => listener());
    else this.listeners.push(listener);
  }

  close(): void {
    this.shutdown(undefined);
  }

  private accept(packet: Uint8Array): void {
    if (packet.length > this.currentMtu) return; // larger than the interface takes
    this.written.push(packet);
  }

  private wake(): void {
    for (const w of this.writeWaiters.splice(0)) w();
  }

  private shutdown(error: Error | undefined): void {
    if (this.isClosed) return;
    this.isClosed = true;
    this.queue = [];
    this.readiness.set(null);
    for (const l of this.listeners.splice(0)) l(error);
  }
}

interface Datagram {
  data: Uint8Array;
  from: Endpoint;
}

export interface FakeBindOptions {
  /** The bind's IPv4 address; null for none. Default 192.0.2.N (a documentation range). */
  v4?: string | null;
  /** The bind's IPv6 address; null for none. Default 2001:db8::N. */
  v6?: string | null;
}

/**
 * A lossless in-memory UDP network. Binds have addresses; a datagram goes to
 * the open bind whose address and port match its destination, and is silently
 * lost otherwise (as UDP to a closed port is).
 */
export class FakeNetwork {
  /** Return false to drop a datagram in flight (loss, filtering). */
  filter: ((data: Uint8Array, from: Endpoint, to: Endpoint) => boolean) | null = null;
  /** Datagrams delivered to a bind, and lost (no bind there, or filtered). */
  delivered = 0;
  lost = 0;
  readonly schedule: Scheduler;
  private readonly binds: FakeUdpBind[] = [];
  private nextPort = 40000;
  private nextHost = 1;

  constructor(options: { schedule?: Scheduler } = {}) {
    this.schedule = options.schedule ?? defaultScheduler;
  }

  createBind(options: FakeBindOptions = {}): FakeUdpBind {
    const n = this.nextHost++;
    const v4 = options.v4 === undefined ? `192.0.2.${n}` : options.v4;
    const v6 = options.v6 === undefined ? `2001:db8::${n.toString(16)}` : options.v6;
    const bind = new FakeUdpBind(this, v4 === null ? null : parseIPv4(v4), v6 === null ? null : parseIPv6(v6));
    this.binds.push(bind);
    return bind;
  }

  /** @internal a free port for `bind` (0 asks for any). */
  claimPort(bind: FakeUdpBind, port: number): number {
    if (port !== 0) {
      if (this.binds.some((b) => b !== bind && b.port === port && b.sharesAddressWith(bind)))
        throw ioError("EADDRINUSE", `bind fake :${port}`);
      return port;
    }
    for (;;) {
      const p = this.nextPort++;
      if (this.nextPort > 65535) this.nextPort = 40000;
      if (!this.binds.some((b) => b !== bind && b.port === p)) return p;
    }
  }

  /** @internal the open bind listening on `to`. */
  find(to: Endpoint): FakeUdpBind | undefined {
    return this.binds.find((b) => b.port === to.port && b.hasAddress(to.family, to.address));
  }
}

export class FakeUdpBind implements UdpBind {
  readonly stats: UdpSendStats = { refused: 0, dropped: 0 };
  /** The last SO_MARK set (kept across open, as the real bind does). */
  fwmark = 0;
  private boundPort = 0;
  private inbox: Datagram[][] = [];
  private errorListeners: ((error: Error) => void)[] = [];
  private readonly readiness: Readiness;

  /** @internal use FakeNetwork.createBind */
  constructor(
    private readonly network: FakeNetwork,
    readonly address4: Uint8Array | null,
    readonly address6: Uint8Array | null,
  ) {
    this.readiness = new Readiness(network.schedule, () => this.inbox.length > 0);
  }

  get port(): number {
    return this.boundPort;
  }

  /** This bind's endpoint in `family` (what a peer would send to). */
  endpoint(family: 4 | 6 = 4): Endpoint {
    const a = family === 4 ? this.address4 : this.address6;
    if (!a) throw new Error(`fake bind has no IPv${family} address`);
    if (!this.boundPort) throw new Error("fake bind is not open");
    return new Endpoint(family, a, this.boundPort);
  }

  /** @internal */
  hasAddress(family: 4 | 6, address: Uint8Array): boolean {
    const mine = family === 4 ? this.address4 : this.address6;
    return !!mine && this.boundPort !== 0 && mine.every((b, i) => b === address[i]);
  }

  /** @internal */
  sharesAddressWith(other: FakeUdpBind): boolean {
    const same = (a: Uint8Array | null, b: Uint8Array | null) => !!a && !!b && a.every((x, i) => x === b[i]);
    return same(this.address4, other.address4) || same(this.address6, other.address6);
  }

  /** @internal called by a sender on the same network. */
  deliver(batch: Datagram[]): void {
    this.inbox.push(batch);
    this.readiness.kick();
  }

  open(port: number): number {
    if (!Number.isInteger(port) || port < 0 || port > 65535) throw new RangeError(`port ${port} is not in [0, 65535]`);
    this.close();
    this.boundPort = this.network.claimPort(this, port);
    this.readiness.kick();
    return this.boundPort;
  }

  onReadable(handler: ReadableHandler | null): void {
    this.readiness.set(handler);
  }

  recvBatch(
    buf: Uint8Array,
    offset: number,
    slotSize: number,
    maxPackets: number,
    lengths: Uint32Array,
    endpoints: Uint8Array,
  ): number {
    checkSlots(buf, offset, slotSize, maxPackets, lengths);
    if (endpoints.length < maxPackets * ENDPOINT_BYTES) throw new RangeError("endpoints is shorter than maxPackets records");
    const head = this.inbox[0];
    if (!head) return 0;
    let n = 0;
    while (n < maxPackets && head.length > 0) {
      const d = head.shift()!;
      if (d.data.length > slotSize) continue;
      buf.set(d.data, offset + n * slotSize);
      lengths[n] = d.data.length;
      d.from.write(endpoints, n);
      n++;
    }
    if (head.length === 0) this.inbox.shift();
    return n;
  }

  sendBatch(buf: Uint8Array, offsets: Uint32Array, lengths: Uint32Array, endpoints: Uint8Array, count: number): number {
    const byTarget = new Map<FakeUdpBind, Datagram[]>();
    for (let i = 0; i < count; i++) {
      const to = Endpoint.read(endpoints, i);
      const own = to && (to.family === 4 ? this.address4 : this.address6);
      if (!to || !own || this.boundPort === 0) {
        this.stats.refused++;
        this.stats.lastError = "EAFNOSUPPORT";
        continue;
      }
      const data = buf.slice(offsets[i], offsets[i] + lengths[i]);
      const from = new Endpoint(to.family, own, this.boundPort);
      const target = this.network.find(to);
      if (!target || (this.network.filter && !this.network.filter(data, from, to))) {
        this.network.lost++;
        continue;
      }
      let batch = byTarget.get(target);
      if (!batch) byTarget.set(target, (batch = []));
      batch.push({ data, from });
    }
    for (const [target, batch] of byTarget) {
      this.network.delivered += batch.length;
      target.deliver(batch);
    }
    return count;
  }

  send(packet: Uint8Array, to: Endpoint): boolean {
    const rec = new Uint8Array(ENDPOINT_BYTES);
    to.write(rec, 0);
    const refused = this.stats.refused;
    this.sendBatch(packet, Uint32Array.of(0), Uint32Array.of(packet.length), rec, 1);
    return this.stats.refused === refused;
  }

  setFwmark(mark: number): void {
    if (!Number.isInteger(mark) || mark < 0 || mark > 0xffffffff) throw new RangeError(`fwmark ${mark} is not a u32`);
    this.fwmark = mark;
  }

  onError(listener: (error: Error) => void): void {
    this.errorListeners.push(listener);
  }

  /** Simulates a socket failure reported to onError listeners. */
  fail(error: Error): void {
    for (const l of this.errorListeners) l(error);
  }

  close(): void {
    this.boundPort = 0;
    this.inbox = [];
  }
}

/** Two binds on a fresh network, each sending to the other (like bindtest.NewChannelBinds). */
export function createFakeBindPair(options: { schedule?: Scheduler } = {}): [FakeUdpBind, FakeUdpBind, FakeNetwork] {
  const net = new FakeNetwork(options);
  return [net.createBind(), net.createBind(), net];
}

function checkSlots(buf: Uint8Array, offset: number, slotSize: number, maxPackets: number, lengths: Uint32Array): void {
  if (slotSize <= 0) throw new RangeError("slotSize must be positive");
  if (lengths.length < maxPackets) throw new RangeError("lengths is shorter than maxPackets");
  if (maxPackets > 0 && offset + maxPackets * slotSize > buf.length)
    throw new RangeError("buf is too short for maxPackets slots of slotSize at offset");
}
