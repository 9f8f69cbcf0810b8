// BLAKE2s, HMAC-BLAKE2s and the handshake helpers (mac16, mixHash) on both
// builds: RFC 7693 vectors, the BLAKE2 KAT, and differential runs against
// Node's OpenSSL and @noble/hashes on seeded random inputs.
import { createHash, createHmac } from "node:crypto";
import { readFileSync } from "node:fs";
import { blake2s as nobleBlake2s } from "@noble/hashes/blake2.js";
import { describe, expect, it } from "vitest";
import { blake2sApi } from "../../bindings/crypto/blake2s.js";
import { instantiateCore } from "../../bindings/crypto/wasm.js";

const vectorsDir = new URL("../vectors/", import.meta.url);
const rfc = JSON.parse(readFileSync(new URL("rfc7693.json", vectorsDir), "utf8"));
const kat = JSON.parse(readFileSync(new URL("blake2s-kat.json", vectorsDir), "utf8"));

const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");
const unhex = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, "hex"));
const seq = (n: number) => Uint8Array.from({ length: n }, (_, i) => i & 0xff);

/** Deterministic test data (xorshift32), so a failure reproduces. */
function rng(seed: number) {
  let s = seed >>> 0 || 1;
  const next = () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>>= 0);
  };
  return {
    int: (n: number) => next() % n,
    bytes(n: number) {
      const b = new Uint8Array(n);
      for (let i = 0; i < n; i++) b[i] = next() & 0xff;
      return b;
    },
  };
}

/** RFC 7693 Appendix E sequence generator. */
function selftestSeq(len: number, seed: number): Uint8Array {
  const out = new Uint8Array(len);
  let a = Math.imul(0xdead4bad, seed) >>> 0;
  let b = 1;
  for (let i = 0; i < len; i++) {
    const t = (a + b) >>> 0;
    a = b;
    b = t;
    out[i] = t >>> 24;
  }
  return out;
}

describe.each(["simd", "scalar"] as const)("BLAKE2s (%s build)", (build) => {
  const core = instantiateCore(build);
  const api = blake2sApi(core);
  const IN_SIZE = core.global("BLAKE2S_IN_SIZE");

  it("RFC 7693 Appendix B: BLAKE2s-256('abc')", () => {
    const v = rfc.appendixB;
    expect(hex(api.blake2s(unhex(v.input), v.outLen))).toBe(v.out);
    expect(hex(api.blake2s(new TextEncoder().encode("abd")))).not.toBe(v.out);
  });

  it("RFC 7693 Appendix E self-test grand hash", () => {
    const e = rfc.appendixE;
    const digests: Uint8Array[] = [];
    for (const outLen of e.digestLengths as number[]) {
      for (const inLen of e.inputLengths as number[]) {
        const input = selftestSeq(inLen, inLen);
        digests.push(api.blake2s(input, outLen));
        digests.push(api.blake2s(input, outLen, selftestSeq(outLen, outLen)));
      }
    }
    expect(hex(api.blake2s(Buffer.concat(digests)))).toBe(e.grandHash);
    digests[5] = digests[5].slice();
    digests[5][0] ^= 1;
    expect(hex(api.blake2s(Buffer.concat(digests)))).not.toBe(e.grandHash);
  });

  it("the KAT file agrees with the entries taken from the BLAKE2 repository", () => {
    expect(kat.upstream.length).toBeGreaterThanOrEqual(9);
    for (const u of kat.upstream) expect((u.keyed ? kat.keyed : kat.unkeyed)[u.length]).toBe(u.out);
  });

  it("BLAKE2 KAT: 256 unkeyed vectors", () => {
    expect(kat.unkeyed).toHaveLength(256);
    for (let n = 0; n < 256; n++) expect(hex(api.blake2s(seq(n))), `length ${n}`).toBe(kat.unkeyed[n]);
  });

  it("BLAKE2 KAT: 256 keyed vectors (key 00..1f)", () => {
    const key = unhex(kat.key);
    expect(kat.keyed).toHaveLength(256);
    for (let n = 0; n < 256; n++) expect(hex(api.blake2s(seq(n), 32, key)), `length ${n}`).toBe(kat.keyed[n]);
    const otherKey = key.slice();
    otherKey[31] ^= 0x80;
    expect(hex(api.blake2s(seq(3), 32, otherKey))).not.toBe(kat.keyed[3]);
  });

  it("matches OpenSSL BLAKE2s-256 on random inputs of 0..4096 bytes", () => {
    const r = rng(0x5eed0001);
    for (let i = 0; i < 1500; i++) {
      const data = r.bytes(i < 200 ? i : r.int(4097));
      expect(hex(api.blake2s(data)), `length ${data.length}`).toBe(createHash("blake2s256").update(data).digest("hex"));
    }
  });

  it("matches OpenSSL around the input chunk boundary and across many chunks", () => {
    const r = rng(0x5eed0002);
    const lengths = [IN_SIZE - 65, IN_SIZE - 64, IN_SIZE - 1, IN_SIZE, IN_SIZE + 1, IN_SIZE + 63, IN_SIZE + 64];
    lengths.push(2 * IN_SIZE, 2 * IN_SIZE + 1, 3 * IN_SIZE + 17, 100_003);
    for (const n of lengths) {
      const data = r.bytes(n);
      expect(hex(api.blake2s(data)), `length ${n}`).toBe(createHash("blake2s256").update(data).digest("hex"));
      const key = r.bytes(1 + r.int(32));
      expect(hex(api.blake2s(data, 20, key)), `keyed, length ${n}`).toBe(hex(nobleBlake2s(data, { key, dkLen: 20 })));
    }
  });

  it("keyed and short-output BLAKE2s match @noble/hashes", () => {
    const r = rng(0x5eed0003);
    for (let i = 0; i < 1000; i++) {
      const data = r.bytes(r.int(i < 500 ? 300 : 4097));
      const outLen = 1 + r.int(32);
      const key = i % 4 === 0 ? undefined : r.bytes(1 + r.int(32));
      const want = nobleBlake2s(data, { dkLen: outLen, key });
      expect(hex(api.blake2s(data, outLen, key)), `outLen ${outLen} key ${key?.length}`).toBe(hex(want));
    }
  });

  it("HMAC-BLAKE2s matches OpenSSL HMAC for keys of 0..100 bytes and data of 0..4096 bytes", () => {
    const r = rng(0x5eed0004);
    for (let i = 0; i < 1000; i++) {
      const key = r.bytes(i < 101 ? i : r.int(101));
      const data = r.bytes(i < 101 ? 64 : r.int(4097));
      const want = createHmac("blake2s256", key).update(data).digest("hex");
      expect(hex(api.hmacBlake2s(key, data)), `key ${key.length} data ${data.length}`).toBe(want);
    }
    for (const n of [IN_SIZE, IN_SIZE + 1, 2 * IN_SIZE + 5]) {
      const key = r.bytes(32);
      const data = r.bytes(n);
      expect(hex(api.hmacBlake2s(key, data))).toBe(createHmac("blake2s256", key).update(data).digest("hex"));
    }
  });

  it("mac16 is BLAKE2s keyed with 32 bytes and a 16-byte digest, into a caller buffer when given", () => {
    const r = rng(0x5eed0005);
    for (let i = 0; i < 300; i++) {
      const key = r.bytes(32);
      const data = r.bytes(r.int(i < 290 ? 200 : 3 * IN_SIZE));
      const want = hex(nobleBlake2s(data, { key, dkLen: 16 }));
      expect(hex(api.mac16(key, data))).toBe(want);
      const out = new Uint8Array(16);
      expect(api.mac16(key, data, out)).toBe(out);
      expect(hex(out)).toBe(want);
    }
  });

  it("mixHash replaces h with BLAKE2s-256(h || data)", () => {
    const r = rng(0x5eed0006);
    for (const n of [0, 1, 32, 33, 148, 1000, IN_SIZE - 32, IN_SIZE]) {
      const h = r.bytes(32);
      const data = r.bytes(n);
      const want = createHash("blake2s256").update(h).update(data).digest("hex");
      api.mixHash(h, data);
      expect(hex(h), `length ${n}`).toBe(want);
    }
  });

  it("rejects bad arguments with errors naming them", () => {
    const d = new Uint8Array(4);
    expect(() => api.blake2s("abc" as unknown as Uint8Array)).toThrow(TypeError);
    expect(() => api.blake2s("abc" as unknown as Uint8Array)).toThrow(/data/);
    expect(() => api.blake2s(d, 0)).toThrow(RangeError);
    expect(() => api.blake2s(d, 33)).toThrow(/outLen/);
    expect(() => api.blake2s(d, 1.5)).toThrow(/outLen/);
    expect(() => api.blake2s(d, 32, new Uint8Array(33))).toThrow(TypeError);
    expect(() => api.blake2s(d, 32, new Uint8Array(33))).toThrow(/key/);
    expect(() => api.blake2s(d, 32, [1, 2] as unknown as Uint8Array)).toThrow(/key/);
    expect(() => api.hmacBlake2s(null as unknown as Uint8Array, d)).toThrow(/key/);
    expect(() => api.hmacBlake2s(d, {} as unknown as Uint8Array)).toThrow(/data/);
    expect(() => api.mac16(new Uint8Array(31), d)).toThrow(/key/);
    expect(() => api.mac16(new Uint8Array(32), d, new Uint8Array(15))).toThrow(/out/);
    expect(() => api.mixHash(new Uint8Array(31), d)).toThrow(/hash/);
  });

  it("an empty key means unkeyed, and the last call's key does not leak into the next", () => {
    const data = seq(10);
    expect(hex(api.blake2s(data, 32, new Uint8Array(0)))).toBe(kat.unkeyed[10]);
    api.blake2s(data, 32, unhex(kat.key));
    expect(hex(api.blake2s(data))).toBe(kat.unkeyed[10]);
  });

  it("wipes keys and keyed outputs from the WASM scratch", () => {
    const KEY = core.global("BLAKE2S_KEY_PTR");
    const OUT = core.global("BLAKE2S_OUT_PTR");
    const IN = core.global("BLAKE2S_IN_PTR");
    const zero = (p: number, n: number) => core.u8.subarray(p, p + n).every((b) => b === 0);
    const key = new Uint8Array(32).fill(0xaa);
    api.blake2s(seq(100), 32, key);
    expect(zero(KEY, 64) && zero(OUT, 32)).toBe(true);
    api.hmacBlake2s(key, new Uint8Array(40).fill(0x55));
    expect(zero(KEY, 64) && zero(OUT, 96) && zero(IN, 40)).toBe(true);
    api.mac16(key, seq(50));
    expect(zero(KEY, 64) && zero(OUT, 32)).toBe(true);
    const longKey = new Uint8Array(100).fill(0xbb); // hashed first, through the input scratch
    api.hmacBlake2s(longKey, new Uint8Array(10));
    // No copy of a key survives anywhere in memory (state, pads, scratch).
    const mem = Buffer.from(core.u8.buffer);
    expect(mem.indexOf(Buffer.from(key))).toBe(-1);
    expect(mem.indexOf(Buffer.from(longKey.subarray(0, 32)))).toBe(-1);
    expect(mem.indexOf(createHash("blake2s256").update(longKey).digest())).toBe(-1); // nor its digest, the real HMAC key
  });
});
