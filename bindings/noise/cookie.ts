// DoS protection (whitepaper §5.3, §5.4.7; kernel cookie.c): MAC1 keyed by
// the receiver's public key on every handshake message; MAC2 keyed by a
// cookie, demanded only under load; cookie replies sealed with
// XChaCha20-Poly1305 under a key from the responder's public key, with MAC1
// of the refused message as associated data.
import {
  COOKIE_LENGTH,
  COOKIE_NONCE_LENGTH,
  COOKIE_SECRET_MAX_AGE,
  COOKIE_USABLE_TIME,
  HASH_LENGTH,
  LABEL_COOKIE,
  LABEL_MAC1,
} from "./constants.js";
import { type CookieReplyMessage, mac1Offset, mac2Offset, serializeCookieReply } from "./messages.js";
import { equalBytes, type NoisePrimitives, wipe } from "./primitives.js";
import { hasExpired } from "./timers.js";

/** Where a datagram came from: what MAC2 cookies and the rate limiter are bound to. */
export interface SourceAddress {
  /** The IP address: 4 bytes for IPv4, 16 for IPv6 (pass IPv4-mapped IPv6 addresses as 4 bytes). */
  readonly address: Uint8Array;
  readonly port: number;
}

/** The bytes a cookie is computed over: address then big-endian port, as the kernel hashes them. */
export function sourceBytes(source: SourceAddress): Uint8Array {
  const out = new Uint8Array(source.address.length + 2);
  out.set(source.address);
  out[source.address.length] = (source.port >>> 8) & 0xff;
  out[source.address.length + 1] = source.port & 0xff;
  return out;
}

export type MacCheck = "invalidMac1" | "validMac1" | "validMac2";

/** The receiving side: checks MACs and makes cookies (the kernel's struct cookie_checker). */
export class CookieChecker {
  private mac1Key: Uint8Array | null = null;
  private cookieKey: Uint8Array | null = null;
  private readonly secret = new Uint8Array(HASH_LENGTH);
  private secretBirth = -Infinity;

  constructor(
    private readonly primitives: NoisePrimitives,
    private readonly random: (out: Uint8Array) => void,
  ) {}

  /** Rekeys MAC1 and cookie encryption for our (new) public key; null disables both. */
  setPublicKey(publicKey: Uint8Array | null): void {
    wipe(this.mac1Key ?? undefined, this.cookieKey ?? undefined);
    this.mac1Key = publicKey ? this.primitives.labelKey(LABEL_MAC1, publicKey) : null;
    this.cookieKey = publicKey ? this.primitives.labelKey(LABEL_COOKIE, publicKey) : null;
  }

  /**
   * Checks MAC1 always and MAC2 when `checkMac2` (under load) against the
   * cookie this source should be using now.
   */
  check(message: Uint8Array, source: SourceAddress, checkMac2: boolean, now: number): MacCheck {
    if (!this.mac1Key) return "invalidMac1";
    const m1 = mac1Offset(message);
    const mac1 = this.primitives.mac(this.mac1Key, message.subarray(0, m1));
    if (!equalBytes(mac1, message.subarray(m1, m1 + COOKIE_LENGTH))) return "invalidMac1";
    if (!checkMac2) return "validMac1";
    const m2 = mac2Offset(message);
    const cookie = this.makeCookie(source, now);
    const mac2 = this.primitives.mac(cookie, message.subarray(0, m2));
    wipe(cookie);
    return equalBytes(mac2, message.subarray(m2, m2 + COOKIE_LENGTH)) ? "validMac2" : "validMac1";
  }

  /** A cookie reply to a handshake message refused for want of MAC2. */
  createReply(message: Uint8Array, senderIndex: number, source: SourceAddress, now: number): Uint8Array | null {
    if (!this.cookieKey) return null;
    const nonce = new Uint8Array(COOKIE_NONCE_LENGTH);
    this.random(nonce);
    const cookie = this.makeCookie(source, now);
    const m1 = mac1Offset(message);
    const encryptedCookie = this.primitives.crypto.xchacha20poly1305Seal(
      this.cookieKey,
      nonce,
      cookie,
      message.subarray(m1, m1 + COOKIE_LENGTH),
    );
    wipe(cookie);
    return serializeCookieReply({ receiverIndex: senderIndex, nonce, encryptedCookie });
  }

  /** Cookie = MAC(secret, address || port), with the secret replaced every two minutes. */
  private makeCookie(source: SourceAddress, now: number): Uint8Array {
    if (hasExpired(this.secretBirth, COOKIE_SECRET_MAX_AGE, now)) {
      this.random(this.secret);
      this.secretBirth = now;
    }
    return this.primitives.mac(this.secret, sourceBytes(source));
  }
}

/** The sending side, per peer: adds MACs and keeps the peer's latest cookie (the kernel's struct cookie). */
export class PeerCookie {
  private readonly mac1Key: Uint8Array;
  private readonly cookieKey: Uint8Array;
  private readonly cookie = new Uint8Array(COOKIE_LENGTH);
  private cookieBirth = -Infinity;
  private cookieValid = false;
  private readonly lastMac1Sent = new Uint8Array(COOKIE_LENGTH);
  private haveSentMac1 = false;

  constructor(
    private readonly primitives: NoisePrimitives,
    peerPublicKey: Uint8Array,
  ) {
    this.mac1Key = primitives.labelKey(LABEL_MAC1, peerPublicKey);
    this.cookieKey = primitives.labelKey(LABEL_COOKIE, peerPublicKey);
  }

  /** Fills in MAC1, and MAC2 while a cookie younger than 115 s is held (else zeros). */
  addMacs(message: Uint8Array, now: number): void {
    const m1 = mac1Offset(message);
    const mac1 = this.primitives.mac(this.mac1Key, message.subarray(0, m1));
    message.set(mac1, m1);
    this.lastMac1Sent.set(mac1);
    this.haveSentMac1 = true;
    const m2 = mac2Offset(message);
    if (this.cookieValid && !hasExpired(this.cookieBirth, COOKIE_USABLE_TIME, now))
      message.set(this.primitives.mac(this.cookie, message.subarray(0, m2)), m2);
    else message.fill(0, m2, m2 + COOKIE_LENGTH);
  }

  /** Stores the cookie of a reply to our last handshake message; false if it does not decrypt or none was expected. */
  consumeReply(reply: CookieReplyMessage, now: number): boolean {
    if (!this.haveSentMac1) return false;
    const cookie = this.primitives.crypto.xchacha20poly1305Open(
      this.cookieKey,
      reply.nonce,
      reply.encryptedCookie,
      this.lastMac1Sent,
    );
    if (!cookie) return false;
    this.cookie.set(cookie);
    wipe(cookie);
    this.cookieBirth = now;
    this.cookieValid = true;
    this.haveSentMac1 = false;
    return true;
  }

  /** Whether a cookie is held and still used for MAC2. */
  hasCookie(now: number): boolean {
    return this.cookieValid && !hasExpired(this.cookieBirth, COOKIE_USABLE_TIME, now);
  }
}
