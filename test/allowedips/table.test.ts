// Behaviour of the AllowedIps wrapper and core: masking, replacement, removal
// semantics, list order, families, batch lookups from packet headers, several
// tables per core, memory reuse, and a table of 1,000,000 prefixes.
import { describe, expect, it } from "vitest";
import {
  AllowedIps,
  allowedIpsPoolStats,
  CoreBuffer,
  MAX_PEER_ID,
} from "../../bindings/device/allowedips.js";
import { instantiateCore } from "../../bindings/crypto/wasm.js";
import { formatPrefix, IpParseError, parseAddress } from "../../bindings/net/ip.js";
import { packetWith, Rng } from "./helpers.js";

const listed = (t: AllowedIps, peer: number) => t.list(peer).map(formatPrefix);

describe("AllowedIps", () => {
  it("masks on insert and replaces an existing prefix's peer", () => {
    const t = new AllowedIps(instantiateCore());
    expect(t.insert("10.0.0.7/24", 1)).toBe(true);
    expect(listed(t, 1)).toEqual(["10.0.0.0/24"]);
    expect(t.lookup("10.0.0.200")).toBe(1);
    expect(t.lookup("10.0.1.0")).toBeUndefined();
    expect(t.insert("10.0.0.99/24", 2)).toBe(false);
    expect(listed(t, 1)).toEqual([]);
    expect(listed(t, 2)).toEqual(["10.0.0.0/24"]);
    expect(t.lookup("10.0.0.1")).toBe(2);
    expect(t.insert("2001:db8::1:2:3/64", 3)).toBe(true);
    expect(listed(t, 3)).toEqual(["2001:db8::/64"]);
    expect(t.size).toBe(2);
    t.assertSound();
  });

  it("removes a prefix only for its owner when a peer is given", () => {
    const t = new AllowedIps(instantiateCore());
    t.insert("10.0.0.0/24", 1);
    t.insert("10.0.1.0/24", 2);
    expect(t.remove("10.0.0.0/24", 2)).toBe(false);
    expect(t.lookup("10.0.0.1")).toBe(1);
    // 10.0.0.0/23 exists inside the trie only as a branch point, not as a prefix.
    expect(t.remove("10.0.0.0/23")).toBe(false);
    expect(t.size).toBe(2);
    expect(t.remove("10.0.0.5/24", 1)).toBe(true);
    expect(t.lookup("10.0.0.1")).toBeUndefined();
    expect(t.remove("10.0.1.0/24")).toBe(true);
    expect(t.remove("10.0.1.0/24")).toBe(false);
    expect(t.size).toBe(0);
    t.assertSound();
  });

  it("keeps the families apart", () => {
    const t = new AllowedIps(instantiateCore());
    t.insert("0.0.0.0/0", 4);
    expect(t.lookup("::ffff:1.2.3.4")).toBeUndefined();
    expect(t.lookup("::")).toBeUndefined();
    t.insert("::/0", 6);
    expect(t.lookup("1.2.3.4")).toBe(4);
    expect(t.lookup("::ffff:1.2.3.4")).toBe(6);
    expect(t.count(4)).toBe(1);
    expect(t.count(6)).toBe(1);
    expect(t.removePeer(4)).toBe(1);
    expect(t.lookup("1.2.3.4")).toBeUndefined();
    expect(t.lookup("2001:db8::")).toBe(6);
  });

  it("lists a peer's prefixes in the order they were given to it", () => {
    const t = new AllowedIps(instantiateCore());
    const mine = ["192.168.1.0/24", "fd00::/8", "10.0.0.1/32", "0.0.0.0/0", "fd00:1::/48", "::/0"];
    mine.forEach((p) => t.insert(p, 9));
    t.insert("172.16.0.0/12", 8);
    t.insert("10.0.0.1/32", 9); // the same peer again: keeps its place
    expect(listed(t, 9)).toEqual(mine);
    t.insert("fd00::/8", 8); // taken by another peer, then given back: goes last
    t.insert("fd00::/8", 9);
    expect(listed(t, 9)).toEqual([...mine.filter((p) => p !== "fd00::/8"), "fd00::/8"]);
    expect(t.peerCount(9)).toBe(6);
    // More prefixes than one read of the list returns.
    for (let i = 0; i < 200; i++) t.insert(`10.1.${i}.0/24`, 7);
    const seven = listed(t, 7);
    expect(seven).toHaveLength(200);
    expect(seven[0]).toBe("10.1.0.0/24");
    expect(seven[199]).toBe("10.1.199.0/24");
  });

  it("accepts strings, byte arrays and parsed addresses, and rejects bad arguments", () => {
    const t = new AllowedIps(instantiateCore());
    t.insert({ family: 4, bytes: new Uint8Array([100, 64, 0, 0]), bits: 10 }, MAX_PEER_ID);
    expect(t.lookup("100.127.255.255")).toBe(MAX_PEER_ID);
    expect(t.lookup(new Uint8Array([100, 64, 1, 1]))).toBe(MAX_PEER_ID);
    expect(t.lookup(parseAddress("100.128.0.0"))).toBeUndefined();
    for (const bad of [0, -1, 1.5, MAX_PEER_ID + 1, Number.NaN]) {
      expect(() => t.insert("10.0.0.0/8", bad)).toThrow(RangeError);
    }
    expect(() => t.insert("10.0.0.0/33", 1)).toThrow(IpParseError);
    expect(() => t.insert("10.0.0.0/33", 1)).toThrow(/10\.0\.0\.0\/33/);
    expect(() => t.insert("10.0.0.0", 1)).toThrow(/missing '\/length'/);
    expect(() => t.insert({ family: 6, bytes: new Uint8Array(4), bits: 8 }, 1)).toThrow(TypeError);
    expect(() => t.insert({ family: 4, bytes: new Uint8Array(4), bits: 33 }, 1)).toThrow(RangeError);
    expect(() => t.lookup(new Uint8Array(5))).toThrow(TypeError);
    expect(t.size).toBe(1);
  });

  it("routes packets from their headers, destination or source, in one call", () => {
    const core = instantiateCore();
    const t = new AllowedIps(core);
    t.insert("10.0.0.0/8", 1);
    t.insert("10.1.0.0/16", 2);
    t.insert("2001:db8::/32", 3);
    t.insert("2001:db8:1::/48", 4);
    const v4 = (s: string) => parseAddress(s).bytes;
    const packets = [
      packetWith(4, v4("10.1.2.3"), v4("10.9.9.9")),
      packetWith(4, v4("192.0.2.1"), v4("10.1.0.1")),
      packetWith(6, v4("2001:db8:1::5"), v4("2001:db8:2::5")),
      packetWith(6, v4("2001:db9::"), v4("2001:db8:1::")),
      packetWith(4, v4("10.1.2.3"), v4("10.1.2.3")).subarray(0, 19), // shorter than an IPv4 header
      packetWith(6, v4("2001:db8::1"), v4("2001:db8::1")).subarray(0, 39), // shorter than an IPv6 header
      new Uint8Array(0),
      Object.assign(packetWith(4, v4("10.1.2.3"), v4("10.1.2.3")), { 0: 0x55 }), // version 5
      Object.assign(packetWith(6, v4("2001:db8::1"), v4("2001:db8::1")), { 0: 0x00 }), // version 0
    ];
    expect([...t.lookupPackets(packets, "destination")]).toEqual([2, 0, 4, 0, 0, 0, 0, 0, 0]);
    expect([...t.lookupPackets(packets, "source")]).toEqual([1, 2, 3, 4, 0, 0, 0, 0, 0]);

    // The strided layout the data plane uses: fixed-size slots, lengths alongside.
    const stride = 64;
    const data = new CoreBuffer(core, stride * packets.length);
    const lengths = new CoreBuffer(core, 4 * packets.length);
    const out = new CoreBuffer(core, 4 * packets.length);
    packets.forEach((p, i) => {
      data.bytes.set(p, i * stride);
      lengths.u32[i] = p.length;
    });
    t.lookupBatch(data.pointer, stride, lengths.pointer, packets.length, "destination", out.pointer);
    expect([...out.u32]).toEqual([2, 0, 4, 0, 0, 0, 0, 0, 0]);
    t.lookupBatch(data.pointer, stride, lengths.pointer, packets.length, "source", out.pointer);
    expect([...out.u32]).toEqual([1, 2, 3, 4, 0, 0, 0, 0, 0]);
    [data, lengths, out].forEach((b) => b.free());
  });

  it("keeps several tables in one core apart and recycles destroyed ones", () => {
    const core = instantiateCore();
    const base = allowedIpsPoolStats(core).live;
    const a = new AllowedIps(core);
    const b = new AllowedIps(core);
    expect(a.handle).not.toBe(b.handle);
    a.insert("10.0.0.0/8", 1);
    b.insert("10.0.0.0/16", 2);
    expect(a.lookup("10.0.0.1")).toBe(1);
    expect(b.lookup("10.0.0.1")).toBe(2);
    expect(b.lookup("10.1.0.1")).toBeUndefined();
    const handle = a.handle;
    a.destroy();
    expect(() => a.lookup("10.0.0.1")).toThrow(/destroy/);
    expect(b.lookup("10.0.0.1")).toBe(2);
    const c = new AllowedIps(core);
    expect(c.handle).toBe(handle); // the header block is reused
    expect(c.lookup("10.0.0.1")).toBeUndefined();
    expect(c.size).toBe(0);
    b.clear();
    c.destroy();
    expect(allowedIpsPoolStats(core).live).toBe(base);
  });

  it("holds 1,000,000 prefixes, and reuses every node after they are removed", () => {
    const core = instantiateCore();
    const t = new AllowedIps(core);
    const rng = new Rng(0x1e6);
    const N4 = 600_000;
    const N6 = 400_000;
    const PEERS = 1000;
    const v4 = new Uint8Array(N4 * 4);
    const seen = new Set<number>();
    for (let i = 0; i < N4; ) {
      const x = rng.u32();
      if (seen.has(x)) continue;
      seen.add(x);
      new DataView(v4.buffer).setUint32(i * 4, x);
      i++;
    }
    const v6 = new Uint8Array(N6 * 16);
    for (let i = 0; i < N6 * 4; i++) new DataView(v6.buffer).setUint32(i * 4, rng.u32());
    const fill = () => {
      for (let i = 0; i < N4; i++) t.insert({ family: 4, bytes: v4.subarray(i * 4, i * 4 + 4), bits: 32 }, 1 + (i % PEERS));
      for (let i = 0; i < N6; i++)
        t.insert({ family: 6, bytes: v6.subarray(i * 16, i * 16 + 16), bits: 128 }, 1 + (i % PEERS));
    };
    fill();
    expect(t.count(4)).toBe(N4);
    expect(t.count(6)).toBe(N6);
    t.assertSound();

    // Every host route answers with its own peer.
    for (const [family, bytes, n] of [
      [4, v4, N4],
      [6, v6, N6],
    ] as const) {
      const addrs = new CoreBuffer(core, bytes.length);
      const out = new CoreBuffer(core, n * 4);
      addrs.bytes.set(bytes);
      t.lookupAddressesAt(family, addrs.pointer, n, out.pointer);
      const got = out.u32;
      let wrong = 0;
      for (let i = 0; i < n; i++) if (got[i] !== 1 + (i % PEERS)) wrong++;
      expect(wrong).toBe(0);
      addrs.free();
      out.free();
    }
    const stats = allowedIpsPoolStats(core);
    expect(stats.live).toBeLessThan(2 * (N4 + N6)); // at most 2N-1 nodes

    let removed = 0;
    for (let p = 1; p <= PEERS; p++) removed += t.removePeer(p);
    expect(removed).toBe(N4 + N6);
    expect(t.size).toBe(0);
    expect(allowedIpsPoolStats(core).live).toBe(0);
    t.assertSound();

    // Filling it again takes no new memory: the freed nodes and blocks are reused.
    const bytesBefore = core.u8.length;
    fill();
    expect(allowedIpsPoolStats(core).reserved).toBe(stats.reserved);
    expect(core.u8.length).toBe(bytesBefore);
    expect(t.lookup(v6.subarray(16, 32))).toBe(2);
    t.clear();
    expect(allowedIpsPoolStats(core).live).toBe(0);
  });
});
