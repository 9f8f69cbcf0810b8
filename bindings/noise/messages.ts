// The four wire messages (whitepaper §5.4): strict length checks, parsing into
// views of the datagram (no copies) and serialization. All integers are
// little-endian; indices are opaque 32-bit values.
import {
  AEAD_TAG_LENGTH,
  COOKIE_LENGTH,
  COOKIE_NONCE_LENGTH,
  COOKIE_REPLY_LENGTH,
  DATA_HEADER_LENGTH,
  DATA_MINIMUM_LENGTH,
  HEADER_LENGTH,
  INITIATION_LENGTH,
  KEY_LENGTH,
  MESSAGE_COOKIE_REPLY,
  MESSAGE_DATA,
  MESSAGE_INITIATION,
  MESSAGE_RESPONSE,
  RESPONSE_LENGTH,
  sealedLength,
  TIMESTAMP_LENGTH,
} from "./constants.js";

/** Byte offsets of each field, derived from the field sizes. */
export const INITIATION = {
  sender: 4,
  ephemeral: 8,
  encryptedStatic: 8 + KEY_LENGTH,
  encryptedTimestamp: 8 + KEY_LENGTH + sealedLength(KEY_LENGTH),
  mac1: INITIATION_LENGTH - 2 * COOKIE_LENGTH,
  mac2: INITIATION_LENGTH - COOKIE_LENGTH,
} as const;

export const RESPONSE = {
  sender: 4,
  receiver: 8,
  ephemeral: 12,
  encryptedNothing: 12 + KEY_LENGTH,
  mac1: RESPONSE_LENGTH - 2 * COOKIE_LENGTH,
  mac2: RESPONSE_LENGTH - COOKIE_LENGTH,
} as const;

export const COOKIE_REPLY = {
  receiver: 4,
  nonce: 8,
  encryptedCookie: 8 + COOKIE_NONCE_LENGTH,
} as const;

export const DATA = {
  receiver: 4,
  counter: 8,
  encrypted: DATA_HEADER_LENGTH,
} as const;

/** Why a datagram failed the header checks. */
export type MalformedReason =
  | "truncated" // shorter than the 4-byte header
  | "unknownType" // type word not 1..4 (this includes non-zero reserved bytes)
  | "wrongSize" // a handshake or cookie message of the wrong length
  | "dataTooShort"; // a data message shorter than a keepalive (32 bytes)

export interface InitiationMessage {
  readonly type: typeof MESSAGE_INITIATION;
  readonly bytes: Uint8Array;
  readonly senderIndex: number;
  readonly ephemeral: Uint8Array;
  readonly encryptedStatic: Uint8Array;
  readonly encryptedTimestamp: Uint8Array;
  readonly mac1: Uint8Array;
  readonly mac2: Uint8Array;
}

export interface ResponseMessage {
  readonly type: typeof MESSAGE_RESPONSE;
  readonly bytes: Uint8Array;
  readonly senderIndex: number;
  readonly receiverIndex: number;
  readonly ephemeral: Uint8Array;
  readonly encryptedNothing: Uint8Array;
  readonly mac1: Uint8Array;
  readonly mac2: Uint8Array;
}

export interface CookieReplyMessage {
  readonly type: typeof MESSAGE_COOKIE_REPLY;
  readonly bytes: Uint8Array;
  readonly receiverIndex: number;
  readonly nonce: Uint8Array;
  readonly encryptedCookie: Uint8Array;
}

export interface DataMessage {
  readonly type: typeof MESSAGE_DATA;
  readonly bytes: Uint8Array;
  readonly receiverIndex: number;
  readonly counter: bigint;
  /** Ciphertext and tag. */
  readonly encrypted: Uint8Array;
}

export type Message = InitiationMessage | ResponseMessage | CookieReplyMessage | DataMessage;
export type HandshakeMessage = InitiationMessage | ResponseMessage;

const view = (b: Uint8Array): DataView => new DataView(b.buffer, b.byteOffset, b.byteLength);
const field = (b: Uint8Array, at: number, len: number): Uint8Array => b.subarray(at, at + len);

/**
 * The message type of a datagram if its header and length are valid (the
 * kernel's validate_header_len), else the reason to drop it. The header is
 * compared as a little-endian u32, so non-zero reserved bytes are an unknown type.
 */
export function classify(datagram: Uint8Array): 1 | 2 | 3 | 4 | MalformedReason {
  if (datagram.length < HEADER_LENGTH) return "truncated";
  const type = view(datagram).getUint32(0, true);
  switch (type) {
    case MESSAGE_INITIATION:
      return datagram.length === INITIATION_LENGTH ? type : "wrongSize";
    case MESSAGE_RESPONSE:
      return datagram.length === RESPONSE_LENGTH ? type : "wrongSize";
    case MESSAGE_COOKIE_REPLY:
      return datagram.length === COOKIE_REPLY_LENGTH ? type : "wrongSize";
    case MESSAGE_DATA:
      return datagram.length >= DATA_MINIMUM_LENGTH ? type : "dataTooShort";
    default:
      return "unknownType";
  }
}

/** Parses a datagram into views of its fields, or names why it is malformed. */
export function parseMessage(datagram: Uint8Array): Message | MalformedReason {
  const type = classify(datagram);
  if (typeof type === "string") return type;
  const dv = view(datagram);
  switch (type) {
    case MESSAGE_INITIATION:
      return {
        type,
        bytes: datagram,
        senderIndex: dv.getUint32(INITIATION.sender, true),
        ephemeral: field(datagram, INITIATION.ephemeral, KEY_LENGTH),
        encryptedStatic: field(datagram, INITIATION.encryptedStatic, sealedLength(KEY_LENGTH)),
        encryptedTimestamp: field(datagram, INITIATION.encryptedTimestamp, sealedLength(TIMESTAMP_LENGTH)),
        mac1: field(datagram, INITIATION.mac1, COOKIE_LENGTH),
        mac2: field(datagram, INITIATION.mac2, COOKIE_LENGTH),
      };
    case MESSAGE_RESPONSE:
      return {
        type,
        bytes: datagram,
        senderIndex: dv.getUint32(RESPONSE.sender, true),
        receiverIndex: dv.getUint32(RESPONSE.receiver, true),
        ephemeral: field(datagram, RESPONSE.ephemeral, KEY_LENGTH),
        encryptedNothing: field(datagram, RESPONSE.encryptedNothing, AEAD_TAG_LENGTH),
        mac1: field(datagram, RESPONSE.mac1, COOKIE_LENGTH),
        mac2: field(datagram, RESPONSE.mac2, COOKIE_LENGTH),
      };
    case MESSAGE_COOKIE_REPLY:
      return {
        type,
        bytes: datagram,
        receiverIndex: dv.getUint32(COOKIE_REPLY.receiver, true),
        nonce: field(datagram, COOKIE_REPLY.nonce, COOKIE_NONCE_LENGTH),
        encryptedCookie: field(datagram, COOKIE_REPLY.encryptedCookie, sealedLength(COOKIE_LENGTH)),
      };
    case MESSAGE_DATA:
      return {
        type,
        bytes: datagram,
        receiverIndex: dv.getUint32(DATA.receiver, true),
        counter: dv.getBigUint64(DATA.counter, true),
        encrypted: datagram.subarray(DATA.encrypted),
      };
  }
}

/** The fields a caller fills in; MACs are added afterwards by the cookie layer. */
export interface InitiationFields {
  senderIndex: number;
  ephemeral: Uint8Array;
  encryptedStatic: Uint8Array;
  encryptedTimestamp: Uint8Array;
}

export interface ResponseFields {
  senderIndex: number;
  receiverIndex: number;
  ephemeral: Uint8Array;
  encryptedNothing: Uint8Array;
}

export interface CookieReplyFields {
  receiverIndex: number;
  nonce: Uint8Array;
  encryptedCookie: Uint8Array;
}

function put(out: Uint8Array, at: number, bytes: Uint8Array, len: number, name: string): void {
  if (bytes.length !== len) throw new TypeError(`${name} must be ${len} bytes, got ${bytes.length}`);
  out.set(bytes, at);
}

/** A 148-byte initiation with zero MACs. */
export function serializeInitiation(f: InitiationFields): Uint8Array {
  const out = new Uint8Array(INITIATION_LENGTH);
  const dv = view(out);
  dv.setUint32(0, MESSAGE_INITIATION, true);
  dv.setUint32(INITIATION.sender, f.senderIndex >>> 0, true);
  put(out, INITIATION.ephemeral, f.ephemeral, KEY_LENGTH, "ephemeral");
  put(out, INITIATION.encryptedStatic, f.encryptedStatic, sealedLength(KEY_LENGTH), "encryptedStatic");
  put(out, INITIATION.encryptedTimestamp, f.encryptedTimestamp, sealedLength(TIMESTAMP_LENGTH), "encryptedTimestamp");
  return out;
}

/** A 92-byte response with zero MACs. */
export function serializeResponse(f: ResponseFields): Uint8Array {
  const out = new Uint8Array(RESPONSE_LENGTH);
  const dv = view(out);
  dv.setUint32(0, MESSAGE_RESPONSE, true);
  dv.setUint32(RESPONSE.sender, f.senderIndex >>> 0, true);
  dv.setUint32(RESPONSE.receiver, f.receiverIndex >>> 0, true);
  put(out, RESPONSE.ephemeral, f.ephemeral, KEY_LENGTH, "ephemeral");
  put(out, RESPONSE.encryptedNothing, f.encryptedNothing, AEAD_TAG_LENGTH, "encryptedNothing");
  return out;
}

/** A 64-byte cookie reply. */
export function serializeCookieReply(f: CookieReplyFields): Uint8Array {
  const out = new Uint8Array(COOKIE_REPLY_LENGTH);
  const dv = view(out);
  dv.setUint32(0, MESSAGE_COOKIE_REPLY, true);
  dv.setUint32(COOKIE_REPLY.receiver, f.receiverIndex >>> 0, true);
  put(out, COOKIE_REPLY.nonce, f.nonce, COOKIE_NONCE_LENGTH, "nonce");
  put(out, COOKIE_REPLY.encryptedCookie, f.encryptedCookie, sealedLength(COOKIE_LENGTH), "encryptedCookie");
  return out;
}

/** A data message: the 16-byte header followed by the sealed payload. */
/** A zeroed data message for `paddedLength` bytes of plaintext, its header filled in. */
export function dataHeader(receiverIndex: number, counter: bigint, paddedLength: number): Uint8Array {
  const out = new Uint8Array(DATA_HEADER_LENGTH + paddedLength + AEAD_TAG_LENGTH);
  const dv = view(out);
  dv.setUint32(0, MESSAGE_DATA, true);
  dv.setUint32(DATA.receiver, receiverIndex >>> 0, true);
  dv.setBigUint64(DATA.counter, counter, true);
  return out;
}

export function serializeData(receiverIndex: number, counter: bigint, sealed: Uint8Array): Uint8Array {
  if (sealed.length < AEAD_TAG_LENGTH) throw new TypeError("sealed payload shorter than a tag");
  const out = new Uint8Array(DATA_HEADER_LENGTH + sealed.length);
  const dv = view(out);
  dv.setUint32(0, MESSAGE_DATA, true);
  dv.setUint32(DATA.receiver, receiverIndex >>> 0, true);
  dv.setBigUint64(DATA.counter, counter, true);
  out.set(sealed, DATA.encrypted);
  return out;
}

/** Where MAC1 starts in a handshake message (MAC1 covers everything before it). */
export const mac1Offset = (message: Uint8Array): number => message.length - 2 * COOKIE_LENGTH;
/** Where MAC2 starts (MAC2 covers everything before it, MAC1 included). */
export const mac2Offset = (message: Uint8Array): number => message.length - COOKIE_LENGTH;
