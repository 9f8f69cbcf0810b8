// BLAKE2s (RFC 7693) and what WireGuard builds on it: keyed hashing (MAC),
// HMAC-BLAKE2s with the 64-byte block, WireGuard's HKDF (KDF1/2/3) and the
// Noise mix-hash HASH(h || data). Every function works on raw pointers into
// linear memory and keeps its state in static regions: nothing is allocated.
//
// The JS bindings copy arguments into the exported scratch regions below;
// other AssemblyScript or JS callers may pass any pointers they own.

/** Size of the input scratch region; longer inputs go through init/update/final in chunks. */
export const BLAKE2S_IN_SIZE: i32 = 16384;
/** Input scratch (BLAKE2S_IN_SIZE bytes). */
export const BLAKE2S_IN_PTR: usize = memory.data(16384, 16);
/** Key scratch (64 bytes): BLAKE2s keys (≤ 32), HMAC keys (≤ 64), chaining keys. */
export const BLAKE2S_KEY_PTR: usize = memory.data(64, 16);
/** Output scratch (96 bytes: room for KDF3's three 32-byte outputs). */
export const BLAKE2S_OUT_PTR: usize = memory.data(96, 16);

// Hash state layout: chaining value h[8], 64-bit byte counter t, bytes in the
// buffer, digest length, then the 64-byte block buffer. The last block is kept
// buffered until final() because it must be compressed with the final flag.
const S_H: usize = 0;
const S_T: usize = 32;
const S_BUFLEN: usize = 40;
const S_OUTLEN: usize = 44;
const S_BUF: usize = 48;
const STATE_SIZE: i32 = 112;

// Separate states so the incremental hash, incremental HMAC and the one-shot
// helpers never step on each other.
const STATE: usize = memory.data(STATE_SIZE, 16); // blake2s_init/update/final
const WORK: usize = memory.data(STATE_SIZE, 16); // one-shot hashes, HMAC inner/outer runs
const HMAC_I: usize = memory.data(STATE_SIZE, 16); // state after absorbing key ^ ipad
const HMAC_O: usize = memory.data(STATE_SIZE, 16); // state after absorbing key ^ opad (compressed)
const PAD: usize = memory.data(64, 16); // key ^ pad block
const INNER: usize = memory.data(32, 16); // HMAC inner digest
const T0: usize = memory.data(32, 16); // KDF pseudorandom key t0
const MSG: usize = memory.data(36, 16); // KDF expand message t(i-1) || i

// ---------------------------------------------------------------------------
// Compression function F (RFC 7693 §3.2), rounds unrolled with the message
// schedule SIGMA applied at each index, so all 16 state words stay in locals.

function compress(st: usize, m: usize, f0: u32): void {
  let h0 = load<u32>(st, 0);
  let h1 = load<u32>(st, 4);
  let h2 = load<u32>(st, 8);
  let h3 = load<u32>(st, 12);
  let h4 = load<u32>(st, 16);
  let h5 = load<u32>(st, 20);
  let h6 = load<u32>(st, 24);
  let h7 = load<u32>(st, 28);
  let v0 = h0, v1 = h1, v2 = h2, v3 = h3, v4 = h4, v5 = h5, v6 = h6, v7 = h7;
  let v8: u32 = 0x6a09e667;
  let v9: u32 = 0xbb67ae85;
  let v10: u32 = 0x3c6ef372;
  let v11: u32 = 0xa54ff53a;
  let v12: u32 = 0x510e527f ^ load<u32>(st, S_T);
  let v13: u32 = 0x9b05688c ^ load<u32>(st, S_T + 4);
  let v14: u32 = 0x1f83d9ab ^ f0;
  let v15: u32 = 0x5be0cd19;
  // Little-endian message words: wasm loads are little-endian already.
  const m0 = load<u32>(m, 0), m1 = load<u32>(m, 4), m2 = load<u32>(m, 8), m3 = load<u32>(m, 12);
  const m4 = load<u32>(m, 16), m5 = load<u32>(m, 20), m6 = load<u32>(m, 24), m7 = load<u32>(m, 28);
  const m8 = load<u32>(m, 32), m9 = load<u32>(m, 36), m10 = load<u32>(m, 40), m11 = load<u32>(m, 44);
  const m12 = load<u32>(m, 48), m13 = load<u32>(m, 52), m14 = load<u32>(m, 56), m15 = load<u32>(m, 60);

  // round 0
  v0 += v4 + m0; v12 = rotr(v12 ^ v0, 16); v8 += v12; v4 = rotr(v4 ^ v8, 12);
  v0 += v4 + m1; v12 = rotr(v12 ^ v0, 8); v8 += v12; v4 = rotr(v4 ^ v8, 7);
  v1 += v5 + m2; v13 = rotr(v13 ^ v1, 16); v9 += v13; v5 = rotr(v5 ^ v9, 12);
  v1 += v5 + m3; v13 = rotr(v13 ^ v1, 8); v9 += v13; v5 = rotr(v5 ^ v9, 7);
  v2 += v6 + m4; v14 = rotr(v14 ^ v2, 16); v10 += v14; v6 = rotr(v6 ^ v10, 12);
  v2 += v6 + m5; v14 = rotr(v14 ^ v2, 8); v10 += v14; v6 = rotr(v6 ^ v10, 7);
  v3 += v7 + m6; v15 = rotr(v15 ^ v3, 16); v11 += v15; v7 = rotr(v7 ^ v11, 12);
  v3 += v7 + m7; v15 = rotr(v15 ^ v3, 8); v11 += v15; v7 = rotr(v7 ^ v11, 7);
  v0 += v5 + m8; v15 = rotr(v15 ^ v0, 16); v10 += v15; v5 = rotr(v5 ^ v10, 12);
  v0 += v5 + m9; v15 = rotr(v15 ^ v0, 8); v10 += v15; v5 = rotr(v5 ^ v10, 7);
  v1 += v6 + m10; v12 = rotr(v12 ^ v1, 16); v11 += v12; v6 = rotr(v6 ^ v11, 12);
  v1 += v6 + m11; v12 = rotr(v12 ^ v1, 8); v11 += v12; v6 = rotr(v6 ^ v11, 7);
  v2 += v7 + m12; v13 = rotr(v13 ^ v2, 16); v8 += v13; v7 = rotr(v7 ^ v8, 12);
  v2 += v7 + m13; v13 = rotr(v13 ^ v2, 8); v8 += v13; v7 = rotr(v7 ^ v8, 7);
  v3 += v4 + m14; v14 = rotr(v14 ^ v3, 16); v9 += v14; v4 = rotr(v4 ^ v9, 12);
  v3 += v4 + m15; v14 = rotr(v14 ^ v3, 8); v9 += v14; v4 = rotr(v4 ^ v9, 7);
  // round 1
  v0 += v4 + m14; v12 = rotr(v12 ^ v0, 16); v8 += v12; v4 = rotr(v4 ^ v8, 12);
  v0 += v4 + m10; v12 = rotr(v12 ^ v0, 8); v8 += v12; v4 = rotr(v4 ^ v8, 7);
  v1 += v5 + m4; v13 = rotr(v13 ^ v1, 16); v9 += v13; v5 = rotr(v5 ^ v9, 12);
  v1 += v5 + m8; v13 = rotr(v13 ^ v1, 8); v9 += v13; v5 = rotr(v5 ^ v9, 7);
  v2 += v6 + m9; v14 = rotr(v14 ^ v2, 16); v10 += v14; v6 = rotr(v6 ^ v10, 12);
  v2 += v6 + m15; v14 = rotr(v14 ^ v2, 8); v10 += v14; v6 = rotr(v6 ^ v10, 7);
  v3 += v7 + m13; v15 = rotr(v15 ^ v3, 16); v11 += v15; v7 = rotr(v7 ^ v11, 12);
  v3 += v7 + m6; v15 = rotr(v15 ^ v3, 8); v11 += v15; v7 = rotr(v7 ^ v11, 7);
  v0 += v5 + m1; v15 = rotr(v15 ^ v0, 16); v10 += v15; v5 = rotr(v5 ^ v10, 12);
  v0 += v5 + m12; v15 = rotr(v15 ^ v0, 8); v10 += v15; v5 = rotr(v5 ^ v10, 7);
  v1 += v6 + m0; v12 = rotr(v12 ^ v1, 16); v11 += v12; v6 = rotr(v6 ^ v11, 12);
  v1 += v6 + m2; v12 = rotr(v12 ^ v1, 8); v11 += v12; v6 = rotr(v6 ^ v11, 7);
  v2 += v7 + m11; v13 = rotr(v13 ^ v2, 16); v8 += v13; v7 = rotr(v7 ^ v8, 12);
  v2 += v7 + m7; v13 = rotr(v13 ^ v2, 8); v8 += v13; v7 = rotr(v7 ^ v8, 7);
  v3 += v4 + m5; v14 = rotr(v14 ^ v3, 16); v9 += v14; v4 = rotr(v4 ^ v9, 12);
  v3 += v4 + m3; v14 = rotr(v14 ^ v3, 8); v9 += v14; v4 = rotr(v4 ^ v9, 7);
  // round 2
  v0 += v4 + m11; v12 = rotr(v12 ^ v0, 16); v8 += v12; v4 = rotr(v4 ^ v8, 12);
  v0 += v4 + m8; v12 = rotr(v12 ^ v0, 8); v8 += v12; v4 = rotr(v4 ^ v8, 7);
  v1 += v5 + m12; v13 = rotr(v13 ^ v1, 16); v9 += v13; v5 = rotr(v5 ^ v9, 12);
  v1 += v5 + m0; v13 = rotr(v13 ^ v1, 8); v9 += v13; v5 = rotr(v5 ^ v9, 7);
  v2 += v6 + m5; v14 = rotr(v14 ^ v2, 16); v10 += v14; v6 = rotr(v6 ^ v10, 12);
  v2 += v6 + m2; v14 = rotr(v14 ^ v2, 8); v10 += v14; v6 = rotr(v6 ^ v10, 7);
  v3 += v7 + m15; v15 = rotr(v15 ^ v3, 16); v11 += v15; v7 = rotr(v7 ^ v11, 12);
  v3 += v7 + m13; v15 = rotr(v15 ^ v3, 8); v11 += v15; v7 = rotr(v7 ^ v11, 7);
  v0 += v5 + m10; v15 = rotr(v15 ^ v0, 16); v10 += v15; v5 = rotr(v5 ^ v10, 12);
  v0 += v5 + m14; v15 = rotr(v15 ^ v0, 8); v10 += v15; v5 = rotr(v5 ^ v10, 7);
  v1 += v6 + m3; v12 = rotr(v12 ^ v1, 16); v11 += v12; v6 = rotr(v6 ^ v11, 12);
  v1 += v6 + m6; v12 = rotr(v12 ^ v1, 8); v11 += v12; v6 = rotr(v6 ^ v11, 7);
  v2 += v7 + m7; v13 = rotr(v13 ^ v2, 16); v8 += v13; v7 = rotr(v7 ^ v8, 12);
  v2 += v7 + m1; v13 = rotr(v13 ^ v2, 8); v8 += v13; v7 = rotr(v7 ^ v8, 7);
  v3 += v4 + m9; v14 = rotr(v14 ^ v3, 16); v9 += v14; v4 = rotr(v4 ^ v9, 12);
  v3 += v4 + m4; v14 = rotr(v14 ^ v3, 8); v9 += v14; v4 = rotr(v4 ^ v9, 7);
  // round 3
  v0 += v4 + m7; v12 = rotr(v12 ^ v0, 16); v8 += v12; v4 = rotr(v4 ^ v8, 12);
  v0 += v4 + m9; v12 = rotr(v12 ^ v0, 8); v8 += v12; v4 = rotr(v4 ^ v8, 7);
  v1 += v5 + m3; v13 = rotr(v13 ^ v1, 16); v9 += v13; v5 = rotr(v5 ^ v9, 12);
  v1 += v5 + m1; v13 = rotr(v13 ^ v1, 8); v9 += v13; v5 = rotr(v5 ^ v9, 7);
  v2 += v6 + m13; v14 = rotr(v14 ^ v2, 16); v10 += v14; v6 = rotr(v6 ^ v10, 12);
  v2 += v6 + m12; v14 = rotr(v14 ^ v2, 8); v10 += v14; v6 = rotr(v6 ^ v10, 7);
  v3 += v7 + m11; v15 = rotr(v15 ^ v3, 16); v11 += v15; v7 = rotr(v7 ^ v11, 12);
  v3 += v7 + m14; v15 = rotr(v15 ^ v3, 8); v11 += v15; v7 = rotr(v7 ^ v11, 7);
  v0 += v5 + m2; v15 = rotr(v15 ^ v0, 16); v10 += v15; v5 = rotr(v5 ^ v10, 12);
  v0 += v5 + m6; v15 = rotr(v15 ^ v0, 8); v10 += v15; v5 = rotr(v5 ^ v10, 7);
  v1 += v6 + m5; v12 = rotr(v12 ^ v1, 16); v11 += v12; v6 = rotr(v6 ^ v11, 12);
  v1 += v6 + m10; v12 = rotr(v12 ^ v1, 8); v11 += v12; v6 = rotr(v6 ^ v11, 7);
  v2 += v7 + m4; v13 = rotr(v13 ^ v2, 16); v8 += v13; v7 = rotr(v7 ^ v8, 12);
  v2 += v7 + m0; v13 = rotr(v13 ^ v2, 8); v8 += v13; v7 = rotr(v7 ^ v8, 7);
  v3 += v4 + m15; v14 = rotr(v14 ^ v3, 16); v9 += v14; v4 = rotr(v4 ^ v9, 12);
  v3 += v4 + m8; v14 = rotr(v14 ^ v3, 8); v9 += v14; v4 = rotr(v4 ^ v9, 7);
  // round 4
  v0 += v4 + m9; v12 = rotr(v12 ^ v0, 16); v8 += v12; v4 = rotr(v4 ^ v8, 12);
  v0 += v4 + m0; v12 = rotr(v12 ^ v0, 8); v8 += v12; v4 = rotr(v4 ^ v8, 7);
  v1 += v5 + m5; v13 = rotr(v13 ^ v1, 16); v9 += v13; v5 = rotr(v5 ^ v9, 12);
  v1 += v5 + m7; v13 = rotr(v13 ^ v1, 8); v9 += v13; v5 = rotr(v5 ^ v9, 7);
  v2 += v6 + m2; v14 = rotr(v14 ^ v2, 16); v10 += v14; v6 = rotr(v6 ^ v10, 12);
  v2 += v6 + m4; v14 = rotr(v14 ^ v2, 8); v10 += v14; v6 = rotr(v6 ^ v10, 7);
  v3 += v7 + m10; v15 = rotr(v15 ^ v3, 16); v11 += v15; v7 = rotr(v7 ^ v11, 12);
  v3 += v7 + m15; v15 = rotr(v15 ^ v3, 8); v11 += v15; v7 = rotr(v7 ^ v11, 7);
  v0 += v5 + m14; v15 = rotr(v15 ^ v0, 16); v10 += v15; v5 = rotr(v5 ^ v10, 12);
  v0 += v5 + m1; v15 = rotr(v15 ^ v0, 8); v10 += v15; v5 = rotr(v5 ^ v10, 7);
  v1 += v6 + m11; v12 = rotr(v12 ^ v1, 16); v11 += v12; v6 = rotr(v6 ^ v11, 12);
  v1 += v6 + m12; v12 = rotr(v12 ^ v1, 8); v11 += v12; v6 = rotr(v6 ^ v11, 7);
  v2 += v7 + m6; v13 = rotr(v13 ^ v2, 16); v8 += v13; v7 = rotr(v7 ^ v8, 12);
  v2 += v7 + m8; v13 = rotr(v13 ^ v2, 8); v8 += v13; v7 = rotr(v7 ^ v8, 7);
  v3 += v4 + m3; v14 = rotr(v14 ^ v3, 16); v9 += v14; v4 = rotr(v4 ^ v9, 12);
  v3 += v4 + m13; v14 = rotr(v14 ^ v3, 8); v9 += v14; v4 = rotr(v4 ^ v9, 7);
  // round 5
  v0 += v4 + m2; v12 = rotr(v12 ^ v0, 16); v8 += v12; v4 = rotr(v4 ^ v8, 12);
  v0 += v4 + m12; v12 = rotr(v12 ^ v0, 8); v8 += v12; v4 = rotr(v4 ^ v8, 7);
  v1 += v5 + m6; v13 = rotr(v13 ^ v1, 16); v9 += v13; v5 = rotr(v5 ^ v9, 12);
  v1 += v5 + m10; v13 = rotr(v13 ^ v1, 8); v9 += v13; v5 = rotr(v5 ^ v9, 7);
  v2 += v6 + m0; v14 = rotr(v14 ^ v2, 16); v10 += v14; v6 = rotr(v6 ^ v10, 12);
  v2 += v6 + m11; v14 = rotr(v14 ^ v2, 8); v10 += v14; v6 = rotr(v6 ^ v10, 7);
  v3 += v7 + m8; v15 = rotr(v15 ^ v3, 16); v11 += v15; v7 = rotr(v7 ^ v11, 12);
  v3 += v7 + m3; v15 = rotr(v15 ^ v3, 8); v11 += v15; v7 = rotr(v7 ^ v11, 7);
  v0 += v5 + m4; v15 = rotr(v15 ^ v0, 16); v10 += v15; v5 = rotr(v5 ^ v10, 12);
  v0 += v5 + m13; v15 = rotr(v15 ^ v0, 8); v10 += v15; v5 = rotr(v5 ^ v10, 7);
  v1 += v6 + m7; v12 = rotr(v12 ^ v1, 16); v11 += v12; v6 = rotr(v6 ^ v11, 12);
  v1 += v6 + m5; v12 = rotr(v12 ^ v1, 8); v11 += v12; v6 = rotr(v6 ^ v11, 7);
  v2 += v7 + m15; v13 = rotr(v13 ^ v2, 16); v8 += v13; v7 = rotr(v7 ^ v8, 12);
  v2 += v7 + m14; v13 = rotr(v13 ^ v2, 8); v8 += v13; v7 = rotr(v7 ^ v8, 7);
  v3 += v4 + m1; v14 = rotr(v14 ^ v3, 16); v9 += v14; v4 = rotr(v4 ^ v9, 12);
  v3 += v4 + m9; v14 = rotr(v14 ^ v3, 8); v9 += v14; v4 = rotr(v4 ^ v9, 7);
  // round 6
  v0 += v4 + m12; v12 = rotr(v12 ^ v0, 16); v8 += v12; v4 = rotr(v4 ^ v8, 12);
  v0 += v4 + m5; v12 = rotr(v12 ^ v0, 8); v8 += v12; v4 = rotr(v4 ^ v8, 7);
  v1 += v5 + m1; v13 = rotr(v13 ^ v1, 16); v9 += v13; v5 = rotr(v5 ^ v9, 12);
  v1 += v5 + m15; v13 = rotr(v13 ^ v1, 8); v9 += v13; v5 = rotr(v5 ^ v9, 7);
  v2 += v6 + m14; v14 = rotr(v14 ^ v2, 16); v10 += v14; v6 = rotr(v6 ^ v10, 12);
  v2 += v6 + m13; v14 = rotr(v14 ^ v2, 8); v10 += v14; v6 = rotr(v6 ^ v10, 7);
  v3 += v7 + m4; v15 = rotr(v15 ^ v3, 16); v11 += v15; v7 = rotr(v7 ^ v11, 12);
  v3 += v7 + m10; v15 = rotr(v15 ^ v3, 8); v11 += v15; v7 = rotr(v7 ^ v11, 7);
  v0 += v5 + m0; v15 = rotr(v15 ^ v0, 16); v10 += v15; v5 = rotr(v5 ^ v10, 12);
  v0 += v5 + m7; v15 = rotr(v15 ^ v0, 8); v10 += v15; v5 = rotr(v5 ^ v10, 7);
  v1 += v6 + m6; v12 = rotr(v12 ^ v1, 16); v11 += v12; v6 = rotr(v6 ^ v11, 12);
  v1 += v6 + m3; v12 = rotr(v12 ^ v1, 8); v11 += v12; v6 = rotr(v6 ^ v11, 7);
  v2 += v7 + m9; v13 = rotr(v13 ^ v2, 16); v8 += v13; v7 = rotr(v7 ^ v8, 12);
  v2 += v7 + m2; v13 = rotr(v13 ^ v2, 8); v8 += v13; v7 = rotr(v7 ^ v8, 7);
  v3 += v4 + m8; v14 = rotr(v14 ^ v3, 16); v9 += v14; v4 = rotr(v4 ^ v9, 12);
  v3 += v4 + m11; v14 = rotr(v14 ^ v3, 8); v9 += v14; v4 = rotr(v4 ^ v9, 7);
  // round 7
  v0 += v4 + m13; v12 = rotr(v12 ^ v0, 16); v8 += v12; v4 = rotr(v4 ^ v8, 12);
  v0 += v4 + m11; v12 = rotr(v12 ^ v0, 8); v8 += v12; v4 = rotr(v4 ^ v8, 7);
  v1 += v5 + m7; v13 = rotr(v13 ^ v1, 16); v9 += v13; v5 = rotr(v5 ^ v9, 12);
  v1 += v5 + m14; v13 = rotr(v13 ^ v1, 8); v9 += v13; v5 = rotr(v5 ^ v9, 7);
  v2 += v6 + m12; v14 = rotr(v14 ^ v2, 16); v10 += v14; v6 = rotr(v6 ^ v10, 12);
  v2 += v6 + m1; v14 = rotr(v14 ^ v2, 8); v10 += v14; v6 = rotr(v6 ^ v10, 7);
  v3 += v7 + m3; v15 = rotr(v15 ^ v3, 16); v11 += v15; v7 = rotr(v7 ^ v11, 12);
  v3 += v7 + m9; v15 = rotr(v15 ^ v3, 8); v11 += v15; v7 = rotr(v7 ^ v11, 7);
  v0 += v5 + m5; v15 = rotr(v15 ^ v0, 16); v10 += v15; v5 = rotr(v5 ^ v10, 12);
  v0 += v5 + m0; v15 = rotr(v15 ^ v0, 8); v10 += v15; v5 = rotr(v5 ^ v10, 7);
  v1 += v6 + m15; v12 = rotr(v12 ^ v1, 16); v11 += v12; v6 = rotr(v6 ^ v11, 12);
  v1 += v6 + m4; v12 = rotr(v12 ^ v1, 8); v11 += v12; v6 = rotr(v6 ^ v11, 7);
  v2 += v7 + m8; v13 = rotr(v13 ^ v2, 16); v8 += v13; v7 = rotr(v7 ^ v8, 12);
  v2 += v7 + m6; v13 = rotr(v13 ^ v2, 8); v8 += v13; v7 = rotr(v7 ^ v8, 7);
  v3 += v4 + m2; v14 = rotr(v14 ^ v3, 16); v9 += v14; v4 = rotr(v4 ^ v9, 12);
  v3 += v4 + m10; v14 = rotr(v14 ^ v3, 8); v9 += v14; v4 = rotr(v4 ^ v9, 7);
  // round 8
  v0 += v4 + m6; v12 = rotr(v12 ^ v0, 16); v8 += v12; v4 = rotr(v4 ^ v8, 12);
  v0 += v4 + m15; v12 = rotr(v12 ^ v0, 8); v8 += v12; v4 = rotr(v4 ^ v8, 7);
  v1 += v5 + m14; v13 = rotr(v13 ^ v1, 16); v9 += v13; v5 = rotr(v5 ^ v9, 12);
  v1 += v5 + m9; v13 = rotr(v13 ^ v1, 8); v9 += v13; v5 = rotr(v5 ^ v9, 7);
  v2 += v6 + m11; v14 = rotr(v14 ^ v2, 16); v10 += v14; v6 = rotr(v6 ^ v10, 12);
  v2 += v6 + m3; v14 = rotr(v14 ^ v2, 8); v10 += v14; v6 = rotr(v6 ^ v10, 7);
  v3 += v7 + m0; v15 = rotr(v15 ^ v3, 16); v11 += v15; v7 = rotr(v7 ^ v11, 12);
  v3 += v7 + m8; v15 = rotr(v15 ^ v3, 8); v11 += v15; v7 = rotr(v7 ^ v11, 7);
  v0 += v5 + m12; v15 = rotr(v15 ^ v0, 16); v10 += v15; v5 = rotr(v5 ^ v10, 12);
  v0 += v5 + m2; v15 = rotr(v15 ^ v0, 8); v10 += v15; v5 = rotr(v5 ^ v10, 7);
  v1 += v6 + m13; v12 = rotr(v12 ^ v1, 16); v11 += v12; v6 = rotr(v6 ^ v11, 12);
  v1 += v6 + m7; v12 = rotr(v12 ^ v1, 8); v11 += v12; v6 = rotr(v6 ^ v11, 7);
  v2 += v7 + m1; v13 = rotr(v13 ^ v2, 16); v8 += v13; v7 = rotr(v7 ^ v8, 12);
  v2 += v7 + m4; v13 = rotr(v13 ^ v2, 8); v8 += v13; v7 = rotr(v7 ^ v8, 7);
  v3 += v4 + m10; v14 = rotr(v14 ^ v3, 16); v9 += v14; v4 = rotr(v4 ^ v9, 12);
  v3 += v4 + m5; v14 = rotr(v14 ^ v3, 8); v9 += v14; v4 = rotr(v4 ^ v9, 7);
  // round 9
  v0 += v4 + m10; v12 = rotr(v12 ^ v0, 16); v8 += v12; v4 = rotr(v4 ^ v8, 12);
  v0 += v4 + m2; v12 = rotr(v12 ^ v0, 8); v8 += v12; v4 = rotr(v4 ^ v8, 7);
  v1 += v5 + m8; v13 = rotr(v13 ^ v1, 16); v9 += v13; v5 = rotr(v5 ^ v9, 12);
  v1 += v5 + m4; v13 = rotr(v13 ^ v1, 8); v9 += v13; v5 = rotr(v5 ^ v9, 7);
  v2 += v6 + m7; v14 = rotr(v14 ^ v2, 16); v10 += v14; v6 = rotr(v6 ^ v10, 12);
  v2 += v6 + m6; v14 = rotr(v14 ^ v2, 8); v10 += v14; v6 = rotr(v6 ^ v10, 7);
  v3 += v7 + m1; v15 = rotr(v15 ^ v3, 16); v11 += v15; v7 = rotr(v7 ^ v11, 12);
  v3 += v7 + m5; v15 = rotr(v15 ^ v3, 8); v11 += v15; v7 = rotr(v7 ^ v11, 7);
  v0 += v5 + m15; v15 = rotr(v15 ^ v0, 16); v10 += v15; v5 = rotr(v5 ^ v10, 12);
  v0 += v5 + m11; v15 = rotr(v15 ^ v0, 8); v10 += v15; v5 = rotr(v5 ^ v10, 7);
  v1 += v6 + m9; v12 = rotr(v12 ^ v1, 16); v11 += v12; v6 = rotr(v6 ^ v11, 12);
  v1 += v6 + m14; v12 = rotr(v12 ^ v1, 8); v11 += v12; v6 = rotr(v6 ^ v11, 7);
  v2 += v7 + m3; v13 = rotr(v13 ^ v2, 16); v8 += v13; v7 = rotr(v7 ^ v8, 12);
  v2 += v7 + m12; v13 = rotr(v13 ^ v2, 8); v8 += v13; v7 = rotr(v7 ^ v8, 7);
  v3 += v4 + m13; v14 = rotr(v14 ^ v3, 16); v9 += v14; v4 = rotr(v4 ^ v9, 12);
  v3 += v4 + m0; v14 = rotr(v14 ^ v3, 8); v9 += v14; v4 = rotr(v4 ^ v9, 7);

  store<u32>(st, h0 ^ v0 ^ v8, 0);
  store<u32>(st, h1 ^ v1 ^ v9, 4);
  store<u32>(st, h2 ^ v2 ^ v10, 8);
  store<u32>(st, h3 ^ v3 ^ v11, 12);
  store<u32>(st, h4 ^ v4 ^ v12, 16);
  store<u32>(st, h5 ^ v5 ^ v13, 20);
  store<u32>(st, h6 ^ v6 ^ v14, 24);
  store<u32>(st, h7 ^ v7 ^ v15, 28);
}

// ---------------------------------------------------------------------------
// init / update / final over a state at `st`.

@inline function addCounter(st: usize, n: u64): void {
  store<u64>(st, load<u64>(st, S_T) + n, S_T);
}

function stateInit(st: usize, outLen: i32, key: usize, keyLen: i32): void {
  // Parameter block word 0: digest length, key length, fanout 1, depth 1.
  store<u32>(st, 0x6a09e667 ^ (0x01010000 | (<u32>keyLen << 8) | <u32>outLen), 0);
  store<u32>(st, 0xbb67ae85, 4);
  store<u32>(st, 0x3c6ef372, 8);
  store<u32>(st, 0xa54ff53a, 12);
  store<u32>(st, 0x510e527f, 16);
  store<u32>(st, 0x9b05688c, 20);
  store<u32>(st, 0x1f83d9ab, 24);
  store<u32>(st, 0x5be0cd19, 28);
  store<u64>(st, 0, S_T);
  store<u32>(st, 0, S_BUFLEN);
  store<u32>(st, outLen, S_OUTLEN);
  if (keyLen > 0) {
    // The key, zero-padded to a full block, is the first block of input.
    memory.fill(st + S_BUF, 0, 64);
    memory.copy(st + S_BUF, key, keyLen);
    store<u32>(st, 64, S_BUFLEN);
  }
}

function stateUpdate(st: usize, p: usize, len: i32): void {
  if (len <= 0) return;
  let buflen = load<i32>(st, S_BUFLEN);
  const fill = 64 - buflen;
  if (buflen > 0 && len > fill) {
    // More data follows, so the buffered block is not the last one.
    memory.copy(st + S_BUF + buflen, p, fill);
    addCounter(st, 64);
    compress(st, st + S_BUF, 0);
    p += fill;
    len -= fill;
    buflen = 0;
  }
  // Whole blocks straight from the input, always keeping at least one byte back.
  while (len > 64) {
    addCounter(st, 64);
    compress(st, p, 0);
    p += 64;
    len -= 64;
  }
  memory.copy(st + S_BUF + buflen, p, len);
  store<i32>(st, buflen + len, S_BUFLEN);
}

/** Compresses a buffered full block early; only valid when more input is certain to follow. */
function stateSettle(st: usize): void {
  if (load<i32>(st, S_BUFLEN) == 64) {
    addCounter(st, 64);
    compress(st, st + S_BUF, 0);
    store<i32>(st, 0, S_BUFLEN);
  }
}

/** Writes the digest to `out` (which may overlap anything) and wipes the state. */
function stateFinal(st: usize, out: usize): void {
  const buflen = load<i32>(st, S_BUFLEN);
  addCounter(st, <u64>buflen);
  memory.fill(st + S_BUF + buflen, 0, 64 - buflen);
  compress(st, st + S_BUF, 0xffffffff);
  memory.copy(out, st + S_H, load<i32>(st, S_OUTLEN));
  memory.fill(st, 0, STATE_SIZE);
}

// ---------------------------------------------------------------------------
// HMAC-BLAKE2s (RFC 2104 with BLAKE2s-256 and a 64-byte block).

function hmacSetKey(key: usize, keyLen: i32): void {
  memory.fill(PAD, 0, 64);
  if (keyLen > 64) {
    // RFC 2104: a key longer than the block is replaced by its hash.
    stateInit(WORK, 32, 0, 0);
    stateUpdate(WORK, key, keyLen);
    stateFinal(WORK, PAD);
  } else {
    memory.copy(PAD, key, keyLen);
  }
  for (let i: usize = 0; i < 64; i += 8) store<u64>(PAD + i, load<u64>(PAD + i) ^ 0x3636363636363636);
  stateInit(HMAC_I, 32, 0, 0);
  stateUpdate(HMAC_I, PAD, 64); // stays buffered: the message may be empty
  for (let i: usize = 0; i < 64; i += 8) store<u64>(PAD + i, load<u64>(PAD + i) ^ (0x3636363636363636 ^ 0x5c5c5c5c5c5c5c5c));
  stateInit(HMAC_O, 32, 0, 0);
  stateUpdate(HMAC_O, PAD, 64);
  stateSettle(HMAC_O); // the outer message (the inner digest) is never empty
  memory.fill(PAD, 0, 64);
}

/** Outer hash over the inner digest held in INNER. */
function hmacOuter(out: usize): void {
  memory.copy(WORK, HMAC_O, STATE_SIZE);
  stateUpdate(WORK, INNER, 32);
  stateFinal(WORK, out);
}

/** HMAC with the key set by hmacSetKey, over one contiguous message. */
function hmacRun(p: usize, len: i32, out: usize): void {
  memory.copy(WORK, HMAC_I, STATE_SIZE);
  stateUpdate(WORK, p, len);
  stateFinal(WORK, INNER);
  hmacOuter(out);
}

function hmacWipe(): void {
  memory.fill(HMAC_I, 0, STATE_SIZE);
  memory.fill(HMAC_O, 0, STATE_SIZE);
  memory.fill(INNER, 0, 32);
}

/** t1..tn of WireGuard's HKDF from the pseudorandom key t0 held in T0. */
function kdfExpand(n: i32, out: usize): void {
  hmacSetKey(T0, 32);
  stateSettle(HMAC_I); // every expand message is non-empty
  // t1 = HMAC(t0, 0x1); t(i) = HMAC(t0, t(i-1) || i)
  store<u8>(MSG, 1);
  hmacRun(MSG, 1, out);
  for (let i = 2; i <= n; i++) {
    const prev = out + <usize>(32 * (i - 2));
    memory.copy(MSG, prev, 32);
    store<u8>(MSG, <u8>i, 32);
    hmacRun(MSG, 33, prev + 32);
  }
  hmacWipe();
  memory.fill(T0, 0, 32);
  memory.fill(MSG, 0, 36);
}

// ---------------------------------------------------------------------------
// Exports. Lengths are trusted here: the bindings check them (outLen 1..32,
// BLAKE2s keyLen 0..32, n 1..3).

/** Starts an incremental BLAKE2s with an `outLen`-byte digest, keyed when keyLen > 0. */
export function blake2s_init(outLen: i32, key: usize, keyLen: i32): void {
  stateInit(STATE, outLen, key, keyLen);
}

export function blake2s_update(p: usize, len: i32): void {
  stateUpdate(STATE, p, len);
}

/** Writes the digest and wipes the incremental state. */
export function blake2s_final(out: usize): void {
  stateFinal(STATE, out);
}

/** One-shot BLAKE2s of `len` bytes at `p`; `out` may overlap the input. */
export function blake2s_hash(p: usize, len: i32, outLen: i32, key: usize, keyLen: i32, out: usize): void {
  stateInit(WORK, outLen, key, keyLen);
  stateUpdate(WORK, p, len);
  stateFinal(WORK, out);
}

/** WireGuard's MAC(key, input): BLAKE2s keyed with a 32-byte key, 16-byte output. */
export function blake2s_mac16(key: usize, p: usize, len: i32, out: usize): void {
  blake2s_hash(p, len, 16, key, 32, out);
}

/** Noise mix-hash: h = HASH(h || data), 32 bytes at `h` updated in place. */
export function blake2s_mix_hash(h: usize, p: usize, len: i32): void {
  stateInit(WORK, 32, 0, 0);
  stateUpdate(WORK, h, 32);
  stateUpdate(WORK, p, len);
  stateFinal(WORK, h);
}

/** One-shot HMAC-BLAKE2s; any key length. Wipes the key-derived state. */
export function blake2s_hmac(key: usize, keyLen: i32, p: usize, len: i32, out: usize): void {
  hmacSetKey(key, keyLen);
  hmacRun(p, len, out);
  hmacWipe();
}

/** Incremental HMAC for inputs that do not fit one call. */
export function blake2s_hmac_init(key: usize, keyLen: i32): void {
  hmacSetKey(key, keyLen);
  memory.copy(WORK, HMAC_I, STATE_SIZE);
}

export function blake2s_hmac_update(p: usize, len: i32): void {
  stateUpdate(WORK, p, len);
}

export function blake2s_hmac_final(out: usize): void {
  stateFinal(WORK, INNER);
  hmacOuter(out);
  hmacWipe();
}

/**
 * WireGuard's KDFn (n = 1..3): t0 = HMAC(key, input), t1 = HMAC(t0, 0x1),
 * t(i) = HMAC(t0, t(i-1) || i); writes t1..tn (32 bytes each) to `out`.
 * `out` may overlap the key or the input (both are consumed first).
 */
export function blake2s_kdf(n: i32, key: usize, keyLen: i32, p: usize, len: i32, out: usize): void {
  hmacSetKey(key, keyLen);
  hmacRun(p, len, T0);
  kdfExpand(n, out);
}

/** The expand half of blake2s_kdf, from a 32-byte t0 at `prk` (for inputs fed through blake2s_hmac_*). */
export function blake2s_kdf_expand(n: i32, prk: usize, out: usize): void {
  memory.copy(T0, prk, 32);
  kdfExpand(n, out);
}
