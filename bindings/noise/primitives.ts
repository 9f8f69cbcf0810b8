// The protocol's symmetric helpers (whitepaper §5.4: HASH, MAC, HMAC, KDFn,
// AEAD with a counter nonce), composed from the injected WasmCrypto. The core
// never imports the WebAssembly module itself.
import type { WasmCrypto } from "../crypto/types.js";
import { CONSTRUCTION, COOKIE_LENGTH, HASH_LENGTH, IDENTIFIER, KEY_LENGTH } from "./constants.js";

const utf8 = new TextEncoder();
export const EMPTY = new Uint8Array(0);

/** a || b as a new array. */
export function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a, 0);
  out.set(b, a.length);
  return out;
}

/** Compares in time that depends only on the lengths. */
export function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a[i] ^ b[i];
  return diff === 0;
}

/** True when every byte is zero, in constant time. */
export function isZero(a: Uint8Array): boolean {
  let acc = 0;
  for (let i = 0; i < a.length; i++) acc |= a[i];
  return acc === 0;
}

/** Overwrites secrets that are no longer needed. */
export function wipe(...arrays: (Uint8Array | undefined)[]): void {
  for (const a of arrays) a?.fill(0);
}

/** RFC 7748 §5 clamping of an X25519 private key, in place. */
export function clampPrivateKey(key: Uint8Array): Uint8Array {
  key[0] &= 248;
  key[31] = (key[31] & 127) | 64;
  return key;
}

/** The protocol's primitives bound to one crypto implementation. */
/** The WASM crypto's transport seal into a caller's buffer (bindings/crypto/aead.ts); optional. */
interface TransportSealer {
  wgSealInto(key: Uint8Array, counter: bigint, plaintext: Uint8Array, out: Uint8Array, offset: number): number;
}

export class NoisePrimitives {
  /** Ci = HASH(CONSTRUCTION): the chaining key every handshake starts from. */
  readonly initialChainingKey: Uint8Array;
  /** Hi = HASH(Ci || IDENTIFIER): the hash every handshake starts from. */
  readonly initialHash: Uint8Array;
  /** Reused for transport nonces: 4 zero bytes then the little-endian 64-bit counter. */
  private readonly nonce = new Uint8Array(12);
  private readonly nonceView = new DataView(this.nonce.buffer);

  constructor(readonly crypto: WasmCrypto) {
    this.initialChainingKey = this.hash(utf8.encode(CONSTRUCTION));
    this.initialHash = this.hash(this.initialChainingKey, utf8.encode(IDENTIFIER));
  }

  /** HASH(a || b): BLAKE2s-256. */
  hash(a: Uint8Array, b?: Uint8Array): Uint8Array {
    return this.crypto.blake2s(b ? concat(a, b) : a, HASH_LENGTH);
  }

  /** MAC(key, data): keyed BLAKE2s with a 16-byte output. */
  mac(key: Uint8Array, data: Uint8Array): Uint8Array {
    return this.crypto.blake2s(data, COOKIE_LENGTH, key);
  }

  kdf1(chainingKey: Uint8Array, input: Uint8Array): Uint8Array {
    return this.crypto.hkdf(chainingKey, input, 1)[0];
  }

  kdf2(chainingKey: Uint8Array, input: Uint8Array): [Uint8Array, Uint8Array] {
    const [a, b] = this.crypto.hkdf(chainingKey, input, 2);
    return [a, b];
  }

  kdf3(chainingKey: Uint8Array, input: Uint8Array): [Uint8Array, Uint8Array, Uint8Array] {
    const [a, b, c] = this.crypto.hkdf(chainingKey, input, 3);
    return [a, b, c];
  }

  /** DH(private, public), or null when the result is all zeros (a low-order public key). */
  dh(privateKey: Uint8Array, publicKey: Uint8Array): Uint8Array | null {
    const shared = this.crypto.x25519(privateKey, publicKey);
    return isZero(shared) ? null : shared;
  }

  publicKey(privateKey: Uint8Array): Uint8Array {
    return this.crypto.x25519PublicKey(privateKey);
  }

  /** AEAD(key, 0, plaintext, aad) as the handshake uses it: the nonce is always zero. */
  sealHandshake(key: Uint8Array, plaintext: Uint8Array, aad: Uint8Array): Uint8Array {
    return this.crypto.chacha20poly1305Seal(key, this.counterNonce(0n), plaintext, aad);
  }

  openHandshake(key: Uint8Array, sealed: Uint8Array, aad: Uint8Array): Uint8Array | null {
    return this.crypto.chacha20poly1305Open(key, this.counterNonce(0n), sealed, aad);
  }

  /** AEAD(key, counter, plaintext, ε) for transport data. */
  sealTransport(key: Uint8Array, counter: bigint, plaintext: Uint8Array): Uint8Array {
    return this.crypto.chacha20poly1305Seal(key, this.counterNonce(counter), plaintext);
  }

  /**
   * Seals `plaintext` into out[offset..offset+len+16). `plaintext` may be a view of
   * that very range (sealing in place). Uses the core's one-copy transport seal when
   * the crypto provides it.
   */
  sealTransportInto(key: Uint8Array, counter: bigint, plaintext: Uint8Array, out: Uint8Array, offset: number): void {
    const fast = (this.crypto as Partial<TransportSealer>).wgSealInto;
    if (fast) {
      fast(key, counter, plaintext, out, offset);
      return;
    }
    out.set(this.sealTransport(key, counter, plaintext), offset);
  }

  openTransport(key: Uint8Array, counter: bigint, sealed: Uint8Array): Uint8Array | null {
    return this.crypto.chacha20poly1305Open(key, this.counterNonce(counter), sealed);
  }

  /** The MAC1 key or cookie key for a public key: HASH(label || publicKey). */
  labelKey(label: string, publicKey: Uint8Array): Uint8Array {
    return this.hash(utf8.encode(label), publicKey);
  }

  private counterNonce(counter: bigint): Uint8Array {
    this.nonceView.setBigUint64(4, counter, true);
    return this.nonce;
  }
}

/** A key of the right length or a TypeError naming it. */
export function checkKey(name: string, key: Uint8Array): Uint8Array {
  if (!(key instanceof Uint8Array) || key.length !== KEY_LENGTH)
    throw new TypeError(`${name} must be a ${KEY_LENGTH}-byte Uint8Array`);
  return key;
}
