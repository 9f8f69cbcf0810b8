// The public crypto API (importable as `wasmguard/crypto`). All inputs are
// Uint8Array; a wrong key, nonce or tag length throws a TypeError naming the
// argument. Outputs are fresh arrays owned by the caller.

export interface WasmCrypto {
  /** Which build of the core backs this object. */
  readonly build: "simd" | "scalar";
  /** ChaCha20-Poly1305 (RFC 8439): returns ciphertext || 16-byte tag. */
  chacha20poly1305Seal(key: Uint8Array, nonce12: Uint8Array, plaintext: Uint8Array, aad?: Uint8Array): Uint8Array;
  /** Returns the plaintext, or null when the tag does not verify. */
  chacha20poly1305Open(key: Uint8Array, nonce12: Uint8Array, sealed: Uint8Array, aad?: Uint8Array): Uint8Array | null;
  /** XChaCha20-Poly1305 (draft-irtf-cfrg-xchacha): returns ciphertext || 16-byte tag. */
  xchacha20poly1305Seal(key: Uint8Array, nonce24: Uint8Array, plaintext: Uint8Array, aad?: Uint8Array): Uint8Array;
  /** Returns the plaintext, or null when the tag does not verify. */
  xchacha20poly1305Open(key: Uint8Array, nonce24: Uint8Array, sealed: Uint8Array, aad?: Uint8Array): Uint8Array | null;
  /** BLAKE2s (RFC 7693) with a 1..32-byte digest, optionally keyed with a 1..32-byte key. */
  blake2s(data: Uint8Array, outLen?: number, key?: Uint8Array): Uint8Array;
  /** HMAC over BLAKE2s (block size 64), as WireGuard uses it. */
  hmacBlake2s(key: Uint8Array, data: Uint8Array): Uint8Array;
  /** WireGuard's HKDF: n outputs of 32 bytes from a 32-byte chaining key and an input. */
  hkdf(chainingKey: Uint8Array, input: Uint8Array, n: 1 | 2 | 3): Uint8Array[];
  /** X25519 (RFC 7748). Returns the RFC output even when it is all zeros. */
  x25519(privateKey: Uint8Array, publicKey: Uint8Array): Uint8Array;
  /** The public key of a private key (X25519 with the base point 9). */
  x25519PublicKey(privateKey: Uint8Array): Uint8Array;
  /** 32 random bytes from getRandomValues, clamped as RFC 7748 §5 describes. */
  generatePrivateKey(): Uint8Array;
}

/** Throws a TypeError naming `name` when `value` is not a Uint8Array of `len` bytes. */
export function assertBytes(name: string, value: unknown, len?: number): asserts value is Uint8Array {
  if (!(value instanceof Uint8Array)) throw new TypeError(`${name} must be a Uint8Array`);
  if (len !== undefined && value.length !== len)
    throw new TypeError(`${name} must be ${len} bytes, got ${value.length}`);
}
