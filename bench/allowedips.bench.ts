// AllowedIPs lookup throughput: the WASM table called once per address from JS,
// and once per batch of packets inside WASM, against a straightforward JS binary
// trie (one node per bit) measured in the same process on the same addresses.
//
//   node --import tsx bench/allowedips.bench.ts [--quick] [--json [path|-]]
//
// Tables hold 10, 1,000 and 100,000 random prefixes per family. Lengths are mixed
// the way AllowedIPs tend to be: IPv4 50% /32, 20% /24-/31, 20% /16-/23, 10% /8-/15;
// IPv6 50% /128, 20% /64, 20% /48-/63, 10% /32-/47. Lookups walk a pool of 65,536
// destination addresses (half inside a table prefix, half uniformly random), 1,024
// per iteration, so large tables do not sit in cache.
import { writeFileSync } from "node:fs";
import { cpus, release } from "node:os";
import { Bench } from "tinybench";
import { AllowedIps, CoreBuffer } from "../bindings/device/allowedips.js";
import { instantiateCore } from "../bindings/crypto/wasm.js";
import type { IpFamily } from "../bindings/net/ip.js";

const argv = process.argv.slice(2);
const quick = argv.includes("--quick");
const jsonAt = argv.indexOf("--json");
const jsonOut = jsonAt < 0 ? undefined : argv[jsonAt + 1] && !argv[jsonAt + 1].startsWith("--") ? argv[jsonAt + 1] : "-";

const SIZES = [10, 1_000, 100_000];
const POOL = 65_536;
const BATCH = 1_024;
const STRIDE = 64; // bytes per packet slot (an IPv6 header is 40)

// ---- the baseline: a plain binary trie, one object per bit ----

class JsTrieNode {
  zero: JsTrieNode | null = null;
  one: JsTrieNode | null = null;
  peer = 0;
}

class JsTrie {
  private readonly root = new JsTrieNode();

  insert(bytes: Uint8Array, bits: number, peer: number): void {
    let n = this.root;
    for (let i = 0; i < bits; i++) {
      if ((bytes[i >> 3] >> (7 - (i & 7))) & 1) n = n.one ??= new JsTrieNode();
      else n = n.zero ??= new JsTrieNode();
    }
    n.peer = peer;
  }

  /** Longest match for the IPv4 address at buf[at..at+4]. */
  lookup4(buf: Uint8Array, at: number): number {
    const a = (buf[at] << 24) | (buf[at + 1] << 16) | (buf[at + 2] << 8) | buf[at + 3];
    let n: JsTrieNode | null = this.root;
    let best = n.peer;
    for (let i = 0; i < 32; i++) {
      n = (a >>> (31 - i)) & 1 ? n.one : n.zero;
      if (n === null) break;
      if (n.peer !== 0) best = n.peer;
    }
    return best;
  }

  /** Longest match for the IPv6 address at buf[at..at+16]. */
  lookup6(buf: Uint8Array, at: number): number {
    let n: JsTrieNode | null = this.root;
    let best = n.peer;
    for (let i = 0; i < 128; i++) {
      n = (buf[at + (i >> 3)] >> (7 - (i & 7))) & 1 ? n.one : n.zero;
      if (n === null) break;
      if (n.peer !== 0) best = n.peer;
    }
    return best;
  }
}

// ---- workload ----

/** xorshift32: deterministic inputs so runs compare. */
function rng(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x;
  };
}

function prefixLength(family: IpFamily, r: number): number {
  const u = r % 100;
  if (family === 4) {
    if (u < 50) return 32;
    if (u < 70) return 24 + ((r >>> 8) % 8);
    if (u < 90) return 16 + ((r >>> 8) % 8);
    return 8 + ((r >>> 8) % 8);
  }
  if (u < 50) return 128;
  if (u < 70) return 64;
  if (u < 90) return 48 + ((r >>> 8) % 16);
  return 32 + ((r >>> 8) % 16);
}

interface Workload {
  family: IpFamily;
  size: number;
  prefixes: { family: IpFamily; bytes: Uint8Array; bits: number; peer: number }[];
  packets: Uint8Array; // POOL packets, STRIDE bytes apart, destination filled in
}

function workload(family: IpFamily, size: number): Workload {
  const next = rng(0x9e3779b9 ^ (size * 31 + family));
  const w = family === 4 ? 4 : 16;
  const randomBytes = () => {
    const b = new Uint8Array(w);
    for (let i = 0; i < w; i += 4) new DataView(b.buffer).setUint32(i, next());
    return b;
  };
  const prefixes = Array.from({ length: size }, () => ({
    family,
    bytes: randomBytes(),
    bits: prefixLength(family, next()),
    peer: 1 + (next() % 1000),
  }));
  const packets = new Uint8Array(POOL * STRIDE);
  const dst = family === 4 ? 16 : 24;
  for (let i = 0; i < POOL; i++) {
    const p = i * STRIDE;
    packets[p] = family === 4 ? 0x45 : 0x60;
    const a = randomBytes();
    if (next() & 1) {
      // Inside a random prefix of the table.
      const pre = prefixes[next() % size];
      for (let j = 0; j < w; j++) {
        const keep = Math.max(0, Math.min(8, pre.bits - 8 * j));
        const m = (0xff00 >> keep) & 0xff;
        a[j] = (pre.bytes[j] & m) | (a[j] & ~m & 0xff);
      }
    }
    packets.set(a, p + dst);
  }
  return { family, size, prefixes, packets };
}

// ---- run ----

interface Row {
  family: IpFamily;
  prefixes: number;
  method: "js-trie" | "wasm-per-address" | "wasm-batch";
  lookupsPerSec: number;
  vsJsTrie: number;
}

async function main(): Promise<void> {
  const core = instantiateCore();
  const rows: Row[] = [];
  for (const family of [4, 6] as const) {
    for (const size of SIZES) {
      const wl = workload(family, size);
      const dst = family === 4 ? 16 : 24;
      const w = family === 4 ? 4 : 16;

      const trie = new JsTrie();
      const table = new AllowedIps(core);
      for (const p of wl.prefixes) {
        trie.insert(p.bytes, p.bits, p.peer);
        table.insert(p, p.peer);
      }
      const pool = new CoreBuffer(core, POOL * STRIDE);
      const lengths = new CoreBuffer(core, POOL * 4);
      const out = new CoreBuffer(core, POOL * 4);
      pool.bytes.set(wl.packets);
      lengths.u32.fill(STRIDE);
      const addrs = Array.from({ length: POOL }, (_, i) => wl.packets.subarray(i * STRIDE + dst, i * STRIDE + dst + w));

      // The three must agree on every address before any of them is timed.
      table.lookupBatch(pool.pointer, STRIDE, lengths.pointer, POOL, "destination", out.pointer);
      const batch = out.u32;
      let hits = 0;
      for (let i = 0; i < POOL; i++) {
        const js = family === 4 ? trie.lookup4(wl.packets, i * STRIDE + dst) : trie.lookup6(wl.packets, i * STRIDE + dst);
        const one = table.lookup(addrs[i]) ?? 0;
        if (js !== batch[i] || one !== batch[i])
          throw new Error(`IPv${family}/${size}: address ${i} disagrees (js ${js}, call ${one}, batch ${batch[i]})`);
        if (js !== 0) hits++;
      }

      let cursor = 0;
      const nextBatch = () => {
        const at = cursor;
        cursor = (cursor + BATCH) % POOL;
        return at;
      };
      let sink = 0;
      const bench = new Bench({ time: quick ? 150 : 600, warmupTime: quick ? 50 : 200, iterations: 16 });
      bench
        .add("js-trie", () => {
          const at = nextBatch();
          const buf = wl.packets;
          if (family === 4) for (let i = at; i < at + BATCH; i++) sink ^= trie.lookup4(buf, i * STRIDE + dst);
          else for (let i = at; i < at + BATCH; i++) sink ^= trie.lookup6(buf, i * STRIDE + dst);
        })
        .add("wasm-per-address", () => {
          const at = nextBatch();
          for (let i = at; i < at + BATCH; i++) sink ^= table.lookup(addrs[i]) ?? 0;
        })
        .add("wasm-batch", () => {
          const at = nextBatch();
          table.lookupBatch(pool.pointer + at * STRIDE, STRIDE, lengths.pointer, BATCH, "destination", out.pointer);
        });
      await bench.run();
      if (sink === 0.5) console.log(sink); // keeps the JS loops observable

      const rate = (name: string) => {
        const t = bench.tasks.find((x) => x.name === name)!;
        const r = t.result as { throughput?: { mean: number } } | undefined;
        if (!r?.throughput) throw new Error(`task ${name} produced no result`);
        return r.throughput.mean * BATCH;
      };
      const base = rate("js-trie");
      for (const method of ["js-trie", "wasm-per-address", "wasm-batch"] as const) {
        const v = rate(method);
        rows.push({ family, prefixes: size, method, lookupsPerSec: v, vsJsTrie: v / base });
      }
      console.error(`IPv${family} ${size} prefixes: ${((100 * hits) / POOL).toFixed(0)}% of lookups match`);
      pool.free();
      lengths.free();
      out.free();
      table.destroy();
    }
  }

  const fmt = (v: number) => (v >= 1e6 ? `${(v / 1e6).toFixed(1)} M/s` : `${(v / 1e3).toFixed(0)} k/s`);
  const header = ["family", "prefixes", "method", "lookups/s", "vs JS trie"];
  const body = rows.map((r) => [
    `IPv${r.family}`,
    r.prefixes.toLocaleString("en-US"),
    r.method,
    fmt(r.lookupsPerSec),
    `${r.vsJsTrie.toFixed(1)}x`,
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((b) => b[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => (i < 3 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join("  ");
  console.log(`AllowedIPs lookups (${cpus()[0]?.model.trim()}, ${cpus().length} cores, Linux ${release()}, Node ${process.version}, ${core.build} build)`);
  console.log(line(header));
  console.log(widths.map((n) => "-".repeat(n)).join("  "));
  for (const b of body) console.log(line(b));

  if (jsonOut) {
    const text = JSON.stringify({ bench: "allowedips", build: core.build, batch: BATCH, pool: POOL, rows }, null, 2) + "\n";
    if (jsonOut === "-") process.stdout.write(text);
    else writeFileSync(jsonOut, text);
  }
}

await main();
