// ChaCha20-Poly1305 (RFC 8439 §2.8) and XChaCha20-Poly1305
// (draft-irtf-cfrg-xchacha §2), as raw exports over linear memory.
//
// Every function takes pointers, so a caller can seal or open data that is
// already in WASM memory, in place (dst == src is allowed; otherwise dst must
// not overlap the part of src that is still to be read, i.e. dst <= src or
// disjoint). A later batch export can loop over a table of (key, counter,
// src, len, dst) records and call sealWith/openWith for each without touching
// these signatures.
//
// Opening always authenticates first: the tag is recomputed over AAD and
// ciphertext, compared in constant time, and only then is plaintext written.
// Key material left in the scratch state is wiped before each call returns,
// and a key read from AEAD_KEY_PTR is zeroed there as soon as it is loaded.
//
// Speed (SIMD build): blocks 0-3 come from one 4-way ChaCha20 call (block 0
// keys Poly1305, blocks 1-3 cover the first 192 bytes), and after that each
// 256-byte step runs the 4-way ChaCha20 rounds and 16 Poly1305 blocks in one
// loop (a "stitched" kernel). An open keeps that keystream in OPEN_KS during
// its MAC pass and XORs it in only after the tag has verified.

import {
  chacha20SetState,
  chacha20XorStream,
  chacha20KeyBlock,
  chacha20Keystream4,
  chacha20XorKeystream,
  hchacha20Into,
} from "./chacha20";
import {
  poly1305Init,
  poly1305Blocks,
  poly1305PaddedBlock,
  poly1305Update,
  poly1305Finish,
} from "./poly1305";

// Sizes and constants of the two primitives' working state.
const CHACHA20_STATE_BYTES: usize = 64;
const POLY1305_CTX_BYTES: usize = 128;
const POLY1305_HIBIT: u64 = 1;

/** Size of the I/O scratch region: 64 KiB of payload plus a 16-byte tag. */
export const AEAD_IO_SIZE: i32 = 65536 + 16;
/** Size of the AAD scratch region (larger AAD goes through the streaming calls). */
export const AEAD_AAD_SIZE: i32 = 4096;

// Scratch regions the JS side copies into and out of.
export const AEAD_KEY_PTR: usize = memory.data(32, 16);
export const AEAD_NONCE_PTR: usize = memory.data(32, 16);
export const AEAD_TAG_PTR: usize = memory.data(16, 16);
export const AEAD_AAD_PTR: usize = memory.data(4096, 16);
export const AEAD_IO_PTR: usize = memory.data(65536 + 16, 16);

/** Zeroes the key scratch once a call has loaded a key from it, so the key never lingers there. */
// @ts-ignore: decorator
@inline
function forgetScratchKey(keyPtr: usize): void {
  if (keyPtr == AEAD_KEY_PTR) memory.fill(AEAD_KEY_PTR, 0, 32);
}

// Working state of the one-shot calls.
const ST: usize = memory.data(64, 16);
const POLY: usize = memory.data(128, 16);
const OTK: usize = memory.data(32, 16);
const SUBKEY: usize = memory.data(32, 16);
const NONCE12: usize = memory.data(16, 16);
const TAG: usize = memory.data(16, 16);
const LENS: usize = memory.data(16, 16);
// Keystream of blocks 0-3 (SIMD build): the Poly1305 key and the first 192 bytes.
const KS: usize = memory.data(256, 16);
// Keystream kept by an open between its MAC pass and its decryption (SIMD build).
const OPEN_KS_BYTES: usize = 65536;
const OPEN_STITCH_MIN: usize = 2048;
const OPEN_KS: usize = memory.data(65536, 16);
const ZERO256: usize = memory.data(256, 16);

// ---- shared building blocks ----

/** 1 when the two 16-byte tags are equal, else 0, in time independent of their contents. */
// @ts-ignore: decorator
@inline
function tagsEqual(a: usize, b: usize): i32 {
  const d = (load<u64>(a, 0) ^ load<u64>(b, 0)) | (load<u64>(a, 8) ^ load<u64>(b, 8));
  return <i32>(d == 0);
}

/** Absorbs `len` bytes followed by zero padding to a multiple of 16. */
function macPadded(poly: usize, p: usize, len: usize): void {
  const full = len & ~(<usize>15);
  if (full > 0) poly1305Blocks(poly, p, full, POLY1305_HIBIT);
  if (len > full) poly1305PaddedBlock(poly, p + full, len - full);
}

/** Absorbs the final block: aadLen and ctLen as little-endian u64s. */
function macLengths(poly: usize, aadLen: u64, ctLen: u64): void {
  store<u64>(LENS, aadLen, 0);
  store<u64>(LENS, ctLen, 8);
  poly1305Blocks(poly, LENS, 16, POLY1305_HIBIT);
}

/** Block 0 of the state (counter must be 0) keys Poly1305; the state is left at counter 1. */
function startMac(st: usize, poly: usize): void {
  chacha20KeyBlock(st, OTK);
  poly1305Init(poly, OTK);
  memory.fill(OTK, 0, 32);
}

/**
 * Like startMac, but in the SIMD build (and for more than one block of data)
 * computes blocks 0-3 in one 4-way call: block 0 keys Poly1305 and KS+64 keeps
 * the keystream of the first min(len, 192) data bytes, whose count is returned.
 * A 1420-byte packet then needs exactly six 4-way calls and no scalar block.
 */
function startMacPrefetch(st: usize, poly: usize, len: usize): usize {
  if (ASC_FEATURE_SIMD) {
    if (len > 64) {
      chacha20Keystream4(st, KS);
      poly1305Init(poly, KS);
      return min<usize>(len, 192);
    }
  }
  startMac(st, poly);
  return 0;
}

/** Encrypts or decrypts len bytes: the first `pre` with the keystream kept in KS, the rest from the state. */
function cipherAfterPrefetch(st: usize, src: usize, dst: usize, len: usize, pre: usize): void {
  if (pre > 0) chacha20XorKeystream(KS + 64, src, dst, pre);
  // pre < len only when pre == 192, and then the state's counter is already 4.
  if (len > pre) chacha20XorStream(st, src + pre, dst + pre, len - pre);
}

/** Seal with a state already set at counter 0: writes len bytes of ciphertext and the tag at dst+len. */
function sealWith(st: usize, src: usize, len: usize, aad: usize, aadLen: usize, dst: usize): void {
  const pre = startMacPrefetch(st, POLY, len);
  macPadded(POLY, aad, aadLen);
  if (ASC_FEATURE_SIMD) {
    if (pre > 0) {
      // pre is 192 (a multiple of 16) whenever more data follows
      chacha20XorKeystream(KS + 64, src, dst, pre);
      if (len > pre) {
        poly1305Blocks(POLY, dst, pre, POLY1305_HIBIT);
        sealStitched(st, POLY, src + pre, dst + pre, len - pre);
      } else {
        macPadded(POLY, dst, len);
      }
      memory.fill(KS, 0, 256);
    } else {
      chacha20XorStream(st, src, dst, len);
      macPadded(POLY, dst, len);
    }
  } else {
    chacha20XorStream(st, src, dst, len);
    macPadded(POLY, dst, len);
  }
  macLengths(POLY, <u64>aadLen, <u64>len);
  poly1305Finish(POLY, dst + len);
  memory.fill(st, 0, CHACHA20_STATE_BYTES);
}

/** Open with a state already set at counter 0. Returns 1 and writes plaintext only if the tag verifies. */
function openWith(st: usize, src: usize, lenWithTag: usize, aad: usize, aadLen: usize, dst: usize): i32 {
  if (lenWithTag < 16) {
    memory.fill(st, 0, CHACHA20_STATE_BYTES);
    return 0;
  }
  const len = lenWithTag - 16;
  const pre = startMacPrefetch(st, POLY, len);
  macPadded(POLY, aad, aadLen);
  // SIMD build and a keystream that fits OPEN_KS: stitched MAC pass. Below a
  // couple of KiB the extra keystream pass costs more than the overlap gains
  // (measured: about 5% slower at 1420 bytes, 5% faster at 64 KiB).
  let stitched = false;
  if (ASC_FEATURE_SIMD) {
    stitched = pre > 0 && len - pre >= OPEN_STITCH_MIN && len - pre <= OPEN_KS_BYTES;
  }
  if (ASC_FEATURE_SIMD) {
    if (stitched) {
      poly1305Blocks(POLY, src, pre, POLY1305_HIBIT);
      openStitchedMac(st, POLY, src + pre, len - pre);
    }
  }
  if (!stitched) macPadded(POLY, src, len);
  macLengths(POLY, <u64>aadLen, <u64>len);
  poly1305Finish(POLY, TAG);
  const ok = tagsEqual(TAG, src + len);
  memory.fill(TAG, 0, 16);
  if (ok) {
    if (stitched) {
      chacha20XorKeystream(KS + 64, src, dst, pre);
      chacha20XorKeystream(OPEN_KS, src + pre, dst + pre, len - pre);
    } else {
      cipherAfterPrefetch(st, src, dst, len, pre);
    }
  }
  memory.fill(st, 0, CHACHA20_STATE_BYTES);
  if (pre > 0) memory.fill(KS, 0, 256);
  if (stitched) memory.fill(OPEN_KS, 0, (len - pre + 255) & ~(<usize>255));
  return ok;
}

// ---- stitched ChaCha20 x4 + Poly1305 (SIMD build) ----
//
// ChaCha20's 4-way core keeps all sixteen vector registers busy while
// Poly1305 needs the integer multiplier and general registers: the two do
// not compete, so interleaving them lets the CPU run both at once. Each call
// makes 256 bytes of keystream (XORed into src -> dst) and, inside the same
// round loop, absorbs up to 16 Poly1305 blocks (256 bytes at `mac`).

// @ts-ignore: decorator
@inline
function rotl16x4(x: v128): v128 {
  return i8x16.shuffle(x, x, 2, 3, 0, 1, 6, 7, 4, 5, 10, 11, 8, 9, 14, 15, 12, 13);
}
// @ts-ignore: decorator
@inline
function rotlx4(x: v128, n: i32): v128 {
  return v128.or(i32x4.shl(x, n), i32x4.shr_u(x, 32 - n));
}

// Rows a..d hold words k..k+3 of four blocks: transpose and XOR into 16 bytes of each block.
// @ts-ignore: decorator
@inline
function storeRows(a: v128, b: v128, c: v128, d: v128, src: usize, dst: usize): void {
  const ab_lo = i32x4.shuffle(a, b, 0, 4, 1, 5);
  const cd_lo = i32x4.shuffle(c, d, 0, 4, 1, 5);
  const ab_hi = i32x4.shuffle(a, b, 2, 6, 3, 7);
  const cd_hi = i32x4.shuffle(c, d, 2, 6, 3, 7);
  const m0 = v128.xor(i64x2.shuffle(ab_lo, cd_lo, 0, 2), v128.load(src, 0));
  const m1 = v128.xor(i64x2.shuffle(ab_lo, cd_lo, 1, 3), v128.load(src, 64));
  const m2 = v128.xor(i64x2.shuffle(ab_hi, cd_hi, 0, 2), v128.load(src, 128));
  const m3 = v128.xor(i64x2.shuffle(ab_hi, cd_hi, 1, 3), v128.load(src, 192));
  v128.store(dst, m0, 0);
  v128.store(dst, m1, 64);
  v128.store(dst, m2, 128);
  v128.store(dst, m3, 192);
}

/**
 * dst[0..256) = src[0..256) ^ keystream(st) (counter += 4) and absorbs
 * mac[0..256) into the Poly1305 context `poly` as 16 full blocks.
 * `mac` must not overlap dst.
 */
function stitched4(st: usize, src: usize, dst: usize, poly: usize, mac: usize): void {
  // Poly1305 state (radix 2^32, see poly1305.ts) in integer locals.
  const r0 = load<u64>(poly, 0), r1 = load<u64>(poly, 8), r2 = load<u64>(poly, 16), r3 = load<u64>(poly, 24);
  const s1 = r1 + (r1 >> 2), s2 = r2 + (r2 >> 2), s3 = r3 + (r3 >> 2);
  let h0 = load<u64>(poly, 32), h1 = load<u64>(poly, 40), h2 = load<u64>(poly, 48);
  let h3 = load<u64>(poly, 56), h4 = load<u64>(poly, 64);
  const M32: u64 = 0xffffffff;

  const c = load<u32>(st, 48);
  const ctr = i32x4.add(i32x4.splat(c), i32x4(0, 1, 2, 3));
  let x0 = v128.splat<u32>(load<u32>(st, 0)), x1 = v128.splat<u32>(load<u32>(st, 4));
  let x2 = v128.splat<u32>(load<u32>(st, 8)), x3 = v128.splat<u32>(load<u32>(st, 12));
  let x4 = v128.splat<u32>(load<u32>(st, 16)), x5 = v128.splat<u32>(load<u32>(st, 20));
  let x6 = v128.splat<u32>(load<u32>(st, 24)), x7 = v128.splat<u32>(load<u32>(st, 28));
  let x8 = v128.splat<u32>(load<u32>(st, 32)), x9 = v128.splat<u32>(load<u32>(st, 36));
  let x10 = v128.splat<u32>(load<u32>(st, 40)), x11 = v128.splat<u32>(load<u32>(st, 44));
  let x12 = ctr, x13 = v128.splat<u32>(load<u32>(st, 52));
  let x14 = v128.splat<u32>(load<u32>(st, 56)), x15 = v128.splat<u32>(load<u32>(st, 60));

  // 10 double rounds: the first 8 each absorb two Poly1305 blocks. Two
  // branch-free loops keep V8 from spilling the vectors around a condition.
  let m = mac;
  for (let i = 0; i < 8; i++) {
    x0 = i32x4.add(x0, x4); x12 = rotl16x4(v128.xor(x12, x0));
    x1 = i32x4.add(x1, x5); x13 = rotl16x4(v128.xor(x13, x1));
    x2 = i32x4.add(x2, x6); x14 = rotl16x4(v128.xor(x14, x2));
    x3 = i32x4.add(x3, x7); x15 = rotl16x4(v128.xor(x15, x3));
    x8 = i32x4.add(x8, x12); x4 = rotlx4(v128.xor(x4, x8), 12);
    x9 = i32x4.add(x9, x13); x5 = rotlx4(v128.xor(x5, x9), 12);
    x10 = i32x4.add(x10, x14); x6 = rotlx4(v128.xor(x6, x10), 12);
    x11 = i32x4.add(x11, x15); x7 = rotlx4(v128.xor(x7, x11), 12);
    x0 = i32x4.add(x0, x4); x12 = rotlx4(v128.xor(x12, x0), 8);
    x1 = i32x4.add(x1, x5); x13 = rotlx4(v128.xor(x13, x1), 8);
    x2 = i32x4.add(x2, x6); x14 = rotlx4(v128.xor(x14, x2), 8);
    x3 = i32x4.add(x3, x7); x15 = rotlx4(v128.xor(x15, x3), 8);
    x8 = i32x4.add(x8, x12); x4 = rotlx4(v128.xor(x4, x8), 7);
    x9 = i32x4.add(x9, x13); x5 = rotlx4(v128.xor(x5, x9), 7);
    x10 = i32x4.add(x10, x14); x6 = rotlx4(v128.xor(x6, x10), 7);
    x11 = i32x4.add(x11, x15); x7 = rotlx4(v128.xor(x7, x11), 7);

    {
    h0 += <u64>load<u32>(m, 0); h1 += <u64>load<u32>(m, 4);
    h2 += <u64>load<u32>(m, 8); h3 += <u64>load<u32>(m, 12); h4 += 1;
    const d0 = h0 * r0 + h1 * s3 + h2 * s2 + h3 * s1;
    let d1 = h0 * r1 + h1 * r0 + h2 * s3 + h3 * s2 + h4 * s1;
    let d2 = h0 * r2 + h1 * r1 + h2 * r0 + h3 * s3 + h4 * s2;
    let d3 = h0 * r3 + h1 * r2 + h2 * r1 + h3 * r0 + h4 * s3;
    let d4 = h4 * r0;
    d1 += d0 >> 32; h0 = d0 & M32;
    d2 += d1 >> 32; h1 = d1 & M32;
    d3 += d2 >> 32; h2 = d2 & M32;
    d4 += d3 >> 32; h3 = d3 & M32;
    h4 = d4 & 3;
    h0 += (d4 >> 2) * 5;
    h1 += h0 >> 32; h0 &= M32;
    }
    x0 = i32x4.add(x0, x5); x15 = rotl16x4(v128.xor(x15, x0));
    x1 = i32x4.add(x1, x6); x12 = rotl16x4(v128.xor(x12, x1));
    x2 = i32x4.add(x2, x7); x13 = rotl16x4(v128.xor(x13, x2));
    x3 = i32x4.add(x3, x4); x14 = rotl16x4(v128.xor(x14, x3));
    x10 = i32x4.add(x10, x15); x5 = rotlx4(v128.xor(x5, x10), 12);
    x11 = i32x4.add(x11, x12); x6 = rotlx4(v128.xor(x6, x11), 12);
    x8 = i32x4.add(x8, x13); x7 = rotlx4(v128.xor(x7, x8), 12);
    x9 = i32x4.add(x9, x14); x4 = rotlx4(v128.xor(x4, x9), 12);
    x0 = i32x4.add(x0, x5); x15 = rotlx4(v128.xor(x15, x0), 8);
    x1 = i32x4.add(x1, x6); x12 = rotlx4(v128.xor(x12, x1), 8);
    x2 = i32x4.add(x2, x7); x13 = rotlx4(v128.xor(x13, x2), 8);
    x3 = i32x4.add(x3, x4); x14 = rotlx4(v128.xor(x14, x3), 8);
    x10 = i32x4.add(x10, x15); x5 = rotlx4(v128.xor(x5, x10), 7);
    x11 = i32x4.add(x11, x12); x6 = rotlx4(v128.xor(x6, x11), 7);
    x8 = i32x4.add(x8, x13); x7 = rotlx4(v128.xor(x7, x8), 7);
    x9 = i32x4.add(x9, x14); x4 = rotlx4(v128.xor(x4, x9), 7);

    {
    h0 += <u64>load<u32>(m, 16); h1 += <u64>load<u32>(m, 20);
    h2 += <u64>load<u32>(m, 24); h3 += <u64>load<u32>(m, 28); h4 += 1;
    const d0 = h0 * r0 + h1 * s3 + h2 * s2 + h3 * s1;
    let d1 = h0 * r1 + h1 * r0 + h2 * s3 + h3 * s2 + h4 * s1;
    let d2 = h0 * r2 + h1 * r1 + h2 * r0 + h3 * s3 + h4 * s2;
    let d3 = h0 * r3 + h1 * r2 + h2 * r1 + h3 * r0 + h4 * s3;
    let d4 = h4 * r0;
    d1 += d0 >> 32; h0 = d0 & M32;
    d2 += d1 >> 32; h1 = d1 & M32;
    d3 += d2 >> 32; h2 = d2 & M32;
    d4 += d3 >> 32; h3 = d3 & M32;
    h4 = d4 & 3;
    h0 += (d4 >> 2) * 5;
    h1 += h0 >> 32; h0 &= M32;
    m += 32;
    }
  }
  for (let i = 0; i < 2; i++) {
    x0 = i32x4.add(x0, x4); x12 = rotl16x4(v128.xor(x12, x0));
    x1 = i32x4.add(x1, x5); x13 = rotl16x4(v128.xor(x13, x1));
    x2 = i32x4.add(x2, x6); x14 = rotl16x4(v128.xor(x14, x2));
    x3 = i32x4.add(x3, x7); x15 = rotl16x4(v128.xor(x15, x3));
    x8 = i32x4.add(x8, x12); x4 = rotlx4(v128.xor(x4, x8), 12);
    x9 = i32x4.add(x9, x13); x5 = rotlx4(v128.xor(x5, x9), 12);
    x10 = i32x4.add(x10, x14); x6 = rotlx4(v128.xor(x6, x10), 12);
    x11 = i32x4.add(x11, x15); x7 = rotlx4(v128.xor(x7, x11), 12);
    x0 = i32x4.add(x0, x4); x12 = rotlx4(v128.xor(x12, x0), 8);
    x1 = i32x4.add(x1, x5); x13 = rotlx4(v128.xor(x13, x1), 8);
    x2 = i32x4.add(x2, x6); x14 = rotlx4(v128.xor(x14, x2), 8);
    x3 = i32x4.add(x3, x7); x15 = rotlx4(v128.xor(x15, x3), 8);
    x8 = i32x4.add(x8, x12); x4 = rotlx4(v128.xor(x4, x8), 7);
    x9 = i32x4.add(x9, x13); x5 = rotlx4(v128.xor(x5, x9), 7);
    x10 = i32x4.add(x10, x14); x6 = rotlx4(v128.xor(x6, x10), 7);
    x11 = i32x4.add(x11, x15); x7 = rotlx4(v128.xor(x7, x11), 7);

    x0 = i32x4.add(x0, x5); x15 = rotl16x4(v128.xor(x15, x0));
    x1 = i32x4.add(x1, x6); x12 = rotl16x4(v128.xor(x12, x1));
    x2 = i32x4.add(x2, x7); x13 = rotl16x4(v128.xor(x13, x2));
    x3 = i32x4.add(x3, x4); x14 = rotl16x4(v128.xor(x14, x3));
    x10 = i32x4.add(x10, x15); x5 = rotlx4(v128.xor(x5, x10), 12);
    x11 = i32x4.add(x11, x12); x6 = rotlx4(v128.xor(x6, x11), 12);
    x8 = i32x4.add(x8, x13); x7 = rotlx4(v128.xor(x7, x8), 12);
    x9 = i32x4.add(x9, x14); x4 = rotlx4(v128.xor(x4, x9), 12);
    x0 = i32x4.add(x0, x5); x15 = rotlx4(v128.xor(x15, x0), 8);
    x1 = i32x4.add(x1, x6); x12 = rotlx4(v128.xor(x12, x1), 8);
    x2 = i32x4.add(x2, x7); x13 = rotlx4(v128.xor(x13, x2), 8);
    x3 = i32x4.add(x3, x4); x14 = rotlx4(v128.xor(x14, x3), 8);
    x10 = i32x4.add(x10, x15); x5 = rotlx4(v128.xor(x5, x10), 7);
    x11 = i32x4.add(x11, x12); x6 = rotlx4(v128.xor(x6, x11), 7);
    x8 = i32x4.add(x8, x13); x7 = rotlx4(v128.xor(x7, x8), 7);
    x9 = i32x4.add(x9, x14); x4 = rotlx4(v128.xor(x4, x9), 7);

  }
  store<u64>(poly, h0, 32); store<u64>(poly, h1, 40); store<u64>(poly, h2, 48);
  store<u64>(poly, h3, 56); store<u64>(poly, h4, 64);

  x0 = i32x4.add(x0, v128.splat<u32>(load<u32>(st, 0)));
  x1 = i32x4.add(x1, v128.splat<u32>(load<u32>(st, 4)));
  x2 = i32x4.add(x2, v128.splat<u32>(load<u32>(st, 8)));
  x3 = i32x4.add(x3, v128.splat<u32>(load<u32>(st, 12)));
  x4 = i32x4.add(x4, v128.splat<u32>(load<u32>(st, 16)));
  x5 = i32x4.add(x5, v128.splat<u32>(load<u32>(st, 20)));
  x6 = i32x4.add(x6, v128.splat<u32>(load<u32>(st, 24)));
  x7 = i32x4.add(x7, v128.splat<u32>(load<u32>(st, 28)));
  x8 = i32x4.add(x8, v128.splat<u32>(load<u32>(st, 32)));
  x9 = i32x4.add(x9, v128.splat<u32>(load<u32>(st, 36)));
  x10 = i32x4.add(x10, v128.splat<u32>(load<u32>(st, 40)));
  x11 = i32x4.add(x11, v128.splat<u32>(load<u32>(st, 44)));
  x12 = i32x4.add(x12, ctr);
  x13 = i32x4.add(x13, v128.splat<u32>(load<u32>(st, 52)));
  x14 = i32x4.add(x14, v128.splat<u32>(load<u32>(st, 56)));
  x15 = i32x4.add(x15, v128.splat<u32>(load<u32>(st, 60)));
  store<u32>(st, c + 4, 48);
  storeRows(x0, x1, x2, x3, src, dst);
  storeRows(x4, x5, x6, x7, src + 16, dst + 16);
  storeRows(x8, x9, x10, x11, src + 32, dst + 32);
  storeRows(x12, x13, x14, x15, src + 48, dst + 48);
}

/**
 * Seal of data after the 192-byte prefix (SIMD build): encrypts src -> dst
 * from the state's counter (4) and absorbs the ciphertext, each 256-byte
 * chunk's MAC riding along with the next chunk's keystream.
 */
function sealStitched(st: usize, poly: usize, src: usize, dst: usize, len: usize): void {
  const full = len & ~(<usize>255);
  if (full > 0) chacha20XorStream(st, src, dst, 256);
  for (let off: usize = 256; off < full; off += 256) stitched4(st, src + off, dst + off, poly, dst + off - 256);
  if (full > 0) poly1305Blocks(poly, dst + full - 256, 256, POLY1305_HIBIT);
  chacha20XorStream(st, src + full, dst + full, len - full);
  macPadded(poly, dst + full, len - full);
}

/**
 * First pass of an open after the 192-byte prefix (SIMD build): absorbs the
 * ciphertext and, alongside, writes its keystream to OPEN_KS; nothing is
 * decrypted. len must not exceed OPEN_KS_BYTES.
 */
function openStitchedMac(st: usize, poly: usize, src: usize, len: usize): void {
  const full = len & ~(<usize>255);
  for (let off: usize = 0; off < full; off += 256) stitched4(st, ZERO256, OPEN_KS + off, poly, src + off);
  const rest = len - full;
  if (rest > 0) chacha20XorStream(st, ZERO256, OPEN_KS + full, rest);
  macPadded(poly, src + full, rest);
}

/** State for XChaCha20: subkey = HChaCha20(key, nonce[0..16]), nonce = 0^4 || nonce[16..24]. */
function setXState(st: usize, key: usize, nonce24: usize): void {
  hchacha20Into(key, nonce24, SUBKEY);
  store<u32>(NONCE12, 0, 0);
  store<u64>(NONCE12, load<u64>(nonce24, 16), 4);
  chacha20SetState(st, SUBKEY, 0, NONCE12);
  memory.fill(SUBKEY, 0, 32);
}

/** State for WireGuard transport data: nonce = 0^4 || counter as little-endian u64. */
// @ts-ignore: decorator
@inline
function setWgState(st: usize, key: usize, counterLo: u32, counterHi: u32): void {
  store<u32>(NONCE12, 0, 0);
  store<u32>(NONCE12, counterLo, 4);
  store<u32>(NONCE12, counterHi, 8);
  chacha20SetState(st, key, 0, NONCE12);
}

// ---- one-shot exports ----

/** ChaCha20-Poly1305 seal: writes len bytes of ciphertext then the 16-byte tag at dstPtr. */
export function chacha20poly1305_seal(keyPtr: usize, noncePtr: usize, srcPtr: usize, len: usize, aadPtr: usize, aadLen: usize, dstPtr: usize): void {
  chacha20SetState(ST, keyPtr, 0, noncePtr);
  forgetScratchKey(keyPtr);
  sealWith(ST, srcPtr, len, aadPtr, aadLen, dstPtr);
}

/** ChaCha20-Poly1305 open of ciphertext||tag: 1 and plaintext at dstPtr, or 0 and nothing written. */
export function chacha20poly1305_open(keyPtr: usize, noncePtr: usize, srcPtr: usize, lenWithTag: usize, aadPtr: usize, aadLen: usize, dstPtr: usize): i32 {
  chacha20SetState(ST, keyPtr, 0, noncePtr);
  forgetScratchKey(keyPtr);
  return openWith(ST, srcPtr, lenWithTag, aadPtr, aadLen, dstPtr);
}

/** XChaCha20-Poly1305 seal (24-byte nonce). */
export function xchacha20poly1305_seal(keyPtr: usize, noncePtr: usize, srcPtr: usize, len: usize, aadPtr: usize, aadLen: usize, dstPtr: usize): void {
  setXState(ST, keyPtr, noncePtr);
  forgetScratchKey(keyPtr);
  sealWith(ST, srcPtr, len, aadPtr, aadLen, dstPtr);
}

/** XChaCha20-Poly1305 open (24-byte nonce). */
export function xchacha20poly1305_open(keyPtr: usize, noncePtr: usize, srcPtr: usize, lenWithTag: usize, aadPtr: usize, aadLen: usize, dstPtr: usize): i32 {
  setXState(ST, keyPtr, noncePtr);
  forgetScratchKey(keyPtr);
  return openWith(ST, srcPtr, lenWithTag, aadPtr, aadLen, dstPtr);
}

/** WireGuard transport seal: nonce = 0^4 || LE64(counterHi:counterLo), empty AAD. */
export function aead_wg_seal(keyPtr: usize, counterLo: u32, counterHi: u32, srcPtr: usize, len: usize, dstPtr: usize): void {
  setWgState(ST, keyPtr, counterLo, counterHi);
  forgetScratchKey(keyPtr);
  sealWith(ST, srcPtr, len, 0, 0, dstPtr);
}

/** WireGuard transport open of ciphertext||tag: 1 and plaintext at dstPtr, or 0 and nothing written. */
export function aead_wg_open(keyPtr: usize, counterLo: u32, counterHi: u32, srcPtr: usize, lenWithTag: usize, dstPtr: usize): i32 {
  setWgState(ST, keyPtr, counterLo, counterHi);
  forgetScratchKey(keyPtr);
  return openWith(ST, srcPtr, lenWithTag, 0, 0, dstPtr);
}

// ---- streaming exports (one stream at a time per instance) ----
//
// Seal:  init → aad* → seal* → final(tagPtr)
// Open:  init → aad* → mac* (over all ciphertext) → verify(tagPtr) → decrypt* → wipe
// Every seal/mac/decrypt chunk except the last must be a multiple of 64 bytes
// (the keystream block size); AAD chunks may be any length. decrypt does
// nothing unless verify succeeded, so plaintext cannot leave before the tag checks.

const S_ST: usize = memory.data(64, 16);
const S_POLY: usize = memory.data(128, 16);
// aadLen (u64) at 0, ctLen (u64) at 8, phase (u32) at 16, verified (u32) at 20
const S_META: usize = memory.data(32, 16);
const PHASE_AAD: u32 = 0;
const PHASE_CT: u32 = 1;

function streamStart(): void {
  startMac(S_ST, S_POLY);
  memory.fill(S_META, 0, 32);
}

/** Zero-pads whatever partial block the MAC holds (the pad16 after the AAD or the ciphertext). */
function streamPadMac(): void {
  const have = <usize>load<u32>(S_POLY, 112);
  if (have > 0) {
    memory.fill(S_POLY + 96 + have, 0, 16 - have);
    poly1305Blocks(S_POLY, S_POLY + 96, 16, POLY1305_HIBIT);
    store<u32>(S_POLY, 0, 112);
  }
}

function streamEnterCt(): void {
  if (load<u32>(S_META, 16) == PHASE_AAD) {
    streamPadMac();
    store<u32>(S_META, PHASE_CT, 16);
  }
}

function streamTag(out: usize): void {
  streamEnterCt();
  streamPadMac();
  macLengths(S_POLY, load<u64>(S_META, 0), load<u64>(S_META, 8));
  poly1305Finish(S_POLY, out);
}

/** Starts a ChaCha20-Poly1305 stream (12-byte nonce). */
export function aead_stream_init(keyPtr: usize, noncePtr: usize): void {
  chacha20SetState(S_ST, keyPtr, 0, noncePtr);
  forgetScratchKey(keyPtr);
  streamStart();
}

/** Starts an XChaCha20-Poly1305 stream (24-byte nonce). */
export function aead_stream_init_x(keyPtr: usize, noncePtr: usize): void {
  setXState(S_ST, keyPtr, noncePtr);
  forgetScratchKey(keyPtr);
  streamStart();
}

/** Absorbs a chunk of AAD (before any ciphertext). */
export function aead_stream_aad(ptr: usize, len: usize): void {
  poly1305Update(S_POLY, ptr, len);
  store<u64>(S_META, load<u64>(S_META, 0) + <u64>len, 0);
}

/** Encrypts a chunk of plaintext to dstPtr (dst may equal src) and absorbs the ciphertext. */
export function aead_stream_seal(srcPtr: usize, len: usize, dstPtr: usize): void {
  streamEnterCt();
  chacha20XorStream(S_ST, srcPtr, dstPtr, len);
  poly1305Update(S_POLY, dstPtr, len);
  store<u64>(S_META, load<u64>(S_META, 8) + <u64>len, 8);
}

/** Writes the 16-byte tag of a sealed stream to tagPtr and wipes the stream. */
export function aead_stream_final(tagPtr: usize): void {
  streamTag(tagPtr);
  aead_stream_wipe();
}

/** Absorbs a chunk of ciphertext without decrypting it (first pass of an open). */
export function aead_stream_mac(srcPtr: usize, len: usize): void {
  streamEnterCt();
  poly1305Update(S_POLY, srcPtr, len);
  store<u64>(S_META, load<u64>(S_META, 8) + <u64>len, 8);
}

/** Compares the computed tag with the 16 bytes at tagPtr in constant time: 1 if equal (decrypt may follow), else 0 and the stream is wiped. */
export function aead_stream_verify(tagPtr: usize): i32 {
  streamTag(TAG);
  const ok = tagsEqual(TAG, tagPtr);
  memory.fill(TAG, 0, 16);
  if (ok) store<u32>(S_META, 1, 20);
  else aead_stream_wipe();
  return ok;
}

/** Decrypts a chunk of ciphertext (second pass of an open, after a successful verify). */
export function aead_stream_decrypt(srcPtr: usize, len: usize, dstPtr: usize): void {
  if (load<u32>(S_META, 20) != 1) return;
  chacha20XorStream(S_ST, srcPtr, dstPtr, len);
}

/** Forgets the stream's key material. */
export function aead_stream_wipe(): void {
  memory.fill(S_ST, 0, CHACHA20_STATE_BYTES);
  memory.fill(S_POLY, 0, POLY1305_CTX_BYTES);
  memory.fill(S_META, 0, 32);
}
