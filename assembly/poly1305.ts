// Poly1305 (RFC 8439 §2.5): the accumulator h and the clamped key r are held
// as five 26-bit limbs, so every limb product fits in an i64 with room for the
// sums (h < 2^27 per limb after a block is added, r < 2^26, 5r < 2^29).
//
// Context layout (8-byte aligned, 128 bytes):
//   0  r0..r4  (u64 each)      40  h0..h4 (u64 each)
//   80 s (16 bytes, the pad)   96  partial block buffer (16 bytes)
//   112 bytes buffered (u32)

/** Size of a Poly1305 context. */
const CTX_BYTES: usize = 128;

const MASK26: u64 = 0x3ffffff;
/** The 2^128 bit of a full 16-byte block, at the top limb's scale. */
const HIBIT: u64 = 1 << 24;

// Context for the raw incremental exports (the AEAD uses its own).
const RAW_CTX: usize = memory.data(128, 16);
// A zero-padded copy of a short final block.
const PAD_BLOCK: usize = memory.data(16, 16);

/** Starts a MAC with a 32-byte one-time key (r || s). */
export function poly1305Init(ctx: usize, key: usize): void {
  // clamp(r) = r & 0x0ffffffc0ffffffc0ffffffc0fffffff, then split into 26-bit limbs
  const w0 = <u64>(load<u32>(key, 0) & 0x0fffffff);
  const w1 = <u64>(load<u32>(key, 4) & 0x0ffffffc);
  const w2 = <u64>(load<u32>(key, 8) & 0x0ffffffc);
  const w3 = <u64>(load<u32>(key, 12) & 0x0ffffffc);
  store<u64>(ctx, w0 & MASK26, 0);
  store<u64>(ctx, ((w0 >> 26) | (w1 << 6)) & MASK26, 8);
  store<u64>(ctx, ((w1 >> 20) | (w2 << 12)) & MASK26, 16);
  store<u64>(ctx, ((w2 >> 14) | (w3 << 18)) & MASK26, 24);
  store<u64>(ctx, w3 >> 8, 32);
  memory.fill(ctx + 40, 0, 40);
  store<u64>(ctx, load<u64>(key, 16), 80);
  store<u64>(ctx, load<u64>(key, 24), 88);
  memory.fill(ctx + 96, 0, 16);
  store<u32>(ctx, 0, 112);
}

/**
 * Absorbs `len` bytes (a multiple of 16) as full blocks. `hibit` is
 * 1 << 24 (the 2^128 bit) for ordinary blocks, 0 for a final block already padded with 0x01.
 */
export function poly1305Blocks(ctx: usize, m: usize, len: usize, hibit: u64): void {
  const r0 = load<u64>(ctx, 0), r1 = load<u64>(ctx, 8), r2 = load<u64>(ctx, 16);
  const r3 = load<u64>(ctx, 24), r4 = load<u64>(ctx, 32);
  const s1 = r1 * 5, s2 = r2 * 5, s3 = r3 * 5, s4 = r4 * 5;
  let h0 = load<u64>(ctx, 40), h1 = load<u64>(ctx, 48), h2 = load<u64>(ctx, 56);
  let h3 = load<u64>(ctx, 64), h4 = load<u64>(ctx, 72);
  const end = m + len;
  while (m < end) {
    const lo = load<u64>(m, 0), hi = load<u64>(m, 8);
    h0 += lo & MASK26;
    h1 += (lo >> 26) & MASK26;
    h2 += ((lo >> 52) | (hi << 12)) & MASK26;
    h3 += (hi >> 14) & MASK26;
    h4 += (hi >> 40) | hibit;

    let d0 = h0 * r0 + h1 * s4 + h2 * s3 + h3 * s2 + h4 * s1;
    let d1 = h0 * r1 + h1 * r0 + h2 * s4 + h3 * s3 + h4 * s2;
    let d2 = h0 * r2 + h1 * r1 + h2 * r0 + h3 * s4 + h4 * s3;
    let d3 = h0 * r3 + h1 * r2 + h2 * r1 + h3 * r0 + h4 * s4;
    let d4 = h0 * r4 + h1 * r3 + h2 * r2 + h3 * r1 + h4 * r0;

    // Partial reduction mod 2^130-5: limbs end below 2^26 except h1 (< 2^26 + 2^6).
    d1 += d0 >> 26; h0 = d0 & MASK26;
    d2 += d1 >> 26; h1 = d1 & MASK26;
    d3 += d2 >> 26; h2 = d2 & MASK26;
    d4 += d3 >> 26; h3 = d3 & MASK26;
    h0 += (d4 >> 26) * 5; h4 = d4 & MASK26;
    h1 += h0 >> 26; h0 &= MASK26;
    m += 16;
  }
  store<u64>(ctx, h0, 40); store<u64>(ctx, h1, 48); store<u64>(ctx, h2, 56);
  store<u64>(ctx, h3, 64); store<u64>(ctx, h4, 72);
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
  let h0 = load<u64>(ctx, 40), h1 = load<u64>(ctx, 48), h2 = load<u64>(ctx, 56);
  let h3 = load<u64>(ctx, 64), h4 = load<u64>(ctx, 72);
  // Full carry: every limb below 2^26, h < 2^130.
  h2 += h1 >> 26; h1 &= MASK26;
  h3 += h2 >> 26; h2 &= MASK26;
  h4 += h3 >> 26; h3 &= MASK26;
  h0 += (h4 >> 26) * 5; h4 &= MASK26;
  h1 += h0 >> 26; h0 &= MASK26;
  h2 += h1 >> 26; h1 &= MASK26;
  // g = h + 5 - 2^130; if that does not borrow, h >= p and g is the reduced value.
  let g0 = h0 + 5;
  let g1 = h1 + (g0 >> 26); g0 &= MASK26;
  let g2 = h2 + (g1 >> 26); g1 &= MASK26;
  let g3 = h3 + (g2 >> 26); g2 &= MASK26;
  let g4 = h4 + (g3 >> 26) - (<u64>1 << 26); g3 &= MASK26;
  // Branch-free select: useG is all ones when g4 did not go negative.
  const useG = (g4 >> 63) - 1;
  const keepH = ~useG;
  h0 = (h0 & keepH) | (g0 & useG);
  h1 = (h1 & keepH) | (g1 & useG);
  h2 = (h2 & keepH) | (g2 & useG);
  h3 = (h3 & keepH) | (g3 & useG);
  h4 = (h4 & keepH) | (g4 & useG & MASK26);
  // Normalise again: the selected h may still carry one bit between limbs.
  h1 += h0 >> 26; h0 &= MASK26;
  h2 += h1 >> 26; h1 &= MASK26;
  h3 += h2 >> 26; h2 &= MASK26;
  h4 += h3 >> 26; h3 &= MASK26;
  // h mod 2^128, plus s, mod 2^128.
  const lo = h0 | (h1 << 26) | (h2 << 52);
  const hi = (h2 >> 12) | (h3 << 14) | (h4 << 40);
  const sLo = load<u64>(ctx, 80), sHi = load<u64>(ctx, 88);
  const outLo = lo + sLo;
  const carry = <u64>(outLo < sLo);
  const outHi = hi + sHi + carry;
  store<u64>(out, outLo, 0);
  store<u64>(out, outHi, 8);
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
