// ChaCha20-Poly1305 and XChaCha20-Poly1305 over the WASM core.
//
// Inputs are copied into static scratch regions of the core (key, nonce, AAD
// and a 64 KiB + 16 I/O region), the core seals or opens in place, and the
// result is copied out. Larger inputs go through the core's streaming calls
// in 64 KiB chunks; an open then MACs every chunk, checks the tag, and only
// then decrypts. The core zeroes the key scratch as soon as it has loaded the
// key (and this file zeroes it too if a call throws before that).
//
// Besides the four WasmCrypto methods this exports WireGuard's transport form
// (nonce = 4 zero bytes || little-endian 64-bit counter, empty AAD):
//   wgSeal(key, counter, plaintext)            -> ciphertext || tag
//   wgOpen(key, counter, sealed)               -> plaintext | null
//   wgSealInto(key, counter, plaintext, out, offset?) -> bytes written (plaintext.length + 16)
//   wgOpenInto(key, counter, sealed, out, offset?)    -> plaintext length, or -1 when the tag fails
// `counter` is a bigint in [0, 2^64) or a non-negative safe integer.
//
// Outputs of 65 to 4096 bytes are carved out of a shared 64 KiB ArrayBuffer,
// as Node's Buffer pool does: a fresh ArrayBuffer per packet costs more than
// the AEAD itself at packet sizes. Each array's bytes belong to its caller, but
// `.buffer` is the shared slab: slice() before transferring it. Pass
// { pooledOutputs: false } to get a standalone ArrayBuffer per output.
import { assertBytes, type WasmCrypto } from "./types.js";
import type { WasmCore } from "./wasm.js";

type SealExport = (key: number, nonce: number, src: number, len: number, aad: number, aadLen: number, dst: number) => void;
type OpenExport = (key: number, nonce: number, src: number, lenWithTag: number, aad: number, aadLen: number, dst: number) => number;
type WgSealExport = (key: number, lo: number, hi: number, src: number, len: number, dst: number) => void;
type WgOpenExport = (key: number, lo: number, hi: number, src: number, lenWithTag: number, dst: number) => number;

/** A WireGuard transport counter: a bigint in [0, 2^64) or a non-negative safe integer. */
export type WgCounter = bigint | number;

/** The AEAD part of WasmCrypto plus WireGuard's transport-data form. */
export interface AeadApi
  extends Pick<WasmCrypto, "chacha20poly1305Seal" | "chacha20poly1305Open" | "xchacha20poly1305Seal" | "xchacha20poly1305Open"> {
  /** Seals transport data: returns ciphertext || 16-byte tag. */
  wgSeal(key: Uint8Array, counter: WgCounter, plaintext: Uint8Array): Uint8Array;
  /** Opens transport data: the plaintext, or null when the tag does not verify. */
  wgOpen(key: Uint8Array, counter: WgCounter, sealed: Uint8Array): Uint8Array | null;
  /** Seals into out[offset..offset+len+16); returns the number of bytes written. */
  wgSealInto(key: Uint8Array, counter: WgCounter, plaintext: Uint8Array, out: Uint8Array, offset?: number): number;
  /** Opens into out[offset..); returns the plaintext length, or -1 (out untouched) when the tag does not verify. */
  wgOpenInto(key: Uint8Array, counter: WgCounter, sealed: Uint8Array, out: Uint8Array, offset?: number): number;
}

const TAG_BYTES = 16;
const TWO_POW_32 = 0x1_0000_0000;
const MAX_U64 = (1n << 64n) - 1n;

/** Splits a 64-bit counter into two u32 halves, without BigInt for plain numbers. */
function counterHalves(counter: WgCounter): [number, number] {
  if (typeof counter === "number") {
    if (!Number.isSafeInteger(counter) || counter < 0) throw new RangeError("counter must be a non-negative safe integer or a bigint");
    return [counter % TWO_POW_32, Math.floor(counter / TWO_POW_32)];
  }
  if (typeof counter !== "bigint" || counter < 0n || counter > MAX_U64) throw new RangeError("counter must be in [0, 2^64)");
  return [Number(counter & 0xffff_ffffn), Number(counter >> 32n)];
}

function assertSealed(sealed: unknown): asserts sealed is Uint8Array {
  assertBytes("sealed", sealed);
  if (sealed.length < TAG_BYTES) throw new TypeError(`sealed must be at least ${TAG_BYTES} bytes, got ${sealed.length}`);
}

function assertOut(out: unknown, offset: number, need: number): asserts out is Uint8Array {
  assertBytes("out", out);
  if (!Number.isInteger(offset) || offset < 0 || offset + need > out.length)
    throw new RangeError(`out has no room for ${need} bytes at offset ${offset}`);
}

/** Options of aeadApi. */
export interface AeadApiOptions {
  /** Carve 65..4096-byte outputs out of a shared slab (default true). */
  pooledOutputs?: boolean;
}

const POOL_BYTES = 64 * 1024;
const POOL_MAX = 4096;
// Up to this size V8 keeps typed-array storage on its own heap, which is cheap.
const ON_HEAP_MAX = 64;

export function aeadApi(core: WasmCore, options: AeadApiOptions = {}): AeadApi {
  const pooled = options.pooledOutputs ?? true;
  let pool = new ArrayBuffer(0);
  let poolUsed = 0;
  /** An owned copy of n bytes at ptr of `mem` (the core's memory, read once per call). */
  const copyOut = (mem: Uint8Array, ptr: number, n: number): Uint8Array => {
    let out: Uint8Array;
    if (pooled && n > ON_HEAP_MAX && n <= POOL_MAX) {
      if (poolUsed + n > pool.byteLength) {
        pool = new ArrayBuffer(POOL_BYTES);
        poolUsed = 0;
      }
      out = new Uint8Array(pool, poolUsed, n);
      poolUsed += (n + 7) & ~7;
    } else {
      out = new Uint8Array(n);
    }
    out.set(mem.subarray(ptr, ptr + n));
    return out;
  };

  const keyPtr = core.global("AEAD_KEY_PTR");
  const noncePtr = core.global("AEAD_NONCE_PTR");
  const tagPtr = core.global("AEAD_TAG_PTR");
  const aadPtr = core.global("AEAD_AAD_PTR");
  const aadSize = core.global("AEAD_AAD_SIZE");
  const ioPtr = core.global("AEAD_IO_PTR");
  const ioSize = core.global("AEAD_IO_SIZE");
  // Largest payload a one-shot call takes (the tag needs the last 16 bytes);
  // also the streaming chunk, a multiple of the 64-byte keystream block.
  const chunk = ioSize - TAG_BYTES;

  const seal12 = core.fn<SealExport>("chacha20poly1305_seal");
  const open12 = core.fn<OpenExport>("chacha20poly1305_open");
  const seal24 = core.fn<SealExport>("xchacha20poly1305_seal");
  const open24 = core.fn<OpenExport>("xchacha20poly1305_open");
  const wgSealRaw = core.fn<WgSealExport>("aead_wg_seal");
  const wgOpenRaw = core.fn<WgOpenExport>("aead_wg_open");
  const streamInit12 = core.fn<(key: number, nonce: number) => void>("aead_stream_init");
  const streamInit24 = core.fn<(key: number, nonce: number) => void>("aead_stream_init_x");
  const streamAad = core.fn<(ptr: number, len: number) => void>("aead_stream_aad");
  const streamSeal = core.fn<(src: number, len: number, dst: number) => void>("aead_stream_seal");
  const streamFinal = core.fn<(tag: number) => void>("aead_stream_final");
  const streamMac = core.fn<(src: number, len: number) => void>("aead_stream_mac");
  const streamVerify = core.fn<(tag: number) => number>("aead_stream_verify");
  const streamDecrypt = core.fn<(src: number, len: number, dst: number) => void>("aead_stream_decrypt");
  const streamWipe = core.fn<() => void>("aead_stream_wipe");

  // Normally the core has already zeroed the key scratch; this covers a call that throws first.
  const wipeKey = (mem: Uint8Array): void => {
    mem.fill(0, keyPtr, keyPtr + 32);
  };

  function streamAadChunks(mem: Uint8Array, aad: Uint8Array): void {
    for (let off = 0; off < aad.length; off += ioSize) {
      const part = aad.subarray(off, Math.min(off + ioSize, aad.length));
      mem.set(part, ioPtr);
      streamAad(ioPtr, part.length);
    }
  }

  function seal(x: boolean, key: Uint8Array, nonce: Uint8Array, plaintext: Uint8Array, aad: Uint8Array): Uint8Array {
    const len = plaintext.length;
    let streamed = false;
    // The core never grows its memory during these calls: one view serves the whole call.
    const mem = core.u8;
    try {
      mem.set(key, keyPtr);
      mem.set(nonce, noncePtr);
      if (len <= chunk && aad.length <= aadSize) {
        if (aad.length > 0) mem.set(aad, aadPtr);
        mem.set(plaintext, ioPtr);
        (x ? seal24 : seal12)(keyPtr, noncePtr, ioPtr, len, aadPtr, aad.length, ioPtr);
        return copyOut(mem, ioPtr, len + TAG_BYTES);
      }
      // Chunked: encrypt and MAC 64 KiB at a time.
      streamed = true;
      const out = new Uint8Array(len + TAG_BYTES);
      (x ? streamInit24 : streamInit12)(keyPtr, noncePtr);
      streamAadChunks(mem, aad);
      for (let off = 0; off < len; off += chunk) {
        const n = Math.min(chunk, len - off);
        mem.set(plaintext.subarray(off, off + n), ioPtr);
        streamSeal(ioPtr, n, ioPtr);
        out.set(mem.subarray(ioPtr, ioPtr + n), off);
      }
      streamFinal(tagPtr);
      out.set(mem.subarray(tagPtr, tagPtr + TAG_BYTES), len);
      return out;
    } catch (e) {
      wipeKey(mem);
      throw e;
    } finally {
      if (streamed) streamWipe();
    }
  }

  function open(x: boolean, key: Uint8Array, nonce: Uint8Array, sealed: Uint8Array, aad: Uint8Array): Uint8Array | null {
    const len = sealed.length - TAG_BYTES;
    let streamed = false;
    const mem = core.u8;
    try {
      mem.set(key, keyPtr);
      mem.set(nonce, noncePtr);
      if (len <= chunk && aad.length <= aadSize) {
        if (aad.length > 0) mem.set(aad, aadPtr);
        mem.set(sealed, ioPtr);
        const ok = (x ? open24 : open12)(keyPtr, noncePtr, ioPtr, sealed.length, aadPtr, aad.length, ioPtr);
        return ok === 1 ? copyOut(mem, ioPtr, len) : null;
      }
      // Chunked: MAC all the ciphertext, check the tag, and only then decrypt.
      streamed = true;
      (x ? streamInit24 : streamInit12)(keyPtr, noncePtr);
      streamAadChunks(mem, aad);
      for (let off = 0; off < len; off += chunk) {
        const n = Math.min(chunk, len - off);
        mem.set(sealed.subarray(off, off + n), ioPtr);
        streamMac(ioPtr, n);
      }
      mem.set(sealed.subarray(len), tagPtr);
      if (streamVerify(tagPtr) !== 1) return null;
      const out = new Uint8Array(len);
      for (let off = 0; off < len; off += chunk) {
        const n = Math.min(chunk, len - off);
        mem.set(sealed.subarray(off, off + n), ioPtr);
        streamDecrypt(ioPtr, n, ioPtr);
        out.set(mem.subarray(ioPtr, ioPtr + n), off);
      }
      return out;
    } catch (e) {
      wipeKey(mem);
      throw e;
    } finally {
      if (streamed) streamWipe();
    }
  }

  // WireGuard nonce in the 12-byte form, for transport data too large for one call.
  function wgNonce(lo: number, hi: number): Uint8Array {
    const n = new Uint8Array(12);
    const v = new DataView(n.buffer);
    v.setUint32(4, lo, true);
    v.setUint32(8, hi, true);
    return n;
  }

  const EMPTY = new Uint8Array(0);

  function wgSealInto(key: Uint8Array, counter: WgCounter, plaintext: Uint8Array, out: Uint8Array, offset = 0): number {
    assertBytes("key", key, 32);
    assertBytes("plaintext", plaintext);
    const [lo, hi] = counterHalves(counter);
    const len = plaintext.length;
    assertOut(out, offset, len + TAG_BYTES);
    if (len > chunk) {
      out.set(seal(false, key, wgNonce(lo, hi), plaintext, EMPTY), offset);
      return len + TAG_BYTES;
    }
    const mem = core.u8;
    try {
      mem.set(key, keyPtr);
      mem.set(plaintext, ioPtr);
      wgSealRaw(keyPtr, lo, hi, ioPtr, len, ioPtr);
      out.set(mem.subarray(ioPtr, ioPtr + len + TAG_BYTES), offset);
      return len + TAG_BYTES;
    } catch (e) {
      wipeKey(mem);
      throw e;
    }
  }

  function wgOpenInto(key: Uint8Array, counter: WgCounter, sealed: Uint8Array, out: Uint8Array, offset = 0): number {
    assertBytes("key", key, 32);
    assertSealed(sealed);
    const [lo, hi] = counterHalves(counter);
    const len = sealed.length - TAG_BYTES;
    assertOut(out, offset, len);
    if (len > chunk) {
      const plain = open(false, key, wgNonce(lo, hi), sealed, EMPTY);
      if (plain === null) return -1;
      out.set(plain, offset);
      return len;
    }
    const mem = core.u8;
    try {
      mem.set(key, keyPtr);
      mem.set(sealed, ioPtr);
      if (wgOpenRaw(keyPtr, lo, hi, ioPtr, sealed.length, ioPtr) !== 1) return -1;
      out.set(mem.subarray(ioPtr, ioPtr + len), offset);
      return len;
    } catch (e) {
      wipeKey(mem);
      throw e;
    }
  }

  return {
    chacha20poly1305Seal(key, nonce12, plaintext, aad = EMPTY) {
      assertBytes("key", key, 32);
      assertBytes("nonce12", nonce12, 12);
      assertBytes("plaintext", plaintext);
      assertBytes("aad", aad);
      return seal(false, key, nonce12, plaintext, aad);
    },
    chacha20poly1305Open(key, nonce12, sealed, aad = EMPTY) {
      assertBytes("key", key, 32);
      assertBytes("nonce12", nonce12, 12);
      assertSealed(sealed);
      assertBytes("aad", aad);
      return open(false, key, nonce12, sealed, aad);
    },
    xchacha20poly1305Seal(key, nonce24, plaintext, aad = EMPTY) {
      assertBytes("key", key, 32);
      assertBytes("nonce24", nonce24, 24);
      assertBytes("plaintext", plaintext);
      assertBytes("aad", aad);
      return seal(true, key, nonce24, plaintext, aad);
    },
    xchacha20poly1305Open(key, nonce24, sealed, aad = EMPTY) {
      assertBytes("key", key, 32);
      assertBytes("nonce24", nonce24, 24);
      assertSealed(sealed);
      assertBytes("aad", aad);
      return open(true, key, nonce24, sealed, aad);
    },
    wgSeal(key, counter, plaintext) {
      assertBytes("key", key, 32);
      assertBytes("plaintext", plaintext);
      const [lo, hi] = counterHalves(counter);
      const len = plaintext.length;
      if (len > chunk) return seal(false, key, wgNonce(lo, hi), plaintext, EMPTY);
      const mem = core.u8;
      try {
        mem.set(key, keyPtr);
        mem.set(plaintext, ioPtr);
        wgSealRaw(keyPtr, lo, hi, ioPtr, len, ioPtr);
        return copyOut(mem, ioPtr, len + TAG_BYTES);
      } catch (e) {
        wipeKey(mem);
        throw e;
      }
    },
    wgOpen(key, counter, sealed) {
      assertBytes("key", key, 32);
      assertSealed(sealed);
      const [lo, hi] = counterHalves(counter);
      const len = sealed.length - TAG_BYTES;
      if (len > chunk) return open(false, key, wgNonce(lo, hi), sealed, EMPTY);
      const mem = core.u8;
      try {
        mem.set(key, keyPtr);
        mem.set(sealed, ioPtr);
        return wgOpenRaw(keyPtr, lo, hi, ioPtr, sealed.length, ioPtr) === 1 ? copyOut(mem, ioPtr, len) : null;
      } catch (e) {
        wipeKey(mem);
        throw e;
      }
    },
    wgSealInto,
    wgOpenInto,
  };
}
