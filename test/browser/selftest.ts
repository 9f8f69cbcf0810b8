// Known-answer and round-trip checks of the public `wasmguard/crypto` API that
// run unchanged in a browser page, a Web Worker and a Node worker thread. No
// Node built-ins here: the caller supplies the vector files (fetched in a
// browser, read from disk in Node) and gets a list of named results back.
import type { WasmCrypto } from "../../bindings/crypto/index.js";

/** The vector files under test/vectors/ that the checks use, by key. */
export const VECTOR_FILES = {
  rfc8439: "rfc8439.json",
  xchacha: "xchacha-draft03.json",
  rfc7693: "rfc7693.json",
  rfc7748: "rfc7748.json",
  wgKdf: "wg-kdf.json",
} as const;

interface AeadVector {
  section: string;
  key: string;
  nonce: string;
  aad: string;
  plaintext: string;
  ciphertext: string;
  tag: string;
}
interface StreamVector {
  section: string;
  key: string;
  nonce: string;
  counter: number;
  plaintext: string;
  ciphertext: string;
}

export interface Vectors {
  rfc8439: { aead: AeadVector[]; encrypt: StreamVector[] };
  xchacha: { aead: AeadVector[]; stream: StreamVector[] };
  rfc7693: {
    appendixB: { input: string; outLen: number; out: string };
    appendixE: { digestLengths: number[]; inputLengths: number[]; grandHash: string };
  };
  rfc7748: {
    section5_2: { scalar: string; u: string; out: string }[];
    iterated: { start: string; after: Record<string, string> };
    section6_1: Record<"alicePrivate" | "alicePublic" | "bobPrivate" | "bobPublic" | "shared", string>;
  };
  wgKdf: { vectors: { key: string; input: string; t0: string; t1: string; t2: string }[] };
}

export interface Check {
  name: string;
  ok: boolean;
  /** What differed, when a check fails. */
  detail?: string;
}

export const hex = (b: Uint8Array): string => Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");

export function unhex(s: string): Uint8Array {
  if (s.length % 2 !== 0 || /[^0-9a-f]/i.test(s)) throw new Error(`bad hex: ${s.slice(0, 16)}`);
  const out = new Uint8Array(s.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(s.slice(2 * i, 2 * i + 2), 16);
  return out;
}

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/** Collects named results; an exception inside a check fails that check only. */
class Checks {
  readonly list: Check[] = [];

  equal(name: string, got: Uint8Array | string | null, want: string): void {
    const g = got === null ? "null" : typeof got === "string" ? got : hex(got);
    this.list.push(g === want ? { name, ok: true } : { name, ok: false, detail: `got ${g}, want ${want}` });
  }

  truth(name: string, ok: boolean, detail = "false"): void {
    this.list.push(ok ? { name, ok } : { name, ok, detail });
  }

  run(name: string, body: () => void): void {
    try {
      body();
    } catch (e) {
      this.list.push({ name, ok: false, detail: `threw ${e instanceof Error ? e.message : String(e)}` });
    }
  }
}

/** Flips one bit of a copy. */
function flipped(b: Uint8Array, index = 0): Uint8Array {
  const c = b.slice();
  c[index % c.length] ^= 1;
  return c;
}

/** RFC 7693 Appendix E's input generator (a Fibonacci sequence in 32-bit arithmetic). */
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

/**
 * Every known-answer vector the public API can reach (the vector files also hold
 * quarter-round, block, Poly1305 and HChaCha20 vectors for the core's internals,
 * which the unit suites check). `iterations` cuts the RFC 7748 iterated vector
 * short (to 1) for callers that run the checks many times.
 */
export function knownAnswerChecks(c: WasmCrypto, v: Vectors, options: { iterations?: 1 | 1000 } = {}): Check[] {
  const iterations = options.iterations ?? 1000;
  const k = new Checks();

  const aead = (family: string, x: boolean, vec: AeadVector) => {
    const [key, nonce, aad, pt] = [unhex(vec.key), unhex(vec.nonce), unhex(vec.aad), unhex(vec.plaintext)];
    const seal = x ? c.xchacha20poly1305Seal : c.chacha20poly1305Seal;
    const open = x ? c.xchacha20poly1305Open : c.chacha20poly1305Open;
    const name = `${family} ${vec.section}`;
    k.run(name, () => {
      k.equal(`${name} seal`, seal(key, nonce, pt, aad), vec.ciphertext + vec.tag);
      const sealed = unhex(vec.ciphertext + vec.tag);
      k.equal(`${name} open`, open(key, nonce, sealed, aad), vec.plaintext);
      k.equal(`${name} open rejects a flipped tag bit`, open(key, nonce, flipped(sealed, sealed.length - 1), aad), "null");
      if (aad.length) k.equal(`${name} open rejects a flipped aad bit`, open(key, nonce, sealed, flipped(aad)), "null");
    });
  };
  // The AEADs encrypt from block counter 1, so a stream vector at counter 1 is
  // the ciphertext part of a seal with the same key and nonce.
  const stream = (family: string, x: boolean, vec: StreamVector) => {
    const name = `${family} ${vec.section} keystream at counter 1`;
    k.run(name, () => {
      const sealed = (x ? c.xchacha20poly1305Seal : c.chacha20poly1305Seal)(
        unhex(vec.key),
        unhex(vec.nonce),
        unhex(vec.plaintext),
      );
      k.equal(name, sealed.subarray(0, sealed.length - 16), vec.ciphertext);
    });
  };

  for (const vec of v.rfc8439.aead) aead("RFC 8439 ChaCha20-Poly1305", false, vec);
  for (const vec of v.rfc8439.encrypt.filter((e) => e.counter === 1)) stream("RFC 8439 ChaCha20", false, vec);
  for (const vec of v.xchacha.aead) aead("XChaCha draft-03 AEAD", true, vec);
  for (const vec of v.xchacha.stream.filter((e) => e.counter === 1)) stream("XChaCha draft-03 XChaCha20", true, vec);

  const b = v.rfc7693.appendixB;
  k.run("RFC 7693 Appendix B", () => k.equal("RFC 7693 Appendix B", c.blake2s(unhex(b.input), b.outLen), b.out));
  k.run("RFC 7693 Appendix E grand hash", () => {
    const e = v.rfc7693.appendixE;
    const digests: Uint8Array[] = [];
    for (const outLen of e.digestLengths)
      for (const inLen of e.inputLengths) {
        const input = selftestSeq(inLen, inLen);
        digests.push(c.blake2s(input, outLen), c.blake2s(input, outLen, selftestSeq(outLen, outLen)));
      }
    k.equal("RFC 7693 Appendix E grand hash", c.blake2s(concat(...digests)), e.grandHash);
  });

  const x = v.rfc7748;
  x.section5_2.forEach((vec, i) =>
    k.run(`RFC 7748 §5.2 #${i + 1}`, () =>
      k.equal(`RFC 7748 §5.2 #${i + 1}`, c.x25519(unhex(vec.scalar), unhex(vec.u)), vec.out),
    ),
  );
  k.run("RFC 7748 §5.2 iterated", () => {
    let kk: Uint8Array = unhex(x.iterated.start);
    let u: Uint8Array = kk.slice();
    for (let i = 1; i <= iterations; i++) {
      const next = c.x25519(kk, u);
      u = kk;
      kk = next;
      if (i === 1 || i === 1000) k.equal(`RFC 7748 §5.2 after ${i} iteration(s)`, kk, x.iterated.after[String(i)]);
    }
  });
  const d = x.section6_1;
  k.run("RFC 7748 §6.1", () => {
    k.equal("RFC 7748 §6.1 Alice's public key", c.x25519PublicKey(unhex(d.alicePrivate)), d.alicePublic);
    k.equal("RFC 7748 §6.1 Bob's public key", c.x25519PublicKey(unhex(d.bobPrivate)), d.bobPublic);
    k.equal("RFC 7748 §6.1 shared secret (Alice)", c.x25519(unhex(d.alicePrivate), unhex(d.bobPublic)), d.shared);
    k.equal("RFC 7748 §6.1 shared secret (Bob)", c.x25519(unhex(d.bobPrivate), unhex(d.alicePublic)), d.shared);
  });

  v.wgKdf.vectors.forEach((vec, i) => {
    const name = `wireguard-go KDF #${i + 1}`;
    k.run(name, () => {
      const key = unhex(vec.key);
      const input = unhex(vec.input);
      // HMAC pads a short key with zeros to the block size, so the 8-byte test
      // key and its zero extension to 32 bytes are the same HMAC key.
      const chainingKey = new Uint8Array(32);
      chainingKey.set(key);
      k.equal(`${name} hkdf`, c.hkdf(chainingKey, input, 3).map(hex).join(","), [vec.t0, vec.t1, vec.t2].join(","));
      // The same outputs composed from hmacBlake2s with the unpadded key.
      const prk = c.hmacBlake2s(key, input);
      const t1 = c.hmacBlake2s(prk, Uint8Array.of(1));
      const t2 = c.hmacBlake2s(prk, concat(t1, Uint8Array.of(2)));
      const t3 = c.hmacBlake2s(prk, concat(t2, Uint8Array.of(3)));
      k.equal(`${name} from hmacBlake2s`, [t1, t2, t3].map(hex).join(","), [vec.t0, vec.t1, vec.t2].join(","));
    });
  });
  return k.list;
}

function randomBytes(n: number): Uint8Array {
  const out = new Uint8Array(n);
  for (let o = 0; o < n; o += 65536) globalThis.crypto.getRandomValues(out.subarray(o, Math.min(n, o + 65536)));
  return out;
}

/** Seal/open of random data at the sizes that cross the core's block and chunk boundaries. */
export function roundTripChecks(c: WasmCrypto): Check[] {
  const k = new Checks();
  const sizes = [0, 1, 15, 16, 17, 63, 64, 65, 1420, 4096, 65536, 100_003];
  for (const xc of [false, true]) {
    const family = xc ? "XChaCha20-Poly1305" : "ChaCha20-Poly1305";
    const seal = xc ? c.xchacha20poly1305Seal : c.chacha20poly1305Seal;
    const open = xc ? c.xchacha20poly1305Open : c.chacha20poly1305Open;
    for (const size of sizes) {
      const name = `${family} random round trip, ${size} bytes`;
      k.run(name, () => {
        const key = randomBytes(32);
        const nonce = randomBytes(xc ? 24 : 12);
        const aad = randomBytes(size % 40);
        const pt = randomBytes(size);
        const sealed = seal(key, nonce, pt, aad);
        k.truth(`${name}: length`, sealed.length === size + 16, `sealed ${sealed.length} bytes`);
        k.truth(`${name}: ciphertext differs from plaintext`, size < 16 || hex(sealed.subarray(0, size)) !== hex(pt));
        k.equal(`${name}: open`, open(key, nonce, sealed, aad), hex(pt));
        const bit = Math.floor(Math.random() * sealed.length);
        k.equal(`${name}: open rejects a flipped bit`, open(key, nonce, flipped(sealed, bit), aad), "null");
        k.equal(`${name}: open rejects a wrong key`, open(flipped(key, 7), nonce, sealed, aad), "null");
      });
    }
  }
  k.run("X25519 random agreement", () => {
    const a = c.generatePrivateKey();
    const b = c.generatePrivateKey();
    k.truth("X25519 random keys are clamped", (a[0] & 7) === 0 && (a[31] & 0xc0) === 0x40);
    k.truth("X25519 random keys differ", hex(a) !== hex(b));
    const ab = c.x25519(a, c.x25519PublicKey(b));
    k.equal("X25519 random agreement", ab, hex(c.x25519(b, c.x25519PublicKey(a))));
  });
  return k.list;
}

// PKCS #8 wrapping of a raw X25519 private key (RFC 8410): the prefix is fixed.
const PKCS8_X25519_PREFIX = unhex("302e020100300506032b656e04220420");

/**
 * X25519 against the engine's own Web Crypto (BoringSSL in Chromium, OpenSSL in
 * Node): an implementation independent of ours. Empty when Web Crypto lacks X25519.
 */
export async function webCryptoX25519Checks(c: WasmCrypto): Promise<Check[]> {
  const subtle = globalThis.crypto.subtle;
  const k = new Checks();
  let pair: CryptoKeyPair;
  try {
    pair = (await subtle.generateKey({ name: "X25519" }, true, ["deriveBits"])) as CryptoKeyPair;
  } catch {
    return [];
  }
  const theirPublic = new Uint8Array(await subtle.exportKey("raw", pair.publicKey));
  const pkcs8 = new Uint8Array(await subtle.exportKey("pkcs8", pair.privateKey));
  const theirPrivate = pkcs8.slice(pkcs8.length - 32);
  k.equal("X25519 public key matches Web Crypto's", c.x25519PublicKey(theirPrivate), hex(theirPublic));

  const ours = c.generatePrivateKey();
  const ourPublic = await subtle.importKey("raw", c.x25519PublicKey(ours) as Uint8Array<ArrayBuffer>, { name: "X25519" }, true, []);
  const theirs = new Uint8Array(
    await subtle.deriveBits({ name: "X25519", public: ourPublic } as unknown as AlgorithmIdentifier, pair.privateKey, 256),
  );
  k.equal("X25519 shared secret matches Web Crypto's", c.x25519(ours, theirPublic), hex(theirs));

  // And the other direction: Web Crypto imports a private key we generated.
  const imported = await subtle.importKey(
    "pkcs8",
    concat(PKCS8_X25519_PREFIX, ours) as Uint8Array<ArrayBuffer>,
    { name: "X25519" },
    false,
    ["deriveBits"],
  );
  const back = new Uint8Array(
    await subtle.deriveBits({ name: "X25519", public: pair.publicKey } as unknown as AlgorithmIdentifier, imported, 256),
  );
  k.equal("X25519 Web Crypto agrees with our private key", back, hex(theirs));
  return k.list;
}
