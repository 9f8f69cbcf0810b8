// ChaCha20-Poly1305 / XChaCha20-Poly1305: RFC 8439 §2.8.2 and A.5, the XChaCha
// draft A.3.1, Wycheproof, tampering, argument checks, the raw in-place
// pointer exports, WireGuard's transport form and the chunked path.
import { createCipheriv } from "node:crypto";
import { describe, expect, it } from "vitest";
import { aeadApi } from "../../bindings/crypto/aead.js";
import { BUILDS, Raw, hex, loadVectors, rng, unhex } from "./aead-helpers.js";

interface Rfc {
  aead: { section: string; key: string; nonce: string; aad: string; plaintext: string; ciphertext: string; tag: string }[];
}
interface XDraft {
  aead: { section: string; key: string; nonce: string; aad: string; plaintext: string; ciphertext: string; tag: string }[];
}
interface Wyche {
  tests: { tcId: number; flag: string; key: string; iv: string; aad: string; msg: string; ct: string; tag: string; result: string }[];
}
const rfc = loadVectors<Rfc>("rfc8439.json");
const xd = loadVectors<XDraft>("xchacha-draft03.json");
const wyc = loadVectors<Wyche>("wycheproof-chacha20-poly1305.json");
const wyx = loadVectors<Wyche>("wycheproof-xchacha20-poly1305.json");

function opensslSeal(key: Uint8Array, nonce: Uint8Array, pt: Uint8Array, aad: Uint8Array): Uint8Array {
  const c = createCipheriv("chacha20-poly1305", key, nonce, { authTagLength: 16 });
  c.setAAD(aad, { plaintextLength: pt.length });
  return new Uint8Array(Buffer.concat([c.update(pt), c.final(), c.getAuthTag()]));
}

/** The WireGuard nonce, built by hand: 4 zero bytes then the counter little-endian. */
function wgNonce(counter: bigint): Uint8Array {
  const n = new Uint8Array(12);
  new DataView(n.buffer).setBigUint64(4, counter, true);
  return n;
}

describe.each(BUILDS)("AEAD (%s build)", (build) => {
  const raw = new Raw(build);
  const api = aeadApi(raw.core);
  const keyScratch = raw.core.global("AEAD_KEY_PTR");
  const keyWiped = () => raw.get(keyScratch, 32).every((b) => b === 0);

  describe("known answers", () => {
    it.each(rfc.aead)("ChaCha20-Poly1305 RFC 8439 $section", (t) => {
      const [key, nonce, aad] = [unhex(t.key), unhex(t.nonce), unhex(t.aad)];
      expect(hex(api.chacha20poly1305Seal(key, nonce, unhex(t.plaintext), aad))).toBe(t.ciphertext + t.tag);
      expect(hex(api.chacha20poly1305Open(key, nonce, unhex(t.ciphertext + t.tag), aad)!)).toBe(t.plaintext);
    });

    it.each(xd.aead)("XChaCha20-Poly1305 draft $section", (t) => {
      const [key, nonce, aad] = [unhex(t.key), unhex(t.nonce), unhex(t.aad)];
      expect(hex(api.xchacha20poly1305Seal(key, nonce, unhex(t.plaintext), aad))).toBe(t.ciphertext + t.tag);
      expect(hex(api.xchacha20poly1305Open(key, nonce, unhex(t.ciphertext + t.tag), aad)!)).toBe(t.plaintext);
    });

    it(`Wycheproof chacha20_poly1305 (${wyc.tests.length} cases)`, () => {
      let valid = 0, invalid = 0;
      for (const t of wyc.tests) {
        const [key, iv, aad, msg] = [unhex(t.key), unhex(t.iv), unhex(t.aad), unhex(t.msg)];
        const sealed = unhex(t.ct + t.tag);
        if (t.flag === "InvalidNonceSize") {
          expect(() => api.chacha20poly1305Open(key, iv, sealed.length >= 16 ? sealed : new Uint8Array(16), aad)).toThrow(/nonce12/);
          invalid++;
        } else if (t.result === "valid") {
          expect(hex(api.chacha20poly1305Seal(key, iv, msg, aad)), `tc ${t.tcId}`).toBe(t.ct + t.tag);
          expect(hex(api.chacha20poly1305Open(key, iv, sealed, aad)!), `tc ${t.tcId}`).toBe(t.msg);
          valid++;
        } else {
          expect(api.chacha20poly1305Open(key, iv, sealed, aad), `tc ${t.tcId}`).toBeNull();
          invalid++;
        }
      }
      expect(valid).toBeGreaterThan(40);
      expect(invalid).toBeGreaterThan(30);
    });

    it(`Wycheproof xchacha20_poly1305 (${wyx.tests.length} cases)`, () => {
      for (const t of wyx.tests) {
        const [key, iv, aad] = [unhex(t.key), unhex(t.iv), unhex(t.aad)];
        expect(t.result).toBe("valid");
        expect(hex(api.xchacha20poly1305Seal(key, iv, unhex(t.msg), aad)), `tc ${t.tcId}`).toBe(t.ct + t.tag);
        expect(hex(api.xchacha20poly1305Open(key, iv, unhex(t.ct + t.tag), aad)!), `tc ${t.tcId}`).toBe(t.msg);
      }
    });
  });

  describe("rejection", () => {
    const r = rng(0xbad7a6);
    const key = r.bytes(32), nonce = r.bytes(12), xnonce = r.bytes(24), aad = r.bytes(21), pt = r.bytes(300);
    const sealed = api.chacha20poly1305Seal(key, nonce, pt, aad);
    const xsealed = api.xchacha20poly1305Seal(key, xnonce, pt, aad);
    const flip = (b: Uint8Array, i: number) => {
      const c = b.slice();
      c[i]! ^= 0x01;
      return c;
    };

    it("opens what it sealed", () => {
      expect(hex(api.chacha20poly1305Open(key, nonce, sealed, aad)!)).toBe(hex(pt));
      expect(hex(api.xchacha20poly1305Open(key, xnonce, xsealed, aad)!)).toBe(hex(pt));
    });

    it.each([
      ["tag", (s: Uint8Array) => flip(s, s.length - 1)],
      ["first tag byte", (s: Uint8Array) => flip(s, s.length - 16)],
      ["ciphertext", (s: Uint8Array) => flip(s, 7)],
      ["truncated", (s: Uint8Array) => s.subarray(0, s.length - 1)],
    ] as const)("rejects a tampered %s", (_name, tamper) => {
      expect(api.chacha20poly1305Open(key, nonce, tamper(sealed), aad)).toBeNull();
      expect(api.xchacha20poly1305Open(key, xnonce, tamper(xsealed), aad)).toBeNull();
    });

    it("rejects tampered AAD, a wrong nonce and a wrong key", () => {
      expect(api.chacha20poly1305Open(key, nonce, sealed, flip(aad, 3))).toBeNull();
      expect(api.chacha20poly1305Open(key, nonce, sealed, aad.subarray(1))).toBeNull();
      expect(api.chacha20poly1305Open(key, flip(nonce, 11), sealed, aad)).toBeNull();
      expect(api.chacha20poly1305Open(flip(key, 31), nonce, sealed, aad)).toBeNull();
      expect(api.xchacha20poly1305Open(key, xnonce, xsealed, flip(aad, 0))).toBeNull();
      expect(api.xchacha20poly1305Open(key, flip(xnonce, 2), xsealed, aad)).toBeNull();
      expect(api.xchacha20poly1305Open(key, flip(xnonce, 20), xsealed, aad)).toBeNull();
      expect(api.xchacha20poly1305Open(flip(key, 0), xnonce, xsealed, aad)).toBeNull();
    });

    it("writes nothing at dst when the tag fails (raw export, dst apart from src)", () => {
      const open = raw.fn("chacha20poly1305_open");
      const xopen = raw.fn("xchacha20poly1305_open");
      const [K, N, A, SRC, DST] = [raw.io, raw.io + 32, raw.io + 64, raw.io + 128, raw.io + 1024];
      const sentinel = new Uint8Array(pt.length).fill(0x5a);
      for (const bad of [flip(sealed, sealed.length - 1), flip(sealed, 0)]) {
        raw.put(K, key); raw.put(N, nonce); raw.put(A, aad); raw.put(SRC, bad); raw.put(DST, sentinel);
        expect(open(K, N, SRC, bad.length, A, aad.length, DST)).toBe(0);
        expect(raw.get(DST, pt.length).every((b) => b === 0x5a)).toBe(true);
        expect(hex(raw.get(SRC, bad.length))).toBe(hex(bad));
      }
      const badx = flip(xsealed, 100);
      raw.put(K, key); raw.put(N, xnonce); raw.put(A, aad); raw.put(SRC, badx); raw.put(DST, sentinel);
      expect(xopen(K, N, SRC, badx.length, A, aad.length, DST)).toBe(0);
      expect(raw.get(DST, pt.length).every((b) => b === 0x5a)).toBe(true);
      // too short to hold a tag
      expect(open(K, N, SRC, 15, A, 0, DST)).toBe(0);
    });

    it("leaves the key scratch zeroed after every call, failed or not", () => {
      api.chacha20poly1305Seal(key, nonce, pt, aad);
      expect(keyWiped()).toBe(true);
      api.chacha20poly1305Open(key, nonce, flip(sealed, 3), aad);
      expect(keyWiped()).toBe(true);
      api.xchacha20poly1305Open(key, xnonce, xsealed, aad);
      expect(keyWiped()).toBe(true);
      api.wgOpen(key, 5n, new Uint8Array(40));
      expect(keyWiped()).toBe(true);
      api.chacha20poly1305Seal(key, nonce, new Uint8Array(70000), aad);
      expect(keyWiped()).toBe(true);
    });
  });

  describe("argument checks", () => {
    const k = new Uint8Array(32), n = new Uint8Array(12), x = new Uint8Array(24), s = new Uint8Array(16);
    it.each([
      ["key", () => api.chacha20poly1305Seal(new Uint8Array(31), n, s)],
      ["key", () => api.chacha20poly1305Open(new Uint8Array(33), n, s)],
      ["key", () => api.xchacha20poly1305Seal(new Uint8Array(0), x, s)],
      ["key", () => api.wgSeal(new Uint8Array(16), 0n, s)],
      ["nonce12", () => api.chacha20poly1305Seal(k, new Uint8Array(24), s)],
      ["nonce12", () => api.chacha20poly1305Open(k, new Uint8Array(8), s)],
      ["nonce24", () => api.xchacha20poly1305Seal(k, n, s)],
      ["nonce24", () => api.xchacha20poly1305Open(k, new Uint8Array(25), s)],
      ["sealed", () => api.chacha20poly1305Open(k, n, new Uint8Array(15))],
      ["sealed", () => api.xchacha20poly1305Open(k, x, new Uint8Array(0))],
      ["sealed", () => api.wgOpen(k, 0n, new Uint8Array(3))],
      ["plaintext", () => api.chacha20poly1305Seal(k, n, [1, 2] as unknown as Uint8Array)],
      ["aad", () => api.chacha20poly1305Seal(k, n, s, "x" as unknown as Uint8Array)],
      ["key", () => api.chacha20poly1305Seal("k" as unknown as Uint8Array, n, s)],
    ] as const)("throws a TypeError naming %s", (name, call) => {
      expect(call).toThrow(TypeError);
      expect(call).toThrow(new RegExp(`^${name} `));
    });

    it("rejects counters outside [0, 2^64)", () => {
      expect(() => api.wgSeal(k, -1n, s)).toThrow(RangeError);
      expect(() => api.wgSeal(k, 1n << 64n, s)).toThrow(RangeError);
      expect(() => api.wgSeal(k, 1.5, s)).toThrow(RangeError);
      expect(() => api.wgSeal(k, -1, s)).toThrow(RangeError);
    });
  });

  describe("raw pointer exports", () => {
    const r = rng(0x1420);
    it("seal and open in place (dst == src) and to a separate dst, like OpenSSL", () => {
      const seal = raw.fn("chacha20poly1305_seal"), open = raw.fn("chacha20poly1305_open");
      const [K, N, A, BUF, OTHER] = [raw.io, raw.io + 32, raw.io + 64, raw.io + 256, raw.io + 8192];
      for (const len of [0, 1, 15, 16, 63, 64, 65, 255, 256, 257, 1420, 4000]) {
        const key = r.bytes(32), nonce = r.bytes(12), aad = r.bytes(len % 33), pt = r.bytes(len);
        const want = hex(opensslSeal(key, nonce, pt, aad));
        raw.put(K, key); raw.put(N, nonce); raw.put(A, aad); raw.put(BUF, pt);
        seal(K, N, BUF, len, A, aad.length, BUF);
        expect(hex(raw.get(BUF, len + 16))).toBe(want);
        expect(open(K, N, BUF, len + 16, A, aad.length, OTHER)).toBe(1);
        expect(hex(raw.get(OTHER, len))).toBe(hex(pt));
        expect(open(K, N, BUF, len + 16, A, aad.length, BUF)).toBe(1);
        expect(hex(raw.get(BUF, len))).toBe(hex(pt));
        // separate dst for seal
        raw.put(BUF, pt);
        seal(K, N, BUF, len, A, aad.length, OTHER);
        expect(hex(raw.get(OTHER, len + 16))).toBe(want);
      }
    });

    it("zeroes the key scratch after loading a key from it, and leaves keys elsewhere alone", () => {
      const seal = raw.fn("chacha20poly1305_seal"), wgOpen = raw.fn("aead_wg_open");
      const scratch = raw.core.global("AEAD_KEY_PTR"), N = raw.io, BUF = raw.io + 64, OWN = raw.io + 8192;
      const key = r.bytes(32);
      raw.put(scratch, key);
      seal(scratch, N, BUF, 100, 0, 0, BUF);
      expect(keyWiped()).toBe(true);
      raw.put(scratch, key);
      wgOpen(scratch, 1, 0, BUF, 116, BUF);
      expect(keyWiped()).toBe(true);
      raw.put(OWN, key);
      seal(OWN, N, BUF, 100, 0, 0, BUF);
      wgOpen(OWN, 1, 0, BUF, 116, BUF);
      expect(hex(raw.get(OWN, 32))).toBe(hex(key));
    });

    it("seal and open beyond the stitched-open keystream buffer (raw export, grown memory)", () => {
      const seal = raw.fn("chacha20poly1305_seal"), open = raw.fn("chacha20poly1305_open");
      const base = (raw.core.exports.memory as WebAssembly.Memory).grow(4) * 65536;
      const [K, N, SRC, DST] = [base, base + 32, base + 64, base + 2 * 65536];
      for (const len of [65536 + 192, 65536 + 193, 65536 + 500, 100000]) {
        const key = r.bytes(32), nonce = r.bytes(12), pt = r.bytes(len);
        raw.put(K, key); raw.put(N, nonce); raw.put(SRC, pt);
        seal(K, N, SRC, len, 0, 0, SRC);
        const want = opensslSeal(key, nonce, pt, new Uint8Array(0));
        expect(hex(raw.get(SRC, len + 16)) === hex(want), `seal ${len}`).toBe(true);
        expect(open(K, N, SRC, len + 16, 0, 0, DST)).toBe(1);
        expect(hex(raw.get(DST, len)) === hex(pt), `open ${len}`).toBe(true);
        raw.put(SRC + len - 1, new Uint8Array([raw.get(SRC + len - 1, 1)[0]! ^ 1]));
        raw.put(DST, new Uint8Array(len));
        expect(open(K, N, SRC, len + 16, 0, 0, DST)).toBe(0);
        expect(raw.get(DST, len).every((b) => b === 0)).toBe(true);
      }
    });

    it("aead_wg_seal/open with counters above 2^32 match OpenSSL with the nonce built by hand", () => {
      const seal = raw.fn("aead_wg_seal"), open = raw.fn("aead_wg_open");
      const [K, BUF] = [raw.io, raw.io + 64];
      const counters = [0n, 1n, 0xffff_ffffn, 1n << 32n, (1n << 32n) + 7n, 0x0123_4567_89ab_cdefn, (1n << 60n), (1n << 64n) - (1n << 13n) - 2n, (1n << 64n) - 1n];
      for (const c of counters) {
        const key = r.bytes(32), pt = r.bytes(1 + r.int(1500));
        const want = hex(opensslSeal(key, wgNonce(c), pt, new Uint8Array(0)));
        raw.put(K, key); raw.put(BUF, pt);
        seal(K, Number(c & 0xffff_ffffn), Number(c >> 32n), BUF, pt.length, BUF);
        expect(hex(raw.get(BUF, pt.length + 16)), `counter ${c}`).toBe(want);
        // the wrong half of the counter must not open it
        expect(open(K, Number(c & 0xffff_ffffn), Number((c >> 32n) ^ 1n), BUF, pt.length + 16, BUF)).toBe(0);
        expect(open(K, Number(c & 0xffff_ffffn), Number(c >> 32n), BUF, pt.length + 16, BUF)).toBe(1);
        expect(hex(raw.get(BUF, pt.length))).toBe(hex(pt));
        // and the JS helpers agree, with bigint and (when safe) number counters
        expect(hex(api.wgSeal(key, c, pt))).toBe(want);
        if (c <= BigInt(Number.MAX_SAFE_INTEGER)) expect(hex(api.wgSeal(key, Number(c), pt))).toBe(want);
        expect(hex(api.wgOpen(key, c, unhex(want))!)).toBe(hex(pt));
        expect(api.wgOpen(key, c + 1n > (1n << 64n) - 1n ? 0n : c + 1n, unhex(want))).toBeNull();
      }
    });

    it("wgSealInto/wgOpenInto write at an offset and leave out untouched on failure", () => {
      const key = r.bytes(32), pt = r.bytes(100);
      const out = new Uint8Array(200).fill(0xee);
      expect(api.wgSealInto(key, 9n, pt, out, 16)).toBe(116);
      expect(out.subarray(0, 16).every((b) => b === 0xee)).toBe(true);
      expect(hex(out.subarray(16, 132))).toBe(hex(opensslSeal(key, wgNonce(9n), pt, new Uint8Array(0))));
      const plain = new Uint8Array(120).fill(0x11);
      expect(api.wgOpenInto(key, 9n, out.subarray(16, 132), plain, 4)).toBe(100);
      expect(hex(plain.subarray(4, 104))).toBe(hex(pt));
      const untouched = new Uint8Array(120).fill(0x22);
      expect(api.wgOpenInto(key, 10n, out.subarray(16, 132), untouched, 4)).toBe(-1);
      expect(untouched.every((b) => b === 0x22)).toBe(true);
      expect(() => api.wgSealInto(key, 9n, pt, new Uint8Array(115))).toThrow(RangeError);
    });
  });

  describe("outputs", () => {
    it("pooled outputs never overlap and stay intact across later calls", () => {
      const r = rng(0x9001);
      const key = r.bytes(32), nonce = r.bytes(12);
      const pts = Array.from({ length: 200 }, (_, i) => r.bytes(65 + ((i * 97) % 4000)));
      const outs = pts.map((p) => api.chacha20poly1305Seal(key, nonce, p));
      outs.forEach((o, i) => expect(hex(o)).toBe(hex(opensslSeal(key, nonce, pts[i]!, new Uint8Array(0)))));
      outs[0]!.fill(0);
      expect(hex(outs[1]!)).toBe(hex(opensslSeal(key, nonce, pts[1]!, new Uint8Array(0))));
    });

    it("pooledOutputs: false gives each output its own ArrayBuffer", () => {
      const own = aeadApi(raw.core, { pooledOutputs: false });
      const o = own.chacha20poly1305Seal(new Uint8Array(32), new Uint8Array(12), new Uint8Array(1000));
      expect(o.buffer.byteLength).toBe(1016);
      const p = own.wgOpen(new Uint8Array(32), 0n, own.wgSeal(new Uint8Array(32), 0n, new Uint8Array(500)))!;
      expect(p.buffer.byteLength).toBe(500);
    });
  });

  describe("chunked path (inputs larger than the scratch)", () => {
    it("raw streaming calls give the one-shot result for any 64-byte-aligned chunking", () => {
      const r = rng(0x57ea);
      const [K, N, T, A, BUF] = [raw.io, raw.io + 32, raw.io + 64, raw.io + 128, raw.io + 1024];
      const key = r.bytes(32), nonce = r.bytes(12), aad = r.bytes(37), pt = r.bytes(1500);
      const want = hex(opensslSeal(key, nonce, pt, aad));
      for (const chunks of [[64, 128, 192, 1116], [192, 64, 320, 924], [1500], [256, 1244], [448, 64, 988]]) {
        raw.put(K, key); raw.put(N, nonce); raw.put(A, aad); raw.put(BUF, pt);
        raw.fn("aead_stream_init")(K, N);
        raw.fn("aead_stream_aad")(A, 5);
        raw.fn("aead_stream_aad")(A + 5, 32);
        let off = 0;
        for (const c of chunks) {
          raw.fn("aead_stream_seal")(BUF + off, c, BUF + off);
          off += c;
        }
        raw.fn("aead_stream_final")(T);
        expect(hex(raw.get(BUF, 1500)) + hex(raw.get(T, 16)), `chunks ${chunks}`).toBe(want);
        // and open the same way: MAC pass, verify, decrypt pass
        raw.fn("aead_stream_init")(K, N);
        raw.fn("aead_stream_aad")(A, 37);
        off = 0;
        for (const c of chunks) {
          raw.fn("aead_stream_mac")(BUF + off, c);
          off += c;
        }
        expect(raw.fn("aead_stream_verify")(T)).toBe(1);
        off = 0;
        for (const c of chunks) {
          raw.fn("aead_stream_decrypt")(BUF + off, c, BUF + off);
          off += c;
        }
        raw.fn("aead_stream_wipe")();
        expect(hex(raw.get(BUF, 1500))).toBe(hex(pt));
      }
    });


    it("streams plaintext and AAD larger than the scratch regions, and MACs before it decrypts", () => {
      const r = rng(0x5ca7c4);
      for (const [len, aadLen] of [[65537, 0], [65536 * 2 + 100, 5000], [300, 70000]] as const) {
        const key = r.bytes(32), nonce = r.bytes(12), pt = r.bytes(len), aad = r.bytes(aadLen);
        const sealed = api.chacha20poly1305Seal(key, nonce, pt, aad);
        expect(hex(sealed)).toBe(hex(opensslSeal(key, nonce, pt, aad)));
        expect(hex(api.chacha20poly1305Open(key, nonce, sealed, aad)!)).toBe(hex(pt));
        // a flipped bit in the first chunk must fail the whole open
        const bad = sealed.slice();
        bad[10]! ^= 4;
        expect(api.chacha20poly1305Open(key, nonce, bad, aad)).toBeNull();
        expect(keyWiped()).toBe(true);
      }
    });

    it("aead_stream_decrypt does nothing before a successful verify", () => {
      const [K, N, T, BUF] = [raw.io, raw.io + 32, raw.io + 64, raw.io + 128];
      raw.put(K, new Uint8Array(32).fill(1));
      raw.put(N, new Uint8Array(12));
      raw.put(BUF, new Uint8Array(64).fill(0x33));
      raw.put(T, new Uint8Array(16));
      raw.fn("aead_stream_init")(K, N);
      raw.fn("aead_stream_mac")(BUF, 64);
      expect(raw.fn("aead_stream_verify")(T)).toBe(0);
      raw.fn("aead_stream_decrypt")(BUF, 64, BUF);
      expect(raw.get(BUF, 64).every((b) => b === 0x33)).toBe(true);
    });
  });
});
