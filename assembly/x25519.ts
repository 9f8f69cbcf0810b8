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


function feSetSmall(h: usize, v: i64): void {
  memory.fill(h, 0, FE);
  store<i64>(h, v);
}

/** Swaps f and g when bit is 1, leaves them when 0, touching both either way. */
function feCswap(f: usize, g: usize, bit: i64): void {
  const mask = -bit;
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

const BASE_POINT: usize = memory.data<u8>([9, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);

/** The public key of the private key at `k`: X25519(k, 9). */
export function x25519_base(out: usize, k: usize): void {
  scalarMult(out, k, BASE_POINT);
}

/** 1 when the 32 bytes at `p` are all zero, else 0, in constant time. */
export function x25519_is_zero(p: usize): i32 {
  let acc: u64 = 0;
  for (let i: usize = 0; i < 32; i += 8) acc |= load<u64>(p + i);
  return <i32>(((acc | (0 - acc)) >> 63) ^ 1);
}
