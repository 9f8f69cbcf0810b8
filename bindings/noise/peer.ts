// A peer as the protocol core sees it: identified by its static public key,
// with its handshake, keypairs, cookie state, timers, staged packets and the
// statistics the UAPI reports. The device owns endpoints and AllowedIPs.
import { PeerCookie } from "./cookie.js";
import { Handshake } from "./handshake.js";
import type { Keypair } from "./session.js";
import { Keypairs } from "./session.js";
import { PeerTimers } from "./timers.js";
import { isZero, type NoisePrimitives } from "./primitives.js";

export interface PeerOptions {
  /** 32-byte preshared key; null or omitted (or all zeros) for none. */
  presharedKey?: Uint8Array | null;
  /** Seconds between keepalives sent regardless of traffic; 0 or omitted for none. */
  persistentKeepalive?: number;
}

export class NoisePeer {
  readonly handshake: Handshake;
  readonly keypairs: Keypairs;
  readonly cookie: PeerCookie;
  readonly timers: PeerTimers;
  /** Seconds; 0 disables persistent keepalives. */
  persistentKeepaliveInterval = 0;
  /** Packets (empty for a keepalive) waiting for a usable session, oldest first. */
  staged: Uint8Array[] = [];
  /** Monotonic ms of the last initiation or response we sent; initiations are rate-limited by it. */
  lastSentHandshake = -Infinity;
  /** Bytes received from this peer as UDP payload, counted as the kernel counts them. */
  rxBytes = 0;
  /** Bytes sent to this peer as UDP payload. */
  txBytes = 0;
  /** Wall-clock ms (Unix epoch) of the last completed handshake; 0 if none. */
  lastHandshakeTime = 0;
  /** Set once the peer has been removed from its device. */
  removed = false;

  constructor(
    readonly publicKey: Uint8Array,
    primitives: NoisePrimitives,
    jitter: () => number,
    onKeypairDropped: (keypair: Keypair) => void,
  ) {
    this.handshake = new Handshake(publicKey);
    this.keypairs = new Keypairs(onKeypairDropped);
    this.cookie = new PeerCookie(primitives, publicKey);
    this.timers = new PeerTimers(jitter);
  }

  /** The preshared key, or null when none is set. */
  get presharedKey(): Uint8Array | null {
    return isZero(this.handshake.presharedKey) ? null : this.handshake.presharedKey.slice();
  }

  /** Whether a session can carry data to this peer right now. */
  hasSession(now: number): boolean {
    const current = this.keypairs.current;
    return current !== undefined && current.canSend(now);
  }
}
