// ChaCha20 and HChaCha20 against RFC 8439 §2.1-2.4, A.1, A.2 and the XChaCha
// draft, plus keystream XOR against Node's OpenSSL over lengths that cross the
// 4-block SIMD stride and the scalar tail.
import { createCipheriv } from "node:crypto";
import { describe, expect, it } from "vitest";
import { BUILDS, Raw, hex, loadVectors, rng, unhex } from "./aead-helpers.js";

interface Rfc {
  quarterRound: { section: string; input: Record<"a" | "b" | "c" | "d", string>; output: Record<"a" | "b" | "c" | "d", string> }[];
  quarterRoundOnState: { section: string; indices: number[]; state: string[]; output: string[] }[];
  block: { section: string; key: string; nonce: string; counter: number; output: string }[];
  encrypt: { section: string; key: string; nonce: string; counter: number; plaintext: string; ciphertext: string }[];
  poly1305KeyGen: { section: string; key: string; nonce: string; otk: string }[];
}
interface XDraft {
  hchacha20: { section: string; key: string; nonce: string; subkey: string }[];
  stream: { section: string; key: string; nonce: string; counter: number; plaintext: string; keystream: string; ciphertext: string }[];
}
const rfc = loadVectors<Rfc>("rfc8439.json");
const xd = loadVectors<XDraft>("xchacha-draft03.json");

function opensslChaCha(key: Uint8Array, nonce: Uint8Array, counter: number, data: Uint8Array): Uint8Array {
  const iv = new Uint8Array(16);
  new DataView(iv.buffer).setUint32(0, counter, true);
  iv.set(nonce, 4);
  const c = createCipheriv("chacha20", key, iv);
  return new Uint8Array(Buffer.concat([c.update(data), c.final()]));
}

describe.each(BUILDS)("ChaCha20 (%s build)", (build) => {
  const raw = new Raw(build);
  const KEY = raw.io, NONCE = raw.io + 32, SRC = raw.io + 64;
  const words = (ws: string[]) => {
    const b = new Uint8Array(64);
    const v = new DataView(b.buffer);
    ws.forEach((w, i) => v.setUint32(i * 4, parseInt(w, 16), true));
    return b;
  };
  const readWords = (ptr: number, n: number) => {
    const b = raw.get(ptr, n * 4);
    const v = new DataView(b.buffer);
    return Array.from({ length: n }, (_, i) => v.getUint32(i * 4, true).toString(16).padStart(8, "0"));
  };

  it.each(rfc.quarterRound)("quarter round §$section", (t) => {
    raw.put(SRC, words([t.input.a, t.input.b, t.input.c, t.input.d]));
    raw.fn("chacha20_quarterround")(SRC, 0, 1, 2, 3);
    expect(readWords(SRC, 4)).toEqual([t.output.a, t.output.b, t.output.c, t.output.d]);
  });

  it.each(rfc.quarterRoundOnState)("quarter round on the state §$section", (t) => {
    raw.put(SRC, words(t.state));
    raw.fn("chacha20_quarterround")(SRC, ...t.indices);
    expect(readWords(SRC, 16)).toEqual(t.output);
  });

  it.each(rfc.block)("block function $section", (t) => {
    raw.put(KEY, unhex(t.key));
    raw.put(NONCE, unhex(t.nonce));
    raw.fn("chacha20_block")(KEY, NONCE, t.counter, SRC);
    expect(hex(raw.get(SRC, 64))).toBe(t.output);
  });

  it.each(rfc.encrypt)("encryption $section", (t) => {
    raw.put(KEY, unhex(t.key));
    raw.put(NONCE, unhex(t.nonce));
    const pt = unhex(t.plaintext);
    raw.put(SRC, pt);
    const dst = SRC + 4096;
    raw.fn("chacha20_xor")(KEY, NONCE, t.counter, SRC, pt.length, dst);
    expect(hex(raw.get(dst, pt.length))).toBe(t.ciphertext);
    // in place, and back again
    raw.fn("chacha20_xor")(KEY, NONCE, t.counter, dst, pt.length, dst);
    expect(hex(raw.get(dst, pt.length))).toBe(t.plaintext);
  });

  it.each(rfc.poly1305KeyGen)("Poly1305 key generation $section", (t) => {
    raw.put(KEY, unhex(t.key));
    raw.put(NONCE, unhex(t.nonce));
    raw.fn("chacha20_block")(KEY, NONCE, 0, SRC);
    expect(hex(raw.get(SRC, 32))).toBe(t.otk);
  });

  it.each(xd.hchacha20)("HChaCha20 draft §$section", (t) => {
    raw.put(KEY, unhex(t.key));
    raw.put(NONCE, unhex(t.nonce));
    raw.fn("hchacha20")(KEY, NONCE, SRC);
    expect(hex(raw.get(SRC, 32))).toBe(t.subkey);
  });

  it.each(xd.stream)("XChaCha20 stream draft §$section", (t) => {
    const nonce = unhex(t.nonce);
    raw.put(KEY, unhex(t.key));
    raw.put(NONCE, nonce.subarray(0, 16));
    const subkey = SRC + 8192;
    raw.fn("hchacha20")(KEY, NONCE, subkey);
    const n12 = new Uint8Array(12);
    n12.set(nonce.subarray(16), 4);
    raw.put(NONCE, n12);
    const pt = unhex(t.plaintext);
    raw.put(SRC, pt);
    raw.fn("chacha20_xor")(subkey, NONCE, t.counter, SRC, pt.length, SRC);
    expect(hex(raw.get(SRC, pt.length))).toBe(t.ciphertext);
    raw.put(SRC, new Uint8Array(pt.length));
    raw.fn("chacha20_xor")(subkey, NONCE, t.counter, SRC, pt.length, SRC);
    expect(hex(raw.get(SRC, pt.length))).toBe(t.keystream);
  });

  it("matches OpenSSL's chacha20 for every length 0..600 and random counters", () => {
    const r = rng(0xc4ac4a20);
    const xor = raw.fn("chacha20_xor");
    for (let len = 0; len <= 600; len++) {
      const key = r.bytes(32), nonce = r.bytes(12), data = r.bytes(len);
      // keep the 32-bit counter away from wrap-around, where OpenSSL carries into the nonce
      const counter = r.u32() % 0xfff0_0000;
      raw.put(KEY, key);
      raw.put(NONCE, nonce);
      raw.put(SRC, data);
      xor(KEY, NONCE, counter, SRC, len, SRC + 1024);
      expect(hex(raw.get(SRC + 1024, len))).toBe(hex(opensslChaCha(key, nonce, counter, data)));
    }
  });

  it("matches OpenSSL on 64 KiB in place", () => {
    const r = rng(7);
    const key = r.bytes(32), nonce = r.bytes(12), data = r.bytes(65536);
    raw.put(KEY, key);
    raw.put(NONCE, nonce);
    raw.put(SRC, data);
    raw.fn("chacha20_xor")(KEY, NONCE, 1, SRC, data.length, SRC);
    expect(hex(raw.get(SRC, data.length))).toBe(hex(opensslChaCha(key, nonce, 1, data)));
  });
});
