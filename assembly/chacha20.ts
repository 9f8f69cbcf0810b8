// ChaCha20 (RFC 8439 §2.1-2.4) and HChaCha20 (draft-irtf-cfrg-xchacha §2.2).
//
// The cipher works on a 16-word state kept in linear memory: words 0-3 are the
// constants, 4-11 the key, 12 the block counter and 13-15 the nonce. Callers
// fill it with chacha20SetState() and then stream with chacha20XorStream(),
// which advances word 12. The SIMD build computes four consecutive blocks at
// once ("4-way vertical": vector i holds state word i of four blocks, one
// block per lane); whatever is left over goes through the scalar block.

const SIGMA0: u32 = 0x61707865;
const SIGMA1: u32 = 0x3320646e;
const SIGMA2: u32 = 0x79622d32;
const SIGMA3: u32 = 0x6b206574;

// 256 zero bytes: XOR-ing zeros with the keystream yields the keystream.
const ZEROS: usize = memory.data(256, 16);
// Keystream of the last, partial block(s).
const TAIL: usize = memory.data(256, 16);
// State for the raw exports below (never used by the AEAD, which has its own).
const RAW_STATE: usize = memory.data(64, 16);

/** Fills `st` from a 32-byte key, a 32-bit block counter and a 12-byte nonce. */
// @ts-ignore: decorator
@inline
export function chacha20SetState(st: usize, key: usize, counter: u32, nonce: usize): void {
  store<u32>(st, SIGMA0, 0);
  store<u32>(st, SIGMA1, 4);
  store<u32>(st, SIGMA2, 8);
  store<u32>(st, SIGMA3, 12);
  store<u64>(st, load<u64>(key, 0), 16);
  store<u64>(st, load<u64>(key, 8), 24);
  store<u64>(st, load<u64>(key, 16), 32);
  store<u64>(st, load<u64>(key, 24), 40);
  store<u32>(st, counter, 48);
  store<u32>(st, load<u32>(nonce, 0), 52);
  store<u64>(st, load<u64>(nonce, 4), 56);
}

/**
 * One block: dst[0..64) = src[0..64) ^ keystream(st), then the counter advances.
 * Pass ZEROS as src to get the keystream itself.
 */
function blockXor(st: usize, src: usize, dst: usize): void {
  let x0 = load<u32>(st, 0), x1 = load<u32>(st, 4), x2 = load<u32>(st, 8), x3 = load<u32>(st, 12);
  let x4 = load<u32>(st, 16), x5 = load<u32>(st, 20), x6 = load<u32>(st, 24), x7 = load<u32>(st, 28);
  let x8 = load<u32>(st, 32), x9 = load<u32>(st, 36), x10 = load<u32>(st, 40), x11 = load<u32>(st, 44);
  let x12 = load<u32>(st, 48), x13 = load<u32>(st, 52), x14 = load<u32>(st, 56), x15 = load<u32>(st, 60);
  for (let i = 0; i < 10; i++) {
    // column round
    x0 += x4; x12 = rotl<u32>(x12 ^ x0, 16); x8 += x12; x4 = rotl<u32>(x4 ^ x8, 12);
    x0 += x4; x12 = rotl<u32>(x12 ^ x0, 8); x8 += x12; x4 = rotl<u32>(x4 ^ x8, 7);
    x1 += x5; x13 = rotl<u32>(x13 ^ x1, 16); x9 += x13; x5 = rotl<u32>(x5 ^ x9, 12);
    x1 += x5; x13 = rotl<u32>(x13 ^ x1, 8); x9 += x13; x5 = rotl<u32>(x5 ^ x9, 7);
    x2 += x6; x14 = rotl<u32>(x14 ^ x2, 16); x10 += x14; x6 = rotl<u32>(x6 ^ x10, 12);
    x2 += x6; x14 = rotl<u32>(x14 ^ x2, 8); x10 += x14; x6 = rotl<u32>(x6 ^ x10, 7);
    x3 += x7; x15 = rotl<u32>(x15 ^ x3, 16); x11 += x15; x7 = rotl<u32>(x7 ^ x11, 12);
    x3 += x7; x15 = rotl<u32>(x15 ^ x3, 8); x11 += x15; x7 = rotl<u32>(x7 ^ x11, 7);
    // diagonal round
    x0 += x5; x15 = rotl<u32>(x15 ^ x0, 16); x10 += x15; x5 = rotl<u32>(x5 ^ x10, 12);
    x0 += x5; x15 = rotl<u32>(x15 ^ x0, 8); x10 += x15; x5 = rotl<u32>(x5 ^ x10, 7);
    x1 += x6; x12 = rotl<u32>(x12 ^ x1, 16); x11 += x12; x6 = rotl<u32>(x6 ^ x11, 12);
    x1 += x6; x12 = rotl<u32>(x12 ^ x1, 8); x11 += x12; x6 = rotl<u32>(x6 ^ x11, 7);
    x2 += x7; x13 = rotl<u32>(x13 ^ x2, 16); x8 += x13; x7 = rotl<u32>(x7 ^ x8, 12);
    x2 += x7; x13 = rotl<u32>(x13 ^ x2, 8); x8 += x13; x7 = rotl<u32>(x7 ^ x8, 7);
    x3 += x4; x14 = rotl<u32>(x14 ^ x3, 16); x9 += x14; x4 = rotl<u32>(x4 ^ x9, 12);
    x3 += x4; x14 = rotl<u32>(x14 ^ x3, 8); x9 += x14; x4 = rotl<u32>(x4 ^ x9, 7);
  }
  // Read all input before writing: src and dst may be the same block.
  const c = load<u32>(st, 48);
  const o0 = (x0 + load<u32>(st, 0)) ^ load<u32>(src, 0);
  const o1 = (x1 + load<u32>(st, 4)) ^ load<u32>(src, 4);
  const o2 = (x2 + load<u32>(st, 8)) ^ load<u32>(src, 8);
  const o3 = (x3 + load<u32>(st, 12)) ^ load<u32>(src, 12);
  const o4 = (x4 + load<u32>(st, 16)) ^ load<u32>(src, 16);
  const o5 = (x5 + load<u32>(st, 20)) ^ load<u32>(src, 20);
  const o6 = (x6 + load<u32>(st, 24)) ^ load<u32>(src, 24);
  const o7 = (x7 + load<u32>(st, 28)) ^ load<u32>(src, 28);
  const o8 = (x8 + load<u32>(st, 32)) ^ load<u32>(src, 32);
  const o9 = (x9 + load<u32>(st, 36)) ^ load<u32>(src, 36);
  const o10 = (x10 + load<u32>(st, 40)) ^ load<u32>(src, 40);
  const o11 = (x11 + load<u32>(st, 44)) ^ load<u32>(src, 44);
  const o12 = (x12 + c) ^ load<u32>(src, 48);
  const o13 = (x13 + load<u32>(st, 52)) ^ load<u32>(src, 52);
  const o14 = (x14 + load<u32>(st, 56)) ^ load<u32>(src, 56);
  const o15 = (x15 + load<u32>(st, 60)) ^ load<u32>(src, 60);
  store<u32>(dst, o0, 0); store<u32>(dst, o1, 4); store<u32>(dst, o2, 8); store<u32>(dst, o3, 12);
  store<u32>(dst, o4, 16); store<u32>(dst, o5, 20); store<u32>(dst, o6, 24); store<u32>(dst, o7, 28);
  store<u32>(dst, o8, 32); store<u32>(dst, o9, 36); store<u32>(dst, o10, 40); store<u32>(dst, o11, 44);
  store<u32>(dst, o12, 48); store<u32>(dst, o13, 52); store<u32>(dst, o14, 56); store<u32>(dst, o15, 60);
  store<u32>(st, c + 1, 48);
}

// Byte shuffles that rotate every 32-bit lane left by 16 and by 8 (one pshufb each).
// @ts-ignore: decorator
@inline
function rot16(x: v128): v128 {
  return i8x16.shuffle(x, x, 2, 3, 0, 1, 6, 7, 4, 5, 10, 11, 8, 9, 14, 15, 12, 13);
}
// @ts-ignore: decorator
@inline
function rot8(x: v128): v128 {
  return v128.or(i32x4.shl(x, 8), i32x4.shr_u(x, 24));
}
// @ts-ignore: decorator
@inline
function rot12(x: v128): v128 {
  return v128.or(i32x4.shl(x, 12), i32x4.shr_u(x, 20));
}
// @ts-ignore: decorator
@inline
function rot7(x: v128): v128 {
  return v128.or(i32x4.shl(x, 7), i32x4.shr_u(x, 25));
}

/**
 * Four blocks at once (SIMD build only): dst[0..256) = src[0..256) ^ keystream,
 * then the counter advances by 4. Vector xi holds word i of blocks c..c+3.
 */
function blocks4Xor(st: usize, src: usize, dst: usize): void {
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
  // Two double rounds per iteration: fewer loop-carried register moves in V8.
  for (let i = 0; i < 5; i++) {
    x0 = i32x4.add(x0, x4); x12 = rot16(v128.xor(x12, x0));
    x1 = i32x4.add(x1, x5); x13 = rot16(v128.xor(x13, x1));
    x2 = i32x4.add(x2, x6); x14 = rot16(v128.xor(x14, x2));
    x3 = i32x4.add(x3, x7); x15 = rot16(v128.xor(x15, x3));
    x8 = i32x4.add(x8, x12); x4 = rot12(v128.xor(x4, x8));
    x9 = i32x4.add(x9, x13); x5 = rot12(v128.xor(x5, x9));
    x10 = i32x4.add(x10, x14); x6 = rot12(v128.xor(x6, x10));
    x11 = i32x4.add(x11, x15); x7 = rot12(v128.xor(x7, x11));
    x0 = i32x4.add(x0, x4); x12 = rot8(v128.xor(x12, x0));
    x1 = i32x4.add(x1, x5); x13 = rot8(v128.xor(x13, x1));
    x2 = i32x4.add(x2, x6); x14 = rot8(v128.xor(x14, x2));
    x3 = i32x4.add(x3, x7); x15 = rot8(v128.xor(x15, x3));
    x8 = i32x4.add(x8, x12); x4 = rot7(v128.xor(x4, x8));
    x9 = i32x4.add(x9, x13); x5 = rot7(v128.xor(x5, x9));
    x10 = i32x4.add(x10, x14); x6 = rot7(v128.xor(x6, x10));
    x11 = i32x4.add(x11, x15); x7 = rot7(v128.xor(x7, x11));

    x0 = i32x4.add(x0, x5); x15 = rot16(v128.xor(x15, x0));
    x1 = i32x4.add(x1, x6); x12 = rot16(v128.xor(x12, x1));
    x2 = i32x4.add(x2, x7); x13 = rot16(v128.xor(x13, x2));
    x3 = i32x4.add(x3, x4); x14 = rot16(v128.xor(x14, x3));
    x10 = i32x4.add(x10, x15); x5 = rot12(v128.xor(x5, x10));
    x11 = i32x4.add(x11, x12); x6 = rot12(v128.xor(x6, x11));
    x8 = i32x4.add(x8, x13); x7 = rot12(v128.xor(x7, x8));
    x9 = i32x4.add(x9, x14); x4 = rot12(v128.xor(x4, x9));
    x0 = i32x4.add(x0, x5); x15 = rot8(v128.xor(x15, x0));
    x1 = i32x4.add(x1, x6); x12 = rot8(v128.xor(x12, x1));
    x2 = i32x4.add(x2, x7); x13 = rot8(v128.xor(x13, x2));
    x3 = i32x4.add(x3, x4); x14 = rot8(v128.xor(x14, x3));
    x10 = i32x4.add(x10, x15); x5 = rot7(v128.xor(x5, x10));
    x11 = i32x4.add(x11, x12); x6 = rot7(v128.xor(x6, x11));
    x8 = i32x4.add(x8, x13); x7 = rot7(v128.xor(x7, x8));
    x9 = i32x4.add(x9, x14); x4 = rot7(v128.xor(x4, x9));

    x0 = i32x4.add(x0, x4); x12 = rot16(v128.xor(x12, x0));
    x1 = i32x4.add(x1, x5); x13 = rot16(v128.xor(x13, x1));
    x2 = i32x4.add(x2, x6); x14 = rot16(v128.xor(x14, x2));
    x3 = i32x4.add(x3, x7); x15 = rot16(v128.xor(x15, x3));
    x8 = i32x4.add(x8, x12); x4 = rot12(v128.xor(x4, x8));
    x9 = i32x4.add(x9, x13); x5 = rot12(v128.xor(x5, x9));
    x10 = i32x4.add(x10, x14); x6 = rot12(v128.xor(x6, x10));
    x11 = i32x4.add(x11, x15); x7 = rot12(v128.xor(x7, x11));
    x0 = i32x4.add(x0, x4); x12 = rot8(v128.xor(x12, x0));
    x1 = i32x4.add(x1, x5); x13 = rot8(v128.xor(x13, x1));
    x2 = i32x4.add(x2, x6); x14 = rot8(v128.xor(x14, x2));
    x3 = i32x4.add(x3, x7); x15 = rot8(v128.xor(x15, x3));
    x8 = i32x4.add(x8, x12); x4 = rot7(v128.xor(x4, x8));
    x9 = i32x4.add(x9, x13); x5 = rot7(v128.xor(x5, x9));
    x10 = i32x4.add(x10, x14); x6 = rot7(v128.xor(x6, x10));
    x11 = i32x4.add(x11, x15); x7 = rot7(v128.xor(x7, x11));

    x0 = i32x4.add(x0, x5); x15 = rot16(v128.xor(x15, x0));
    x1 = i32x4.add(x1, x6); x12 = rot16(v128.xor(x12, x1));
    x2 = i32x4.add(x2, x7); x13 = rot16(v128.xor(x13, x2));
    x3 = i32x4.add(x3, x4); x14 = rot16(v128.xor(x14, x3));
    x10 = i32x4.add(x10, x15); x5 = rot12(v128.xor(x5, x10));
    x11 = i32x4.add(x11, x12); x6 = rot12(v128.xor(x6, x11));
    x8 = i32x4.add(x8, x13); x7 = rot12(v128.xor(x7, x8));
    x9 = i32x4.add(x9, x14); x4 = rot12(v128.xor(x4, x9));
    x0 = i32x4.add(x0, x5); x15 = rot8(v128.xor(x15, x0));
    x1 = i32x4.add(x1, x6); x12 = rot8(v128.xor(x12, x1));
    x2 = i32x4.add(x2, x7); x13 = rot8(v128.xor(x13, x2));
    x3 = i32x4.add(x3, x4); x14 = rot8(v128.xor(x14, x3));
    x10 = i32x4.add(x10, x15); x5 = rot7(v128.xor(x5, x10));
    x11 = i32x4.add(x11, x12); x6 = rot7(v128.xor(x6, x11));
    x8 = i32x4.add(x8, x13); x7 = rot7(v128.xor(x7, x8));
    x9 = i32x4.add(x9, x14); x4 = rot7(v128.xor(x4, x9));
  }
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
  // Transpose each group of four words so that lane b becomes 16 bytes of block b.
  transposeXor(x0, x1, x2, x3, src, dst, 0);
  transposeXor(x4, x5, x6, x7, src, dst, 16);
  transposeXor(x8, x9, x10, x11, src, dst, 32);
  transposeXor(x12, x13, x14, x15, src, dst, 48);
}

// Rows a,b,c,d hold words k..k+3 of four blocks; writes them (XOR src) at
// byte offset `off` of each of the four 64-byte blocks.
// @ts-ignore: decorator
@inline
function transposeXor(a: v128, b: v128, c: v128, d: v128, src: usize, dst: usize, off: usize): void {
  const ab_lo = i32x4.shuffle(a, b, 0, 4, 1, 5);
  const cd_lo = i32x4.shuffle(c, d, 0, 4, 1, 5);
  const ab_hi = i32x4.shuffle(a, b, 2, 6, 3, 7);
  const cd_hi = i32x4.shuffle(c, d, 2, 6, 3, 7);
  const r0 = i64x2.shuffle(ab_lo, cd_lo, 0, 2);
  const r1 = i64x2.shuffle(ab_lo, cd_lo, 1, 3);
  const r2 = i64x2.shuffle(ab_hi, cd_hi, 0, 2);
  const r3 = i64x2.shuffle(ab_hi, cd_hi, 1, 3);
  const s = src + off;
  const t = dst + off;
  const m0 = v128.xor(r0, v128.load(s, 0));
  const m1 = v128.xor(r1, v128.load(s, 64));
  const m2 = v128.xor(r2, v128.load(s, 128));
  const m3 = v128.xor(r3, v128.load(s, 192));
  v128.store(t, m0, 0);
  v128.store(t, m1, 64);
  v128.store(t, m2, 128);
  v128.store(t, m3, 192);
}

/** dst[0..len) = src[0..len) ^ ks[0..len); any of them may be the same buffer. */
export function chacha20XorKeystream(ks: usize, src: usize, dst: usize, len: usize): void {
  let i: usize = 0;
  if (ASC_FEATURE_SIMD) {
    for (; i + 16 <= len; i += 16) v128.store(dst + i, v128.xor(v128.load(src + i), v128.load(ks + i)));
  } else {
    for (; i + 8 <= len; i += 8) store<u64>(dst + i, load<u64>(src + i) ^ load<u64>(ks + i));
  }
  for (; i < len; i++) store<u8>(dst + i, load<u8>(src + i) ^ load<u8>(ks + i));
}

/** Keystream of the four blocks at the state's counter into ks (256 bytes); the counter advances by 4. */
export function chacha20Keystream4(st: usize, ks: usize): void {
  if (ASC_FEATURE_SIMD) {
    blocks4Xor(st, ZEROS, ks);
  } else {
    for (let i: usize = 0; i < 256; i += 64) blockXor(st, ZEROS, ks + i);
  }
}

/** dst[0..len) = src[0..len) ^ keystream starting at the state's counter; dst may equal src. */
export function chacha20XorStream(st: usize, src: usize, dst: usize, len: usize): void {
  if (ASC_FEATURE_SIMD) {
    while (len >= 256) {
      blocks4Xor(st, src, dst);
      src += 256;
      dst += 256;
      len -= 256;
    }
    // More than one block left: one 4-way call beats several scalar blocks.
    if (len > 64) {
      const c = load<u32>(st, 48);
      blocks4Xor(st, ZEROS, TAIL);
      chacha20XorKeystream(TAIL, src, dst, len);
      store<u32>(st, c + <u32>((len + 63) >> 6), 48);
      memory.fill(TAIL, 0, 256);
      return;
    }
  }
  while (len >= 64) {
    blockXor(st, src, dst);
    src += 64;
    dst += 64;
    len -= 64;
  }
  if (len > 0) {
    blockXor(st, ZEROS, TAIL);
    chacha20XorKeystream(TAIL, src, dst, len);
    memory.fill(TAIL, 0, 64);
  }
}

/** The first 32 bytes of the block at the state's counter (the Poly1305 key); advances the counter. */
export function chacha20KeyBlock(st: usize, out32: usize): void {
  blockXor(st, ZEROS, TAIL);
  memory.copy(out32, TAIL, 32);
  memory.fill(TAIL, 0, 64);
}

/** HChaCha20: 32-byte subkey from a 32-byte key and a 16-byte nonce; `out` may alias neither. */
export function hchacha20Into(key: usize, nonce16: usize, out: usize): void {
  let x0 = SIGMA0, x1 = SIGMA1, x2 = SIGMA2, x3 = SIGMA3;
  let x4 = load<u32>(key, 0), x5 = load<u32>(key, 4), x6 = load<u32>(key, 8), x7 = load<u32>(key, 12);
  let x8 = load<u32>(key, 16), x9 = load<u32>(key, 20), x10 = load<u32>(key, 24), x11 = load<u32>(key, 28);
  let x12 = load<u32>(nonce16, 0), x13 = load<u32>(nonce16, 4), x14 = load<u32>(nonce16, 8), x15 = load<u32>(nonce16, 12);
  for (let i = 0; i < 10; i++) {
    x0 += x4; x12 = rotl<u32>(x12 ^ x0, 16); x8 += x12; x4 = rotl<u32>(x4 ^ x8, 12);
    x0 += x4; x12 = rotl<u32>(x12 ^ x0, 8); x8 += x12; x4 = rotl<u32>(x4 ^ x8, 7);
    x1 += x5; x13 = rotl<u32>(x13 ^ x1, 16); x9 += x13; x5 = rotl<u32>(x5 ^ x9, 12);
    x1 += x5; x13 = rotl<u32>(x13 ^ x1, 8); x9 += x13; x5 = rotl<u32>(x5 ^ x9, 7);
    x2 += x6; x14 = rotl<u32>(x14 ^ x2, 16); x10 += x14; x6 = rotl<u32>(x6 ^ x10, 12);
    x2 += x6; x14 = rotl<u32>(x14 ^ x2, 8); x10 += x14; x6 = rotl<u32>(x6 ^ x10, 7);
    x3 += x7; x15 = rotl<u32>(x15 ^ x3, 16); x11 += x15; x7 = rotl<u32>(x7 ^ x11, 12);
    x3 += x7; x15 = rotl<u32>(x15 ^ x3, 8); x11 += x15; x7 = rotl<u32>(x7 ^ x11, 7);
    x0 += x5; x15 = rotl<u32>(x15 ^ x0, 16); x10 += x15; x5 = rotl<u32>(x5 ^ x10, 12);
    x0 += x5; x15 = rotl<u32>(x15 ^ x0, 8); x10 += x15; x5 = rotl<u32>(x5 ^ x10, 7);
    x1 += x6; x12 = rotl<u32>(x12 ^ x1, 16); x11 += x12; x6 = rotl<u32>(x6 ^ x11, 12);
    x1 += x6; x12 = rotl<u32>(x12 ^ x1, 8); x11 += x12; x6 = rotl<u32>(x6 ^ x11, 7);
    x2 += x7; x13 = rotl<u32>(x13 ^ x2, 16); x8 += x13; x7 = rotl<u32>(x7 ^ x8, 12);
    x2 += x7; x13 = rotl<u32>(x13 ^ x2, 8); x8 += x13; x7 = rotl<u32>(x7 ^ x8, 7);
    x3 += x4; x14 = rotl<u32>(x14 ^ x3, 16); x9 += x14; x4 = rotl<u32>(x4 ^ x9, 12);
    x3 += x4; x14 = rotl<u32>(x14 ^ x3, 8); x9 += x14; x4 = rotl<u32>(x4 ^ x9, 7);
  }
  // Only the words that were public inputs (constants and nonce) are output.
  store<u32>(out, x0, 0); store<u32>(out, x1, 4); store<u32>(out, x2, 8); store<u32>(out, x3, 12);
  store<u32>(out, x12, 16); store<u32>(out, x13, 20); store<u32>(out, x14, 24); store<u32>(out, x15, 28);
}

// ---- Raw exports (pointers into linear memory), mostly for tests and tools ----

/** ChaCha20 keystream XOR: dst = src ^ ChaCha20(key, nonce12, counter); dst may equal src. */
export function chacha20_xor(keyPtr: usize, noncePtr: usize, counter: u32, srcPtr: usize, len: usize, dstPtr: usize): void {
  chacha20SetState(RAW_STATE, keyPtr, counter, noncePtr);
  chacha20XorStream(RAW_STATE, srcPtr, dstPtr, len);
  memory.fill(RAW_STATE, 0, 64);
}

/** One 64-byte ChaCha20 block (RFC 8439 §2.3). */
export function chacha20_block(keyPtr: usize, noncePtr: usize, counter: u32, outPtr: usize): void {
  chacha20SetState(RAW_STATE, keyPtr, counter, noncePtr);
  blockXor(RAW_STATE, ZEROS, outPtr);
  memory.fill(RAW_STATE, 0, 64);
}

/** HChaCha20 (out: 32 bytes). */
export function hchacha20(keyPtr: usize, nonce16Ptr: usize, outPtr: usize): void {
  hchacha20Into(keyPtr, nonce16Ptr, outPtr);
}

/** The quarter round of RFC 8439 §2.2 on words a,b,c,d of a 16-word state at statePtr. */
export function chacha20_quarterround(statePtr: usize, a: i32, b: i32, c: i32, d: i32): void {
  const pa = statePtr + (<usize>a << 2), pb = statePtr + (<usize>b << 2);
  const pc = statePtr + (<usize>c << 2), pd = statePtr + (<usize>d << 2);
  let xa = load<u32>(pa), xb = load<u32>(pb), xc = load<u32>(pc), xd = load<u32>(pd);
  xa += xb; xd = rotl<u32>(xd ^ xa, 16); xc += xd; xb = rotl<u32>(xb ^ xc, 12);
  xa += xb; xd = rotl<u32>(xd ^ xa, 8); xc += xd; xb = rotl<u32>(xb ^ xc, 7);
  store<u32>(pa, xa); store<u32>(pb, xb); store<u32>(pc, xc); store<u32>(pd, xd);
}
