// Per-peer timers as deadlines, not OS timers (after the kernel's timers.c,
// whose hook names these follow). The five timers:
//
// - retransmitHandshake: resend the initiation if no response arrives within
//   REKEY_TIMEOUT + jitter; give up after MAX_TIMER_HANDSHAKES retries.
// - sendKeepalive: after receiving data, send a keepalive if we have sent
//   nothing for KEEPALIVE_TIMEOUT (the passive keepalive).
// - newHandshake: after sending data, start a handshake if nothing at all was
//   received for KEEPALIVE_TIMEOUT + REKEY_TIMEOUT + jitter.
// - zeroKeyMaterial: wipe every key 3 × REJECT_AFTER_TIME after the last
//   session was derived.
// - persistentKeepalive: if configured, send a keepalive whenever no
//   authenticated packet has gone either way for the interval.
//
// The hooks only move deadlines; the device asks `expired(now)` which timers
// have fired and performs their actions, and `nextDeadline()` tells it when to
// call again, so one OS timer serves every peer.
import { KEEPALIVE_TIMEOUT, NEW_HANDSHAKE_AFTER_SILENCE, REKEY_TIMEOUT, ZERO_KEY_MATERIAL_AFTER } from "./constants.js";

/** True once `lifetime` ms have passed since `birth` (kernel wg_birthdate_has_expired: birth + lifetime <= now). */
export function hasExpired(birth: number, lifetime: number, now: number): boolean {
  return birth + lifetime <= now;
}

export type TimerName =
  | "retransmitHandshake"
  | "sendKeepalive"
  | "newHandshake"
  | "zeroKeyMaterial"
  | "persistentKeepalive";

export const TIMER_NAMES: readonly TimerName[] = [
  "retransmitHandshake",
  "sendKeepalive",
  "newHandshake",
  "zeroKeyMaterial",
  "persistentKeepalive",
];

export class PeerTimers {
  /** Absolute monotonic deadlines in ms; undefined when a timer is not pending. */
  readonly deadline: Record<TimerName, number | undefined> = {
    retransmitHandshake: undefined,
    sendKeepalive: undefined,
    newHandshake: undefined,
    zeroKeyMaterial: undefined,
    persistentKeepalive: undefined,
  };
  /** Retransmissions of the current initiation so far. */
  handshakeAttempts = 0;
  /** Data arrived while a keepalive was already pending: send one more after it. */
  needAnotherKeepalive = false;
  /** The initiator has already rekeyed because its receive key neared expiry. */
  sentLastMinuteHandshake = false;

  /** @param jitter returns a uniformly random delay in [0, REKEY_TIMEOUT_JITTER_MAX) ms. */
  constructor(private readonly jitter: () => number) {}

  pending(name: TimerName): boolean {
    return this.deadline[name] !== undefined;
  }

  /** After an authenticated data packet (not a keepalive) is sent. */
  dataSent(now: number): void {
    if (!this.pending("newHandshake")) this.deadline.newHandshake = now + NEW_HANDSHAKE_AFTER_SILENCE + this.jitter();
  }

  /** After an authenticated data packet (not a keepalive) is received. */
  dataReceived(now: number): void {
    if (!this.pending("sendKeepalive")) this.deadline.sendKeepalive = now + KEEPALIVE_TIMEOUT;
    else this.needAnotherKeepalive = true;
  }

  /** After any authenticated packet is sent: keepalive, data or handshake. */
  anyAuthenticatedPacketSent(): void {
    this.deadline.sendKeepalive = undefined;
  }

  /** After any authenticated packet is received: keepalive, data or handshake. */
  anyAuthenticatedPacketReceived(): void {
    this.deadline.newHandshake = undefined;
  }

  /** After a handshake initiation is sent. */
  handshakeInitiated(now: number): void {
    this.deadline.retransmitHandshake = now + REKEY_TIMEOUT + this.jitter();
  }

  /** After a response is processed, or the first data message confirms the responder's keys. */
  handshakeComplete(): void {
    this.deadline.retransmitHandshake = undefined;
    this.handshakeAttempts = 0;
    this.sentLastMinuteHandshake = false;
  }

  /** After new session keys are derived: before sending a response or after receiving one. */
  sessionDerived(now: number): void {
    this.deadline.zeroKeyMaterial = now + ZERO_KEY_MATERIAL_AFTER;
  }

  /** Before any authenticated packet is sent, or after one is received. */
  anyAuthenticatedPacketTraversal(now: number, persistentKeepaliveSeconds: number): void {
    if (persistentKeepaliveSeconds > 0)
      this.deadline.persistentKeepalive = now + persistentKeepaliveSeconds * 1000;
  }

  /** Cancels every timer (device down, peer removed). */
  stopAll(): void {
    for (const name of TIMER_NAMES) this.deadline[name] = undefined;
  }

  /** The earliest pending deadline, or Infinity. */
  nextDeadline(): number {
    let min = Infinity;
    for (const name of TIMER_NAMES) {
      const d = this.deadline[name];
      if (d !== undefined && d < min) min = d;
    }
    return min;
  }

  /**
   * The earliest timer due at `now`, cleared so that it fires once, or
   * undefined. Call repeatedly: handlers may re-arm timers.
   */
  takeExpired(now: number): TimerName | undefined {
    let first: TimerName | undefined;
    let at = Infinity;
    for (const name of TIMER_NAMES) {
      const d = this.deadline[name];
      if (d !== undefined && d <= now && d < at) {
        at = d;
        first = name;
      }
    }
    if (first) this.deadline[first] = undefined;
    return first;
  }
}
