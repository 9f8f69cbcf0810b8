// Typed BLAKE2s functions over the WASM core: the RFC 7693 hash, HMAC-BLAKE2s
// and WireGuard's HKDF, plus the two helpers the handshake calls most (the
// 16-byte MAC and the Noise mix-hash). Arguments are copied into the core's
// scratch regions; key material is wiped from them before each call returns.
import { assertBytes, type WasmCrypto } from "./types.js";
import type { WasmCore } from "./wasm.js";

/** What `blake2sApi` returns: the `WasmCrypto` members plus helpers for the protocol layer. */
export interface Blake2sApi extends Pick<WasmCrypto, "blake2s" | "hmacBlake2s" | "hkdf"> {
  /** WireGuard's MAC(key, data): BLAKE2s keyed with a 32-byte key, 16-byte digest; written to `out` when given. */
  mac16(key: Uint8Array, data: Uint8Array, out?: Uint8Array): Uint8Array;
  /** Noise mix-hash: `hash` (32 bytes) becomes BLAKE2s-256(hash || data), in place. */
  mixHash(hash: Uint8Array, data: Uint8Array): void;
  /**
   * WireGuard's KDFn with n = outs.length (1..3): writes t1..tn into the given
   * 32-byte arrays. Unlike `hkdf` the key may have any length (it is an HMAC
   * key); outs may alias the key or the input (the handshake updates its
   * chaining key in place).
   */
  kdfInto(key: Uint8Array, input: Uint8Array, outs: readonly Uint8Array[]): void;
}

type HashFn = (p: number, len: number, outLen: number, key: number, keyLen: number, out: number) => void;
type InitFn = (outLen: number, key: number, keyLen: number) => void;
type UpdateFn = (p: number, len: number) => void;
type FinalFn = (out: number) => void;
type HmacFn = (key: number, keyLen: number, p: number, len: number, out: number) => void;
type HmacInitFn = (key: number, keyLen: number) => void;
type KdfFn = (n: number, key: number, keyLen: number, p: number, len: number, out: number) => void;
type KdfExpandFn = (n: number, prk: number, out: number) => void;
type MixHashFn = (h: number, p: number, len: number) => void;

export function blake2sApi(core: WasmCore): Blake2sApi {
  const IN = core.global("BLAKE2S_IN_PTR");
  const IN_SIZE = core.global("BLAKE2S_IN_SIZE");
  const KEY = core.global("BLAKE2S_KEY_PTR");
  const OUT = core.global("BLAKE2S_OUT_PTR");
  const hashFn = core.fn<HashFn>("blake2s_hash");
  const initFn = core.fn<InitFn>("blake2s_init");
  const updateFn = core.fn<UpdateFn>("blake2s_update");
  const finalFn = core.fn<FinalFn>("blake2s_final");
  const hmacFn = core.fn<HmacFn>("blake2s_hmac");
  const hmacInitFn = core.fn<HmacInitFn>("blake2s_hmac_init");
  const hmacUpdateFn = core.fn<UpdateFn>("blake2s_hmac_update");
  const hmacFinalFn = core.fn<FinalFn>("blake2s_hmac_final");
  const kdfFn = core.fn<KdfFn>("blake2s_kdf");
  const kdfExpandFn = core.fn<KdfExpandFn>("blake2s_kdf_expand");
  const mixHashFn = core.fn<MixHashFn>("blake2s_mix_hash");

  /** Feeds `data` to an update export in chunks that fit the input scratch. */
  function feed(update: UpdateFn, data: Uint8Array): void {
    for (let off = 0; off < data.length; off += IN_SIZE) {
      const chunk = data.subarray(off, Math.min(off + IN_SIZE, data.length));
      core.u8.set(chunk, IN);
      update(IN, chunk.length);
    }
  }

  function blake2s(data: Uint8Array, outLen = 32, key?: Uint8Array): Uint8Array {
    assertBytes("data", data);
    if (!Number.isInteger(outLen) || outLen < 1 || outLen > 32)
      throw new RangeError(`outLen must be an integer in 1..32, got ${outLen}`);
    const keyLen = key === undefined ? 0 : key.length;
    if (key !== undefined) {
      assertBytes("key", key);
      if (keyLen > 32) throw new TypeError(`key must be at most 32 bytes, got ${keyLen}`);
    }
    let u8 = core.u8;
    if (keyLen > 0) u8.set(key!, KEY);
    if (data.length <= IN_SIZE) {
      u8.set(data, IN);
      hashFn(IN, data.length, outLen, KEY, keyLen, OUT);
    } else {
      initFn(outLen, KEY, keyLen);
      feed(updateFn, data);
      finalFn(OUT);
    }
    u8 = core.u8;
    const out = u8.slice(OUT, OUT + outLen);
    if (keyLen > 0) {
      u8.fill(0, KEY, KEY + 64);
      u8.fill(0, OUT, OUT + 32);
    }
    return out;
  }

  /** Puts an HMAC key in the key scratch; keys over one block are hashed first (RFC 2104). */
  function placeHmacKey(key: Uint8Array): number {
    if (key.length <= 64) {
      core.u8.set(key, KEY);
      return key.length;
    }
    const digest = blake2s(key);
    const u8 = core.u8;
    u8.fill(0, IN, IN + Math.min(key.length, IN_SIZE)); // the long key passed through the input scratch
    u8.set(digest, KEY);
    digest.fill(0);
    return 32;
  }

  function wipe(inputLen: number): void {
    const u8 = core.u8;
    u8.fill(0, KEY, KEY + 64);
    u8.fill(0, OUT, OUT + 96);
    u8.fill(0, IN, IN + Math.min(inputLen, IN_SIZE));
  }

  function hmacBlake2s(key: Uint8Array, data: Uint8Array): Uint8Array {
    assertBytes("key", key);
    assertBytes("data", data);
    const keyLen = placeHmacKey(key);
    if (data.length <= IN_SIZE) {
      core.u8.set(data, IN);
      hmacFn(KEY, keyLen, IN, data.length, OUT);
    } else {
      hmacInitFn(KEY, keyLen);
      feed(hmacUpdateFn, data);
      hmacFinalFn(OUT);
    }
    const out = core.u8.slice(OUT, OUT + 32);
    wipe(data.length);
    return out;
  }

  /** Runs KDFn into the output scratch; the caller copies the outputs out, then wipes. */
  function kdfToScratch(key: Uint8Array, input: Uint8Array, n: number): void {
    const keyLen = placeHmacKey(key);
    if (input.length <= IN_SIZE) {
      core.u8.set(input, IN);
      kdfFn(n, KEY, keyLen, IN, input.length, OUT);
    } else {
      hmacInitFn(KEY, keyLen);
      feed(hmacUpdateFn, input);
      hmacFinalFn(OUT);
      kdfExpandFn(n, OUT, OUT);
    }
  }

  function hkdf(chainingKey: Uint8Array, input: Uint8Array, n: 1 | 2 | 3): Uint8Array[] {
    assertBytes("chainingKey", chainingKey, 32);
    assertBytes("input", input);
    if (n !== 1 && n !== 2 && n !== 3) throw new RangeError(`n must be 1, 2 or 3, got ${String(n)}`);
    kdfToScratch(chainingKey, input, n);
    const u8 = core.u8;
    const outs: Uint8Array[] = [];
    for (let i = 0; i < n; i++) outs.push(u8.slice(OUT + 32 * i, OUT + 32 * (i + 1)));
    wipe(input.length);
    return outs;
  }

  function kdfInto(key: Uint8Array, input: Uint8Array, outs: readonly Uint8Array[]): void {
    assertBytes("key", key);
    assertBytes("input", input);
    if (!Array.isArray(outs) || outs.length < 1 || outs.length > 3)
      throw new RangeError("outs must be an array of 1 to 3 outputs");
    outs.forEach((o, i) => assertBytes(`outs[${i}]`, o, 32));
    kdfToScratch(key, input, outs.length);
    const u8 = core.u8;
    outs.forEach((o, i) => o.set(u8.subarray(OUT + 32 * i, OUT + 32 * (i + 1))));
    wipe(input.length);
  }

  function mac16(key: Uint8Array, data: Uint8Array, out?: Uint8Array): Uint8Array {
    assertBytes("key", key, 32);
    assertBytes("data", data);
    if (out !== undefined) assertBytes("out", out, 16);
    if (data.length > IN_SIZE) {
      const mac = blake2s(data, 16, key);
      if (out === undefined) return mac;
      out.set(mac);
      return out;
    }
    const u8 = core.u8;
    u8.set(key, KEY);
    u8.set(data, IN);
    hashFn(IN, data.length, 16, KEY, 32, OUT);
    const result = out ?? new Uint8Array(16);
    result.set(u8.subarray(OUT, OUT + 16));
    u8.fill(0, KEY, KEY + 32);
    u8.fill(0, OUT, OUT + 16);
    return result;
  }

  function mixHash(hash: Uint8Array, data: Uint8Array): void {
    assertBytes("hash", hash, 32);
    assertBytes("data", data);
    if (data.length + 32 > IN_SIZE) {
      const joined = new Uint8Array(32 + data.length);
      joined.set(hash);
      joined.set(data, 32);
      hash.set(blake2s(joined));
      return;
    }
    const u8 = core.u8;
    u8.set(hash, OUT);
    u8.set(data, IN);
    mixHashFn(OUT, IN, data.length);
    hash.set(u8.subarray(OUT, OUT + 32));
  }

  return { blake2s, hmacBlake2s, hkdf, mac16, mixHash, kdfInto };
}
