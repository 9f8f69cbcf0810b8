// A WireGuard interface: binds the sans-I/O protocol core to a TUN device and
// a UDP bind, routes outbound packets by AllowedIPs, checks the source of
// inbound ones, roams endpoints, runs the one timer the core asks for, and is
// configured through the UAPI (it implements UapiTarget).
import { cryptoFromCore } from "../crypto/index.js";
import { instantiateCore, type WasmCore } from "../crypto/wasm.js";
import { Endpoint } from "../io/endpoint.js";
import { errorCode } from "../io/errors.js";
import type { TunDevice, UdpBind } from "../io/types.js";
import { formatPrefix, isIPv4Mapped, type Endpoint as TextEndpoint, type Prefix } from "../net/ip.js";
import { decapsulate, encapsulate, NoiseDevice, type NoiseAction, type NoisePeer } from "../noise/index.js";
import { keyToBase64 } from "../uapi/key-encoding.js";
import { UapiErrno, UapiError, type UapiDeviceState, type UapiTarget } from "../uapi/protocol.js";
import { AllowedIps } from "./allowedips.js";
import { silentLogger, type Logger } from "./logger.js";
import { ReceiveArena } from "./receive-arena.js";
import { SendArena } from "./send-arena.js";
import { resolveScopeId } from "./scope.js";

/** Packets pulled from the TUN or the socket per wake-up. */
const BATCH = 64;

/** Why the device itself (not the protocol core) dropped a packet. */
export interface DeviceDrops {
  /** Outbound packet whose destination matches no peer's AllowedIPs. */
  noRoute: number;
  /** Outbound packet that is not IPv4 or IPv6, or too short for its header. */
  badPacket: number;
  /** Datagram for a peer whose endpoint is unknown. */
  noEndpoint: number;
  /** Packet the kernel refused on the TUN device. */
  tunWrite: number;
}

export interface DeviceOptions {
  tun: TunDevice;
  bind: UdpBind;
  /** The WASM core holding crypto and the AllowedIPs table; a new one by default. */
  core?: WasmCore;
  log?: Logger;
  /** Monotonic milliseconds (default performance.now). */
  now?: () => number;
  /** Unix-epoch milliseconds for handshake timestamps (default Date.now). */
  wallClock?: () => number;
}

interface PeerState {
  readonly noise: NoisePeer;
  /** Its id in the AllowedIPs table. */
  readonly id: number;
  endpoint: Endpoint | null;
}

const peerName = (key: Uint8Array) => `peer(${keyToBase64(key).slice(0, 4)}…${keyToBase64(key).slice(39, 43)})`;
const keyId = (key: Uint8Array) => String.fromCharCode(...key);

/** The IP version of a packet, or 0 when it is neither IPv4 nor IPv6 with a whole header. */
function ipVersion(p: Uint8Array): 0 | 4 | 6 {
  if (p.length >= 20 && p[0] >> 4 === 4) return 4;
  if (p.length >= 40 && p[0] >> 4 === 6) return 6;
  return 0;
}

export class Device implements UapiTarget {
  readonly noise: NoiseDevice<Endpoint>;
  readonly allowedIps: AllowedIps;
  readonly drops: DeviceDrops = { noRoute: 0, badPacket: 0, noEndpoint: 0, tunWrite: 0 };

  private readonly tun: TunDevice;
  private readonly bind: UdpBind;
  private readonly log: Logger;
  private readonly clock: () => number;
  private readonly peers = new Map<string, PeerState>();
  private readonly byNoise = new Map<NoisePeer, PeerState>();
  private readonly byId = new Map<number, PeerState>();
  private nextPeerId = 1;
  private listenPort = 0;
  private fwmark = 0;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private timerAt = Infinity;
  private running = false;
  private closeListeners: ((reason?: Error) => void)[] = [];

  // TUN reads, sealing and sends happen in WASM memory (see send-arena.ts).
  private readonly arena: SendArena;
  // Socket reads, opening and TUN writes happen in WASM memory (see receive-arena.ts).
  private readonly inbound: ReceiveArena;
  private mtuReadAt = -Infinity;
  private lastSource: Endpoint | null = null;

  constructor(options: DeviceOptions) {
    this.tun = options.tun;
    this.bind = options.bind;
    this.log = options.log ?? silentLogger;
    this.clock = options.now ?? (() => performance.now());
    const core = options.core ?? instantiateCore();
    this.allowedIps = new AllowedIps(core);
    this.arena = new SendArena(core, BATCH, (keypair, counter, packet, mtu) =>
      encapsulate(this.noise.primitives, keypair, counter, packet, mtu),
    );
    this.inbound = new ReceiveArena(core, BATCH, (keypair, msg) => decapsulate(this.noise.primitives, keypair, msg));
    this.noise = new NoiseDevice<Endpoint>({
      crypto: cryptoFromCore(core),
      wallClock: options.wallClock,
      mtu: this.safeMtu(),
      allowedSource: (peer, packet) => this.sourceAllowed(peer, packet),
      sealBatch: this.arena.sealBatch,
      openData: this.inbound.openData,
    });
  }

  /** Binds the UDP port, starts reading from the TUN device and the socket. */
  start(): void {
    if (this.running) return;
    this.listenPort = this.bind.open(this.listenPort);
    this.running = true;
    this.tun.onClose((err) => this.emitClose(err ?? new Error("TUN device closed")));
    this.bind.onError((err) => this.log.error(`UDP: ${err.message}`));
    this.tun.onReadable(() => this.onTunReadable());
    this.bind.onReadable(() => this.onUdpReadable());
    this.log.verbose(`Interface ${this.tun.name} up, listening on port ${this.listenPort}`);
    this.run(this.noise.up(this.clock()));
  }

  /** Stops everything; the TUN device and the sockets are closed and keys wiped. */
  close(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.running = false;
    this.tun.onReadable(null);
    this.bind.onReadable(null);
    this.noise.down();
    this.noise.setPrivateKey(null);
    for (const p of [...this.peers.values()]) this.dropPeer(p);
    this.bind.close();
    if (!this.tun.closed) this.tun.close();
  }

  /** Called once when the TUN device goes away underneath us (interface deleted). */
  onClose(listener: (reason?: Error) => void): void {
    this.closeListeners.push(listener);
  }

  private emitClose(reason?: Error): void {
    if (!this.running) return;
    for (const l of this.closeListeners) l(reason);
  }

  get name(): string {
    return this.tun.name;
  }

  private safeMtu(): number {
    try {
      return this.tun.mtu();
    } catch {
      return 1420;
    }
  }

  // ---------------------------------------------------------------------------
  // Data path
  // ---------------------------------------------------------------------------

  private onTunReadable(): void {
    const now = this.clock();
    // The MTU caps padding; reading it is a syscall, so look again at most once a second.
    if (now - this.mtuReadAt > 1000) {
      this.noise.mtu = this.safeMtu();
      this.mtuReadAt = now;
    }
    const n = this.arena.readTun(this.tun);
    // Group by peer so each peer's packets are sealed together with consecutive counters.
    const groups = new Map<PeerState, Uint8Array[]>();
    for (let i = 0; i < n; i++) {
      const packet = this.arena.packet(i);
      const version = ipVersion(packet);
      if (version === 0) {
        this.drops.badPacket++;
        continue;
      }
      const dst = version === 4 ? packet.subarray(16, 20) : packet.subarray(24, 40);
      const id = this.allowedIps.lookup(dst);
      const peer = id === undefined ? undefined : this.byId.get(id);
      if (!peer) {
        this.drops.noRoute++;
        continue;
      }
      if (!peer.endpoint) {
        this.drops.noEndpoint++;
        continue;
      }
      const list = groups.get(peer);
      if (list) list.push(packet);
      else groups.set(peer, [packet]);
    }
    for (const [peer, packets] of groups) {
      this.run(this.noise.sendBatch(now, peer.noise, packets), now);
      // Packets the core kept for later (no session yet) must not stay views of our
      // read buffer, which the next wake-up overwrites.
      const staged = peer.noise.staged;
      for (let i = 0; i < staged.length; i++) if (this.arena.holds(staged[i])) staged[i] = staged[i].slice();
    }
    this.flushTx();
    this.reschedule();
  }

  private onUdpReadable(): void {
    const now = this.clock();
    const n = this.inbound.receive(this.bind);
    const endpoints = this.inbound.endpoints;
    for (let i = 0; i < n; i++) {
      const datagram = this.inbound.datagram(i);
      // Most datagrams come from the endpoint the last one came from: reuse that object.
      const last = this.lastSource;
      const source = last && last.matches(endpoints, i) ? last : Endpoint.read(endpoints, i);
      if (!source) continue;
      this.lastSource = source;
      this.run(this.noise.receive(now, datagram, source), now);
    }
    this.flushTun();
    this.flushTx();
    this.reschedule();
  }

  private sourceAllowed(peer: NoisePeer, packet: Uint8Array): boolean {
    const state = this.byNoise.get(peer);
    if (!state) return false;
    const version = ipVersion(packet);
    if (version === 0) return false;
    const src = version === 4 ? packet.subarray(12, 16) : packet.subarray(8, 24);
    return this.allowedIps.lookup(src) === state.id;
  }

  /** Carries out the core's actions in order. */
  private run(actions: NoiseAction<Endpoint>[], now = this.clock()): void {
    for (const a of actions) {
      switch (a.type) {
        case "send": {
          const peer = this.byNoise.get(a.peer);
          if (!peer?.endpoint) {
            this.drops.noEndpoint++;
            break;
          }
          this.queueTx(a.datagram, peer.endpoint);
          break;
        }
        case "reply":
          this.queueTx(a.datagram, a.to);
          break;
        case "deliver":
          this.queueTun(a.packet);
          break;
        case "endpoint": {
          const peer = this.byNoise.get(a.peer);
          if (peer && !(peer.endpoint && peer.endpoint.equals(a.source))) {
            if (peer.endpoint) this.log.verbose(`${peerName(a.peer.publicKey)} - Roamed to ${a.source}`);
            peer.endpoint = a.source;
          }
          break;
        }
        case "handshakeInitiated":
          this.log.verbose(`${peerName(a.peer.publicKey)} - Sending handshake initiation${a.retry ? " (retry)" : ""}`);
          break;
        case "handshakeComplete":
          this.log.verbose(`${peerName(a.peer.publicKey)} - Handshake completed`);
          break;
        case "handshakeGaveUp":
          this.log.verbose(`${peerName(a.peer.publicKey)} - Handshake did not complete after 90 seconds, giving up`);
          break;
        case "keysZeroed":
          this.log.verbose(`${peerName(a.peer.publicKey)} - Removing all keys, since we haven't received a new one in 540 seconds`);
          break;
        case "drop":
          this.log.verbose(`Dropped packet: ${a.reason}${a.peer ? ` from ${peerName(a.peer.publicKey)}` : ""}`);
          break;
        default:
          break;
      }
    }
    void now;
  }

  private queueTx(datagram: Uint8Array, to: Endpoint): void {
    if (this.arena.queue(datagram, to)) return;
    this.flushTx();
    this.arena.queue(datagram, to);
  }

  private queueTun(packet: Uint8Array): void {
    if (this.inbound.queue(packet)) return;
    this.flushTun();
    this.inbound.queue(packet);
  }

  private flushTun(): void {
    this.drops.tunWrite += this.inbound.flush(this.tun);
  }

  private flushTx(): void {
    this.arena.flush(this.bind);
  }

  /** Sets the one timer to the core's next deadline. */
  private reschedule(): void {
    if (!this.running) return;
    const at = this.noise.nextDeadline();
    if (at === this.timerAt && this.timer) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.timerAt = at;
    if (at === Infinity) return;
    const delay = Math.max(0, Math.ceil(at - this.clock()));
    this.timer = setTimeout(() => {
      this.timer = null;
      this.timerAt = Infinity;
      const now = this.clock();
      this.run(this.noise.tick(now), now);
      this.flushTun();
      this.flushTx();
      this.reschedule();
    }, delay);
    this.timer.unref?.();
  }

  /** Runs actions that came from configuration, outside the data path. */
  private apply(actions: NoiseAction<Endpoint>[]): void {
    this.run(actions);
    this.flushTun();
    this.flushTx();
    this.reschedule();
  }

  // ---------------------------------------------------------------------------
  // UapiTarget: configuration
  // ---------------------------------------------------------------------------

  private peer(publicKey: Uint8Array): PeerState {
    const p = this.peers.get(keyId(publicKey));
    if (!p) throw new UapiError(UapiErrno.EINVAL, "no such peer");
    return p;
  }

  state(): UapiDeviceState {
    return {
      privateKey: this.noise.privateKey,
      listenPort: this.running ? this.bind.port : this.listenPort,
      fwmark: this.fwmark,
      peers: [...this.peers.values()].map((p) => ({
        publicKey: p.noise.publicKey,
        presharedKey: p.noise.presharedKey,
        endpoint: p.endpoint ? p.endpoint.toString() : null,
        lastHandshakeNs: BigInt(Math.round(p.noise.lastHandshakeTime)) * 1_000_000n,
        txBytes: BigInt(p.noise.txBytes),
        rxBytes: BigInt(p.noise.rxBytes),
        persistentKeepalive: p.noise.persistentKeepaliveInterval,
        allowedIps: this.allowedIps.list(p.id).map(formatPrefix),
      })),
    };
  }

  publicKey(): Uint8Array | null {
    return this.noise.publicKey;
  }

  setPrivateKey(key: Uint8Array | null): void {
    const { removed, actions } = this.noise.setPrivateKey(key, this.running ? this.clock() : undefined);
    for (const r of removed) {
      const p = this.byNoise.get(r);
      if (p) this.dropPeer(p);
    }
    this.log.verbose("UAPI: Updating private key");
    this.apply(actions);
  }

  setListenPort(port: number): void {
    if (!this.running) {
      this.listenPort = port;
      return;
    }
    const old = this.bind.port;
    try {
      this.listenPort = this.bind.open(port);
    } catch (e) {
      // Keep serving on the old port rather than going deaf.
      try {
        this.listenPort = this.bind.open(old);
      } catch {
        this.listenPort = 0;
      }
      throw new UapiError(UapiErrno.EADDRINUSE, `failed to set listen_port ${port}: ${errorCode(e) ?? String(e)}`);
    }
    this.log.verbose(`UAPI: Updating listen port to ${this.listenPort}`);
  }

  setFwmark(mark: number): void {
    try {
      this.bind.setFwmark(mark);
    } catch (e) {
      throw new UapiError(UapiErrno.EADDRINUSE, `failed to update fwmark: ${errorCode(e) ?? String(e)}`);
    }
    this.fwmark = mark;
  }

  removeAllPeers(): void {
    for (const p of [...this.peers.values()]) this.dropPeer(p);
  }

  hasPeer(publicKey: Uint8Array): boolean {
    return this.peers.has(keyId(publicKey));
  }

  addPeer(publicKey: Uint8Array): void {
    const noise = this.noise.addPeer(publicKey);
    if (!noise) return;
    const state: PeerState = { noise, id: this.nextPeerId++, endpoint: null };
    this.peers.set(keyId(publicKey), state);
    this.byNoise.set(noise, state);
    this.byId.set(state.id, state);
    this.log.verbose(`${peerName(publicKey)} - UAPI: Created`);
  }

  removePeer(publicKey: Uint8Array): void {
    const p = this.peers.get(keyId(publicKey));
    if (p) this.dropPeer(p);
  }

  private dropPeer(p: PeerState): void {
    this.noise.removePeer(p.noise);
    this.allowedIps.removePeer(p.id);
    this.peers.delete(keyId(p.noise.publicKey));
    this.byNoise.delete(p.noise);
    this.byId.delete(p.id);
    this.log.verbose(`${peerName(p.noise.publicKey)} - UAPI: Removing`);
  }

  setPresharedKey(publicKey: Uint8Array, key: Uint8Array | null): void {
    this.noise.setPresharedKey(this.peer(publicKey).noise, key);
  }

  setEndpoint(publicKey: Uint8Array, endpoint: TextEndpoint): void {
    const peer = this.peer(publicKey);
    try {
      peer.endpoint = toIoEndpoint(endpoint);
    } catch (e) {
      throw new UapiError(UapiErrno.EINVAL, `failed to set endpoint: ${(e as Error).message}`);
    }
  }

  setPersistentKeepalive(publicKey: Uint8Array, seconds: number): number {
    const p = this.peer(publicKey).noise;
    const old = p.persistentKeepaliveInterval;
    // The first keepalive goes out when the peer's lines are done (peerConfigured),
    // once its endpoint is known, as in wireguard-go.
    p.persistentKeepaliveInterval = seconds;
    return old;
  }

  clearAllowedIps(publicKey: Uint8Array): void {
    this.allowedIps.removePeer(this.peer(publicKey).id);
  }

  addAllowedIp(publicKey: Uint8Array, prefix: Prefix): void {
    this.allowedIps.insert(prefix, this.peer(publicKey).id);
  }

  removeAllowedIp(publicKey: Uint8Array, prefix: Prefix): void {
    this.allowedIps.remove(prefix, this.peer(publicKey).id);
  }

  peerConfigured(publicKey: Uint8Array, keepaliveTurnedOn: boolean): void {
    const p = this.peers.get(keyId(publicKey));
    if (!p || !this.running) return;
    const now = this.clock();
    if (keepaliveTurnedOn) this.apply(this.noise.keepalive(now, p.noise));
    else if (p.noise.staged.length > 0) this.apply(this.noise.sendBatch(now, p.noise, []));
  }
}

/** The socket form of an endpoint parsed from text (IPv4-mapped becomes IPv4, scope names become indices). */
export function toIoEndpoint(e: TextEndpoint): Endpoint {
  const b = e.address.bytes;
  if (e.address.family === 6 && !e.scope && isIPv4Mapped(b)) return new Endpoint(4, b.subarray(12), e.port);
  if (e.address.family === 4) return new Endpoint(4, b, e.port);
  return new Endpoint(6, b, e.port, e.scope ? resolveScopeId(e.scope) : 0);
}
