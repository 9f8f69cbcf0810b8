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
// Key material left in the scratch state is wiped before each call returns.

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
  cipherAfterPrefetch(st, src, dst, len, pre);
  macPadded(POLY, aad, aadLen);
  macPadded(POLY, dst, len);
  macLengths(POLY, <u64>aadLen, <u64>len);
  poly1305Finish(POLY, dst + len);
  memory.fill(st, 0, CHACHA20_STATE_BYTES);
  if (pre > 0) memory.fill(KS, 0, 256);
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
  macPadded(POLY, src, len);
  macLengths(POLY, <u64>aadLen, <u64>len);
  poly1305Finish(POLY, TAG);
  const ok = tagsEqual(TAG, src + len);
  memory.fill(TAG, 0, 16);
  if (ok) cipherAfterPrefetch(st, src, dst, len, pre);
  memory.fill(st, 0, CHACHA20_STATE_BYTES);
  if (pre > 0) memory.fill(KS, 0, 256);
  return ok;
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
  sealWith(ST, srcPtr, len, aadPtr, aadLen, dstPtr);
}

/** ChaCha20-Poly1305 open of ciphertext||tag: 1 and plaintext at dstPtr, or 0 and nothing written. */
export function chacha20poly1305_open(keyPtr: usize, noncePtr: usize, srcPtr: usize, lenWithTag: usize, aadPtr: usize, aadLen: usize, dstPtr: usize): i32 {
  chacha20SetState(ST, keyPtr, 0, noncePtr);
  return openWith(ST, srcPtr, lenWithTag, aadPtr, aadLen, dstPtr);
}

/** XChaCha20-Poly1305 seal (24-byte nonce). */
export function xchacha20poly1305_seal(keyPtr: usize, noncePtr: usize, srcPtr: usize, len: usize, aadPtr: usize, aadLen: usize, dstPtr: usize): void {
  setXState(ST, keyPtr, noncePtr);
  sealWith(ST, srcPtr, len, aadPtr, aadLen, dstPtr);
}

/** XChaCha20-Poly1305 open (24-byte nonce). */
export function xchacha20poly1305_open(keyPtr: usize, noncePtr: usize, srcPtr: usize, lenWithTag: usize, aadPtr: usize, aadLen: usize, dstPtr: usize): i32 {
  setXState(ST, keyPtr, noncePtr);
  return openWith(ST, srcPtr, lenWithTag, aadPtr, aadLen, dstPtr);
}

/** WireGuard transport seal: nonce = 0^4 || LE64(counterHi:counterLo), empty AAD. */
export function aead_wg_seal(keyPtr: usize, counterLo: u32, counterHi: u32, srcPtr: usize, len: usize, dstPtr: usize): void {
  setWgState(ST, keyPtr, counterLo, counterHi);
  sealWith(ST, srcPtr, len, 0, 0, dstPtr);
}

/** WireGuard transport open of ciphertext||tag: 1 and plaintext at dstPtr, or 0 and nothing written. */
export function aead_wg_open(keyPtr: usize, counterLo: u32, counterHi: u32, srcPtr: usize, lenWithTag: usize, dstPtr: usize): i32 {
  setWgState(ST, keyPtr, counterLo, counterHi);
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
  streamStart();
}

/** Starts an XChaCha20-Poly1305 stream (24-byte nonce). */
export function aead_stream_init_x(keyPtr: usize, noncePtr: usize): void {
  setXState(S_ST, keyPtr, noncePtr);
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
