// Randomized differential test: the WASM table against a naive linear-scan oracle,
// over random prefixes of every length, clusters of prefixes sharing long leading
// bits (deep tries), replacements, removals (by prefix, with right and wrong peers,
// and by peer) and hundreds of thousands of lookups in each family. A fixed seed
// makes a failure reproduce; set ALLOWEDIPS_SEED to explore others.
import { describe, expect, it } from "vitest";
import { AllowedIps, allowedIpsPoolStats, CoreBuffer, MAX_PEER_ID } from "../../bindings/device/allowedips.js";
import { instantiateCore } from "../../bindings/crypto/wasm.js";
import type { IpFamily } from "../../bindings/net/ip.js";
import { NaiveAllowedIps, Rng, packetWith, withPrefix } from "./helpers.js";

const SEED = Number(process.env.ALLOWEDIPS_SEED ?? 0x5eed2024);
const ROUNDS = 4;
const LOOKUPS_PER_ROUND = 30_000; // per family: 120,000 per family, 240,000 in all
const FAMILIES = [4, 6] as const;
const width = (f: IpFamily) => (f === 4 ? 4 : 16);
const maxBits = (f: IpFamily) => (f === 4 ? 32 : 128);

describe("AllowedIPs against a naive oracle", () => {
  it(`agrees over ${ROUNDS} rounds of random mutations and lookups (seed ${SEED.toString(16)})`, () => {
    const rng = new Rng(SEED);
    const core = instantiateCore();
    const livebefore = allowedIpsPoolStats(core).live;
    const table = new AllowedIps(core);
    const oracle = new NaiveAllowedIps();

    // Peer ids spread over the whole allowed range, both ends included.
    const peerSet = new Set<number>([1, MAX_PEER_ID]);
    while (peerSet.size < 300) peerSet.add(1 + rng.below(MAX_PEER_ID));
    const peers = [...peerSet];
    const randomPeer = () => peers[rng.below(peers.length)];

    const randomPrefix = (f: IpFamily): { bytes: Uint8Array; bits: number } => {
      const entries = oracle.entries(f);
      const bits = rng.below(maxBits(f) + 1);
      if (entries.length > 0 && rng.below(2) === 0) {
        // A relative of an existing prefix: shares a random number of leading bits.
        const e = entries[rng.below(entries.length)];
        return { bytes: withPrefix(e.key, rng.below(maxBits(f) + 1), rng.bytes(width(f))), bits };
      }
      return { bytes: rng.bytes(width(f)), bits };
    };

    const randomAddress = (f: IpFamily): Uint8Array => {
      const entries = oracle.entries(f);
      const kind = rng.below(10);
      if (entries.length === 0 || kind < 4) return rng.bytes(width(f));
      const e = entries[rng.below(entries.length)];
      if (kind < 8) return withPrefix(e.key, e.bits, rng.bytes(width(f)));
      // Edges: the first and last address of a prefix, and one bit beyond its length.
      const a = kind === 8 ? new Uint8Array(e.key) : withPrefix(e.key, e.bits, new Uint8Array(width(f)).fill(0xff));
      if (e.bits > 0 && rng.below(2) === 0) a[(e.bits - 1) >> 3] ^= 0x80 >> ((e.bits - 1) & 7);
      return a;
    };

    const compareLookups = (f: IpFamily, n: number) => {
      const w = width(f);
      const addrs = new CoreBuffer(core, n * w);
      const out = new CoreBuffer(core, n * 4);
      const list: Uint8Array[] = [];
      const bytes = addrs.bytes;
      for (let i = 0; i < n; i++) {
        const a = randomAddress(f);
        list.push(a);
        bytes.set(a, i * w);
      }
      table.lookupAddressesAt(f, addrs.pointer, n, out.pointer);
      const got = out.u32.slice(0, n);
      addrs.free();
      out.free();
      for (let i = 0; i < n; i++) {
        const want = oracle.lookup(f, list[i]);
        if (got[i] !== want) {
          throw new Error(`IPv${f} lookup ${i} of ${[...list[i]].join(",")}: table ${got[i]}, oracle ${want}`);
        }
      }
      // A sample through the per-address call and through packet headers.
      for (let i = 0; i < 500; i++) {
        expect(table.lookup(list[i]) ?? 0).toBe(got[i]);
      }
      const packets = list.slice(0, 500).map((a, i) => packetWith(f, a, list[(i + 1) % 500]));
      expect([...table.lookupPackets(packets, "destination")]).toEqual([...got.slice(0, 500)]);
      expect([...table.lookupPackets(packets, "source")]).toEqual(
        [...got.slice(0, 500)].map((_, i) => got[(i + 1) % 500]),
      );
    };

    for (let round = 0; round < ROUNDS; round++) {
      // Inserts, with host bits left set half the time (the table must mask them).
      const inserts = round === 0 ? 2500 : 700;
      for (const f of FAMILIES) {
        for (let i = 0; i < inserts; i++) {
          const { bytes, bits } = randomPrefix(f);
          const peer = randomPeer();
          const isNew = table.insert({ family: f, bytes, bits }, peer);
          expect(isNew).toBe(!oracle.has(f, bytes, bits));
          oracle.insert(f, bytes, bits, peer);
        }
        // Replacements of existing prefixes, written with random host bits.
        for (let i = 0; i < 200; i++) {
          const entries = oracle.entries(f);
          const e = entries[rng.below(entries.length)];
          const bytes = withPrefix(e.key, e.bits, rng.bytes(width(f)));
          const peer = randomPeer();
          expect(table.insert({ family: f, bytes, bits: e.bits }, peer)).toBe(false);
          oracle.insert(f, bytes, e.bits, peer);
        }
      }
      table.assertSound();

      // Removals by prefix: with the owner, without a peer, with a wrong peer, and absent ones.
      for (const f of FAMILIES) {
        for (let i = 0; i < 300; i++) {
          const entries = oracle.entries(f);
          const mode = rng.below(4);
          if (mode === 3 || entries.length === 0) {
            const { bytes, bits } = randomPrefix(f);
            const peer = rng.below(2) === 0 ? undefined : randomPeer();
            const want = oracle.remove(f, bytes, bits, peer);
            expect(table.remove({ family: f, bytes, bits }, peer)).toBe(want);
            continue;
          }
          const e = entries[rng.below(entries.length)];
          const bytes = withPrefix(e.key, e.bits, rng.bytes(width(f)));
          let peer: number | undefined = mode === 0 ? e.peer : mode === 1 ? undefined : randomPeer();
          while (mode === 2 && peer === e.peer) peer = randomPeer();
          const want = mode !== 2;
          expect(oracle.remove(f, bytes, e.bits, peer)).toBe(want);
          expect(table.remove({ family: f, bytes, bits: e.bits }, peer)).toBe(want);
        }
      }
      // Removals by peer.
      for (let i = 0; i < 8; i++) {
        const peer = randomPeer();
        const want = oracle.removePeer(peer);
        expect(table.peerCount(peer)).toBe(want);
        expect(table.removePeer(peer)).toBe(want);
        expect(table.list(peer)).toEqual([]);
      }
      table.assertSound();
      expect(table.count(4)).toBe(oracle.entries(4).length);
      expect(table.count(6)).toBe(oracle.entries(6).length);

      for (const f of FAMILIES) compareLookups(f, LOOKUPS_PER_ROUND);

      // Every peer's list, in order.
      for (const peer of peers) {
        const got = table.list(peer).map((p) => `${p.family}/${p.bits}/${[...p.bytes].join(".")}`);
        const want = oracle.list(peer).map((p) => `${p.family}/${p.bits}/${[...p.key].join(".")}`);
        expect(got).toEqual(want);
      }
    }

    // Removing every peer empties the table and gives every node back.
    for (const peer of peers) expect(table.removePeer(peer)).toBe(oracle.removePeer(peer));
    expect(table.size).toBe(0);
    expect(oracle.size).toBe(0);
    table.assertSound();
    expect(allowedIpsPoolStats(core).live).toBe(livebefore);
    for (const f of FAMILIES) expect(table.lookup(rng.bytes(width(f)))).toBeUndefined();
  });
});
