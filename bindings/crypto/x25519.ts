// Typed X25519 (RFC 7748) over the WASM core. Private keys and shared secrets
// pass through the core's scratch regions and are wiped from them before each
// call returns. Randomness comes from Web Crypto's getRandomValues.
import { assertBytes, type WasmCrypto } from "./types.js";
import type { WasmCore } from "./wasm.js";

/** What `x25519Api` returns: the `WasmCrypto` members plus helpers for the protocol layer. */
export interface X25519Api extends Pick<WasmCrypto, "x25519" | "x25519PublicKey" | "generatePrivateKey"> {
  /**
   * The Noise DH as WireGuard uses it: X25519(privateKey, publicKey), or null
   * when the result is all zeros (a low-order public key). The zero check runs
   * in constant time inside the core.
   */
  sharedSecret(privateKey: Uint8Array, publicKey: Uint8Array): Uint8Array | null;
  /** Constant-time check that `bytes` are all zero (for a result from `x25519`). */
  isZero(bytes: Uint8Array): boolean;
}

type ScalarMultFn = (out: number, k: number, u: number) => void;
type BaseFn = (out: number, k: number) => void;
type IsZeroFn = (p: number) => number;

/** Clamps a 32-byte X25519 private key in place (RFC 7748 §5). */
export function clampPrivateKey(key: Uint8Array): Uint8Array {
  key[0] &= 248;
  key[31] &= 127;
  key[31] |= 64;
  return key;
}

export function x25519Api(core: WasmCore): X25519Api {
  const SCALAR = core.global("X25519_SCALAR_PTR");
  const POINT = core.global("X25519_POINT_PTR");
  const OUT = core.global("X25519_OUT_PTR");
  const scalarMultFn = core.fn<ScalarMultFn>("x25519_scalarmult");
  const baseFn = core.fn<BaseFn>("x25519_base");
  const isZeroFn = core.fn<IsZeroFn>("x25519_is_zero");

  function wipe(): void {
    const u8 = core.u8;
    u8.fill(0, SCALAR, SCALAR + 32);
    u8.fill(0, OUT, OUT + 32);
  }

  /** Runs the ladder into the output scratch. */
  function compute(privateKey: Uint8Array, publicKey: Uint8Array): void {
    assertBytes("privateKey", privateKey, 32);
    assertBytes("publicKey", publicKey, 32);
    const u8 = core.u8;
    u8.set(privateKey, SCALAR);
    u8.set(publicKey, POINT);
    scalarMultFn(OUT, SCALAR, POINT);
  }

  function x25519(privateKey: Uint8Array, publicKey: Uint8Array): Uint8Array {
    compute(privateKey, publicKey);
    const out = core.u8.slice(OUT, OUT + 32);
    wipe();
    return out;
  }

  function sharedSecret(privateKey: Uint8Array, publicKey: Uint8Array): Uint8Array | null {
    compute(privateKey, publicKey);
    const zero = isZeroFn(OUT) === 1;
    const out = zero ? null : core.u8.slice(OUT, OUT + 32);
    wipe();
    return out;
  }

  function x25519PublicKey(privateKey: Uint8Array): Uint8Array {
    assertBytes("privateKey", privateKey, 32);
    core.u8.set(privateKey, SCALAR);
    baseFn(OUT, SCALAR);
    const out = core.u8.slice(OUT, OUT + 32);
    wipe();
    return out;
  }

  function generatePrivateKey(): Uint8Array {
    return clampPrivateKey(globalThis.crypto.getRandomValues(new Uint8Array(32)));
  }

  function isZero(bytes: Uint8Array): boolean {
    assertBytes("bytes", bytes, 32);
    const u8 = core.u8;
    u8.set(bytes, POINT);
    const zero = isZeroFn(POINT) === 1;
    u8.fill(0, POINT, POINT + 32);
    return zero;
  }

  return { x25519, x25519PublicKey, generatePrivateKey, sharedSecret, isZero };
}
