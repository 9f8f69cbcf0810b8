// WireGuard's HKDF (KDF1/2/3 over HMAC-BLAKE2s) on both builds: the
// wireguard-go vectors, and random inputs against a composition of OpenSSL's
// HMAC-BLAKE2s (t0 = HMAC(C, input); t1 = HMAC(t0, 1); ti = HMAC(t0, t(i-1) || i)).
import { createHmac } from "node:crypto";
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { blake2sApi } from "../../bindings/crypto/blake2s.js";
import { instantiateCore } from "../../bindings/crypto/wasm.js";

const vectors = JSON.parse(readFileSync(new URL("../vectors/wg-kdf.json", import.meta.url), "utf8")).vectors as {
  key: string;
  input: string;
  t0: string;
  t1: string;
  t2: string;
}[];

const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");
const unhex = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, "hex"));

function rngBytes(seed: number) {
  let s = seed >>> 0;
  return (n: number) => {
    const b = new Uint8Array(n);
    for (let i = 0; i < n; i++) {
      s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
      b[i] = s >>> 24;
    }
    return b;
  };
}

/** Reference KDFn from OpenSSL's HMAC-BLAKE2s. */
function referenceKdf(key: Uint8Array, input: Uint8Array, n: number): string[] {
  const hmac = (k: Uint8Array, d: Uint8Array) => new Uint8Array(createHmac("blake2s256", k).update(d).digest());
  const t0 = hmac(key, input);
  const outs: Uint8Array[] = [];
  let prev = new Uint8Array(0);
  for (let i = 1; i <= n; i++) {
    prev = hmac(t0, Uint8Array.of(...prev, i));
    outs.push(prev);
  }
  return outs.map(hex);
}

describe.each(["simd", "scalar"] as const)("WireGuard HKDF (%s build)", (build) => {
  const core = instantiateCore(build);
  const api = blake2sApi(core);
  const IN_SIZE = core.global("BLAKE2S_IN_SIZE");

  it("wireguard-go kdf_test.go vectors through KDF1, KDF2 and KDF3", () => {
    expect(vectors).toHaveLength(3);
    for (const v of vectors) {
      const want = [v.t0, v.t1, v.t2];
      for (const n of [1, 2, 3]) {
        const outs = Array.from({ length: n }, () => new Uint8Array(32));
        api.kdfInto(unhex(v.key), unhex(v.input), outs);
        expect(outs.map(hex)).toEqual(want.slice(0, n));
      }
    }
  });

  it("a changed key or input changes every output", () => {
    const v = vectors[0];
    const outs = [new Uint8Array(32), new Uint8Array(32), new Uint8Array(32)];
    // (Appending a zero byte would not do: HMAC pads short keys with zeros.)
    const key = unhex(v.key);
    key[0] ^= 1;
    api.kdfInto(key, unhex(v.input), outs);
    outs.forEach((o, i) => expect(hex(o)).not.toBe([v.t0, v.t1, v.t2][i]));
    api.kdfInto(unhex(v.key), unhex(v.input.slice(2)), outs);
    outs.forEach((o, i) => expect(hex(o)).not.toBe([v.t0, v.t1, v.t2][i]));
  });

  it("the vectors also hold for HMAC-BLAKE2s composed by hand", () => {
    for (const v of vectors) {
      const t0 = api.hmacBlake2s(unhex(v.key), unhex(v.input));
      const t1 = api.hmacBlake2s(t0, Uint8Array.of(1));
      const t2 = api.hmacBlake2s(t0, Uint8Array.of(...t1, 2));
      const t3 = api.hmacBlake2s(t0, Uint8Array.of(...t2, 3));
      expect([hex(t1), hex(t2), hex(t3)]).toEqual([v.t0, v.t1, v.t2]);
    }
  });

  it("hkdf(chainingKey, input, n) matches the OpenSSL composition on random inputs", () => {
    const bytes = rngBytes(0x4bdf);
    for (let i = 0; i < 300; i++) {
      const ck = bytes(32);
      const input = bytes(i % 3 === 0 ? 32 : i % 97);
      const n = ((i % 3) + 1) as 1 | 2 | 3;
      expect(api.hkdf(ck, input, n).map(hex)).toEqual(referenceKdf(ck, input, n));
    }
  });

  it("handles inputs longer than the scratch region and any HMAC key length in kdfInto", () => {
    const bytes = rngBytes(0x10f6);
    for (const n of [IN_SIZE, IN_SIZE + 1, 2 * IN_SIZE + 3]) {
      const ck = bytes(32);
      const input = bytes(n);
      expect(api.hkdf(ck, input, 3).map(hex)).toEqual(referenceKdf(ck, input, 3));
    }
    for (const keyLen of [0, 1, 31, 33, 64, 65, 200]) {
      const key = bytes(keyLen);
      const input = bytes(40);
      const outs = [new Uint8Array(32), new Uint8Array(32)];
      api.kdfInto(key, input, outs);
      expect(outs.map(hex)).toEqual(referenceKdf(key, input, 2));
    }
  });

  it("kdfInto may write over its own key and input (the handshake's ck = KDF(ck, ...))", () => {
    const bytes = rngBytes(0xa11a5);
    const ck = bytes(32);
    const input = bytes(32);
    const want = referenceKdf(ck, input, 2);
    const k = new Uint8Array(32);
    api.kdfInto(ck, input, [ck, k]);
    expect([hex(ck), hex(k)]).toEqual(want);
    const ck2 = bytes(32);
    const in2 = bytes(32);
    const want2 = referenceKdf(ck2, in2, 3);
    const other = new Uint8Array(32);
    api.kdfInto(ck2, in2, [other, in2, ck2]);
    expect([hex(other), hex(in2), hex(ck2)]).toEqual(want2);
  });

  it("rejects bad arguments with errors naming them", () => {
    const ck = new Uint8Array(32);
    expect(() => api.hkdf(new Uint8Array(31), ck, 1)).toThrow(TypeError);
    expect(() => api.hkdf(new Uint8Array(31), ck, 1)).toThrow(/chainingKey/);
    expect(() => api.hkdf(ck, "x" as unknown as Uint8Array, 1)).toThrow(/input/);
    expect(() => api.hkdf(ck, ck, 4 as 3)).toThrow(RangeError);
    expect(() => api.hkdf(ck, ck, 0 as 1)).toThrow(/n must/);
    expect(() => api.kdfInto(ck, ck, [])).toThrow(RangeError);
    expect(() => api.kdfInto(ck, ck, [new Uint8Array(16)])).toThrow(/outs\[0\]/);
    expect(() => api.kdfInto("k" as unknown as Uint8Array, ck, [ck])).toThrow(/key/);
  });

  it("leaves no chaining key, t0 or output in the WASM scratch", () => {
    const ck = new Uint8Array(32).fill(0x3c);
    const input = new Uint8Array(32).fill(0xc3);
    const outs = api.hkdf(ck, input, 3);
    const mem = Buffer.from(core.u8.buffer);
    for (const secret of [ck, input, ...outs]) expect(mem.indexOf(Buffer.from(secret))).toBe(-1);
    const t0 = createHmac("blake2s256", ck).update(input).digest();
    expect(mem.indexOf(t0)).toBe(-1);
  });
});
