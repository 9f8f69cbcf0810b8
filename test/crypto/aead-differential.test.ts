// Differential tests from a fixed seed: ChaCha20-Poly1305 against Node's
// OpenSSL and XChaCha20-Poly1305 against @noble/ciphers, on thousands of random
// lengths and AAD sizes plus lengths around the 64 KiB scratch boundary.
import { createCipheriv, createDecipheriv } from "node:crypto";
import { xchacha20poly1305 } from "@noble/ciphers/chacha.js";
import { describe, expect, it } from "vitest";
import { aeadApi } from "../../bindings/crypto/aead.js";
import { BUILDS, Raw, hex, rng } from "./aead-helpers.js";

function opensslSeal(key: Uint8Array, nonce: Uint8Array, pt: Uint8Array, aad: Uint8Array): Uint8Array {
  const c = createCipheriv("chacha20-poly1305", key, nonce, { authTagLength: 16 });
  c.setAAD(aad, { plaintextLength: pt.length });
  return new Uint8Array(Buffer.concat([c.update(pt), c.final(), c.getAuthTag()]));
}

function opensslOpen(key: Uint8Array, nonce: Uint8Array, sealed: Uint8Array, aad: Uint8Array): Uint8Array {
  const d = createDecipheriv("chacha20-poly1305", key, nonce, { authTagLength: 16 });
  d.setAAD(aad, { plaintextLength: sealed.length - 16 });
  d.setAuthTag(sealed.subarray(sealed.length - 16));
  return new Uint8Array(Buffer.concat([d.update(sealed.subarray(0, sealed.length - 16)), d.final()]));
}

// Lengths around the one-shot/chunked switch (65536) and a multi-chunk input.
const BOUNDARY = [65536 - 17, 65536 - 16, 65536 - 1, 65536, 65536 + 1, 65536 + 16, 65536 + 17, 200000];

describe.each(BUILDS)("AEAD differential (%s build)", (build) => {
  const api = aeadApi(new Raw(build).core);

  it("ChaCha20-Poly1305 equals OpenSSL on 3000 random inputs (0..4096 bytes)", () => {
    const r = rng(0xd1ff0001);
    for (let i = 0; i < 3000; i++) {
      const key = r.bytes(32), nonce = r.bytes(12);
      const pt = r.bytes(r.int(4097));
      const aad = r.bytes(i % 10 === 0 ? r.int(600) : r.int(40));
      const sealed = api.chacha20poly1305Seal(key, nonce, pt, aad);
      const want = opensslSeal(key, nonce, pt, aad);
      if (hex(sealed) !== hex(want)) throw new Error(`seal differs: len ${pt.length}, aad ${aad.length}`);
      const back = api.chacha20poly1305Open(key, nonce, want, aad);
      if (back === null || hex(back) !== hex(pt)) throw new Error(`open differs: len ${pt.length}`);
    }
  });

  it("XChaCha20-Poly1305 equals @noble/ciphers on 1500 random inputs (0..4096 bytes)", () => {
    const r = rng(0xd1ff0002);
    for (let i = 0; i < 1500; i++) {
      const key = r.bytes(32), nonce = r.bytes(24);
      const pt = r.bytes(r.int(4097));
      const aad = r.bytes(r.int(64));
      const sealed = api.xchacha20poly1305Seal(key, nonce, pt, aad);
      const want = xchacha20poly1305(key, nonce, aad).encrypt(pt);
      if (hex(sealed) !== hex(want)) throw new Error(`seal differs: len ${pt.length}, aad ${aad.length}`);
      const back = api.xchacha20poly1305Open(key, nonce, want, aad);
      if (back === null || hex(back) !== hex(pt)) throw new Error(`open differs: len ${pt.length}`);
    }
  });

  it.each(BOUNDARY)("both ciphers agree with their peers at %i bytes", (len) => {
    const r = rng(len);
    const key = r.bytes(32), nonce = r.bytes(12), xnonce = r.bytes(24), pt = r.bytes(len);
    for (const aad of [new Uint8Array(0), r.bytes(13), r.bytes(4097)]) {
      const sealed = api.chacha20poly1305Seal(key, nonce, pt, aad);
      expect(hex(sealed)).toBe(hex(opensslSeal(key, nonce, pt, aad)));
      expect(hex(opensslOpen(key, nonce, sealed, aad))).toBe(hex(pt));
      expect(hex(api.chacha20poly1305Open(key, nonce, sealed, aad)!)).toBe(hex(pt));
      const xs = api.xchacha20poly1305Seal(key, xnonce, pt, aad);
      expect(hex(xs)).toBe(hex(xchacha20poly1305(key, xnonce, aad).encrypt(pt)));
      expect(hex(api.xchacha20poly1305Open(key, xnonce, xs, aad)!)).toBe(hex(pt));
      const bad = xs.slice();
      bad[len >> 1]! ^= 0x80;
      expect(api.xchacha20poly1305Open(key, xnonce, bad, aad)).toBeNull();
    }
  });
});
