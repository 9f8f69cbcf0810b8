// Noise_IKpsk2 as WireGuard uses it (whitepaper §5.4.2–5.4.4):
//
//   <- s
//   ...
//   -> e, es, s, ss, {t}
//   <- e, ee, se, psk, {}
//
// Each function computes into temporaries and assigns the peer's handshake
// state only when every step succeeded, so a forged or corrupt message never
// disturbs a handshake in progress. Temporaries holding secrets are wiped.
import { HASH_LENGTH, INITIATION_MIN_INTERVAL, KEY_LENGTH, TIMESTAMP_LENGTH } from "./constants.js";
import {
  type InitiationMessage,
  type ResponseMessage,
  serializeInitiation,
  serializeResponse,
} from "./messages.js";
import { clampPrivateKey, EMPTY, isZero, type NoisePrimitives, wipe } from "./primitives.js";
import { compareTimestamps } from "./tai64n.js";

export type HandshakeState =
  | "zeroed"
  | "createdInitiation"
  | "consumedInitiation"
  | "createdResponse"
  | "consumedResponse";

/** Why a handshake step failed. */
export type HandshakeFailure =
  | "noIdentity" // the device has no private key
  | "zeroDh" // a Diffie-Hellman result was all zeros (low-order public key)
  | "handshakeDecryptFailed" // an AEAD field did not authenticate
  | "unknownPeer" // the initiator's static key is not a configured peer
  | "staleTimestamp" // the initiation's TAI64N stamp is not newer than the last accepted one
  | "initiationFlood" // an initiation less than 20 ms after the last accepted one
  | "unexpectedState"; // e.g. a response with no initiation outstanding

/** The device's static key pair. */
export interface StaticIdentity {
  readonly privateKey: Uint8Array;
  readonly publicKey: Uint8Array;
}

/** What a handshake step needs from the device. */
export interface HandshakeContext {
  readonly primitives: NoisePrimitives;
  /** Fills the array with random bytes. */
  readonly random: (out: Uint8Array) => void;
}

/** Keys and indices of a finished handshake, from beginSession. */
export interface SessionKeys {
  readonly initiator: boolean;
  readonly sendKey: Uint8Array;
  readonly receiveKey: Uint8Array;
  /** Our index for this session (the handshake's), which the peer puts in data messages. */
  readonly localIndex: number;
  /** The peer's index, which we put in data messages. */
  readonly remoteIndex: number;
}

/** One peer's handshake (the kernel's struct noise_handshake). */
export class Handshake {
  state: HandshakeState = "zeroed";
  readonly chainingKey = new Uint8Array(HASH_LENGTH);
  readonly hash = new Uint8Array(HASH_LENGTH);
  readonly ephemeralPrivate = new Uint8Array(KEY_LENGTH);
  readonly remoteEphemeral = new Uint8Array(KEY_LENGTH);
  /** The peer's sender index from its last message. */
  remoteIndex = 0;
  /** Our sender index while an initiation or response is outstanding. */
  localIndex: number | undefined = undefined;
  /** The newest TAI64N stamp accepted from this peer; never reset, so replays stay rejected. */
  readonly latestTimestamp = new Uint8Array(TIMESTAMP_LENGTH);
  /** Monotonic time of the last accepted initiation. */
  lastInitiationConsumption = -Infinity;
  /** 32 zero bytes when the peer has no preshared key, as the protocol specifies. */
  readonly presharedKey = new Uint8Array(KEY_LENGTH);
  /** DH(our static, their static), or zeros when it cannot be computed. */
  readonly precomputedStaticStatic = new Uint8Array(KEY_LENGTH);

  constructor(readonly remoteStatic: Uint8Array) {}

  setPresharedKey(key: Uint8Array | null): void {
    if (key) this.presharedKey.set(key);
    else this.presharedKey.fill(0);
  }

  /** Recomputes DH(our static, their static) after our private key changed. */
  precomputeStaticStatic(primitives: NoisePrimitives, identity: StaticIdentity | null): void {
    const ss = identity ? primitives.dh(identity.privateKey, this.remoteStatic) : null;
    if (ss) this.precomputedStaticStatic.set(ss);
    else this.precomputedStaticStatic.fill(0);
    wipe(ss ?? undefined);
  }

  /** Forgets the exchange in progress (not the timestamp or flood state). */
  zero(): void {
    wipe(this.ephemeralPrivate, this.remoteEphemeral, this.hash, this.chainingKey);
    this.remoteIndex = 0;
    this.state = "zeroed";
  }
}

function generateEphemeral(ctx: HandshakeContext): Uint8Array {
  const key = new Uint8Array(KEY_LENGTH);
  ctx.random(key);
  return clampPrivateKey(key);
}

/** Collects temporaries so that every exit path wipes them. */
class Scratch {
  private readonly held: Uint8Array[] = [];
  keep<T extends Uint8Array>(a: T): T {
    this.held.push(a);
    return a;
  }
  wipe(): void {
    wipe(...this.held);
  }
}

/**
 * Builds an initiation to `hs`'s peer (MACs left zero). `allocateIndex` is
 * called only on success and returns our new sender index.
 */
export function createInitiation(
  ctx: HandshakeContext,
  identity: StaticIdentity | null,
  hs: Handshake,
  timestamp: Uint8Array,
  allocateIndex: () => number,
): Uint8Array | HandshakeFailure {
  if (!identity) return "noIdentity";
  const p = ctx.primitives;
  const t = new Scratch();
  try {
    let h = p.hash(p.initialHash, hs.remoteStatic);
    let ck = p.initialChainingKey;
    let k: Uint8Array;

    // e
    const ePrivate = t.keep(generateEphemeral(ctx));
    const ePublic = p.publicKey(ePrivate);
    h = p.hash(h, ePublic);
    ck = t.keep(p.kdf1(ck, ePublic));

    // es
    const es = p.dh(ePrivate, hs.remoteStatic);
    if (!es) return "zeroDh";
    [ck, k] = p.kdf2(ck, t.keep(es));
    t.keep(ck), t.keep(k);

    // s
    const encryptedStatic = p.sealHandshake(k, identity.publicKey, h);
    h = p.hash(h, encryptedStatic);

    // ss
    if (isZero(hs.precomputedStaticStatic)) return "zeroDh";
    [ck, k] = p.kdf2(ck, hs.precomputedStaticStatic);
    t.keep(ck), t.keep(k);

    // {t}
    const encryptedTimestamp = p.sealHandshake(k, timestamp, h);
    h = p.hash(h, encryptedTimestamp);

    const senderIndex = allocateIndex();
    hs.ephemeralPrivate.set(ePrivate);
    hs.chainingKey.set(ck);
    hs.hash.set(h);
    hs.localIndex = senderIndex;
    hs.state = "createdInitiation";
    return serializeInitiation({ senderIndex, ephemeral: ePublic, encryptedStatic, encryptedTimestamp });
  } finally {
    t.wipe();
  }
}

/**
 * Consumes an initiation (whose MACs the caller has checked). `lookup` maps
 * the decrypted static key to a peer's handshake. Returns that handshake, now
 * in state consumedInitiation, or why the message was rejected. `now` is the
 * monotonic clock in ms.
 */
export function consumeInitiation(
  ctx: HandshakeContext,
  identity: StaticIdentity | null,
  msg: InitiationMessage,
  now: number,
  lookup: (staticPublic: Uint8Array) => Handshake | undefined,
): Handshake | HandshakeFailure {
  if (!identity) return "noIdentity";
  const p = ctx.primitives;
  const t = new Scratch();
  try {
    let h = p.hash(p.initialHash, identity.publicKey);
    let ck = p.initialChainingKey;
    let k: Uint8Array;

    // e
    const e = msg.ephemeral.slice();
    h = p.hash(h, e);
    ck = t.keep(p.kdf1(ck, e));

    // es
    const es = p.dh(identity.privateKey, e);
    if (!es) return "zeroDh";
    [ck, k] = p.kdf2(ck, t.keep(es));
    t.keep(ck), t.keep(k);

    // s
    const s = p.openHandshake(k, msg.encryptedStatic, h);
    if (!s) return "handshakeDecryptFailed";
    h = p.hash(h, msg.encryptedStatic);
    const hs = lookup(s);
    if (!hs) return "unknownPeer";

    // ss
    if (isZero(hs.precomputedStaticStatic)) return "zeroDh";
    [ck, k] = p.kdf2(ck, hs.precomputedStaticStatic);
    t.keep(ck), t.keep(k);

    // {t}
    const timestamp = p.openHandshake(k, msg.encryptedTimestamp, h);
    if (!timestamp) return "handshakeDecryptFailed";
    h = p.hash(h, msg.encryptedTimestamp);

    // Only now, authenticated, may the timestamp and rate be judged.
    if (compareTimestamps(timestamp, hs.latestTimestamp) <= 0) return "staleTimestamp";
    if (hs.lastInitiationConsumption + INITIATION_MIN_INTERVAL > now) return "initiationFlood";

    hs.remoteEphemeral.set(e);
    hs.latestTimestamp.set(timestamp);
    hs.hash.set(h);
    hs.chainingKey.set(ck);
    hs.remoteIndex = msg.senderIndex;
    if (now > hs.lastInitiationConsumption) hs.lastInitiationConsumption = now;
    hs.state = "consumedInitiation";
    return hs;
  } finally {
    t.wipe();
  }
}

/** Builds the response to a consumed initiation (MACs left zero). */
export function createResponse(
  ctx: HandshakeContext,
  hs: Handshake,
  allocateIndex: () => number,
): Uint8Array | HandshakeFailure {
  if (hs.state !== "consumedInitiation") return "unexpectedState";
  const p = ctx.primitives;
  const t = new Scratch();
  try {
    let h: Uint8Array = hs.hash.slice();
    let ck: Uint8Array = hs.chainingKey.slice();
    t.keep(ck);

    // e
    const ePrivate = t.keep(generateEphemeral(ctx));
    const ePublic = p.publicKey(ePrivate);
    h = p.hash(h, ePublic);
    ck = t.keep(p.kdf1(ck, ePublic));

    // ee
    const ee = p.dh(ePrivate, hs.remoteEphemeral);
    if (!ee) return "zeroDh";
    ck = t.keep(p.kdf1(ck, t.keep(ee)));

    // se
    const se = p.dh(ePrivate, hs.remoteStatic);
    if (!se) return "zeroDh";
    ck = t.keep(p.kdf1(ck, t.keep(se)));

    // psk
    const [ck2, tau, k] = p.kdf3(ck, hs.presharedKey);
    t.keep(ck2), t.keep(tau), t.keep(k);
    h = p.hash(h, tau);

    // {}
    const encryptedNothing = p.sealHandshake(k, EMPTY, h);
    h = p.hash(h, encryptedNothing);

    const senderIndex = allocateIndex();
    hs.ephemeralPrivate.set(ePrivate);
    hs.chainingKey.set(ck2);
    hs.hash.set(h);
    hs.localIndex = senderIndex;
    hs.state = "createdResponse";
    return serializeResponse({ senderIndex, receiverIndex: hs.remoteIndex, ephemeral: ePublic, encryptedNothing });
  } finally {
    t.wipe();
  }
}

/**
 * Consumes a response to our initiation (MACs checked by the caller; `hs` is
 * the handshake its receiver index named).
 */
export function consumeResponse(
  ctx: HandshakeContext,
  identity: StaticIdentity | null,
  msg: ResponseMessage,
  hs: Handshake,
): true | HandshakeFailure {
  if (!identity) return "noIdentity";
  if (hs.state !== "createdInitiation") return "unexpectedState";
  const p = ctx.primitives;
  const t = new Scratch();
  try {
    let h: Uint8Array = hs.hash.slice();
    let ck: Uint8Array = t.keep(hs.chainingKey.slice());

    // e
    const e = msg.ephemeral.slice();
    h = p.hash(h, e);
    ck = t.keep(p.kdf1(ck, e));

    // ee
    const ee = p.dh(hs.ephemeralPrivate, e);
    if (!ee) return "zeroDh";
    ck = t.keep(p.kdf1(ck, t.keep(ee)));

    // se
    const se = p.dh(identity.privateKey, e);
    if (!se) return "zeroDh";
    ck = t.keep(p.kdf1(ck, t.keep(se)));

    // psk
    const [ck2, tau, k] = p.kdf3(ck, hs.presharedKey);
    t.keep(ck2), t.keep(tau), t.keep(k);
    h = p.hash(h, tau);

    // {}
    if (!p.openHandshake(k, msg.encryptedNothing, h)) return "handshakeDecryptFailed";
    h = p.hash(h, msg.encryptedNothing);

    hs.remoteEphemeral.set(e);
    hs.hash.set(h);
    hs.chainingKey.set(ck2);
    hs.remoteIndex = msg.senderIndex;
    hs.state = "consumedResponse";
    return true;
  } finally {
    t.wipe();
  }
}

/**
 * Derives the transport keys from a finished handshake and zeroes it
 * (whitepaper §5.4.5): (T_send, T_recv) = KDF2(C, ε), swapped for the responder.
 * Returns null when the handshake is not finished.
 */
export function beginSession(ctx: HandshakeContext, hs: Handshake): SessionKeys | null {
  if (hs.state !== "createdResponse" && hs.state !== "consumedResponse") return null;
  if (hs.localIndex === undefined) return null;
  const initiator = hs.state === "consumedResponse";
  const [first, second] = ctx.primitives.kdf2(hs.chainingKey, EMPTY);
  const keys: SessionKeys = {
    initiator,
    sendKey: initiator ? first : second,
    receiveKey: initiator ? second : first,
    localIndex: hs.localIndex,
    remoteIndex: hs.remoteIndex,
  };
  hs.localIndex = undefined; // handed over to the session
  hs.zero();
  return keys;
}
