// The AllowedIPs table of one device, backed by the WASM core (assembly/allowedips.ts).
// Each AllowedIps object owns one table handle in a core; several tables may share a
// core (each device, or each test, its own). Peers are integers the device assigns,
// 1..0x7fffffff; lookups answer `undefined` (or 0 in batch output) for "no peer".
//
// Inserting may grow WebAssembly memory, which replaces memory.buffer: this file
// reads `core.u8` afresh after every call, and so must anyone holding views of
// the core's memory.
import type { WasmCore } from "../crypto/wasm.js";
import { parseAddress, parsePrefix, type Address, type IpFamily, type Prefix } from "../net/ip.js";

/** The largest peer id (peer ids are 1..MAX_PEER_ID; 0 means none). */
export const MAX_PEER_ID = 0x7fffffff;

/** Which address of a packet a batch lookup reads. */
export type PacketAddress = "destination" | "source";

const LIST_RECORD = 20;
const LIST_BATCH = 64; // records per call: 1280 bytes of the 2 KiB scratch

type Ptr = number;

interface AllowedIpsExports {
  allowedips_scratch(): Ptr;
  allowedips_create(): Ptr;
  allowedips_clear(t: Ptr): number;
  allowedips_destroy(t: Ptr): number;
  allowedips_insert(t: Ptr, family: number, addr: Ptr, cidr: number, peer: number): number;
  allowedips_remove(t: Ptr, family: number, addr: Ptr, cidr: number, peer: number): number;
  allowedips_remove_peer(t: Ptr, peer: number): number;
  allowedips_lookup(t: Ptr, family: number, addr: Ptr): number;
  allowedips_lookup_addresses(t: Ptr, family: number, addrs: Ptr, count: number, out: Ptr): void;
  allowedips_lookup_strided(
    t: Ptr,
    base: Ptr,
    stride: number,
    lengths: Ptr,
    count: number,
    source: number,
    out: Ptr,
  ): void;
  allowedips_lookup_packets(t: Ptr, offsets: Ptr, lengths: Ptr, count: number, source: number, out: Ptr): void;
  allowedips_count(t: Ptr, family: number): number;
  allowedips_peer_count(t: Ptr, peer: number): number;
  allowedips_list_first(t: Ptr, peer: number): Ptr;
  allowedips_list_read(cursor: Ptr, out: Ptr, max: number): Ptr;
  allowedips_buffer_alloc(bytes: number): Ptr;
  allowedips_buffer_free(p: Ptr): void;
  allowedips_nodes_live(): number;
  allowedips_nodes_reserved(): number;
  allowedips_check(t: Ptr): number;
}

const exportCache = new WeakMap<WasmCore, AllowedIpsExports>();

function exportsOf(core: WasmCore): AllowedIpsExports {
  let e = exportCache.get(core);
  if (!e) {
    const names: (keyof AllowedIpsExports)[] = [
      "allowedips_scratch",
      "allowedips_create",
      "allowedips_clear",
      "allowedips_destroy",
      "allowedips_insert",
      "allowedips_remove",
      "allowedips_remove_peer",
      "allowedips_lookup",
      "allowedips_lookup_addresses",
      "allowedips_lookup_strided",
      "allowedips_lookup_packets",
      "allowedips_count",
      "allowedips_peer_count",
      "allowedips_list_first",
      "allowedips_list_read",
      "allowedips_buffer_alloc",
      "allowedips_buffer_free",
      "allowedips_nodes_live",
      "allowedips_nodes_reserved",
      "allowedips_check",
    ];
    const table: Record<string, unknown> = {};
    for (const n of names) table[n] = core.fn(n);
    e = table as unknown as AllowedIpsExports;
    exportCache.set(core, e);
  }
  return e;
}

function checkPeer(peer: number): void {
  if (!Number.isInteger(peer) || peer < 1 || peer > MAX_PEER_ID)
    throw new RangeError(`peer id must be an integer 1..${MAX_PEER_ID}, got ${peer}`);
}

function toPrefix(prefix: string | Prefix): Prefix {
  if (typeof prefix === "string") return parsePrefix(prefix);
  if (prefix.family !== 4 && prefix.family !== 6) throw new TypeError(`prefix family must be 4 or 6, got ${prefix.family}`);
  const max = prefix.family === 4 ? 32 : 128;
  if (prefix.bytes.length !== (prefix.family === 4 ? 4 : 16))
    throw new TypeError(`an IPv${prefix.family} prefix needs ${prefix.family === 4 ? 4 : 16} address bytes`);
  if (!Number.isInteger(prefix.bits) || prefix.bits < 0 || prefix.bits > max)
    throw new RangeError(`an IPv${prefix.family} prefix length is 0..${max}, got ${prefix.bits}`);
  return prefix;
}

function toAddress(address: string | Address | Uint8Array): Address {
  if (typeof address === "string") return parseAddress(address);
  if (address instanceof Uint8Array) {
    if (address.length === 4) return { family: 4, bytes: address };
    if (address.length === 16) return { family: 6, bytes: address };
    throw new TypeError(`an IP address is 4 or 16 bytes, got ${address.length}`);
  }
  return address;
}

/** A buffer in the core's linear memory (for packets, addresses, lengths or results). */
export class CoreBuffer {
  private ptr: Ptr;

  constructor(
    private readonly core: WasmCore,
    readonly byteLength: number,
  ) {
    this.ptr = exportsOf(core).allowedips_buffer_alloc(byteLength);
    if (this.ptr === 0) throw new RangeError(`cannot allocate ${byteLength} bytes in WebAssembly memory`);
  }

  /** Its address in linear memory. */
  get pointer(): Ptr {
    if (this.ptr === 0) throw new Error("CoreBuffer used after free()");
    return this.ptr;
  }

  /** A fresh byte view (memory may have grown since the last one). */
  get bytes(): Uint8Array {
    return this.core.u8.subarray(this.pointer, this.pointer + this.byteLength);
  }

  /** A fresh u32 view (little-endian, as WASM reads it); byteLength is rounded down to 4. */
  get u32(): Uint32Array {
    return new Uint32Array(this.core.u8.buffer, this.pointer, this.byteLength >>> 2);
  }

  free(): void {
    if (this.ptr !== 0) exportsOf(this.core).allowedips_buffer_free(this.ptr);
    this.ptr = 0;
  }
}

export class AllowedIps {
  private readonly x: AllowedIpsExports;
  private t: Ptr;

  constructor(private readonly core: WasmCore) {
    this.x = exportsOf(core);
    this.t = this.x.allowedips_create();
  }

  /** The table's handle in the core, for WASM code that routes batches itself. */
  get handle(): Ptr {
    if (this.t === 0) throw new Error("AllowedIps used after destroy()");
    return this.t;
  }

  private scratchWith(bytes: Uint8Array): Ptr {
    const at = this.x.allowedips_scratch();
    this.core.u8.set(bytes, at);
    return at;
  }

  private check(code: number, what: string): number {
    if (code === -1) throw new Error(`AllowedIps.${what}: the table was destroyed`);
    if (code < 0) throw new Error(`AllowedIps.${what}: rejected by the core (code ${code})`);
    return code;
  }

  /**
   * Maps `prefix` (masked to its length, so 10.0.0.7/24 is stored as 10.0.0.0/24) to
   * `peer`, replacing any peer it had. Returns true when the prefix is new.
   */
  insert(prefix: string | Prefix, peer: number): boolean {
    const p = toPrefix(prefix);
    checkPeer(peer);
    const t = this.handle;
    let r: number;
    try {
      r = this.x.allowedips_insert(t, p.family, this.scratchWith(p.bytes), p.bits, peer);
    } catch (e) {
      if (e instanceof WebAssembly.RuntimeError)
        throw new RangeError("AllowedIps.insert: out of WebAssembly memory (the table is unchanged)", { cause: e });
      throw e;
    }
    return this.check(r, "insert") === 1;
  }

  /**
   * Removes `prefix` (masked first). With `peer`, only when that peer owns it, as
   * `wg set … allowed-ips -prefix` does. Returns whether something was removed.
   */
  remove(prefix: string | Prefix, peer?: number): boolean {
    const p = toPrefix(prefix);
    if (peer !== undefined) checkPeer(peer);
    const r = this.x.allowedips_remove(this.handle, p.family, this.scratchWith(p.bytes), p.bits, peer ?? 0);
    return this.check(r, "remove") === 1;
  }

  /** Removes every prefix of `peer`; returns how many there were. */
  removePeer(peer: number): number {
    checkPeer(peer);
    return this.check(this.x.allowedips_remove_peer(this.handle, peer), "removePeer");
  }

  /** The peer of the longest prefix containing `address`, or undefined. */
  lookup(address: string | Address | Uint8Array): number | undefined {
    const a = toAddress(address);
    const peer = this.x.allowedips_lookup(this.handle, a.family, this.scratchWith(a.bytes));
    return peer === 0 ? undefined : peer;
  }

  /** A peer's prefixes (masked) in the order they were first given to it. */
  list(peer: number): Prefix[] {
    checkPeer(peer);
    const out: Prefix[] = [];
    const at = this.x.allowedips_scratch();
    let cursor = this.x.allowedips_list_first(this.handle, peer);
    while (cursor !== 0) {
      cursor = this.x.allowedips_list_read(cursor, at, LIST_BATCH);
      const u8 = this.core.u8;
      for (let i = 0; i < LIST_BATCH; i++) {
        const r = at + i * LIST_RECORD;
        const family = u8[r];
        if (family === 0) break;
        const len = family === 4 ? 4 : 16;
        out.push({ family: family as IpFamily, bits: u8[r + 1], bytes: u8.slice(r + 4, r + 4 + len) });
      }
    }
    return out;
  }

  /** How many prefixes `peer` owns. */
  peerCount(peer: number): number {
    checkPeer(peer);
    return this.check(this.x.allowedips_peer_count(this.handle, peer), "peerCount");
  }

  /** Prefixes of one family. */
  count(family: IpFamily): number {
    return this.check(this.x.allowedips_count(this.handle, family), "count");
  }

  /** All prefixes, both families. */
  get size(): number {
    return this.count(4) + this.count(6);
  }

  /** Removes every prefix. */
  clear(): void {
    this.check(this.x.allowedips_clear(this.handle), "clear");
  }

  /** Frees the table in the core; the object is unusable afterwards. */
  destroy(): void {
    if (this.t === 0) return;
    this.x.allowedips_destroy(this.t);
    this.t = 0;
  }

  /**
   * Routes `count` IP packets laid out `stride` bytes apart from `base` in the core's
   * memory, with their lengths as u32 at `lengths`; writes one u32 peer per packet at
   * `out` (0: no peer, not IPv4/IPv6, or shorter than its fixed header).
   */
  lookupBatch(
    base: Ptr,
    stride: number,
    lengths: Ptr,
    count: number,
    which: PacketAddress,
    out: Ptr,
  ): void {
    this.x.allowedips_lookup_strided(this.handle, base, stride, lengths, count, which === "source" ? 1 : 0, out);
  }

  /** As lookupBatch, for packets at the u32 pointers stored at `offsets`. */
  lookupPacketsAt(offsets: Ptr, lengths: Ptr, count: number, which: PacketAddress, out: Ptr): void {
    this.x.allowedips_lookup_packets(this.handle, offsets, lengths, count, which === "source" ? 1 : 0, out);
  }

  /** Looks up `count` packed addresses of one family (4 or 16 bytes each) at `addrs`; u32 peers to `out`. */
  lookupAddressesAt(family: IpFamily, addrs: Ptr, count: number, out: Ptr): void {
    this.x.allowedips_lookup_addresses(this.handle, family, addrs, count, out);
  }

  /** Copies packets into the core, routes them in one call and returns the peers (0 = none). */
  lookupPackets(packets: readonly Uint8Array[], which: PacketAddress = "destination"): Uint32Array {
    const n = packets.length;
    let total = 0;
    for (const p of packets) total += p.length;
    const data = new CoreBuffer(this.core, Math.max(total, 1));
    const meta = new CoreBuffer(this.core, Math.max(n * 12, 4));
    try {
      const u8 = data.bytes;
      const words = meta.u32;
      let at = 0;
      for (let i = 0; i < n; i++) {
        u8.set(packets[i], at);
        words[i] = data.pointer + at;
        words[n + i] = packets[i].length;
        at += packets[i].length;
      }
      const base = meta.pointer;
      this.lookupPacketsAt(base, base + 4 * n, n, which, base + 8 * n);
      return meta.u32.slice(2 * n, 3 * n);
    } finally {
      data.free();
      meta.free();
    }
  }

  /** Audits the table's internal invariants (for tests); throws naming the broken rule. */
  assertSound(): void {
    const code = this.x.allowedips_check(this.handle);
    if (code !== 0) throw new Error(`AllowedIps table is inconsistent (check code ${code})`);
  }
}

/** Node-pool figures of a core, shared by all its tables (for tests and diagnostics). */
export function allowedIpsPoolStats(core: WasmCore): { live: number; reserved: number } {
  const x = exportsOf(core);
  return { live: x.allowedips_nodes_live(), reserved: x.allowedips_nodes_reserved() };
}
