// Poly1305 against RFC 8439 §2.5.2 and A.3 (#1-11), incremental updates split
// at every pair of points, and @noble/ciphers on random keys and messages.
import { poly1305 } from "@noble/ciphers/_poly1305.js";
import { describe, expect, it } from "vitest";
import { BUILDS, Raw, hex, loadVectors, rng, unhex } from "./aead-helpers.js";

interface Rfc {
  poly1305: { section: string; key: string; message: string; tag: string }[];
}
const rfc = loadVectors<Rfc>("rfc8439.json");

describe.each(BUILDS)("Poly1305 (%s build)", (build) => {
  const raw = new Raw(build);
  const KEY = raw.io, OUT = raw.io + 32, MSG = raw.io + 64;
  const mac = (key: Uint8Array, msg: Uint8Array): string => {
    raw.put(KEY, key);
    raw.put(MSG, msg);
    raw.fn("poly1305_mac")(KEY, MSG, msg.length, OUT);
    return hex(raw.get(OUT, 16));
  };

  it.each(rfc.poly1305)("RFC 8439 $section", (t) => {
    expect(mac(unhex(t.key), unhex(t.message))).toBe(t.tag);
  });

  it("a one-bit change in message or key changes the tag", () => {
    const t = rfc.poly1305[0]!;
    const msg = unhex(t.message);
    msg[5]! ^= 1;
    expect(mac(unhex(t.key), msg)).not.toBe(t.tag);
    const key = unhex(t.key);
    key[20]! ^= 0x80;
    expect(mac(key, unhex(t.message))).not.toBe(t.tag);
  });

  it("gives the same tag however the input is split across updates", () => {
    const r = rng(0x9017);
    const key = r.bytes(32);
    const msg = r.bytes(70);
    const want = mac(key, msg);
    const [init, update, final] = [raw.fn("poly1305_init"), raw.fn("poly1305_update"), raw.fn("poly1305_final")];
    raw.put(KEY, key);
    raw.put(MSG, msg);
    for (let i = 0; i <= msg.length; i++) {
      for (let j = i; j <= msg.length; j++) {
        init(KEY);
        update(MSG, i);
        update(MSG + i, j - i);
        update(MSG + j, msg.length - j);
        final(OUT);
        if (hex(raw.get(OUT, 16)) !== want) throw new Error(`split at ${i},${j} differs`);
      }
    }
  });

  it("matches @noble/ciphers on 2000 random keys and messages (0..1100 bytes)", () => {
    const r = rng(0x1305);
    for (let n = 0; n < 2000; n++) {
      const key = r.bytes(32);
      // bias towards limb-edge values: all-ones blocks and keys
      if (n % 7 === 0) key.fill(0xff, 0, 16);
      const msg = n % 5 === 0 ? new Uint8Array(r.int(300)).fill(0xff) : r.bytes(r.int(1101));
      expect(mac(key, msg)).toBe(hex(poly1305(msg, key)));
    }
  });
});
