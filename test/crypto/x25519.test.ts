// X25519 (RFC 7748) on both builds: the RFC vectors, all of Wycheproof's
// x25519_test.json (low-order points giving all zeros included), and
// differential runs against Node's OpenSSL and @noble/curves on seeded
// random keys.
import { createPrivateKey, createPublicKey, diffieHellman } from "node:crypto";
import { readFileSync } from "node:fs";
import { x25519 as noble } from "@noble/curves/ed25519.js";
import { describe, expect, it } from "vitest";
import { instantiateCore } from "../../bindings/crypto/wasm.js";
import { x25519Api } from "../../bindings/crypto/x25519.js";

const vectorsDir = new URL("../vectors/", import.meta.url);
const rfc = JSON.parse(readFileSync(new URL("rfc7748.json", vectorsDir), "utf8"));
const wycheproof = JSON.parse(readFileSync(new URL("wycheproof-x25519.json", vectorsDir), "utf8")) as {
  numberOfTests: number;
  tests: { tcId: number; flags: string[]; public: string; private: string; shared: string; result: string }[];
};

const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");
const unhex = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, "hex"));
const b64u = (b: Uint8Array) => Buffer.from(b).toString("base64url");
const ZERO32 = "00".repeat(32);

/** Deterministic bytes (xorshift32) so a failing case reproduces. */
function rng(seed: number) {
  let s = seed >>> 0 || 1;
  return (n: number) => {
    const b = new Uint8Array(n);
    for (let i = 0; i < n; i++) {
      s ^= s << 13;
      s >>>= 0;
      s ^= s >>> 17;
      s ^= s << 5;
      s >>>= 0;
      b[i] = s & 0xff;
    }
    return b;
  };
}

// OpenSSL as the oracle. The public half of a private JWK is derived by
// OpenSSL itself from a PKCS#8 import, so it does not come from the code under test.
const PKCS8_X25519_PREFIX = Buffer.from("302e020100300506032b656e04220420", "hex");
function opensslPublicKey(priv: Uint8Array): string {
  const key = createPrivateKey({ key: Buffer.concat([PKCS8_X25519_PREFIX, priv]), format: "der", type: "pkcs8" });
  return createPublicKey(key).export({ format: "jwk" }).x as string;
}
function opensslShared(priv: Uint8Array, pub: Uint8Array, privX = opensslPublicKey(priv)): string {
  const privateKey = createPrivateKey({ key: { kty: "OKP", crv: "X25519", d: b64u(priv), x: privX }, format: "jwk" });
  const publicKey = createPublicKey({ key: { kty: "OKP", crv: "X25519", x: b64u(pub) }, format: "jwk" });
  return hex(diffieHellman({ privateKey, publicKey }));
}

/** Random cases with OpenSSL's answers, computed once and shared by both builds. */
let cases: { priv: Uint8Array; peer: Uint8Array; shared: string; publicX: string }[] | undefined;
function opensslCases() {
  if (cases) return cases;
  const bytes = rng(0x25519);
  cases = [];
  let lastPublic = new Uint8Array(32);
  for (let i = 0; i < 1000; i++) {
    const priv = bytes(32); // unclamped on purpose: clamping happens inside
    const publicX = opensslPublicKey(priv);
    // Half the peers are random strings (twist points, top bit set), half real public keys.
    const peer = i % 2 === 0 ? bytes(32) : lastPublic;
    cases.push({ priv, peer, shared: opensslShared(priv, peer, publicX), publicX });
    lastPublic = new Uint8Array(Buffer.from(publicX, "base64url"));
  }
  return cases;
}

describe.each(["simd", "scalar"] as const)("X25519 (%s build)", (build) => {
  const core = instantiateCore(build);
  const api = x25519Api(core);

  it("RFC 7748 §5.2 test vectors", () => {
    for (const v of rfc.section5_2) {
      expect(hex(api.x25519(unhex(v.scalar), unhex(v.u)))).toBe(v.out);
      const u = unhex(v.u);
      u[0] ^= 2;
      expect(hex(api.x25519(unhex(v.scalar), u))).not.toBe(v.out);
    }
  });

  it("RFC 7748 §5.2 iterated test: 1 and 1,000 iterations", () => {
    let k = unhex(rfc.iterated.start);
    let u = unhex(rfc.iterated.start);
    for (let i = 1; i <= 1000; i++) {
      const next = api.x25519(k, u);
      u = k;
      k = next;
      if (i === 1) expect(hex(k)).toBe(rfc.iterated.after["1"]);
    }
    expect(hex(k)).toBe(rfc.iterated.after["1000"]);
  });

  // The 1,000,000-iteration result takes minutes: `npm run test:slow` checks it.

  it("RFC 7748 §6.1 Diffie-Hellman: public keys and the shared secret both ways", () => {
    const v = rfc.section6_1;
    expect(hex(api.x25519PublicKey(unhex(v.alicePrivate)))).toBe(v.alicePublic);
    expect(hex(api.x25519PublicKey(unhex(v.bobPrivate)))).toBe(v.bobPublic);
    expect(hex(api.x25519(unhex(v.alicePrivate), unhex(v.bobPublic)))).toBe(v.shared);
    expect(hex(api.x25519(unhex(v.bobPrivate), unhex(v.alicePublic)))).toBe(v.shared);
    expect(hex(api.sharedSecret(unhex(v.alicePrivate), unhex(v.bobPublic))!)).toBe(v.shared);
  });

  it("Wycheproof x25519_test.json: every test, all-zero results included", () => {
    expect(wycheproof.tests).toHaveLength(wycheproof.numberOfTests);
    let zeros = 0;
    for (const t of wycheproof.tests) {
      const priv = unhex(t.private);
      const pub = unhex(t.public);
      expect(hex(api.x25519(priv, pub)), `tcId ${t.tcId}`).toBe(t.shared);
      // The protocol-facing helper refuses exactly the all-zero results.
      const isZero = t.shared === ZERO32;
      expect(isZero).toBe(t.flags.includes("ZeroSharedSecret"));
      const s = api.sharedSecret(priv, pub);
      if (isZero) {
        zeros++;
        expect(s, `tcId ${t.tcId}`).toBeNull();
      } else {
        expect(hex(s!), `tcId ${t.tcId}`).toBe(t.shared);
      }
    }
    expect(zeros).toBeGreaterThanOrEqual(16);
  });

  it("matches OpenSSL (node:crypto, keys imported as JWK) on random keys", () => {
    for (const [i, c] of opensslCases().entries()) {
      expect(hex(api.x25519(c.priv, c.peer)), `case ${i}`).toBe(c.shared);
      expect(b64u(api.x25519PublicKey(c.priv)), `public key, case ${i}`).toBe(c.publicX);
    }
  });

  it("matches @noble/curves on random keys and public-key derivation", () => {
    const bytes = rng(0xc0ffee);
    for (let i = 0; i < 120; i++) {
      const priv = bytes(32);
      const peer = bytes(32);
      expect(hex(api.x25519(priv, peer))).toBe(hex(noble.scalarMult(priv, peer)));
      expect(hex(api.x25519PublicKey(priv))).toBe(hex(noble.getPublicKey(priv)));
    }
  });

  it("public keys from the fixed-base table equal the ladder with u = 9", () => {
    const bytes = rng(0xba5e);
    const nine = new Uint8Array(32);
    nine[0] = 9;
    const edge = [new Uint8Array(32), new Uint8Array(32).fill(0xff), new Uint8Array(32).fill(0x80), new Uint8Array(32).fill(0x0f)];
    for (const k of [...edge, ...Array.from({ length: 200 }, () => bytes(32))]) {
      expect(hex(api.x25519PublicKey(k)), hex(k)).toBe(hex(api.x25519(k, nine)));
    }
  });

  it("clamps the scalar and masks the top bit of u inside the function", () => {
    const bytes = rng(7);
    const priv = bytes(32);
    const clamped = priv.slice();
    clamped[0] &= 248;
    clamped[31] = (clamped[31] & 127) | 64;
    const peer = bytes(32);
    const topSet = peer.slice();
    topSet[31] |= 0x80;
    const topClear = peer.slice();
    topClear[31] &= 0x7f;
    const want = hex(api.x25519(clamped, topClear));
    expect(hex(api.x25519(priv, topSet))).toBe(want);
    expect(hex(api.x25519(priv, topClear))).toBe(want);
    expect(hex(priv)).not.toBe(hex(clamped)); // inputs are not modified
  });

  it("generatePrivateKey gives clamped, distinct keys, and two parties agree", () => {
    const a = api.generatePrivateKey();
    const b = api.generatePrivateKey();
    for (const k of [a, b]) {
      expect(k).toHaveLength(32);
      expect(k[0] & 7).toBe(0);
      expect(k[31] & 0xc0).toBe(0x40);
    }
    expect(hex(a)).not.toBe(hex(b));
    const ab = api.sharedSecret(a, api.x25519PublicKey(b));
    const ba = api.sharedSecret(b, api.x25519PublicKey(a));
    expect(ab).not.toBeNull();
    expect(hex(ab!)).toBe(hex(ba!));
    expect(opensslShared(a, api.x25519PublicKey(b))).toBe(hex(ab!));
  });

  it("isZero tells all-zero 32-byte strings apart in constant time", () => {
    expect(api.isZero(new Uint8Array(32))).toBe(true);
    for (let i = 0; i < 32; i++) {
      const b = new Uint8Array(32);
      b[i] = 0x80;
      expect(api.isZero(b)).toBe(false);
    }
  });

  it("rejects bad arguments with TypeErrors naming them", () => {
    const k = new Uint8Array(32);
    expect(() => api.x25519(new Uint8Array(31), k)).toThrow(TypeError);
    expect(() => api.x25519(new Uint8Array(31), k)).toThrow(/privateKey/);
    expect(() => api.x25519(k, new Uint8Array(33))).toThrow(/publicKey/);
    expect(() => api.x25519(k, "x" as unknown as Uint8Array)).toThrow(/publicKey/);
    expect(() => api.x25519PublicKey([1, 2, 3] as unknown as Uint8Array)).toThrow(/privateKey/);
    expect(() => api.sharedSecret(k, new Uint8Array(0))).toThrow(/publicKey/);
    expect(() => api.isZero(new Uint8Array(16))).toThrow(/bytes/);
  });

  it("leaves no private key, clamped scalar or shared secret in WASM memory", () => {
    const priv = new Uint8Array(32).fill(0x5a);
    const clamped = priv.slice();
    clamped[0] &= 248;
    clamped[31] = (clamped[31] & 127) | 64;
    const shared = api.x25519(priv, unhex(rfc.section6_1.bobPublic));
    api.x25519PublicKey(priv);
    const mem = Buffer.from(core.u8.buffer);
    for (const secret of [priv, clamped, shared]) expect(mem.indexOf(Buffer.from(secret))).toBe(-1);
  });
});
