// Poly1305 (RFC 8439 §2.5) in radix 2^32: h = h0 + h1·2^32 + h2·2^64 + h3·2^96
// + h4·2^128 and r = r0 + r1·2^32 + r2·2^64 + r3·2^96, all in i64 locals.
// Clamping leaves every r limb below 2^28 and r1..r3 divisible by 4, so a
// product that wraps past 2^128 folds back exactly as h_i · (5·r_j/4)
// (because 2^130 ≡ 5 mod p), each limb product stays below 2^62 and a sum of
// five below 2^64. That is 20 multiplications per block, against 25 with
// 26-bit limbs, and the message words need no splitting.
//
// Context layout (8-byte aligned, 128 bytes):
//   0  r0..r3  (u64 each)      32  h0..h4 (u64 each)
//   80 s (16 bytes, the pad)   96  partial block buffer (16 bytes)
//   112 bytes buffered (u32)

/** Size of a Poly1305 context. */
const CTX_BYTES: usize = 128;

const M32: u64 = 0xffffffff;
/** The 2^128 bit of a full 16-byte block, as it is added to h4. */
const HIBIT: u64 = 1;

// Context for the raw incremental exports (the AEAD uses its own).
const RAW_CTX: usize = memory.data(128, 16);
// A zero-padded copy of a short final block.
const PAD_BLOCK: usize = memory.data(16, 16);

/** Starts a MAC with a 32-byte one-time key (r || s). */
export function poly1305Init(ctx: usize, key: usize): void {
  // clamp(r) = r & 0x0ffffffc0ffffffc0ffffffc0fffffff
  store<u64>(ctx, <u64>(load<u32>(key, 0) & 0x0fffffff), 0);
  store<u64>(ctx, <u64>(load<u32>(key, 4) & 0x0ffffffc), 8);
  store<u64>(ctx, <u64>(load<u32>(key, 8) & 0x0ffffffc), 16);
  store<u64>(ctx, <u64>(load<u32>(key, 12) & 0x0ffffffc), 24);
  memory.fill(ctx + 32, 0, 48);
  store<u64>(ctx, load<u64>(key, 16), 80);
  store<u64>(ctx, load<u64>(key, 24), 88);
  memory.fill(ctx + 96, 0, 16);
  store<u32>(ctx, 0, 112);
}

/**
 * Absorbs `len` bytes (a multiple of 16) as full blocks. `hibit` is 1 (the
 * 2^128 bit) for ordinary blocks, 0 for a final block already padded with 0x01.
 */
export function poly1305Blocks(ctx: usize, m: usize, len: usize, hibit: u64): void {
  const r0 = load<u64>(ctx, 0), r1 = load<u64>(ctx, 8), r2 = load<u64>(ctx, 16), r3 = load<u64>(ctx, 24);
  const s1 = r1 + (r1 >> 2), s2 = r2 + (r2 >> 2), s3 = r3 + (r3 >> 2);
  let h0 = load<u64>(ctx, 32), h1 = load<u64>(ctx, 40), h2 = load<u64>(ctx, 48);
  let h3 = load<u64>(ctx, 56), h4 = load<u64>(ctx, 64);
  const end = m + len;
  while (m < end) {
    // h < 2^33 per limb (h4 <= 4) after this
    h0 += <u64>load<u32>(m, 0);
    h1 += <u64>load<u32>(m, 4);
    h2 += <u64>load<u32>(m, 8);
    h3 += <u64>load<u32>(m, 12);
    h4 += hibit;

    const d0 = h0 * r0 + h1 * s3 + h2 * s2 + h3 * s1;
    let d1 = h0 * r1 + h1 * r0 + h2 * s3 + h3 * s2 + h4 * s1;
    let d2 = h0 * r2 + h1 * r1 + h2 * r0 + h3 * s3 + h4 * s2;
    let d3 = h0 * r3 + h1 * r2 + h2 * r1 + h3 * r0 + h4 * s3;
    let d4 = h4 * r0;

    // Carry into 32-bit limbs; everything from bit 130 up folds back times 5.
    d1 += d0 >> 32; h0 = d0 & M32;
    d2 += d1 >> 32; h1 = d1 & M32;
    d3 += d2 >> 32; h2 = d2 & M32;
    d4 += d3 >> 32; h3 = d3 & M32;
    h4 = d4 & 3;
    h0 += (d4 >> 2) * 5;
    h1 += h0 >> 32; h0 &= M32;
    m += 16;
  }
  store<u64>(ctx, h0, 32); store<u64>(ctx, h1, 40); store<u64>(ctx, h2, 48);
  store<u64>(ctx, h3, 56); store<u64>(ctx, h4, 64);
}

/** Absorbs fewer than 16 bytes as one block zero-padded to 16 (the AEAD's pad16). */
export function poly1305PaddedBlock(ctx: usize, m: usize, len: usize): void {
  memory.fill(PAD_BLOCK, 0, 16);
  memory.copy(PAD_BLOCK, m, len);
  poly1305Blocks(ctx, PAD_BLOCK, 16, HIBIT);
}

/** Absorbs any number of bytes, buffering a partial block between calls. */
export function poly1305Update(ctx: usize, m: usize, len: usize): void {
  let have = <usize>load<u32>(ctx, 112);
  if (have > 0) {
    const take = min<usize>(16 - have, len);
    memory.copy(ctx + 96 + have, m, take);
    have += take;
    m += take;
    len -= take;
    if (have < 16) {
      store<u32>(ctx, <u32>have, 112);
      return;
    }
    poly1305Blocks(ctx, ctx + 96, 16, HIBIT);
    have = 0;
  }
  const full = len & ~(<usize>15);
  if (full > 0) poly1305Blocks(ctx, m, full, HIBIT);
  const rest = len - full;
  if (rest > 0) memory.copy(ctx + 96, m + full, rest);
  store<u32>(ctx, <u32>rest, 112);
}

/** Writes the 16-byte tag and wipes the context. */
export function poly1305Finish(ctx: usize, out: usize): void {
  const have = <usize>load<u32>(ctx, 112);
  if (have > 0) {
    // A short final block gets a 0x01 byte after the message instead of the 2^128 bit.
    store<u8>(ctx + 96 + have, 1);
    memory.fill(ctx + 96 + have + 1, 0, 15 - have);
    poly1305Blocks(ctx, ctx + 96, 16, 0);
  }
  let h0 = load<u64>(ctx, 32), h1 = load<u64>(ctx, 40), h2 = load<u64>(ctx, 48);
  let h3 = load<u64>(ctx, 56), h4 = load<u64>(ctx, 64);
  // Full carry, fold what is above 2^130, carry again: now h < 2^130 + 2^32.
  h1 += h0 >> 32; h0 &= M32;
  h2 += h1 >> 32; h1 &= M32;
  h3 += h2 >> 32; h2 &= M32;
  h4 += h3 >> 32; h3 &= M32;
  h0 += (h4 >> 2) * 5; h4 &= 3;
  h1 += h0 >> 32; h0 &= M32;
  h2 += h1 >> 32; h1 &= M32;
  h3 += h2 >> 32; h2 &= M32;
  h4 += h3 >> 32; h3 &= M32;
  // g = h + 5: if it reaches 2^130, h >= p and h - p = g - 2^130, whose low 128 bits are g's.
  let g0 = h0 + 5;
  let g1 = h1 + (g0 >> 32); g0 &= M32;
  let g2 = h2 + (g1 >> 32); g1 &= M32;
  let g3 = h3 + (g2 >> 32); g2 &= M32;
  const g4 = h4 + (g3 >> 32); g3 &= M32;
  // Branch-free select: useG is all ones when g4 >= 4 (g >= 2^130).
  const useG = <u64>0 - (g4 >> 2);
  const keepH = ~useG;
  h0 = (h0 & keepH) | (g0 & useG);
  h1 = (h1 & keepH) | (g1 & useG);
  h2 = (h2 & keepH) | (g2 & useG);
  h3 = (h3 & keepH) | (g3 & useG);
  // (h mod p) mod 2^128, plus s, mod 2^128.
  const lo = h0 | (h1 << 32);
  const hi = h2 | (h3 << 32);
  const sLo = load<u64>(ctx, 80), sHi = load<u64>(ctx, 88);
  const outLo = lo + sLo;
  const carry = <u64>(outLo < sLo);
  store<u64>(out, outLo, 0);
  store<u64>(out, hi + sHi + carry, 8);
  memory.fill(ctx, 0, CTX_BYTES);
}

// ---- Raw exports (one incremental MAC at a time on a static context) ----

/** Starts a MAC with the 32-byte one-time key at keyPtr. */
export function poly1305_init(keyPtr: usize): void {
  poly1305Init(RAW_CTX, keyPtr);
}

/** Absorbs len bytes at ptr; any chunking gives the same tag. */
export function poly1305_update(ptr: usize, len: usize): void {
  poly1305Update(RAW_CTX, ptr, len);
}

/** Writes the 16-byte tag at outPtr and wipes the context. */
export function poly1305_final(outPtr: usize): void {
  poly1305Finish(RAW_CTX, outPtr);
}

/** One-shot MAC. */
export function poly1305_mac(keyPtr: usize, msgPtr: usize, len: usize, outPtr: usize): void {
  poly1305Init(RAW_CTX, keyPtr);
  poly1305Update(RAW_CTX, msgPtr, len);
  poly1305Finish(RAW_CTX, outPtr);
}
