// X25519 (RFC 7748): the Montgomery ladder over GF(2^255 - 19).
//
// Field elements are 10 signed limbs in radix 2^25.5 (limb i holds bits from
// ceil(25.5 i), alternately 26 and 25 bits wide), each kept in an i64 so the
// 32x32-bit limb products and their sums fit without overflow. Products are
// carried back to |limb| <= 2^25 (2^24 for odd limbs); sums and differences of
// two carried elements go into a product uncarried.
//
// Constant time: the ladder swaps with a mask, every loop count and memory
// address depends only on public values, and nothing branches on secret data.
// Secrets (the clamped scalar and the ladder state) are wiped after each call.

/** Scratch for the bindings: 32-byte scalar, u-coordinate and output. */
export const X25519_SCALAR_PTR: usize = memory.data(32, 16);
export const X25519_POINT_PTR: usize = memory.data(32, 16);
export const X25519_OUT_PTR: usize = memory.data(32, 16);

const FE: usize = 80; // bytes per field element
const SCALAR: usize = memory.data(32, 16); // clamped copy of the scalar
// Ladder state and temporaries, one field element each.
const WORK: usize = memory.data(<i32>FE * 14, 16);
const X1: usize = WORK;
const X2: usize = WORK + FE;
const Z2: usize = WORK + 2 * FE;
const X3: usize = WORK + 3 * FE;
const Z3: usize = WORK + 4 * FE;
const TA: usize = WORK + 5 * FE;
const TC: usize = WORK + 6 * FE;
const TD: usize = WORK + 7 * FE;
const TAA: usize = WORK + 8 * FE;
const TBB: usize = WORK + 9 * FE;
// Inversion temporaries.
const I0: usize = WORK + 10 * FE;
const I1: usize = WORK + 11 * FE;
const I2: usize = WORK + 12 * FE;
const I3: usize = WORK + 13 * FE;

// ---------------------------------------------------------------------------
// Field arithmetic. The multiply and square bodies are written out limb by
// limb: term f_i*g_j lands in limb (i+j) mod 10, doubled when i and j are both
// odd (two half bits) and times 19 when i+j >= 10 (2^255 = 19 mod p). The
// wrapped terms are summed apart and multiplied by 19 once per output limb,
// which keeps fewer values live than precomputing 19*g_j (V8 spills less).
// Bounds: inputs have |limb| <= 2^26 (even) / 2^25 (odd), so each term is below
// 2^54 (squares double cross terms) and a limb sum stays below 2^61.

/** h = f * g. */
function feMul(h: usize, f: usize, g: usize): void {
  const f0 = load<i64>(f, 0);
  const f1 = load<i64>(f, 8);
  const f2 = load<i64>(f, 16);
  const f3 = load<i64>(f, 24);
  const f4 = load<i64>(f, 32);
  const f5 = load<i64>(f, 40);
  const f6 = load<i64>(f, 48);
  const f7 = load<i64>(f, 56);
  const f8 = load<i64>(f, 64);
  const f9 = load<i64>(f, 72);
  const g0 = load<i64>(g, 0);
  const g1 = load<i64>(g, 8);
  const g2 = load<i64>(g, 16);
  const g3 = load<i64>(g, 24);
  const g4 = load<i64>(g, 32);
  const g5 = load<i64>(g, 40);
  const g6 = load<i64>(g, 48);
  const g7 = load<i64>(g, 56);
  const g8 = load<i64>(g, 64);
  const g9 = load<i64>(g, 72);
  const f1_2 = f1 << 1;
  const f3_2 = f3 << 1;
  const f5_2 = f5 << 1;
  const f7_2 = f7 << 1;
  const f9_2 = f9 << 1;
  let h0 = f0 * g0 + (f1_2 * g9 + f2 * g8 + f3_2 * g7 + f4 * g6 + f5_2 * g5 + f6 * g4 + f7_2 * g3 + f8 * g2 + f9_2 * g1) * 19;
  let h1 = f0 * g1 + f1 * g0 + (f2 * g9 + f3 * g8 + f4 * g7 + f5 * g6 + f6 * g5 + f7 * g4 + f8 * g3 + f9 * g2) * 19;
  let h2 = f0 * g2 + f1_2 * g1 + f2 * g0 + (f3_2 * g9 + f4 * g8 + f5_2 * g7 + f6 * g6 + f7_2 * g5 + f8 * g4 + f9_2 * g3) * 19;
  let h3 = f0 * g3 + f1 * g2 + f2 * g1 + f3 * g0 + (f4 * g9 + f5 * g8 + f6 * g7 + f7 * g6 + f8 * g5 + f9 * g4) * 19;
  let h4 = f0 * g4 + f1_2 * g3 + f2 * g2 + f3_2 * g1 + f4 * g0 + (f5_2 * g9 + f6 * g8 + f7_2 * g7 + f8 * g6 + f9_2 * g5) * 19;
  let h5 = f0 * g5 + f1 * g4 + f2 * g3 + f3 * g2 + f4 * g1 + f5 * g0 + (f6 * g9 + f7 * g8 + f8 * g7 + f9 * g6) * 19;
  let h6 = f0 * g6 + f1_2 * g5 + f2 * g4 + f3_2 * g3 + f4 * g2 + f5_2 * g1 + f6 * g0 + (f7_2 * g9 + f8 * g8 + f9_2 * g7) * 19;
  let h7 = f0 * g7 + f1 * g6 + f2 * g5 + f3 * g4 + f4 * g3 + f5 * g2 + f6 * g1 + f7 * g0 + (f8 * g9 + f9 * g8) * 19;
  let h8 = f0 * g8 + f1_2 * g7 + f2 * g6 + f3_2 * g5 + f4 * g4 + f5_2 * g3 + f6 * g2 + f7_2 * g1 + f8 * g0 + (f9_2 * g9) * 19;
  let h9 = f0 * g9 + f1 * g8 + f2 * g7 + f3 * g6 + f4 * g5 + f5 * g4 + f6 * g3 + f7 * g2 + f8 * g1 + f9 * g0;
  let q: i64;
  q = (h0 + 33554432) >> 26; h1 += q; h0 -= q << 26;
  q = (h4 + 33554432) >> 26; h5 += q; h4 -= q << 26;
  q = (h1 + 16777216) >> 25; h2 += q; h1 -= q << 25;
  q = (h5 + 16777216) >> 25; h6 += q; h5 -= q << 25;
  q = (h2 + 33554432) >> 26; h3 += q; h2 -= q << 26;
  q = (h6 + 33554432) >> 26; h7 += q; h6 -= q << 26;
  q = (h3 + 16777216) >> 25; h4 += q; h3 -= q << 25;
  q = (h7 + 16777216) >> 25; h8 += q; h7 -= q << 25;
  q = (h4 + 33554432) >> 26; h5 += q; h4 -= q << 26;
  q = (h8 + 33554432) >> 26; h9 += q; h8 -= q << 26;
  q = (h9 + 16777216) >> 25; h0 += (q) * 19; h9 -= q << 25;
  q = (h0 + 33554432) >> 26; h1 += q; h0 -= q << 26;
  store<i64>(h, h0, 0);
  store<i64>(h, h1, 8);
  store<i64>(h, h2, 16);
  store<i64>(h, h3, 24);
  store<i64>(h, h4, 32);
  store<i64>(h, h5, 40);
  store<i64>(h, h6, 48);
  store<i64>(h, h7, 56);
  store<i64>(h, h8, 64);
  store<i64>(h, h9, 72);
}

/** h = (a - b) * (c + d), the difference and sum taken limb by limb as the operands load. */
function feMulDiffSum(h: usize, a: usize, b: usize, c: usize, d: usize): void {
  const f0 = load<i64>(a, 0) - load<i64>(b, 0);
  const f1 = load<i64>(a, 8) - load<i64>(b, 8);
  const f2 = load<i64>(a, 16) - load<i64>(b, 16);
  const f3 = load<i64>(a, 24) - load<i64>(b, 24);
  const f4 = load<i64>(a, 32) - load<i64>(b, 32);
  const f5 = load<i64>(a, 40) - load<i64>(b, 40);
  const f6 = load<i64>(a, 48) - load<i64>(b, 48);
  const f7 = load<i64>(a, 56) - load<i64>(b, 56);
  const f8 = load<i64>(a, 64) - load<i64>(b, 64);
  const f9 = load<i64>(a, 72) - load<i64>(b, 72);
  const g0 = load<i64>(c, 0) + load<i64>(d, 0);
  const g1 = load<i64>(c, 8) + load<i64>(d, 8);
  const g2 = load<i64>(c, 16) + load<i64>(d, 16);
  const g3 = load<i64>(c, 24) + load<i64>(d, 24);
  const g4 = load<i64>(c, 32) + load<i64>(d, 32);
  const g5 = load<i64>(c, 40) + load<i64>(d, 40);
  const g6 = load<i64>(c, 48) + load<i64>(d, 48);
  const g7 = load<i64>(c, 56) + load<i64>(d, 56);
  const g8 = load<i64>(c, 64) + load<i64>(d, 64);
  const g9 = load<i64>(c, 72) + load<i64>(d, 72);
  const f1_2 = f1 << 1;
  const f3_2 = f3 << 1;
  const f5_2 = f5 << 1;
  const f7_2 = f7 << 1;
  const f9_2 = f9 << 1;
  let h0 = f0 * g0 + (f1_2 * g9 + f2 * g8 + f3_2 * g7 + f4 * g6 + f5_2 * g5 + f6 * g4 + f7_2 * g3 + f8 * g2 + f9_2 * g1) * 19;
  let h1 = f0 * g1 + f1 * g0 + (f2 * g9 + f3 * g8 + f4 * g7 + f5 * g6 + f6 * g5 + f7 * g4 + f8 * g3 + f9 * g2) * 19;
  let h2 = f0 * g2 + f1_2 * g1 + f2 * g0 + (f3_2 * g9 + f4 * g8 + f5_2 * g7 + f6 * g6 + f7_2 * g5 + f8 * g4 + f9_2 * g3) * 19;
  let h3 = f0 * g3 + f1 * g2 + f2 * g1 + f3 * g0 + (f4 * g9 + f5 * g8 + f6 * g7 + f7 * g6 + f8 * g5 + f9 * g4) * 19;
  let h4 = f0 * g4 + f1_2 * g3 + f2 * g2 + f3_2 * g1 + f4 * g0 + (f5_2 * g9 + f6 * g8 + f7_2 * g7 + f8 * g6 + f9_2 * g5) * 19;
  let h5 = f0 * g5 + f1 * g4 + f2 * g3 + f3 * g2 + f4 * g1 + f5 * g0 + (f6 * g9 + f7 * g8 + f8 * g7 + f9 * g6) * 19;
  let h6 = f0 * g6 + f1_2 * g5 + f2 * g4 + f3_2 * g3 + f4 * g2 + f5_2 * g1 + f6 * g0 + (f7_2 * g9 + f8 * g8 + f9_2 * g7) * 19;
  let h7 = f0 * g7 + f1 * g6 + f2 * g5 + f3 * g4 + f4 * g3 + f5 * g2 + f6 * g1 + f7 * g0 + (f8 * g9 + f9 * g8) * 19;
  let h8 = f0 * g8 + f1_2 * g7 + f2 * g6 + f3_2 * g5 + f4 * g4 + f5_2 * g3 + f6 * g2 + f7_2 * g1 + f8 * g0 + (f9_2 * g9) * 19;
  let h9 = f0 * g9 + f1 * g8 + f2 * g7 + f3 * g6 + f4 * g5 + f5 * g4 + f6 * g3 + f7 * g2 + f8 * g1 + f9 * g0;
  let q: i64;
  q = (h0 + 33554432) >> 26; h1 += q; h0 -= q << 26;
  q = (h4 + 33554432) >> 26; h5 += q; h4 -= q << 26;
  q = (h1 + 16777216) >> 25; h2 += q; h1 -= q << 25;
  q = (h5 + 16777216) >> 25; h6 += q; h5 -= q << 25;
  q = (h2 + 33554432) >> 26; h3 += q; h2 -= q << 26;
  q = (h6 + 33554432) >> 26; h7 += q; h6 -= q << 26;
  q = (h3 + 16777216) >> 25; h4 += q; h3 -= q << 25;
  q = (h7 + 16777216) >> 25; h8 += q; h7 -= q << 25;
  q = (h4 + 33554432) >> 26; h5 += q; h4 -= q << 26;
  q = (h8 + 33554432) >> 26; h9 += q; h8 -= q << 26;
  q = (h9 + 16777216) >> 25; h0 += (q) * 19; h9 -= q << 25;
  q = (h0 + 33554432) >> 26; h1 += q; h0 -= q << 26;
  store<i64>(h, h0, 0);
  store<i64>(h, h1, 8);
  store<i64>(h, h2, 16);
  store<i64>(h, h3, 24);
  store<i64>(h, h4, 32);
  store<i64>(h, h5, 40);
  store<i64>(h, h6, 48);
  store<i64>(h, h7, 56);
  store<i64>(h, h8, 64);
  store<i64>(h, h9, 72);
}

/** h = (a + b) * (c - d). */
function feMulSumDiff(h: usize, a: usize, b: usize, c: usize, d: usize): void {
  const f0 = load<i64>(a, 0) + load<i64>(b, 0);
  const f1 = load<i64>(a, 8) + load<i64>(b, 8);
  const f2 = load<i64>(a, 16) + load<i64>(b, 16);
  const f3 = load<i64>(a, 24) + load<i64>(b, 24);
  const f4 = load<i64>(a, 32) + load<i64>(b, 32);
  const f5 = load<i64>(a, 40) + load<i64>(b, 40);
  const f6 = load<i64>(a, 48) + load<i64>(b, 48);
  const f7 = load<i64>(a, 56) + load<i64>(b, 56);
  const f8 = load<i64>(a, 64) + load<i64>(b, 64);
  const f9 = load<i64>(a, 72) + load<i64>(b, 72);
  const g0 = load<i64>(c, 0) - load<i64>(d, 0);
  const g1 = load<i64>(c, 8) - load<i64>(d, 8);
  const g2 = load<i64>(c, 16) - load<i64>(d, 16);
  const g3 = load<i64>(c, 24) - load<i64>(d, 24);
  const g4 = load<i64>(c, 32) - load<i64>(d, 32);
  const g5 = load<i64>(c, 40) - load<i64>(d, 40);
  const g6 = load<i64>(c, 48) - load<i64>(d, 48);
  const g7 = load<i64>(c, 56) - load<i64>(d, 56);
  const g8 = load<i64>(c, 64) - load<i64>(d, 64);
  const g9 = load<i64>(c, 72) - load<i64>(d, 72);
  const f1_2 = f1 << 1;
  const f3_2 = f3 << 1;
  const f5_2 = f5 << 1;
  const f7_2 = f7 << 1;
  const f9_2 = f9 << 1;
  let h0 = f0 * g0 + (f1_2 * g9 + f2 * g8 + f3_2 * g7 + f4 * g6 + f5_2 * g5 + f6 * g4 + f7_2 * g3 + f8 * g2 + f9_2 * g1) * 19;
  let h1 = f0 * g1 + f1 * g0 + (f2 * g9 + f3 * g8 + f4 * g7 + f5 * g6 + f6 * g5 + f7 * g4 + f8 * g3 + f9 * g2) * 19;
  let h2 = f0 * g2 + f1_2 * g1 + f2 * g0 + (f3_2 * g9 + f4 * g8 + f5_2 * g7 + f6 * g6 + f7_2 * g5 + f8 * g4 + f9_2 * g3) * 19;
  let h3 = f0 * g3 + f1 * g2 + f2 * g1 + f3 * g0 + (f4 * g9 + f5 * g8 + f6 * g7 + f7 * g6 + f8 * g5 + f9 * g4) * 19;
  let h4 = f0 * g4 + f1_2 * g3 + f2 * g2 + f3_2 * g1 + f4 * g0 + (f5_2 * g9 + f6 * g8 + f7_2 * g7 + f8 * g6 + f9_2 * g5) * 19;
  let h5 = f0 * g5 + f1 * g4 + f2 * g3 + f3 * g2 + f4 * g1 + f5 * g0 + (f6 * g9 + f7 * g8 + f8 * g7 + f9 * g6) * 19;
  let h6 = f0 * g6 + f1_2 * g5 + f2 * g4 + f3_2 * g3 + f4 * g2 + f5_2 * g1 + f6 * g0 + (f7_2 * g9 + f8 * g8 + f9_2 * g7) * 19;
  let h7 = f0 * g7 + f1 * g6 + f2 * g5 + f3 * g4 + f4 * g3 + f5 * g2 + f6 * g1 + f7 * g0 + (f8 * g9 + f9 * g8) * 19;
  let h8 = f0 * g8 + f1_2 * g7 + f2 * g6 + f3_2 * g5 + f4 * g4 + f5_2 * g3 + f6 * g2 + f7_2 * g1 + f8 * g0 + (f9_2 * g9) * 19;
  let h9 = f0 * g9 + f1 * g8 + f2 * g7 + f3 * g6 + f4 * g5 + f5 * g4 + f6 * g3 + f7 * g2 + f8 * g1 + f9 * g0;
  let q: i64;
  q = (h0 + 33554432) >> 26; h1 += q; h0 -= q << 26;
  q = (h4 + 33554432) >> 26; h5 += q; h4 -= q << 26;
  q = (h1 + 16777216) >> 25; h2 += q; h1 -= q << 25;
  q = (h5 + 16777216) >> 25; h6 += q; h5 -= q << 25;
  q = (h2 + 33554432) >> 26; h3 += q; h2 -= q << 26;
  q = (h6 + 33554432) >> 26; h7 += q; h6 -= q << 26;
  q = (h3 + 16777216) >> 25; h4 += q; h3 -= q << 25;
  q = (h7 + 16777216) >> 25; h8 += q; h7 -= q << 25;
  q = (h4 + 33554432) >> 26; h5 += q; h4 -= q << 26;
  q = (h8 + 33554432) >> 26; h9 += q; h8 -= q << 26;
  q = (h9 + 16777216) >> 25; h0 += (q) * 19; h9 -= q << 25;
  q = (h0 + 33554432) >> 26; h1 += q; h0 -= q << 26;
  store<i64>(h, h0, 0);
  store<i64>(h, h1, 8);
  store<i64>(h, h2, 16);
  store<i64>(h, h3, 24);
  store<i64>(h, h4, 32);
  store<i64>(h, h5, 40);
  store<i64>(h, h6, 48);
  store<i64>(h, h7, 56);
  store<i64>(h, h8, 64);
  store<i64>(h, h9, 72);
}

/** h = (a - b) * g. */
function feMulDiff(h: usize, a: usize, b: usize, g: usize): void {
  const f0 = load<i64>(a, 0) - load<i64>(b, 0);
  const f1 = load<i64>(a, 8) - load<i64>(b, 8);
  const f2 = load<i64>(a, 16) - load<i64>(b, 16);
  const f3 = load<i64>(a, 24) - load<i64>(b, 24);
  const f4 = load<i64>(a, 32) - load<i64>(b, 32);
  const f5 = load<i64>(a, 40) - load<i64>(b, 40);
  const f6 = load<i64>(a, 48) - load<i64>(b, 48);
  const f7 = load<i64>(a, 56) - load<i64>(b, 56);
  const f8 = load<i64>(a, 64) - load<i64>(b, 64);
  const f9 = load<i64>(a, 72) - load<i64>(b, 72);
  const g0 = load<i64>(g, 0);
  const g1 = load<i64>(g, 8);
  const g2 = load<i64>(g, 16);
  const g3 = load<i64>(g, 24);
  const g4 = load<i64>(g, 32);
  const g5 = load<i64>(g, 40);
  const g6 = load<i64>(g, 48);
  const g7 = load<i64>(g, 56);
  const g8 = load<i64>(g, 64);
  const g9 = load<i64>(g, 72);
  const f1_2 = f1 << 1;
  const f3_2 = f3 << 1;
  const f5_2 = f5 << 1;
  const f7_2 = f7 << 1;
  const f9_2 = f9 << 1;
  let h0 = f0 * g0 + (f1_2 * g9 + f2 * g8 + f3_2 * g7 + f4 * g6 + f5_2 * g5 + f6 * g4 + f7_2 * g3 + f8 * g2 + f9_2 * g1) * 19;
  let h1 = f0 * g1 + f1 * g0 + (f2 * g9 + f3 * g8 + f4 * g7 + f5 * g6 + f6 * g5 + f7 * g4 + f8 * g3 + f9 * g2) * 19;
  let h2 = f0 * g2 + f1_2 * g1 + f2 * g0 + (f3_2 * g9 + f4 * g8 + f5_2 * g7 + f6 * g6 + f7_2 * g5 + f8 * g4 + f9_2 * g3) * 19;
  let h3 = f0 * g3 + f1 * g2 + f2 * g1 + f3 * g0 + (f4 * g9 + f5 * g8 + f6 * g7 + f7 * g6 + f8 * g5 + f9 * g4) * 19;
  let h4 = f0 * g4 + f1_2 * g3 + f2 * g2 + f3_2 * g1 + f4 * g0 + (f5_2 * g9 + f6 * g8 + f7_2 * g7 + f8 * g6 + f9_2 * g5) * 19;
  let h5 = f0 * g5 + f1 * g4 + f2 * g3 + f3 * g2 + f4 * g1 + f5 * g0 + (f6 * g9 + f7 * g8 + f8 * g7 + f9 * g6) * 19;
  let h6 = f0 * g6 + f1_2 * g5 + f2 * g4 + f3_2 * g3 + f4 * g2 + f5_2 * g1 + f6 * g0 + (f7_2 * g9 + f8 * g8 + f9_2 * g7) * 19;
  let h7 = f0 * g7 + f1 * g6 + f2 * g5 + f3 * g4 + f4 * g3 + f5 * g2 + f6 * g1 + f7 * g0 + (f8 * g9 + f9 * g8) * 19;
  let h8 = f0 * g8 + f1_2 * g7 + f2 * g6 + f3_2 * g5 + f4 * g4 + f5_2 * g3 + f6 * g2 + f7_2 * g1 + f8 * g0 + (f9_2 * g9) * 19;
  let h9 = f0 * g9 + f1 * g8 + f2 * g7 + f3 * g6 + f4 * g5 + f5 * g4 + f6 * g3 + f7 * g2 + f8 * g1 + f9 * g0;
  let q: i64;
  q = (h0 + 33554432) >> 26; h1 += q; h0 -= q << 26;
  q = (h4 + 33554432) >> 26; h5 += q; h4 -= q << 26;
  q = (h1 + 16777216) >> 25; h2 += q; h1 -= q << 25;
  q = (h5 + 16777216) >> 25; h6 += q; h5 -= q << 25;
  q = (h2 + 33554432) >> 26; h3 += q; h2 -= q << 26;
  q = (h6 + 33554432) >> 26; h7 += q; h6 -= q << 26;
  q = (h3 + 16777216) >> 25; h4 += q; h3 -= q << 25;
  q = (h7 + 16777216) >> 25; h8 += q; h7 -= q << 25;
  q = (h4 + 33554432) >> 26; h5 += q; h4 -= q << 26;
  q = (h8 + 33554432) >> 26; h9 += q; h8 -= q << 26;
  q = (h9 + 16777216) >> 25; h0 += (q) * 19; h9 -= q << 25;
  q = (h0 + 33554432) >> 26; h1 += q; h0 -= q << 26;
  store<i64>(h, h0, 0);
  store<i64>(h, h1, 8);
  store<i64>(h, h2, 16);
  store<i64>(h, h3, 24);
  store<i64>(h, h4, 32);
  store<i64>(h, h5, 40);
  store<i64>(h, h6, 48);
  store<i64>(h, h7, 56);
  store<i64>(h, h8, 64);
  store<i64>(h, h9, 72);
}

/** h = f^2. */
function feSq(h: usize, f: usize): void {
  const f0 = load<i64>(f, 0);
  const f1 = load<i64>(f, 8);
  const f2 = load<i64>(f, 16);
  const f3 = load<i64>(f, 24);
  const f4 = load<i64>(f, 32);
  const f5 = load<i64>(f, 40);
  const f6 = load<i64>(f, 48);
  const f7 = load<i64>(f, 56);
  const f8 = load<i64>(f, 64);
  const f9 = load<i64>(f, 72);
  const f0_2 = f0 << 1;
  const f1_2 = f1 << 1;
  const f2_2 = f2 << 1;
  const f3_2 = f3 << 1;
  const f4_2 = f4 << 1;
  const f5_2 = f5 << 1;
  const f6_2 = f6 << 1;
  const f7_2 = f7 << 1;
  const f8_2 = f8 << 1;
  const f9_2 = f9 << 1;
  let h0 = f0 * f0 + (f1_2 * f9_2 + f2_2 * f8 + f3_2 * f7_2 + f4_2 * f6 + f5_2 * f5) * 19;
  let h1 = f0_2 * f1 + (f2_2 * f9 + f3_2 * f8 + f4_2 * f7 + f5_2 * f6) * 19;
  let h2 = f0_2 * f2 + f1_2 * f1 + (f3_2 * f9_2 + f4_2 * f8 + f5_2 * f7_2 + f6 * f6) * 19;
  let h3 = f0_2 * f3 + f1_2 * f2 + (f4_2 * f9 + f5_2 * f8 + f6_2 * f7) * 19;
  let h4 = f0_2 * f4 + f1_2 * f3_2 + f2 * f2 + (f5_2 * f9_2 + f6_2 * f8 + f7_2 * f7) * 19;
  let h5 = f0_2 * f5 + f1_2 * f4 + f2_2 * f3 + (f6_2 * f9 + f7_2 * f8) * 19;
  let h6 = f0_2 * f6 + f1_2 * f5_2 + f2_2 * f4 + f3_2 * f3 + (f7_2 * f9_2 + f8 * f8) * 19;
  let h7 = f0_2 * f7 + f1_2 * f6 + f2_2 * f5 + f3_2 * f4 + (f8_2 * f9) * 19;
  let h8 = f0_2 * f8 + f1_2 * f7_2 + f2_2 * f6 + f3_2 * f5_2 + f4 * f4 + (f9_2 * f9) * 19;
  let h9 = f0_2 * f9 + f1_2 * f8 + f2_2 * f7 + f3_2 * f6 + f4_2 * f5;
  let q: i64;
  q = (h0 + 33554432) >> 26; h1 += q; h0 -= q << 26;
  q = (h4 + 33554432) >> 26; h5 += q; h4 -= q << 26;
  q = (h1 + 16777216) >> 25; h2 += q; h1 -= q << 25;
  q = (h5 + 16777216) >> 25; h6 += q; h5 -= q << 25;
  q = (h2 + 33554432) >> 26; h3 += q; h2 -= q << 26;
  q = (h6 + 33554432) >> 26; h7 += q; h6 -= q << 26;
  q = (h3 + 16777216) >> 25; h4 += q; h3 -= q << 25;
  q = (h7 + 16777216) >> 25; h8 += q; h7 -= q << 25;
  q = (h4 + 33554432) >> 26; h5 += q; h4 -= q << 26;
  q = (h8 + 33554432) >> 26; h9 += q; h8 -= q << 26;
  q = (h9 + 16777216) >> 25; h0 += (q) * 19; h9 -= q << 25;
  q = (h0 + 33554432) >> 26; h1 += q; h0 -= q << 26;
  store<i64>(h, h0, 0);
  store<i64>(h, h1, 8);
  store<i64>(h, h2, 16);
  store<i64>(h, h3, 24);
  store<i64>(h, h4, 32);
  store<i64>(h, h5, 40);
  store<i64>(h, h6, 48);
  store<i64>(h, h7, 56);
  store<i64>(h, h8, 64);
  store<i64>(h, h9, 72);
}

/** h = (a + b)^2. */
function feSqSum(h: usize, a: usize, b: usize): void {
  const f0 = load<i64>(a, 0) + load<i64>(b, 0);
  const f1 = load<i64>(a, 8) + load<i64>(b, 8);
  const f2 = load<i64>(a, 16) + load<i64>(b, 16);
  const f3 = load<i64>(a, 24) + load<i64>(b, 24);
  const f4 = load<i64>(a, 32) + load<i64>(b, 32);
  const f5 = load<i64>(a, 40) + load<i64>(b, 40);
  const f6 = load<i64>(a, 48) + load<i64>(b, 48);
  const f7 = load<i64>(a, 56) + load<i64>(b, 56);
  const f8 = load<i64>(a, 64) + load<i64>(b, 64);
  const f9 = load<i64>(a, 72) + load<i64>(b, 72);
  const f0_2 = f0 << 1;
  const f1_2 = f1 << 1;
  const f2_2 = f2 << 1;
  const f3_2 = f3 << 1;
  const f4_2 = f4 << 1;
  const f5_2 = f5 << 1;
  const f6_2 = f6 << 1;
  const f7_2 = f7 << 1;
  const f8_2 = f8 << 1;
  const f9_2 = f9 << 1;
  let h0 = f0 * f0 + (f1_2 * f9_2 + f2_2 * f8 + f3_2 * f7_2 + f4_2 * f6 + f5_2 * f5) * 19;
  let h1 = f0_2 * f1 + (f2_2 * f9 + f3_2 * f8 + f4_2 * f7 + f5_2 * f6) * 19;
  let h2 = f0_2 * f2 + f1_2 * f1 + (f3_2 * f9_2 + f4_2 * f8 + f5_2 * f7_2 + f6 * f6) * 19;
  let h3 = f0_2 * f3 + f1_2 * f2 + (f4_2 * f9 + f5_2 * f8 + f6_2 * f7) * 19;
  let h4 = f0_2 * f4 + f1_2 * f3_2 + f2 * f2 + (f5_2 * f9_2 + f6_2 * f8 + f7_2 * f7) * 19;
  let h5 = f0_2 * f5 + f1_2 * f4 + f2_2 * f3 + (f6_2 * f9 + f7_2 * f8) * 19;
  let h6 = f0_2 * f6 + f1_2 * f5_2 + f2_2 * f4 + f3_2 * f3 + (f7_2 * f9_2 + f8 * f8) * 19;
  let h7 = f0_2 * f7 + f1_2 * f6 + f2_2 * f5 + f3_2 * f4 + (f8_2 * f9) * 19;
  let h8 = f0_2 * f8 + f1_2 * f7_2 + f2_2 * f6 + f3_2 * f5_2 + f4 * f4 + (f9_2 * f9) * 19;
  let h9 = f0_2 * f9 + f1_2 * f8 + f2_2 * f7 + f3_2 * f6 + f4_2 * f5;
  let q: i64;
  q = (h0 + 33554432) >> 26; h1 += q; h0 -= q << 26;
  q = (h4 + 33554432) >> 26; h5 += q; h4 -= q << 26;
  q = (h1 + 16777216) >> 25; h2 += q; h1 -= q << 25;
  q = (h5 + 16777216) >> 25; h6 += q; h5 -= q << 25;
  q = (h2 + 33554432) >> 26; h3 += q; h2 -= q << 26;
  q = (h6 + 33554432) >> 26; h7 += q; h6 -= q << 26;
  q = (h3 + 16777216) >> 25; h4 += q; h3 -= q << 25;
  q = (h7 + 16777216) >> 25; h8 += q; h7 -= q << 25;
  q = (h4 + 33554432) >> 26; h5 += q; h4 -= q << 26;
  q = (h8 + 33554432) >> 26; h9 += q; h8 -= q << 26;
  q = (h9 + 16777216) >> 25; h0 += (q) * 19; h9 -= q << 25;
  q = (h0 + 33554432) >> 26; h1 += q; h0 -= q << 26;
  store<i64>(h, h0, 0);
  store<i64>(h, h1, 8);
  store<i64>(h, h2, 16);
  store<i64>(h, h3, 24);
  store<i64>(h, h4, 32);
  store<i64>(h, h5, 40);
  store<i64>(h, h6, 48);
  store<i64>(h, h7, 56);
  store<i64>(h, h8, 64);
  store<i64>(h, h9, 72);
}

/** h = (a - b)^2. */
function feSqDiff(h: usize, a: usize, b: usize): void {
  const f0 = load<i64>(a, 0) - load<i64>(b, 0);
  const f1 = load<i64>(a, 8) - load<i64>(b, 8);
  const f2 = load<i64>(a, 16) - load<i64>(b, 16);
  const f3 = load<i64>(a, 24) - load<i64>(b, 24);
  const f4 = load<i64>(a, 32) - load<i64>(b, 32);
  const f5 = load<i64>(a, 40) - load<i64>(b, 40);
  const f6 = load<i64>(a, 48) - load<i64>(b, 48);
  const f7 = load<i64>(a, 56) - load<i64>(b, 56);
  const f8 = load<i64>(a, 64) - load<i64>(b, 64);
  const f9 = load<i64>(a, 72) - load<i64>(b, 72);
  const f0_2 = f0 << 1;
  const f1_2 = f1 << 1;
  const f2_2 = f2 << 1;
  const f3_2 = f3 << 1;
  const f4_2 = f4 << 1;
  const f5_2 = f5 << 1;
  const f6_2 = f6 << 1;
  const f7_2 = f7 << 1;
  const f8_2 = f8 << 1;
  const f9_2 = f9 << 1;
  let h0 = f0 * f0 + (f1_2 * f9_2 + f2_2 * f8 + f3_2 * f7_2 + f4_2 * f6 + f5_2 * f5) * 19;
  let h1 = f0_2 * f1 + (f2_2 * f9 + f3_2 * f8 + f4_2 * f7 + f5_2 * f6) * 19;
  let h2 = f0_2 * f2 + f1_2 * f1 + (f3_2 * f9_2 + f4_2 * f8 + f5_2 * f7_2 + f6 * f6) * 19;
  let h3 = f0_2 * f3 + f1_2 * f2 + (f4_2 * f9 + f5_2 * f8 + f6_2 * f7) * 19;
  let h4 = f0_2 * f4 + f1_2 * f3_2 + f2 * f2 + (f5_2 * f9_2 + f6_2 * f8 + f7_2 * f7) * 19;
  let h5 = f0_2 * f5 + f1_2 * f4 + f2_2 * f3 + (f6_2 * f9 + f7_2 * f8) * 19;
  let h6 = f0_2 * f6 + f1_2 * f5_2 + f2_2 * f4 + f3_2 * f3 + (f7_2 * f9_2 + f8 * f8) * 19;
  let h7 = f0_2 * f7 + f1_2 * f6 + f2_2 * f5 + f3_2 * f4 + (f8_2 * f9) * 19;
  let h8 = f0_2 * f8 + f1_2 * f7_2 + f2_2 * f6 + f3_2 * f5_2 + f4 * f4 + (f9_2 * f9) * 19;
  let h9 = f0_2 * f9 + f1_2 * f8 + f2_2 * f7 + f3_2 * f6 + f4_2 * f5;
  let q: i64;
  q = (h0 + 33554432) >> 26; h1 += q; h0 -= q << 26;
  q = (h4 + 33554432) >> 26; h5 += q; h4 -= q << 26;
  q = (h1 + 16777216) >> 25; h2 += q; h1 -= q << 25;
  q = (h5 + 16777216) >> 25; h6 += q; h5 -= q << 25;
  q = (h2 + 33554432) >> 26; h3 += q; h2 -= q << 26;
  q = (h6 + 33554432) >> 26; h7 += q; h6 -= q << 26;
  q = (h3 + 16777216) >> 25; h4 += q; h3 -= q << 25;
  q = (h7 + 16777216) >> 25; h8 += q; h7 -= q << 25;
  q = (h4 + 33554432) >> 26; h5 += q; h4 -= q << 26;
  q = (h8 + 33554432) >> 26; h9 += q; h8 -= q << 26;
  q = (h9 + 16777216) >> 25; h0 += (q) * 19; h9 -= q << 25;
  q = (h0 + 33554432) >> 26; h1 += q; h0 -= q << 26;
  store<i64>(h, h0, 0);
  store<i64>(h, h1, 8);
  store<i64>(h, h2, 16);
  store<i64>(h, h3, 24);
  store<i64>(h, h4, 32);
  store<i64>(h, h5, 40);
  store<i64>(h, h6, 48);
  store<i64>(h, h7, 56);
  store<i64>(h, h8, 64);
  store<i64>(h, h9, 72);
}

/** h = aa + a24 * (aa - bb) with a24 = (486662 - 2) / 4 = 121665: the second factor of z2 in the ladder. */
function feA24Mix(h: usize, aa: usize, bb: usize): void {
  const a0 = load<i64>(aa, 0);
  let h0 = a0 + (a0 - load<i64>(bb, 0)) * 121665;
  const a1 = load<i64>(aa, 8);
  let h1 = a1 + (a1 - load<i64>(bb, 8)) * 121665;
  const a2 = load<i64>(aa, 16);
  let h2 = a2 + (a2 - load<i64>(bb, 16)) * 121665;
  const a3 = load<i64>(aa, 24);
  let h3 = a3 + (a3 - load<i64>(bb, 24)) * 121665;
  const a4 = load<i64>(aa, 32);
  let h4 = a4 + (a4 - load<i64>(bb, 32)) * 121665;
  const a5 = load<i64>(aa, 40);
  let h5 = a5 + (a5 - load<i64>(bb, 40)) * 121665;
  const a6 = load<i64>(aa, 48);
  let h6 = a6 + (a6 - load<i64>(bb, 48)) * 121665;
  const a7 = load<i64>(aa, 56);
  let h7 = a7 + (a7 - load<i64>(bb, 56)) * 121665;
  const a8 = load<i64>(aa, 64);
  let h8 = a8 + (a8 - load<i64>(bb, 64)) * 121665;
  const a9 = load<i64>(aa, 72);
  let h9 = a9 + (a9 - load<i64>(bb, 72)) * 121665;
  let q: i64;
  q = (h0 + 33554432) >> 26; h1 += q; h0 -= q << 26;
  q = (h4 + 33554432) >> 26; h5 += q; h4 -= q << 26;
  q = (h1 + 16777216) >> 25; h2 += q; h1 -= q << 25;
  q = (h5 + 16777216) >> 25; h6 += q; h5 -= q << 25;
  q = (h2 + 33554432) >> 26; h3 += q; h2 -= q << 26;
  q = (h6 + 33554432) >> 26; h7 += q; h6 -= q << 26;
  q = (h3 + 16777216) >> 25; h4 += q; h3 -= q << 25;
  q = (h7 + 16777216) >> 25; h8 += q; h7 -= q << 25;
  q = (h4 + 33554432) >> 26; h5 += q; h4 -= q << 26;
  q = (h8 + 33554432) >> 26; h9 += q; h8 -= q << 26;
  q = (h9 + 16777216) >> 25; h0 += (q) * 19; h9 -= q << 25;
  q = (h0 + 33554432) >> 26; h1 += q; h0 -= q << 26;
  store<i64>(h, h0, 0);
  store<i64>(h, h1, 8);
  store<i64>(h, h2, 16);
  store<i64>(h, h3, 24);
  store<i64>(h, h4, 32);
  store<i64>(h, h5, 40);
  store<i64>(h, h6, 48);
  store<i64>(h, h7, 56);
  store<i64>(h, h8, 64);
  store<i64>(h, h9, 72);
}


function feAdd(h: usize, f: usize, g: usize): void {
  for (let i: usize = 0; i < FE; i += 8) store<i64>(h + i, load<i64>(f + i) + load<i64>(g + i));
}

function feSub(h: usize, f: usize, g: usize): void {
  for (let i: usize = 0; i < FE; i += 8) store<i64>(h + i, load<i64>(f + i) - load<i64>(g + i));
}

function feSetSmall(h: usize, v: i64): void {
  memory.fill(h, 0, FE);
  store<i64>(h, v);
}

/** Swaps f and g when bit is 1, leaves them when 0, touching both either way. */
function feCswap(f: usize, g: usize, bit: i64): void {
  const mask = -bit;
  if (ASC_FEATURE_SIMD) {
    const m = i64x2.splat(mask);
    for (let i: usize = 0; i < FE; i += 16) {
      const a = v128.load(f + i);
      const b = v128.load(g + i);
      const t = v128.and(m, v128.xor(a, b));
      v128.store(f + i, v128.xor(a, t));
      v128.store(g + i, v128.xor(b, t));
    }
    return;
  }
  for (let i: usize = 0; i < FE; i += 8) {
    const a = load<i64>(f + i);
    const b = load<i64>(g + i);
    const t = mask & (a ^ b);
    store<i64>(f + i, a ^ t);
    store<i64>(g + i, b ^ t);
  }
}

/** h = f^(2^n), n >= 1. */
function feSqN(h: usize, f: usize, n: i32): void {
  feSq(h, f);
  for (let i = 1; i < n; i++) feSq(h, h);
}

/** h = z^(p - 2) = 1/z (0 for z = 0), by a fixed chain of 254 squarings and 11 multiplies. */
function feInvert(h: usize, z: usize): void {
  feSq(I0, z); // z^2
  feSqN(I1, I0, 2); // z^8
  feMul(I1, z, I1); // z^9
  feMul(I0, I0, I1); // z^11
  feSq(I2, I0); // z^22
  feMul(I1, I1, I2); // z^31 = z^(2^5 - 1)
  feSqN(I2, I1, 5);
  feMul(I1, I2, I1); // z^(2^10 - 1)
  feSqN(I2, I1, 10);
  feMul(I2, I2, I1); // z^(2^20 - 1)
  feSqN(I3, I2, 20);
  feMul(I2, I3, I2); // z^(2^40 - 1)
  feSqN(I2, I2, 10);
  feMul(I1, I2, I1); // z^(2^50 - 1)
  feSqN(I2, I1, 50);
  feMul(I2, I2, I1); // z^(2^100 - 1)
  feSqN(I3, I2, 100);
  feMul(I2, I3, I2); // z^(2^200 - 1)
  feSqN(I2, I2, 50);
  feMul(I1, I2, I1); // z^(2^250 - 1)
  feSqN(I1, I1, 5); // z^(2^255 - 32)
  feMul(h, I1, I0); // z^(2^255 - 21)
}

/** Unpacks 32 little-endian bytes, ignoring the top bit (RFC 7748 §5). */
function feFromBytes(h: usize, s: usize): void {
  // Each limb fits one 32-bit load: its bit shift plus width never exceeds 32.
  store<i64>(h, <i64>(load<u32>(s, 0) & 0x3ffffff), 0);
  store<i64>(h, <i64>((load<u32>(s, 3) >> 2) & 0x1ffffff), 8);
  store<i64>(h, <i64>((load<u32>(s, 6) >> 3) & 0x3ffffff), 16);
  store<i64>(h, <i64>((load<u32>(s, 9) >> 5) & 0x1ffffff), 24);
  store<i64>(h, <i64>((load<u32>(s, 12) >> 6) & 0x3ffffff), 32);
  store<i64>(h, <i64>(load<u32>(s, 16) & 0x1ffffff), 40);
  store<i64>(h, <i64>((load<u32>(s, 19) >> 1) & 0x3ffffff), 48);
  store<i64>(h, <i64>((load<u32>(s, 22) >> 3) & 0x1ffffff), 56);
  store<i64>(h, <i64>((load<u32>(s, 25) >> 4) & 0x3ffffff), 64);
  store<i64>(h, <i64>((load<u32>(s, 28) >> 6) & 0x1ffffff), 72);
}

@inline function limbWidth(i: usize): i64 {
  return 26 - <i64>(i & 1);
}

/** One pass of floor carries through all limbs, the top carry folded back times 19. */
function feCarryWrap(h: usize): void {
  for (let i: usize = 0; i < 10; i++) {
    const w = limbWidth(i);
    const v = load<i64>(h + 8 * i);
    const c = v >> w;
    store<i64>(h + 8 * i, v - (c << w));
    if (i < 9) store<i64>(h + 8 * (i + 1), load<i64>(h + 8 * (i + 1)) + c);
    else store<i64>(h, load<i64>(h) + 19 * c);
  }
}

/** Packs f fully reduced into [0, p) as 32 little-endian bytes. Overwrites f. */
function feToBytes(s: usize, f: usize): void {
  // Two passes make every limb non-negative and in range, so 0 <= f < 2^255 + 38.
  feCarryWrap(f);
  feCarryWrap(f);
  // q = floor((f + 19) / 2^255) is 1 exactly when f >= p; subtract q*p.
  let q: i64 = (load<i64>(f) + 19) >> 26;
  for (let i: usize = 1; i < 10; i++) q = (load<i64>(f + 8 * i) + q) >> limbWidth(i);
  store<i64>(f, load<i64>(f) + 19 * q);
  for (let i: usize = 0; i < 9; i++) {
    const w = limbWidth(i);
    const v = load<i64>(f + 8 * i);
    const c = v >> w;
    store<i64>(f + 8 * i, v - (c << w));
    store<i64>(f + 8 * (i + 1), load<i64>(f + 8 * (i + 1)) + c);
  }
  store<i64>(f + 72, load<i64>(f + 72) & 0x1ffffff); // drop q * 2^255
  // Concatenate the limbs' bits into bytes.
  let acc: u64 = 0;
  let bits: i64 = 0;
  let o: usize = 0;
  for (let i: usize = 0; i < 10; i++) {
    acc |= <u64>load<i64>(f + 8 * i) << <u64>bits;
    bits += limbWidth(i);
    while (bits >= 8) {
      store<u8>(s + o, <u8>acc);
      acc >>= 8;
      bits -= 8;
      o++;
    }
  }
  store<u8>(s + 31, <u8>acc); // the last 7 bits
}

// ---------------------------------------------------------------------------
// The ladder (RFC 7748 §5).

/** out = X25519(k, u): clamps a copy of k, masks u's top bit; out may overlap k or u. */
function scalarMult(out: usize, k: usize, u: usize): void {
  memory.copy(SCALAR, k, 32);
  store<u8>(SCALAR, load<u8>(SCALAR) & 248);
  store<u8>(SCALAR, (load<u8>(SCALAR, 31) & 127) | 64, 31);
  feFromBytes(X1, u);
  feSetSmall(X2, 1);
  feSetSmall(Z2, 0);
  memory.copy(X3, X1, FE);
  feSetSmall(Z3, 1);
  let swap: i64 = 0;
  for (let t = 254; t >= 0; t--) {
    const bit = <i64>((load<u8>(SCALAR + (t >> 3)) >> (t & 7)) & 1);
    swap ^= bit;
    feCswap(X2, X3, swap);
    feCswap(Z2, Z3, swap);
    swap = bit;
    // RFC 7748 §5 with the sums and differences folded into the products:
    // A = x2 + z2, B = x2 - z2, C = x3 + z3, D = x3 - z3, E = AA - BB.
    feSqSum(TAA, X2, Z2); // AA = A^2
    feSqDiff(TBB, X2, Z2); // BB = B^2
    feMulDiffSum(TD, X3, Z3, X2, Z2); // DA = D * A
    feMulSumDiff(TC, X3, Z3, X2, Z2); // CB = C * B
    feSqSum(X3, TD, TC); // x3 = (DA + CB)^2
    feSqDiff(Z3, TD, TC);
    feMul(Z3, X1, Z3); // z3 = x1 * (DA - CB)^2
    feMul(X2, TAA, TBB); // x2 = AA * BB
    feA24Mix(TA, TAA, TBB); // AA + a24 * E
    feMulDiff(Z2, TAA, TBB, TA); // z2 = E * (AA + a24 * E)
  }
  feCswap(X2, X3, swap);
  feCswap(Z2, Z3, swap);
  feInvert(Z2, Z2);
  feMul(X2, X2, Z2);
  feToBytes(out, X2);
  memory.fill(SCALAR, 0, 32);
  memory.fill(WORK, 0, <i32>FE * 14);
}

// ---------------------------------------------------------------------------
// Exports.

/** X25519(k, u) of 32-byte strings at `k` and `u` into `out` (RFC 7748 §5), all-zero results included. */
export function x25519_scalarmult(out: usize, k: usize, u: usize): void {
  scalarMult(out, k, u);
}

/** The public key of the private key at `k`: X25519(k, 9), by the fixed-base method below. */
export function x25519_base(out: usize, k: usize): void {
  scalarMultBase(out, k);
}

/** 1 when the 32 bytes at `p` are all zero, else 0, in constant time. */
export function x25519_is_zero(p: usize): i32 {
  let acc: u64 = 0;
  for (let i: usize = 0; i < 32; i += 8) acc |= load<u64>(p + i);
  return <i32>(((acc | (0 - acc)) >> 63) ^ 1);
}

// ---------------------------------------------------------------------------
// Fixed-base multiplication for public keys. The base point's multiples are
// tabulated once, so k*B costs 64 table additions and 4 doublings on the
// twisted Edwards curve -x^2 + y^2 = 1 + d x^2 y^2 (birationally equivalent
// to curve25519, with u = (1 + y) / (1 - y)) instead of 255 ladder steps.
//
// k is recoded as sum(e_i 16^i) with digits e_i in [-8, 8]; then
// k*B = sum(e_odd 16^(i-1) B) * 16 + sum(e_even 16^i B), where 16^(2j) B =
// 256^j B, so the table holds T[j][n-1] = n * 256^j * B for j < 32, n = 1..8,
// in the affine form (y + x, y - x, 2d x y) that mixed addition wants. Table
// entries are read by scanning all 8 with masks: the position j is public, the
// digit is not.
//
// Points in extended coordinates (X:Y:Z:T) with x = X/Z, y = Y/Z, xy = T/Z;
// the "completed" form (X:Y:Z:T) from an addition or doubling stands for
// x = X/Z, y = Y/T and turns back into extended coordinates with 4 products.
// Completed coordinates are sums of up to two carried values (|limb| <= 2^27),
// which keeps the products in geFromCompleted below 2^62.

/** d = -121665/121666 and the base point B = (x, 4/5), x even, little-endian. */
const ED_D: usize = memory.data<u8>([163, 120, 89, 19, 202, 77, 235, 117, 171, 216, 65, 65, 77, 10, 112, 0, 152, 232, 121, 119, 121, 64, 199, 140, 115, 254, 111, 43, 238, 108, 3, 82]);
const ED_BX: usize = memory.data<u8>([26, 213, 37, 143, 96, 45, 86, 201, 178, 167, 37, 149, 96, 199, 44, 105, 92, 220, 214, 253, 49, 226, 164, 192, 254, 83, 110, 205, 211, 54, 105, 33]);
const ED_BY: usize = memory.data<u8>([88, 102, 102, 102, 102, 102, 102, 102, 102, 102, 102, 102, 102, 102, 102, 102, 102, 102, 102, 102, 102, 102, 102, 102, 102, 102, 102, 102, 102, 102, 102, 102]);

const LIMBS32: usize = 40; // a table field element: 10 limbs as i32
const ENTRY: usize = 128; // (y + x, y - x, 2d x y) as i32 limbs, padded to 8 v128 words
const TABLE: usize = memory.data(32 * 8 * 128, 16); // 32 rows of 8 entries
const SEL32: usize = memory.data(128, 16); // the entry being selected, in table form
let tableReady = false;

// Working points (4 field elements each) and a selected table entry (3).
const GWORK: usize = memory.data(<i32>FE * 18, 16);
const GP: usize = GWORK; // accumulator, extended
const GR: usize = GWORK + 4 * FE; // completed result
const GS: usize = GWORK + 8 * FE; // selected entry: ypx, ymx, xy2d
const GT0: usize = GWORK + 11 * FE;
const GT1: usize = GWORK + 12 * FE;
const GD2: usize = GWORK + 13 * FE; // 2d, set up with the table
const GBASE: usize = GWORK + 14 * FE; // 256^j B while the table is built
const DIGITS: usize = memory.data(64, 16); // signed radix-16 digits of the scalar (i8)

/** r (completed) = p (extended) + q (affine entry at q: y + x, y - x, 2d x y). */
function geMadd(r: usize, p: usize, q: usize): void {
  const px = p, py = p + FE, pz = p + 2 * FE, pt = p + 3 * FE;
  const rx = r, ry = r + FE, rz = r + 2 * FE, rt = r + 3 * FE;
  feAdd(GT1, py, px);
  feMul(rz, GT1, q); // A = (Y + X)(y + x)
  feMulDiff(ry, py, px, q + FE); // B = (Y - X)(y - x)
  feMul(rt, q + 2 * FE, pt); // C = 2d x y T
  feAdd(GT0, pz, pz); // D = 2Z
  feSub(rx, rz, ry); // A - B
  feAdd(ry, rz, ry); // A + B
  feAdd(rz, GT0, rt); // D + C
  feSub(rt, GT0, rt); // D - C
}

/** r (completed) = 2 p, reading only X, Y, Z of p. */
function geDouble(r: usize, p: usize): void {
  const px = p, py = p + FE, pz = p + 2 * FE;
  const rx = r, ry = r + FE, rz = r + 2 * FE, rt = r + 3 * FE;
  feSq(rx, px); // XX
  feSq(rz, py); // YY
  feSq(rt, pz);
  feAdd(rt, rt, rt); // 2 Z^2
  feSqSum(GT0, px, py); // (X + Y)^2
  feAdd(ry, rz, rx); // YY + XX
  feSub(rz, rz, rx); // YY - XX
  feSub(rx, GT0, ry); // (X + Y)^2 - (YY + XX)
  feSub(rt, rt, rz); // 2 Z^2 - (YY - XX)
}

/** p (extended) from r (completed). */
function geFromCompleted(p: usize, r: usize): void {
  const rx = r, ry = r + FE, rz = r + 2 * FE, rt = r + 3 * FE;
  feMul(p, rx, rt);
  feMul(p + FE, ry, rz);
  feMul(p + 2 * FE, rz, rt);
  feMul(p + 3 * FE, rx, ry);
}

function feStore32(dst: usize, f: usize): void {
  for (let i: usize = 0; i < 10; i++) store<i32>(dst + 4 * i, <i32>load<i64>(f + 8 * i));
}

/** Writes the affine entry (y + x, y - x, 2d x y) of the extended point p to the table. */
function geStoreEntry(dst: usize, p: usize): void {
  feInvert(GT1, p + 2 * FE); // 1/Z
  feMul(GS, p, GT1); // x
  feMul(GS + FE, p + FE, GT1); // y
  feMul(GS + 2 * FE, GS, GS + FE);
  feMul(GS + 2 * FE, GS + 2 * FE, GD2); // 2d x y
  feAdd(GT0, GS + FE, GS);
  feStore32(dst, GT0); // y + x
  feSub(GT0, GS + FE, GS);
  feStore32(dst + LIMBS32, GT0); // y - x
  feStore32(dst + 2 * LIMBS32, GS + 2 * FE);
}

/** Fills TABLE with n * 256^j * B. Public data; runs once per instance, on first use (a few ms, mostly 256 inversions). */
function buildTable(): void {
  const base = GBASE;
  feFromBytes(GD2, ED_D);
  feAdd(GD2, GD2, GD2);
  feFromBytes(base, ED_BX);
  feFromBytes(base + FE, ED_BY);
  feSetSmall(base + 2 * FE, 1);
  feMul(base + 3 * FE, base, base + FE);
  for (let j: usize = 0; j < 32; j++) {
    const row = TABLE + j * 8 * ENTRY;
    geStoreEntry(row, base);
    // GP runs through 2B, ..., 8B of this row by adding the row's first entry.
    memory.copy(GP, base, 4 * FE);
    for (let n: usize = 1; n < 8; n++) {
      loadEntry(GS, row);
      geMadd(GR, GP, GS);
      geFromCompleted(GP, GR);
      geStoreEntry(row + n * ENTRY, GP);
    }
    // Next row: 256 * base, by 8 doublings.
    for (let i = 0; i < 8; i++) {
      geDouble(GR, base);
      geFromCompleted(base, GR);
    }
  }
  tableReady = true;
}

/** Copies a table entry (public position) into the field elements at dst. */
function loadEntry(dst: usize, src: usize): void {
  for (let i: usize = 0; i < 30; i++) store<i64>(dst + 8 * i, <i64>load<i32>(src + 4 * i));
}

/** GS = e * 256^j * B for a secret digit e in [-8, 8], reading every entry of row j. */
function geSelect(j: usize, e: i32): void {
  const neg = <i64>((e >> 31) & 1);
  const abs = (e ^ -(<i32>neg)) + <i32>neg;
  // Start from the identity: y + x = 1, y - x = 1, 2d x y = 0.
  memory.fill(SEL32, 0, <i32>ENTRY);
  store<i32>(SEL32, 1);
  store<i32>(SEL32 + LIMBS32, 1);
  const row = TABLE + j * 8 * ENTRY;
  for (let n = 1; n <= 8; n++) {
    const hit = ((<u32>(abs ^ n)) - 1) >> 31; // 1 when abs == n
    const src = row + <usize>(n - 1) * ENTRY;
    if (ASC_FEATURE_SIMD) {
      const mask = i32x4.splat(-<i32>hit);
      for (let w: usize = 0; w < ENTRY; w += 16) {
        v128.store(SEL32 + w, v128.bitselect(v128.load(src + w), v128.load(SEL32 + w), mask));
      }
    } else {
      const mask = -<u64>hit;
      for (let w: usize = 0; w < ENTRY; w += 8) {
        const cur = load<u64>(SEL32 + w);
        store<u64>(SEL32 + w, cur ^ (mask & (cur ^ load<u64>(src + w))));
      }
    }
  }
  loadEntry(GS, SEL32);
  // -P swaps y + x with y - x and negates 2d x y.
  feCswap(GS, GS + FE, neg);
  const m = -neg;
  for (let i: usize = 0; i < FE; i += 8) {
    const v = load<i64>(GS + 2 * FE + i);
    store<i64>(GS + 2 * FE + i, v ^ (m & (v ^ -v)));
  }
}

/** out = X25519(k, 9) via k*B on the Edwards curve; clamps a copy of k. */
function scalarMultBase(out: usize, k: usize): void {
  if (!tableReady) buildTable();
  memory.copy(SCALAR, k, 32);
  store<u8>(SCALAR, load<u8>(SCALAR) & 248);
  store<u8>(SCALAR, (load<u8>(SCALAR, 31) & 127) | 64, 31);
  // Signed radix-16 digits: e_i in [-8, 8), the top one in [0, 8].
  for (let i: usize = 0; i < 32; i++) {
    const b = <i32>load<u8>(SCALAR + i);
    store<i8>(DIGITS + 2 * i, <i8>(b & 15));
    store<i8>(DIGITS + 2 * i + 1, <i8>(b >> 4));
  }
  let carry: i32 = 0;
  for (let i: usize = 0; i < 63; i++) {
    const e = <i32>load<i8>(DIGITS + i) + carry;
    carry = (e + 8) >> 4;
    store<i8>(DIGITS + i, <i8>(e - (carry << 4)));
  }
  store<i8>(DIGITS + 63, <i8>(<i32>load<i8>(DIGITS + 63) + carry));
  // Start from the identity (0 : 1 : 1 : 0).
  memory.fill(GP, 0, 4 * FE);
  store<i64>(GP + FE, 1);
  store<i64>(GP + 2 * FE, 1);
  for (let i: usize = 1; i < 64; i += 2) {
    geSelect(i >> 1, <i32>load<i8>(DIGITS + i));
    geMadd(GR, GP, GS);
    geFromCompleted(GP, GR);
  }
  for (let i = 0; i < 4; i++) {
    geDouble(GR, GP);
    geFromCompleted(GP, GR);
  }
  for (let i: usize = 0; i < 64; i += 2) {
    geSelect(i >> 1, <i32>load<i8>(DIGITS + i));
    geMadd(GR, GP, GS);
    geFromCompleted(GP, GR);
  }
  // u = (1 + y) / (1 - y) = (Z + Y) / (Z - Y).
  feSub(GT0, GP + 2 * FE, GP + FE);
  feInvert(GT1, GT0);
  feAdd(GT0, GP + 2 * FE, GP + FE);
  feMul(GT0, GT0, GT1);
  feToBytes(out, GT0);
  memory.fill(SCALAR, 0, 32);
  memory.fill(DIGITS, 0, 64);
  memory.fill(SEL32, 0, <i32>ENTRY);
  memory.fill(GWORK, 0, <i32>FE * 13); // everything but the public 2d and base slots
  memory.fill(WORK, 0, <i32>FE * 14); // inversion temporaries
}
