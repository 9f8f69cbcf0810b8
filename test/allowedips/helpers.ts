// Shared pieces of the AllowedIPs suites: a seeded PRNG, address builders and a
// deliberately naive oracle (a list of prefixes scanned linearly, longest first).
import type { IpFamily } from "../../bindings/net/ip.js";

/** sfc32: a small, fast, seeded generator so failures reproduce. */
export class Rng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  constructor(seed: number) {
    this.a = 0x9e3779b9;
    this.b = 0x243f6a88;
    this.c = 0xb7e15162;
    this.d = seed >>> 0;
    for (let i = 0; i < 16; i++) this.u32();
  }

  u32(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return t >>> 0;
  }

  /** Integer in 0..n-1. */
  below(n: number): number {
    return Math.floor((this.u32() / 4294967296) * n);
  }

  bytes(n: number): Uint8Array {
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i++) out[i] = this.u32() & 0xff;
    return out;
  }
}

/** IPv6 bytes from the kernel selftest's four big-endian 32-bit words (hex strings). */
export function ip6Words(words: readonly string[]): Uint8Array {
  const out = new Uint8Array(16);
  const view = new DataView(out.buffer);
  words.forEach((w, i) => view.setUint32(4 * i, parseInt(w, 16)));
  return out;
}

/** Copy of `bytes` with every bit from `bits` on cleared. */
export function masked(bytes: Uint8Array, bits: number): Uint8Array {
  const out = new Uint8Array(bytes);
  for (let i = 0; i < out.length; i++) {
    const keep = Math.max(0, Math.min(8, bits - 8 * i));
    out[i] &= (0xff00 >> keep) & 0xff;
  }
  return out;
}

/** Copy of `bytes` whose first `bits` bits come from `prefix` and the rest from `host`. */
export function withPrefix(prefix: Uint8Array, bits: number, host: Uint8Array): Uint8Array {
  const out = new Uint8Array(prefix.length);
  for (let i = 0; i < out.length; i++) {
    const keep = Math.max(0, Math.min(8, bits - 8 * i));
    const m = (0xff00 >> keep) & 0xff;
    out[i] = (prefix[i] & m) | (host[i] & ~m & 0xff);
  }
  return out;
}

interface OracleEntry {
  family: IpFamily;
  bits: number;
  key: Uint8Array; // masked
  words: Int32Array; // key as big-endian 32-bit words
  masks: Int32Array;
  peer: number;
  seq: number; // when it was last given to its current peer
}

function wordsOf(bytes: Uint8Array): Int32Array {
  const w = new Int32Array(bytes.length / 4);
  for (let i = 0; i < w.length; i++)
    w[i] = (bytes[4 * i] << 24) | (bytes[4 * i + 1] << 16) | (bytes[4 * i + 2] << 8) | bytes[4 * i + 3];
  return w;
}

function masksOf(family: IpFamily, bits: number): Int32Array {
  const m = new Int32Array(family === 4 ? 1 : 4);
  for (let i = 0; i < m.length; i++) {
    const keep = Math.max(0, Math.min(32, bits - 32 * i));
    m[i] = keep === 0 ? 0 : keep === 32 ? -1 : ~(-1 >>> keep);
  }
  return m;
}

/**
 * The naive reference: one array per family, ordered longest prefix first, scanned
 * from the start on every lookup. Mirrors the kernel selftest's horrible_allowedips.
 */
export class NaiveAllowedIps {
  private readonly lists: Record<IpFamily, OracleEntry[]> = { 4: [], 6: [] };
  private seq = 0;

  private find(family: IpFamily, key: Uint8Array, bits: number): OracleEntry | undefined {
    return this.lists[family].find((e) => e.bits === bits && e.key.every((b, i) => b === key[i]));
  }

  insert(family: IpFamily, bytes: Uint8Array, bits: number, peer: number): void {
    const key = masked(bytes, bits);
    const existing = this.find(family, key, bits);
    if (existing) {
      if (existing.peer !== peer) {
        existing.peer = peer;
        existing.seq = this.seq++;
      }
      return;
    }
    const entry: OracleEntry = {
      family,
      bits,
      key,
      words: wordsOf(key),
      masks: masksOf(family, bits),
      peer,
      seq: this.seq++,
    };
    const list = this.lists[family];
    let at = list.findIndex((e) => e.bits <= bits);
    if (at === -1) at = list.length;
    list.splice(at, 0, entry);
  }

  remove(family: IpFamily, bytes: Uint8Array, bits: number, peer?: number): boolean {
    const key = masked(bytes, bits);
    const e = this.find(family, key, bits);
    if (!e || (peer !== undefined && e.peer !== peer)) return false;
    this.lists[family].splice(this.lists[family].indexOf(e), 1);
    return true;
  }

  removePeer(peer: number): number {
    let n = 0;
    for (const f of [4, 6] as const) {
      const before = this.lists[f].length;
      this.lists[f] = this.lists[f].filter((e) => e.peer !== peer);
      n += before - this.lists[f].length;
    }
    return n;
  }

  /** Peer of the first (longest) matching prefix, or 0. */
  lookup(family: IpFamily, bytes: Uint8Array): number {
    const a = wordsOf(bytes);
    for (const e of this.lists[family]) {
      let ok = true;
      for (let i = 0; i < a.length && ok; i++) ok = ((a[i] ^ e.words[i]) & e.masks[i]) === 0;
      if (ok) return e.peer;
    }
    return 0;
  }

  /** A peer's prefixes in the order they were given to it. */
  list(peer: number): { family: IpFamily; bits: number; key: Uint8Array }[] {
    return [...this.lists[4], ...this.lists[6]]
      .filter((e) => e.peer === peer)
      .sort((x, y) => x.seq - y.seq)
      .map(({ family, bits, key }) => ({ family, bits, key }));
  }

  entries(family: IpFamily): readonly { bits: number; key: Uint8Array; peer: number }[] {
    return this.lists[family];
  }

  get size(): number {
    return this.lists[4].length + this.lists[6].length;
  }
}
