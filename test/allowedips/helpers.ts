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

  // Exact-prefix index for insert and remove; lookups never use it.
  private readonly byKey = new Map<string, OracleEntry>();

  private find(family: IpFamily, key: Uint8Array, bits: number): OracleEntry | undefined {
    return this.byKey.get(`${family}/${bits}/${key.join(".")}`);
  }

  has(family: IpFamily, bytes: Uint8Array, bits: number): boolean {
    return this.find(family, masked(bytes, bits), bits) !== undefined;
  }

  insert(family: IpFamily, bytes: Uint8Array, bits: number, peer: number): void {
    this.flat[family] = undefined;
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
    this.byKey.set(`${family}/${bits}/${key.join(".")}`, entry);
  }

  remove(family: IpFamily, bytes: Uint8Array, bits: number, peer?: number): boolean {
    const key = masked(bytes, bits);
    const e = this.find(family, key, bits);
    if (!e || (peer !== undefined && e.peer !== peer)) return false;
    this.flat[family] = undefined;
    this.lists[family].splice(this.lists[family].indexOf(e), 1);
    this.byKey.delete(`${family}/${bits}/${key.join(".")}`);
    return true;
  }

  removePeer(peer: number): number {
    this.flat = { 4: undefined, 6: undefined };
    let n = 0;
    for (const f of [4, 6] as const) {
      const before = this.lists[f].length;
      for (const e of this.lists[f]) if (e.peer === peer) this.byKey.delete(`${f}/${e.bits}/${e.key.join(".")}`);
      this.lists[f] = this.lists[f].filter((e) => e.peer !== peer);
      n += before - this.lists[f].length;
    }
    return n;
  }

  /** Peer of the first (longest) matching prefix, or 0. */
  lookup(family: IpFamily, bytes: Uint8Array): number {
    const flat = this.flatten(family);
    const n = flat.peers.length;
    const { words, masks, peers } = flat;
    if (family === 4) {
      const a = (bytes[0] << 24) | (bytes[1] << 16) | (bytes[2] << 8) | bytes[3];
      for (let i = 0; i < n; i++) if (((a ^ words[i]) & masks[i]) === 0) return peers[i];
      return 0;
    }
    const a = wordsOf(bytes);
    const [a0, a1, a2, a3] = [a[0], a[1], a[2], a[3]];
    for (let i = 0, j = 0; i < n; i++, j += 4) {
      if (
        ((a0 ^ words[j]) & masks[j]) === 0 &&
        ((a1 ^ words[j + 1]) & masks[j + 1]) === 0 &&
        ((a2 ^ words[j + 2]) & masks[j + 2]) === 0 &&
        ((a3 ^ words[j + 3]) & masks[j + 3]) === 0
      )
        return peers[i];
    }
    return 0;
  }

  // The same list packed into typed arrays (rebuilt after a change) so the scan is quick.
  private flat: Record<IpFamily, { words: Int32Array; masks: Int32Array; peers: Int32Array } | undefined> = {
    4: undefined,
    6: undefined,
  };

  private flatten(family: IpFamily): { words: Int32Array; masks: Int32Array; peers: Int32Array } {
    let f = this.flat[family];
    if (f) return f;
    const list = this.lists[family];
    const w = family === 4 ? 1 : 4;
    f = { words: new Int32Array(list.length * w), masks: new Int32Array(list.length * w), peers: new Int32Array(list.length) };
    list.forEach((e, i) => {
      f!.words.set(e.words, i * w);
      f!.masks.set(e.masks, i * w);
      f!.peers[i] = e.peer;
    });
    this.flat[family] = f;
    return f;
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

/** A minimal IPv4 or IPv6 header carrying `dst` and `src`. */
export function packetWith(f: IpFamily, dst: Uint8Array, src: Uint8Array): Uint8Array {
  if (f === 4) {
    const p = new Uint8Array(20);
    p[0] = 0x45;
    p.set(src, 12);
    p.set(dst, 16);
    return p;
  }
  const p = new Uint8Array(40);
  p[0] = 0x60;
  p.set(src, 8);
  p.set(dst, 24);
  return p;
}
