// The fixed cases of the kernel's AllowedIPs selftest, replayed against both builds.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { AllowedIps, allowedIpsPoolStats } from "../../bindings/device/allowedips.js";
import { instantiateCore } from "../../bindings/crypto/wasm.js";
import { parseAddress, type Prefix } from "../../bindings/net/ip.js";
import { ip6Words } from "./helpers.js";

interface Addr {
  v4?: string;
  v6?: string[];
}
interface Step extends Addr {
  op?: "insert" | "lookup" | "lookupNot" | "removePeer" | "clear" | "list";
  peer?: string;
  cidr?: number;
  expect?: (Addr & { cidr: number })[];
}

const vectors = JSON.parse(
  readFileSync(new URL("../vectors/allowedips-kernel-selftest.json", import.meta.url), "utf8"),
) as { steps: Step[] };

const PEERS = { a: 1, b: 2, c: 3, d: 4, e: 5, f: 6, g: 7, h: 8 } as Record<string, number>;

function bytesOf(s: Addr): Uint8Array {
  if (s.v4 !== undefined) return parseAddress(s.v4).bytes;
  return ip6Words(s.v6!);
}

function prefixOf(s: Addr & { cidr?: number }): Prefix {
  const bytes = bytesOf(s);
  return { family: bytes.length === 4 ? 4 : 6, bytes, bits: s.cidr! };
}

describe.each(["simd", "scalar"] as const)("kernel allowedips selftest (%s build)", (build) => {
  it("passes every fixed step", () => {
    const table = new AllowedIps(instantiateCore(build));
    let checked = 0;
    for (const [i, step] of vectors.steps.entries()) {
      if (!step.op) continue;
      const where = `step ${i} ${JSON.stringify(step)}`;
      const peer = step.peer ? PEERS[step.peer] : 0;
      switch (step.op) {
        case "insert":
          table.insert(prefixOf(step), peer);
          break;
        case "lookup":
          expect(table.lookup(bytesOf(step)), where).toBe(peer);
          checked++;
          break;
        case "lookupNot":
          expect(table.lookup(bytesOf(step)), where).not.toBe(peer);
          checked++;
          break;
        case "removePeer":
          table.removePeer(peer);
          break;
        case "clear":
          table.clear();
          break;
        case "list": {
          const got = table.list(peer).map((p) => ({ family: p.family, bits: p.bits, bytes: [...p.bytes] }));
          const want = step.expect!.map((e) => {
            const p = prefixOf(e);
            return { family: p.family, bits: p.bits, bytes: [...p.bytes] };
          });
          expect(got, where).toEqual(want);
          checked++;
          break;
        }
      }
      table.assertSound();
    }
    expect(checked).toBe(35);
  });

  it("inserts and frees 128 /128s that each clear one bit (maximum depth)", () => {
    const core = instantiateCore(build);
    const table = new AllowedIps(core);
    const before = allowedIpsPoolStats(core).live;
    const addrs: Uint8Array[] = [];
    for (let i = 0; i < 128; i++) {
      // The kernel's loop: all ones except bit (i % 64) of one 64-bit half.
      const ip = new Uint8Array(16).fill(0xff);
      const half = i < 64 ? 8 : 0;
      const bit = i % 64; // counted from the least significant bit of the big-endian u64
      ip[half + 7 - (bit >> 3)] &= ~(1 << (bit & 7));
      addrs.push(ip);
      table.insert({ family: 6, bytes: ip, bits: 128 }, (i % 7) + 1);
    }
    table.assertSound();
    addrs.forEach((ip, i) => expect(table.lookup(ip)).toBe((i % 7) + 1));
    expect(table.lookup(new Uint8Array(16).fill(0xff))).toBeUndefined();
    expect(table.size).toBe(128);
    table.clear();
    expect(allowedIpsPoolStats(core).live).toBe(before);
  });

  it("walks a chain of 128 nested prefixes and 33 nested IPv4 prefixes", () => {
    const table = new AllowedIps(instantiateCore(build));
    const ones6 = new Uint8Array(16).fill(0xff);
    const ones4 = new Uint8Array(4).fill(0xff);
    for (let bits = 0; bits <= 128; bits++) table.insert({ family: 6, bytes: ones6, bits }, bits + 1);
    for (let bits = 0; bits <= 32; bits++) table.insert({ family: 4, bytes: ones4, bits }, bits + 1);
    table.assertSound();
    expect(table.lookup(ones6)).toBe(129);
    expect(table.lookup(ones4)).toBe(33);
    // An address that leaves the chain after `k` one-bits matches the /k.
    for (let k = 0; k < 128; k++) {
      const a = new Uint8Array(ones6);
      a[k >> 3] &= ~(0x80 >> (k & 7));
      expect(table.lookup(a)).toBe(k + 1);
    }
    for (let k = 0; k < 32; k++) {
      const a = new Uint8Array(ones4);
      a[k >> 3] &= ~(0x80 >> (k & 7));
      expect(table.lookup(a)).toBe(k + 1);
    }
    // Peel the chain from the top: the next shorter prefix takes over.
    for (let bits = 128; bits > 0; bits--) {
      expect(table.remove({ family: 6, bytes: ones6, bits })).toBe(true);
      expect(table.lookup(ones6)).toBe(bits);
    }
    table.assertSound();
  });
});
