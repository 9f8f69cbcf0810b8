// The protocol core of one WireGuard interface, without I/O: it takes
// datagrams, IP packets and the time, and returns what to send, what to
// deliver and what happened (the shape of boringtun's Tunn, for many peers).
//
// The caller owns sockets, the TUN device, endpoints, AllowedIPs and the one
// OS timer; `nextDeadline()` says when to call `tick()`. The flow of each
// path follows the kernel (receive.c, send.c, timers.c) so that timer hooks
// run in the same order.
import type { WasmCrypto } from "../crypto/types.js";
import {
  DATA_MINIMUM_LENGTH,
  MAX_STAGED_PACKETS,
  MAX_TIMER_HANDSHAKES,
  MESSAGE_INITIATION,
  REKEY_TIMEOUT,
  REKEY_TIMEOUT_JITTER_MAX,
  UNDER_LOAD_AFTER_TIME,
  UNDER_LOAD_HANDSHAKES_PER_SECOND,
  ZERO_KEY_MATERIAL_AFTER,
  KEEPALIVE_TIMEOUT,
} from "./constants.js";
import { CookieChecker, type SourceAddress } from "./cookie.js";
import {
  beginSession,
  consumeInitiation,
  consumeResponse,
  createInitiation,
  createResponse,
  type Handshake,
  type HandshakeContext,
  type HandshakeFailure,
  type SessionKeys,
  type StaticIdentity,
} from "./handshake.js";
import { IndexTable } from "./index-table.js";
import {
  type CookieReplyMessage,
  type DataMessage,
  type HandshakeMessage,
  type MalformedReason,
  parseMessage,
} from "./messages.js";
import { NoisePeer, type PeerOptions } from "./peer.js";
import { checkKey, clampPrivateKey, equalBytes, isZero, NoisePrimitives } from "./primitives.js";
import { RateLimiter } from "./ratelimiter.js";
import {
  checkInnerPacket,
  decapsulate,
  encapsulateBatch,
  type OpenData,
  type SealBatch,
  Keypair,
  wantsRekeyAfterReceive,
  wantsRekeyAfterSend,
} from "./session.js";
import { tai64n } from "./tai64n.js";
import { hasExpired, type TimerName } from "./timers.js";

/** Why a datagram or packet was dropped. Each has a counter in `NoiseDevice.drops`. */
export type DropReason =
  | MalformedReason
  | HandshakeFailure
  | "invalidMac1" // handshake message whose MAC1 is wrong
  | "cookieRequired" // under load without a valid MAC2: answered with a cookie reply
  | "rateLimited" // under load, over the source's handshake rate
  | "unknownIndex" // receiver index names no handshake or keypair (of the right kind)
  | "cookieReplyInvalid" // cookie reply that does not decrypt, or was not expected
  | "keyExpired" // data for a keypair past REJECT_AFTER_TIME or REJECT_AFTER_MESSAGES
  | "dataDecryptFailed" // data message that does not authenticate
  | "replayedCounter" // data counter already seen or behind the window
  | "innerPacketInvalid" // decrypted packet is neither IPv4 nor IPv6
  | "innerLengthInvalid" // decrypted packet's IP length disagrees with its size
  | "allowedIpsMismatch" // decrypted packet's source is not among the peer's AllowedIPs
  | "stagedOverflow" // outgoing packet dropped: too many waiting for a session
  | "stagedPurged"; // outgoing packet dropped: the handshake gave up

export const DROP_REASONS = [
  "truncated",
  "unknownType",
  "wrongSize",
  "dataTooShort",
  "noIdentity",
  "zeroDh",
  "handshakeDecryptFailed",
  "unknownPeer",
  "staleTimestamp",
  "initiationFlood",
  "unexpectedState",
  "invalidMac1",
  "cookieRequired",
  "rateLimited",
  "unknownIndex",
  "cookieReplyInvalid",
  "keyExpired",
  "dataDecryptFailed",
  "replayedCounter",
  "innerPacketInvalid",
  "innerLengthInvalid",
  "allowedIpsMismatch",
  "stagedOverflow",
  "stagedPurged",
] as const satisfies readonly DropReason[];

// Fails to compile if a DropReason is missing from DROP_REASONS.
type Exhaustive<T extends never> = T;
export type _AllDropReasonsListed = Exhaustive<Exclude<DropReason, (typeof DROP_REASONS)[number]>>;

/** What the caller must do, in order. */
export type NoiseAction<S extends SourceAddress = SourceAddress> =
  /** Send a datagram to the peer's current endpoint. */
  | { type: "send"; peer: NoisePeer; datagram: Uint8Array }
  /** Send a datagram (a cookie reply) back to where a message came from. */
  | { type: "reply"; to: S; datagram: Uint8Array }
  /** An authenticated IP packet from the peer, padding removed, for the TUN device. */
  | { type: "deliver"; peer: NoisePeer; packet: Uint8Array }
  /** An authenticated message came from `source`: the peer's endpoint should become it (roaming). */
  | { type: "endpoint"; peer: NoisePeer; source: S }
  /** An initiation was sent (`retry` when by the retransmit timer). */
  | { type: "handshakeInitiated"; peer: NoisePeer; retry: boolean }
  /** A handshake finished: a response arrived, or the initiator's first data confirmed our response. */
  | { type: "handshakeComplete"; peer: NoisePeer }
  /** New transport keys exist (usable at once by the initiator; by the responder after confirmation). */
  | { type: "sessionDerived"; peer: NoisePeer; initiator: boolean }
  | { type: "keepaliveReceived"; peer: NoisePeer }
  /** The handshake was retried for too long; the peer's staged packets were dropped. */
  | { type: "handshakeGaveUp"; peer: NoisePeer }
  /** Every key of the peer was wiped (540 s without a new session). */
  | { type: "keysZeroed"; peer: NoisePeer }
  /** A handshake is being retried: forget any cached local source address for the peer's endpoint. */
  | { type: "clearEndpointSource"; peer: NoisePeer }
  | { type: "drop"; reason: DropReason; peer?: NoisePeer };

export interface NoiseDeviceOptions {
  crypto: WasmCrypto;
  /** The interface's private key (clamped on use); null or omitted for none yet. */
  privateKey?: Uint8Array | null;
  /** Wall clock in ms since the Unix epoch, for TAI64N stamps and handshake times (default Date.now). */
  wallClock?: () => number;
  /** Fills an array with cryptographically secure random bytes (default crypto.getRandomValues). */
  random?: (out: Uint8Array) => void;
  /** Interface MTU, which caps padding (default 1420; 0 pads to 16 without a cap). */
  mtu?: number;
  /**
   * Whether a decrypted packet's source address belongs to the peer
   * (AllowedIPs). Checked before delivery so that refused packets are not
   * counted in rx bytes, as in the kernel; omit to deliver everything.
   */
  allowedSource?: (peer: NoisePeer, packet: Uint8Array) => boolean;
  /**
   * Seals packets into data messages with consecutive counters from `firstCounter`
   * (default: `encapsulateBatch`). A device can seal in its own memory instead — in
   * place, where the packets were read — as long as the bytes are the same.
   */
  sealBatch?: SealBatch;
  /**
   * Opens a data message (default: `decapsulate`). A device can open in place, in
   * the memory the datagram was received into; it must return the same plaintext,
   * or null without writing anything when the tag does not verify.
   */
  openData?: OpenData;
  /** Handshake messages per second that put the device under load (default 128). */
  underLoadHandshakesPerSecond?: number;
  /** Rate-limiter capacity in sources (default 65536). */
  rateLimiterMaxEntries?: number;
}

const keyId = (key: Uint8Array): string => String.fromCharCode(...key);

export class NoiseDevice<S extends SourceAddress = SourceAddress> {
  readonly primitives: NoisePrimitives;
  /** Datagrams and packets dropped, by reason. */
  readonly drops: Record<DropReason, number>;
  /** Interface MTU used to cap padding. */
  mtu: number;
  /** Forces under-load mode on (true) or off (false); undefined measures the handshake rate. */
  forceUnderLoad: boolean | undefined = undefined;

  private identity: StaticIdentity | null = null;
  private readonly peerMap = new Map<string, NoisePeer>();
  private readonly indices: IndexTable<NoisePeer, Handshake, Keypair>;
  private readonly cookieChecker: CookieChecker;
  private readonly rateLimiter: RateLimiter;
  private readonly ctx: HandshakeContext;
  private readonly sealBatch: SealBatch;
  private readonly openData: OpenData;
  private readonly wallClock: () => number;
  private readonly random: (out: Uint8Array) => void;
  private readonly allowedSource?: (peer: NoisePeer, packet: Uint8Array) => boolean;
  private readonly underLoadThreshold: number;
  private loadWindowStart = -Infinity;
  private loadWindowCount = 0;
  private underLoadUntil = -Infinity;
  private readonly jitterWords = new Uint32Array(64);
  private jitterNext = 64;

  constructor(options: NoiseDeviceOptions) {
    this.primitives = new NoisePrimitives(options.crypto);
    this.wallClock = options.wallClock ?? (() => Date.now());
    this.random = options.random ?? ((out) => void globalThis.crypto.getRandomValues(out));
    this.mtu = options.mtu ?? 1420;
    this.allowedSource = options.allowedSource;
    this.sealBatch =
      options.sealBatch ?? ((keypair, first, packets, mtu) => encapsulateBatch(this.primitives, keypair, first, packets, mtu));
    this.openData = options.openData ?? ((keypair, msg) => decapsulate(this.primitives, keypair, msg));
    this.underLoadThreshold = options.underLoadHandshakesPerSecond ?? UNDER_LOAD_HANDSHAKES_PER_SECOND;
    this.ctx = { primitives: this.primitives, random: this.random };
    this.indices = new IndexTable(this.random);
    this.cookieChecker = new CookieChecker(this.primitives, this.random);
    this.rateLimiter = new RateLimiter(options.rateLimiterMaxEntries);
    this.drops = Object.fromEntries(DROP_REASONS.map((r) => [r, 0])) as Record<DropReason, number>;
    if (options.privateKey) this.setPrivateKey(options.privateKey);
  }

  // -------------------------------------------------------------------------
  // Configuration
  // -------------------------------------------------------------------------

  /** The clamped private key, or null. */
  get privateKey(): Uint8Array | null {
    return this.identity ? this.identity.privateKey.slice() : null;
  }

  get publicKey(): Uint8Array | null {
    return this.identity ? this.identity.publicKey.slice() : null;
  }

  /**
   * Sets (or with null or all zeros, clears) the private key. As in the kernel
   * and wireguard-go: a peer whose public key equals the new public key is
   * removed (and returned), and every other peer's sessions stop sending and
   * its handshake is reset, so new handshakes use the new key at once.
   * Pass `now` when the interface is up: if this gives the device its first
   * key, packets staged meanwhile are sent (their handshakes start).
   */
  setPrivateKey(privateKey: Uint8Array | null, now?: number): { removed: NoisePeer[]; actions: NoiseAction<S>[] } {
    const removed: NoisePeer[] = [];
    const actions: NoiseAction<S>[] = [];
    if (privateKey) checkKey("privateKey", privateKey);
    const key = privateKey && !isZero(privateKey) ? clampPrivateKey(privateKey.slice()) : null;
    if (key && this.identity && equalBytes(key, this.identity.privateKey)) return { removed, actions };
    if (!key && !this.identity) return { removed, actions };
    const publicKey = key ? this.primitives.publicKey(key) : null;
    if (publicKey) {
      const self = this.peerMap.get(keyId(publicKey));
      if (self) {
        this.removePeer(self);
        removed.push(self);
      }
    }
    const firstKey = !this.identity && key !== null;
    this.identity?.privateKey.fill(0);
    this.identity = key && publicKey ? { privateKey: key, publicKey } : null;
    this.cookieChecker.setPublicKey(publicKey);
    for (const peer of this.peerMap.values()) {
      peer.handshake.precomputeStaticStatic(this.primitives, this.identity);
      this.expireCurrentKeypairs(peer);
      if (firstKey && now !== undefined) this.sendStagedPackets(now, peer, actions);
    }
    return { removed, actions };
  }

  /**
   * Adds a peer, or returns the existing one with that key (unchanged). Returns
   * null for the device's own public key, which the UAPI ignores.
   */
  addPeer(publicKey: Uint8Array, options: PeerOptions = {}): NoisePeer | null {
    checkKey("publicKey", publicKey);
    if (this.identity && equalBytes(publicKey, this.identity.publicKey)) return null;
    const existing = this.peerMap.get(keyId(publicKey));
    if (existing) return existing;
    const peer = new NoisePeer(
      publicKey.slice(),
      this.primitives,
      () => this.jitter(),
      (keypair) => {
        this.indices.remove(keypair.localIndex, keypair);
        keypair.destroy();
      },
    );
    peer.handshake.precomputeStaticStatic(this.primitives, this.identity);
    if (options.presharedKey) this.setPresharedKey(peer, options.presharedKey);
    peer.persistentKeepaliveInterval = options.persistentKeepalive ?? 0;
    this.peerMap.set(keyId(publicKey), peer);
    return peer;
  }

  /** Removes a peer, wiping its keys and dropping its staged packets. */
  removePeer(peer: NoisePeer): void {
    if (this.peerMap.get(keyId(peer.publicKey)) !== peer) return;
    this.resetPeer(peer);
    this.peerMap.delete(keyId(peer.publicKey));
    peer.removed = true;
  }

  getPeer(publicKey: Uint8Array): NoisePeer | undefined {
    return this.peerMap.get(keyId(publicKey));
  }

  get peers(): IterableIterator<NoisePeer> {
    return this.peerMap.values();
  }

  /** Sets or (null, all zeros) clears a peer's preshared key; it applies from the next handshake. */
  setPresharedKey(peer: NoisePeer, presharedKey: Uint8Array | null): void {
    if (presharedKey) checkKey("presharedKey", presharedKey);
    peer.handshake.setPresharedKey(presharedKey);
  }

  /**
   * Sets the persistent keepalive interval in seconds (0 disables). Turning it
   * on sends a keepalive at once (returned), as the kernel does when the
   * interface is up.
   */
  setPersistentKeepalive(now: number, peer: NoisePeer, seconds: number): NoiseAction<S>[] {
    const out: NoiseAction<S>[] = [];
    const wasOff = peer.persistentKeepaliveInterval === 0;
    peer.persistentKeepaliveInterval = seconds;
    if (wasOff && seconds > 0) this.sendKeepalive(now, peer, out);
    return out;
  }

  /**
   * The interface came up (kernel wg_open): send what was staged, and a first
   * keepalive to peers with persistent keepalive.
   */
  up(now: number): NoiseAction<S>[] {
    const out: NoiseAction<S>[] = [];
    for (const peer of this.peerMap.values()) {
      this.sendStagedPackets(now, peer, out);
      if (peer.persistentKeepaliveInterval > 0) this.sendKeepalive(now, peer, out);
    }
    return out;
  }

  /** The interface went down (kernel wg_stop): every peer is reset. */
  down(): void {
    for (const peer of this.peerMap.values()) this.resetPeer(peer);
  }

  /**
   * Forgets a peer's sessions, handshake, timers and staged packets, as the
   * kernel does for every peer when the interface goes down.
   */
  resetPeer(peer: NoisePeer): void {
    this.purgeStaged(peer, []);
    peer.timers.stopAll();
    this.clearHandshake(peer);
    peer.keypairs.clear();
    peer.lastSentHandshake = -Infinity;
  }

  // -------------------------------------------------------------------------
  // Inputs
  // -------------------------------------------------------------------------

  /** Handles one received datagram. `now` is monotonic ms; `source` is returned in actions. */
  receive(now: number, datagram: Uint8Array, source: S): NoiseAction<S>[] {
    const out: NoiseAction<S>[] = [];
    const msg = parseMessage(datagram);
    if (typeof msg === "string") {
      this.drop(out, msg);
      return out;
    }
    switch (msg.type) {
      case 1:
      case 2:
        this.receiveHandshake(now, msg, source, out);
        break;
      case 3:
        this.receiveCookieReply(now, msg, out);
        break;
      case 4:
        this.receiveData(now, msg, source, out);
        break;
    }
    return out;
  }

  /**
   * Sends an IP packet to a peer. Without a usable session the packet is kept
   * (up to MAX_STAGED_PACKETS per peer, the oldest dropped beyond) and a
   * handshake is started; the staged packets go out once a session exists.
   */
  send(now: number, peer: NoisePeer, packet: Uint8Array): NoiseAction<S>[] {
    return this.sendBatch(now, peer, [packet]);
  }

  /** Sends several IP packets to one peer; they are sealed together, with consecutive counters. */
  sendBatch(now: number, peer: NoisePeer, packets: readonly Uint8Array[]): NoiseAction<S>[] {
    const out: NoiseAction<S>[] = [];
    if (peer.removed) return out;
    // Like the kernel, trim the oldest before adding, so a batch is never cut.
    const excess = peer.staged.length - MAX_STAGED_PACKETS;
    if (excess > 0) {
      peer.staged.splice(0, excess);
      for (let i = 0; i < excess; i++) this.drop(out, "stagedOverflow", peer);
    }
    peer.staged.push(...packets);
    this.sendStagedPackets(now, peer, out);
    return out;
  }

  /** Sends a keepalive (or the staged packets, if any). */
  keepalive(now: number, peer: NoisePeer): NoiseAction<S>[] {
    const out: NoiseAction<S>[] = [];
    if (!peer.removed) this.sendKeepalive(now, peer, out);
    return out;
  }

  /** Starts a handshake now unless one was sent in the last REKEY_TIMEOUT. */
  initiateHandshake(now: number, peer: NoisePeer): NoiseAction<S>[] {
    const out: NoiseAction<S>[] = [];
    if (!peer.removed) this.sendQueuedHandshakeInitiation(now, peer, false, out);
    return out;
  }

  /** Runs every timer due at `now`. */
  tick(now: number): NoiseAction<S>[] {
    const out: NoiseAction<S>[] = [];
    for (const peer of this.peerMap.values()) {
      for (let name = peer.timers.takeExpired(now); name; name = peer.timers.takeExpired(now))
        this.timerExpired(now, peer, name, out);
    }
    return out;
  }

  /** The earliest time `tick` has work (monotonic ms), or Infinity. */
  nextDeadline(): number {
    let min = Infinity;
    for (const peer of this.peerMap.values()) min = Math.min(min, peer.timers.nextDeadline());
    return min;
  }

  /** Whether handshake messages must carry MAC2 at `now`. */
  isUnderLoad(now: number): boolean {
    return this.forceUnderLoad ?? now < this.underLoadUntil;
  }

  // -------------------------------------------------------------------------
  // Receive paths (kernel receive.c)
  // -------------------------------------------------------------------------

  private receiveHandshake(now: number, msg: HandshakeMessage, source: S, out: NoiseAction<S>[]): void {
    this.noteHandshakeArrival(now);
    const underLoad = this.isUnderLoad(now);
    const mac = this.cookieChecker.check(msg.bytes, source, underLoad, now);
    if (mac === "invalidMac1") return this.drop(out, "invalidMac1");
    if (underLoad) {
      if (mac !== "validMac2") {
        const reply = this.cookieChecker.createReply(msg.bytes, msg.senderIndex, source, now);
        if (reply) out.push({ type: "reply", to: source, datagram: reply });
        return this.drop(out, "cookieRequired");
      }
      if (!this.rateLimiter.allow(source.address, now)) return this.drop(out, "rateLimited");
    }
    if (msg.type === MESSAGE_INITIATION) {
      const result = consumeInitiation(this.ctx, this.identity, msg, now, (s) => this.peerMap.get(keyId(s))?.handshake);
      if (typeof result === "string") return this.drop(out, result);
      const peer = this.peerMap.get(keyId(result.remoteStatic))!;
      out.push({ type: "endpoint", peer, source });
      this.sendHandshakeResponse(now, peer, out);
      this.authenticatedHandshakeReceived(now, peer, msg.bytes.length);
    } else {
      const entry = this.indices.lookup(msg.receiverIndex);
      if (!entry?.handshake) return this.drop(out, "unknownIndex");
      const peer = entry.peer;
      const result = consumeResponse(this.ctx, this.identity, msg, entry.handshake);
      if (result !== true) return this.drop(out, result, peer);
      out.push({ type: "endpoint", peer, source });
      const keys = beginSession(this.ctx, peer.handshake);
      this.authenticatedHandshakeReceived(now, peer, msg.bytes.length);
      if (keys) {
        this.installKeypair(now, peer, keys, out);
        this.handshakeComplete(peer, out);
        // Sends the staged packets, or a keepalive to confirm the session at once.
        this.sendKeepalive(now, peer, out);
      }
    }
  }

  private authenticatedHandshakeReceived(now: number, peer: NoisePeer, length: number): void {
    peer.rxBytes += length;
    peer.timers.anyAuthenticatedPacketReceived();
    peer.timers.anyAuthenticatedPacketTraversal(now, peer.persistentKeepaliveInterval);
  }

  private receiveCookieReply(now: number, msg: CookieReplyMessage, out: NoiseAction<S>[]): void {
    const entry = this.indices.lookup(msg.receiverIndex);
    if (!entry) return this.drop(out, "unknownIndex");
    if (!entry.peer.cookie.consumeReply(msg, now)) this.drop(out, "cookieReplyInvalid", entry.peer);
  }

  private receiveData(now: number, msg: DataMessage, source: S, out: NoiseAction<S>[]): void {
    const entry = this.indices.lookup(msg.receiverIndex);
    const keypair = entry?.keypair;
    if (!entry || !keypair) return this.drop(out, "unknownIndex");
    const peer = entry.peer;
    if (!keypair.canReceive(now)) return this.drop(out, "keyExpired", peer);
    const plaintext = this.openData(keypair, msg);
    if (!plaintext) return this.drop(out, "dataDecryptFailed", peer);
    // The window moves only for authenticated counters.
    if (!keypair.replay.check(msg.counter)) return this.drop(out, "replayedCounter", peer);

    out.push({ type: "endpoint", peer, source });
    const confirmed = peer.keypairs.receivedWith(keypair);
    if (confirmed) this.handshakeComplete(peer, out);
    const rekey = !peer.timers.sentLastMinuteHandshake && wantsRekeyAfterReceive(peer.keypairs.current, now);
    peer.timers.anyAuthenticatedPacketReceived();
    peer.timers.anyAuthenticatedPacketTraversal(now, peer.persistentKeepaliveInterval);

    if (plaintext.length === 0) {
      peer.rxBytes += DATA_MINIMUM_LENGTH;
      out.push({ type: "keepaliveReceived", peer });
    } else {
      peer.timers.dataReceived(now);
      const inner = checkInnerPacket(plaintext);
      if (!inner.ok) this.drop(out, inner.reason, peer);
      else {
        const packet = plaintext.subarray(0, inner.length);
        if (this.allowedSource && !this.allowedSource(peer, packet)) this.drop(out, "allowedIpsMismatch", peer);
        else {
          out.push({ type: "deliver", peer, packet });
          peer.rxBytes += msg.bytes.length;
        }
      }
    }
    // The kernel sends these from workers, after the hooks above have run.
    if (confirmed) this.sendStagedPackets(now, peer, out);
    if (rekey) {
      peer.timers.sentLastMinuteHandshake = true;
      this.sendQueuedHandshakeInitiation(now, peer, false, out);
    }
  }

  // -------------------------------------------------------------------------
  // Send paths (kernel send.c)
  // -------------------------------------------------------------------------

  private sendQueuedHandshakeInitiation(now: number, peer: NoisePeer, isRetry: boolean, out: NoiseAction<S>[]): void {
    if (!isRetry) peer.timers.handshakeAttempts = 0;
    // At most one initiation per REKEY_TIMEOUT.
    if (!hasExpired(peer.lastSentHandshake, REKEY_TIMEOUT, now)) return;
    peer.lastSentHandshake = now;
    const hs = peer.handshake;
    const message = createInitiation(this.ctx, this.identity, hs, tai64n(this.wallClock()), () =>
      this.allocateHandshakeIndex(peer),
    );
    if (typeof message === "string") return;
    peer.cookie.addMacs(message, now);
    peer.timers.anyAuthenticatedPacketTraversal(now, peer.persistentKeepaliveInterval);
    peer.timers.anyAuthenticatedPacketSent();
    this.transmit(peer, message, out);
    peer.timers.handshakeInitiated(now);
    out.push({ type: "handshakeInitiated", peer, retry: isRetry });
  }

  private sendHandshakeResponse(now: number, peer: NoisePeer, out: NoiseAction<S>[]): void {
    peer.lastSentHandshake = now;
    const message = createResponse(this.ctx, peer.handshake, () => this.allocateHandshakeIndex(peer));
    if (typeof message === "string") return void this.drop(out, message, peer);
    peer.cookie.addMacs(message, now);
    const keys = beginSession(this.ctx, peer.handshake);
    if (!keys) return;
    this.installKeypair(now, peer, keys, out);
    peer.timers.anyAuthenticatedPacketTraversal(now, peer.persistentKeepaliveInterval);
    peer.timers.anyAuthenticatedPacketSent();
    this.transmit(peer, message, out);
  }

  private sendKeepalive(now: number, peer: NoisePeer, out: NoiseAction<S>[]): void {
    if (peer.staged.length === 0) peer.staged.push(new Uint8Array(0));
    this.sendStagedPackets(now, peer, out);
  }

  /** Encrypts and sends every staged packet on the current keypair, or starts a handshake. */
  private sendStagedPackets(now: number, peer: NoisePeer, out: NoiseAction<S>[]): void {
    if (peer.staged.length === 0) return;
    const keypair = peer.keypairs.current;
    if (!keypair || !keypair.canSend(now)) {
      if (keypair) keypair.sendValid = false;
      return this.sendQueuedHandshakeInitiation(now, peer, false, out);
    }
    const packets = peer.staged;
    const firstCounter = keypair.sendCounter;
    for (let i = 0; i < packets.length; i++) {
      // Out of counters: keep the packets for the next session.
      if (keypair.takeCounter() === null) return this.sendQueuedHandshakeInitiation(now, peer, false, out);
    }
    peer.staged = [];
    peer.timers.anyAuthenticatedPacketTraversal(now, peer.persistentKeepaliveInterval);
    peer.timers.anyAuthenticatedPacketSent();
    const datagrams = this.sealBatch(keypair, firstCounter, packets, this.mtu);
    let dataSent = false;
    for (let i = 0; i < packets.length; i++) {
      this.transmit(peer, datagrams[i], out);
      if (packets[i].length > 0) dataSent = true;
    }
    if (dataSent) peer.timers.dataSent(now);
    if (wantsRekeyAfterSend(keypair, now)) this.sendQueuedHandshakeInitiation(now, peer, false, out);
  }

  private transmit(peer: NoisePeer, datagram: Uint8Array, out: NoiseAction<S>[]): void {
    peer.txBytes += datagram.length;
    out.push({ type: "send", peer, datagram });
  }

  // -------------------------------------------------------------------------
  // Timers (kernel timers.c expiry handlers)
  // -------------------------------------------------------------------------

  private timerExpired(now: number, peer: NoisePeer, name: TimerName, out: NoiseAction<S>[]): void {
    const timers = peer.timers;
    switch (name) {
      case "retransmitHandshake":
        if (timers.handshakeAttempts > MAX_TIMER_HANDSHAKES) {
          timers.deadline.sendKeepalive = undefined;
          this.purgeStaged(peer, out);
          // Destroy whatever a partial exchange left behind, eventually.
          if (!timers.pending("zeroKeyMaterial")) timers.deadline.zeroKeyMaterial = now + ZERO_KEY_MATERIAL_AFTER;
          out.push({ type: "handshakeGaveUp", peer });
        } else {
          timers.handshakeAttempts++;
          out.push({ type: "clearEndpointSource", peer });
          this.sendQueuedHandshakeInitiation(now, peer, true, out);
        }
        break;
      case "sendKeepalive":
        this.sendKeepalive(now, peer, out);
        if (timers.needAnotherKeepalive) {
          timers.needAnotherKeepalive = false;
          timers.deadline.sendKeepalive = now + KEEPALIVE_TIMEOUT;
        }
        break;
      case "newHandshake":
        out.push({ type: "clearEndpointSource", peer });
        this.sendQueuedHandshakeInitiation(now, peer, false, out);
        break;
      case "zeroKeyMaterial":
        this.clearHandshake(peer);
        peer.keypairs.clear();
        out.push({ type: "keysZeroed", peer });
        break;
      case "persistentKeepalive":
        if (peer.persistentKeepaliveInterval > 0) this.sendKeepalive(now, peer, out);
        break;
    }
  }

  // -------------------------------------------------------------------------
  // Helpers
  // -------------------------------------------------------------------------

  private handshakeComplete(peer: NoisePeer, out: NoiseAction<S>[]): void {
    peer.timers.handshakeComplete();
    peer.lastHandshakeTime = this.wallClock();
    out.push({ type: "handshakeComplete", peer });
  }

  private installKeypair(now: number, peer: NoisePeer, keys: SessionKeys, out: NoiseAction<S>[]): void {
    const keypair = new Keypair(keys, now);
    this.indices.replace(keys.localIndex, { peer, keypair });
    peer.keypairs.add(keypair);
    peer.timers.sessionDerived(now);
    out.push({ type: "sessionDerived", peer, initiator: keys.initiator });
  }

  private allocateHandshakeIndex(peer: NoisePeer): number {
    this.indices.remove(peer.handshake.localIndex, peer.handshake);
    return this.indices.insert({ peer, handshake: peer.handshake });
  }

  private clearHandshake(peer: NoisePeer): void {
    this.indices.remove(peer.handshake.localIndex, peer.handshake);
    peer.handshake.localIndex = undefined;
    peer.handshake.zero();
  }

  /** After a private key change (kernel wg_noise_expire_current_peer_keypairs). */
  private expireCurrentKeypairs(peer: NoisePeer): void {
    this.clearHandshake(peer);
    peer.lastSentHandshake = -Infinity;
    peer.keypairs.expireSending();
  }

  private purgeStaged(peer: NoisePeer, out: NoiseAction<S>[]): void {
    for (let i = 0; i < peer.staged.length; i++) this.drop(out, "stagedPurged", peer);
    peer.staged = [];
  }

  private drop(out: NoiseAction<S>[], reason: DropReason, peer?: NoisePeer): void {
    this.drops[reason]++;
    out.push(peer ? { type: "drop", reason, peer } : { type: "drop", reason });
  }

  private jitter(): number {
    // Timers re-arm with fresh jitter on busy paths: draw random words in bulk.
    if (this.jitterNext === this.jitterWords.length) {
      this.random(new Uint8Array(this.jitterWords.buffer));
      this.jitterNext = 0;
    }
    return this.jitterWords[this.jitterNext++] % REKEY_TIMEOUT_JITTER_MAX;
  }

  /** Under load when too many handshake messages arrive within a second; stays so for a second. */
  private noteHandshakeArrival(now: number): void {
    if (now - this.loadWindowStart >= 1000) {
      this.loadWindowStart = now;
      this.loadWindowCount = 0;
    }
    if (++this.loadWindowCount >= this.underLoadThreshold) this.underLoadUntil = now + UNDER_LOAD_AFTER_TIME;
  }
}
