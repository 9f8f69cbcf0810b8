// A complete WasmCrypto built from @noble/ciphers, @noble/hashes and
// @noble/curves: an implementation independent of the WebAssembly core, used
// to drive the protocol core in tests and as a differential oracle.
import { chacha20poly1305, xchacha20poly1305 } from "@noble/ciphers/chacha.js";
import { x25519 } from "@noble/curves/ed25519.js";
import { blake2s } from "@noble/hashes/blake2.js";
import { hmac } from "@noble/hashes/hmac.js";
import { assertBytes, type WasmCrypto } from "../../bindings/crypto/types.js";

const EMPTY = new Uint8Array(0);

function checkLength(name: string, value: Uint8Array, min: number, max: number): void {
  assertBytes(name, value);
  if (value.length < min || value.length > max) throw new TypeError(`${name} must be ${min}..${max} bytes`);
}

function open(cipher: { decrypt(c: Uint8Array): Uint8Array }, sealed: Uint8Array): Uint8Array | null {
  if (sealed.length < 16) return null;
  try {
    return cipher.decrypt(sealed);
  } catch {
    return null; // noble throws on a bad tag
  }
}

function hmacBlake2s(key: Uint8Array, data: Uint8Array): Uint8Array {
  return hmac(blake2s, key, data);
}

export const nobleCrypto: WasmCrypto = Object.freeze({
  build: "scalar" as const,

  chacha20poly1305Seal(key: Uint8Array, nonce12: Uint8Array, plaintext: Uint8Array, aad?: Uint8Array) {
    assertBytes("key", key, 32);
    assertBytes("nonce", nonce12, 12);
    return chacha20poly1305(key, nonce12, aad ?? EMPTY).encrypt(plaintext);
  },

  chacha20poly1305Open(key: Uint8Array, nonce12: Uint8Array, sealed: Uint8Array, aad?: Uint8Array) {
    assertBytes("key", key, 32);
    assertBytes("nonce", nonce12, 12);
    return open(chacha20poly1305(key, nonce12, aad ?? EMPTY), sealed);
  },

  xchacha20poly1305Seal(key: Uint8Array, nonce24: Uint8Array, plaintext: Uint8Array, aad?: Uint8Array) {
    assertBytes("key", key, 32);
    assertBytes("nonce", nonce24, 24);
    return xchacha20poly1305(key, nonce24, aad ?? EMPTY).encrypt(plaintext);
  },

  xchacha20poly1305Open(key: Uint8Array, nonce24: Uint8Array, sealed: Uint8Array, aad?: Uint8Array) {
    assertBytes("key", key, 32);
    assertBytes("nonce", nonce24, 24);
    return open(xchacha20poly1305(key, nonce24, aad ?? EMPTY), sealed);
  },

  blake2s(data: Uint8Array, outLen = 32, key?: Uint8Array) {
    assertBytes("data", data);
    if (!Number.isInteger(outLen) || outLen < 1 || outLen > 32) throw new TypeError("outLen must be 1..32");
    if (key !== undefined) checkLength("key", key, 1, 32);
    return blake2s(data, key ? { dkLen: outLen, key } : { dkLen: outLen });
  },

  hmacBlake2s(key: Uint8Array, data: Uint8Array) {
    assertBytes("key", key);
    assertBytes("data", data);
    return hmacBlake2s(key, data);
  },

  hkdf(chainingKey: Uint8Array, input: Uint8Array, n: 1 | 2 | 3) {
    assertBytes("chainingKey", chainingKey, 32);
    assertBytes("input", input);
    // WireGuard's KDFn (whitepaper §5.4): HMAC-BLAKE2s extract, then expand one block at a time.
    const secret = hmacBlake2s(chainingKey, input);
    const outputs: Uint8Array[] = [];
    let previous: Uint8Array = EMPTY;
    for (let i = 1; i <= n; i++) {
      const block = new Uint8Array(previous.length + 1);
      block.set(previous);
      block[previous.length] = i;
      previous = hmacBlake2s(secret, block);
      outputs.push(previous);
    }
    secret.fill(0);
    return outputs;
  },

  x25519(privateKey: Uint8Array, publicKey: Uint8Array) {
    assertBytes("privateKey", privateKey, 32);
    assertBytes("publicKey", publicKey, 32);
    try {
      return x25519.getSharedSecret(privateKey, publicKey);
    } catch {
      // noble refuses exactly the low-order points (including their
      // non-canonical encodings), whose RFC 7748 output is all zeros.
      return new Uint8Array(32);
    }
  },

  x25519PublicKey(privateKey: Uint8Array) {
    assertBytes("privateKey", privateKey, 32);
    return x25519.getPublicKey(privateKey);
  },

  generatePrivateKey() {
    const key = new Uint8Array(32);
    globalThis.crypto.getRandomValues(key);
    key[0] &= 248;
    key[31] = (key[31] & 127) | 64;
    return key;
  },
});
