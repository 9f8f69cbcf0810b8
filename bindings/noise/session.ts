// Keypairs (sessions) and the transport: the current, previous and next
// keypairs of a peer as the kernel keeps them (noise.c add_new_keypair,
// wg_noise_received_with_keypair), 64-bit counters, and sealing/opening of
// data messages. Counters are BigInts so that no value is ever rounded.
import {
  DATA_HEADER_LENGTH,
  PADDING_MULTIPLE,
  REJECT_AFTER_MESSAGES,
  REJECT_AFTER_TIME,
  REKEY_AFTER_MESSAGES,
  REKEY_AFTER_TIME,
  REKEY_ON_RECEIVE_AFTER_TIME,
} from "./constants.js";
import type { DataMessage } from "./messages.js";
import { dataHeader } from "./messages.js";
import { type NoisePrimitives, wipe } from "./primitives.js";
import { ReplayWindow } from "./replay.js";
import type { SessionKeys } from "./handshake.js";
import { hasExpired } from "./timers.js";

/** One session's keys and counters (the kernel's struct noise_keypair). */
export class Keypair {
  readonly sendKey: Uint8Array;
  readonly receiveKey: Uint8Array;
  readonly initiator: boolean;
  readonly localIndex: number;
  readonly remoteIndex: number;
  /** Monotonic ms when the keys were derived. */
  readonly birth: number;
  /** The counter the next sent message will carry. */
  sendCounter = 0n;
  sendValid = true;
  receiveValid = true;
  readonly replay = new ReplayWindow();

  constructor(keys: SessionKeys, now: number) {
    this.sendKey = keys.sendKey;
    this.receiveKey = keys.receiveKey;
    this.initiator = keys.initiator;
    this.localIndex = keys.localIndex;
    this.remoteIndex = keys.remoteIndex;
    this.birth = now;
  }

  /** Whether this keypair may still encrypt at `now` (it also needs a counter below REJECT_AFTER_MESSAGES). */
  canSend(now: number): boolean {
    return this.sendValid && !hasExpired(this.birth, REJECT_AFTER_TIME, now);
  }

  /** Whether a received message may be decrypted with it (kernel decrypt_packet); invalidates it if not. */
  canReceive(now: number): boolean {
    if (
      !this.receiveValid ||
      hasExpired(this.birth, REJECT_AFTER_TIME, now) ||
      this.replay.counter >= REJECT_AFTER_MESSAGES
    ) {
      this.receiveValid = false;
      return false;
    }
    return true;
  }

  /** Takes the next send counter, or null (and invalidates sending) once it reaches REJECT_AFTER_MESSAGES. */
  takeCounter(): bigint | null {
    const counter = this.sendCounter++;
    if (counter >= REJECT_AFTER_MESSAGES) {
      this.sendValid = false;
      return null;
    }
    return counter;
  }

  /** Wipes the keys; the keypair can no longer send or receive. */
  destroy(): void {
    wipe(this.sendKey, this.receiveKey);
    this.sendValid = false;
    this.receiveValid = false;
  }
}

/**
 * After sending: rekey when the key has sent too much, or (initiator only)
 * is 120 s old (kernel send.c keep_key_fresh).
 */
export function wantsRekeyAfterSend(keypair: Keypair | undefined, now: number): boolean {
  return (
    keypair !== undefined &&
    keypair.sendValid &&
    (keypair.sendCounter > REKEY_AFTER_MESSAGES ||
      (keypair.initiator && hasExpired(keypair.birth, REKEY_AFTER_TIME, now)))
  );
}

/**
 * After receiving: the initiator rekeys once its key is 165 s old, so the
 * session never lapses (kernel receive.c keep_key_fresh).
 */
export function wantsRekeyAfterReceive(keypair: Keypair | undefined, now: number): boolean {
  return (
    keypair !== undefined &&
    keypair.sendValid &&
    keypair.initiator &&
    hasExpired(keypair.birth, REKEY_ON_RECEIVE_AFTER_TIME, now)
  );
}

/** A peer's keypairs. `onDrop` is told of every keypair discarded, to free its index. */
export class Keypairs {
  current: Keypair | undefined;
  previous: Keypair | undefined;
  /** The responder's newest keypair, unusable until the initiator's first data message confirms it. */
  next: Keypair | undefined;

  constructor(private readonly onDrop: (keypair: Keypair) => void) {}

  private drop(keypair: Keypair | undefined): void {
    if (keypair) this.onDrop(keypair);
  }

  /** Installs a new session's keypair (kernel add_new_keypair). */
  add(keypair: Keypair): void {
    if (keypair.initiator) {
      // The response confirmed the keys, so they are usable at once.
      if (this.next) {
        // An unconfirmed keypair from an earlier exchange becomes the previous one.
        this.drop(this.previous);
        this.previous = this.next;
        this.next = undefined;
        this.drop(this.current);
      } else {
        this.drop(this.previous);
        this.previous = this.current;
      }
      this.current = keypair;
    } else {
      this.drop(this.next);
      this.next = keypair;
      this.drop(this.previous);
      this.previous = undefined;
    }
  }

  /**
   * Called for every authenticated data message; when it came on `next`, that
   * keypair is confirmed and rotates into `current`. Returns whether it did.
   */
  receivedWith(keypair: Keypair): boolean {
    if (keypair !== this.next) return false;
    this.drop(this.previous);
    this.previous = this.current;
    this.current = keypair;
    this.next = undefined;
    return true;
  }

  /** Stops sending on current and next, as after a private key change (kernel expire_current_peer_keypairs). */
  expireSending(): void {
    if (this.next) this.next.sendValid = false;
    if (this.current) this.current.sendValid = false;
  }

  /** Drops every keypair. */
  clear(): void {
    const { next, previous, current } = this;
    this.next = this.previous = this.current = undefined;
    this.drop(next);
    this.drop(previous);
    this.drop(current);
  }

  /** The keypairs that exist, newest first. */
  all(): Keypair[] {
    return [this.next, this.current, this.previous].filter((k): k is Keypair => k !== undefined);
  }
}

/** Plaintext length after padding: to a multiple of 16, but never beyond the MTU (kernel calculate_skb_padding). */
export function paddedLength(length: number, mtu: number): number {
  const align = (n: number) => Math.ceil(n / PADDING_MULTIPLE) * PADDING_MULTIPLE;
  if (mtu <= 0) return align(length);
  const lastUnit = length > mtu ? length % mtu : length;
  return length - lastUnit + Math.min(mtu, align(lastUnit));
}

/** Seals one IP packet (or an empty keepalive) into a data message with the given counter. */
export function encapsulate(
  primitives: NoisePrimitives,
  keypair: Keypair,
  counter: bigint,
  packet: Uint8Array,
  mtu: number,
): Uint8Array {
  // The packet goes straight into the datagram, its zero padding is already there,
  // and it is sealed in place: one allocation per packet.
  const padded = paddedLength(packet.length, mtu);
  const datagram = dataHeader(keypair.remoteIndex, counter, padded);
  datagram.set(packet, DATA_HEADER_LENGTH);
  const plaintext = datagram.subarray(DATA_HEADER_LENGTH, DATA_HEADER_LENGTH + padded);
  primitives.sealTransportInto(keypair.sendKey, counter, plaintext, datagram, DATA_HEADER_LENGTH);
  return datagram;
}

/** How a device seals a batch of packets on one keypair (encapsulateBatch is the reference). */
export type SealBatch = (keypair: Keypair, firstCounter: bigint, packets: readonly Uint8Array[], mtu: number) => Uint8Array[];

/**
 * Seals packets on one keypair with consecutive counters from `firstCounter`.
 * This is the seam for a batched seal (many packets per WebAssembly call);
 * for now it seals one at a time.
 */
export function encapsulateBatch(
  primitives: NoisePrimitives,
  keypair: Keypair,
  firstCounter: bigint,
  packets: readonly Uint8Array[],
  mtu: number,
): Uint8Array[] {
  const out: Uint8Array[] = new Array(packets.length);
  for (let i = 0; i < packets.length; i++)
    out[i] = encapsulate(primitives, keypair, firstCounter + BigInt(i), packets[i], mtu);
  return out;
}

/** How a device opens a data message (decapsulate is the reference). */
export type OpenData = (keypair: Keypair, msg: DataMessage) => Uint8Array | null;

/** Opens a data message: its padded plaintext, or null when it does not authenticate. */
export function decapsulate(primitives: NoisePrimitives, keypair: Keypair, msg: DataMessage): Uint8Array | null {
  return primitives.openTransport(keypair.receiveKey, msg.counter, msg.encrypted);
}

/** Wire length of a data message carrying `paddedPlaintext` bytes (kernel message_data_len). */
export const dataMessageLength = (paddedPlaintext: number): number => DATA_HEADER_LENGTH + paddedPlaintext + 16;

export type InnerPacketCheck =
  | { ok: true; length: number }
  | { ok: false; reason: "innerPacketInvalid" | "innerLengthInvalid" };

/**
 * Validates a decrypted, non-empty plaintext as the kernel does before handing
 * it to the stack: IPv4 (at least 20 bytes) or IPv6 (at least 40), with a
 * header length that fits. `length` is the packet length without padding.
 */
export function checkInnerPacket(plaintext: Uint8Array): InnerPacketCheck {
  if (plaintext.length < 20) return { ok: false, reason: "innerPacketInvalid" };
  const version = plaintext[0] >> 4;
  let length: number;
  if (version === 4) {
    length = (plaintext[2] << 8) | plaintext[3];
    if (length < 20) return { ok: false, reason: "innerLengthInvalid" };
  } else if (version === 6) {
    if (plaintext.length < 40) return { ok: false, reason: "innerPacketInvalid" };
    length = ((plaintext[4] << 8) | plaintext[5]) + 40;
  } else {
    return { ok: false, reason: "innerPacketInvalid" };
  }
  if (length > plaintext.length) return { ok: false, reason: "innerLengthInvalid" };
  return { ok: true, length };
}
