// The in-memory TUN and UDP fakes keep the real contracts: slots, endpoint
// records, level-triggered readiness, batches that arrive together.
import { describe, expect, it } from "vitest";
import { ENDPOINT_BYTES, Endpoint } from "../../bindings/io/endpoint.js";
import { createFakeBindPair, FakeNetwork, FakeTun } from "../../bindings/io/fake.js";
import type { TunDevice, UdpBind } from "../../bindings/io/types.js";

const SLOT = 256;
const tick = () => new Promise((r) => setImmediate(r));

function packet(tag: number, size: number): Uint8Array {
  return new Uint8Array(size).map((_, i) => (tag * 31 + i) & 0xff);
}

/** Packs packets back to back in one buffer for writeBatch/sendBatch. */
function pack(packets: Uint8Array[]) {
  const buf = new Uint8Array(packets.reduce((n, p) => n + p.length, 0));
  const offsets = new Uint32Array(packets.length);
  const lengths = new Uint32Array(packets.length);
  let at = 0;
  packets.forEach((p, i) => {
    buf.set(p, at);
    offsets[i] = at;
    lengths[i] = p.length;
    at += p.length;
  });
  return { buf, offsets, lengths };
}

/** Collects what `recvBatch` yields on each readiness call until `count` datagrams arrived. */
function collect(bind: UdpBind, count: number) {
  const buf = new Uint8Array(SLOT * 16);
  const lengths = new Uint32Array(16);
  const eps = new Uint8Array(ENDPOINT_BYTES * 16);
  const batches: { data: Uint8Array; from: string }[][] = [];
  return new Promise<typeof batches>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("timed out")), 2000);
    let total = 0;
    bind.onReadable(() => {
      const n = bind.recvBatch(buf, 0, SLOT, 16, lengths, eps);
      if (n === 0) return;
      batches.push(
        Array.from({ length: n }, (_, i) => ({
          data: buf.slice(i * SLOT, i * SLOT + lengths[i]),
          from: Endpoint.read(eps, i)!.toString(),
        })),
      );
      total += n;
      if (total >= count) {
        clearTimeout(timer);
        bind.onReadable(null);
        resolve(batches);
      }
    });
  });
}

describe("FakeUdpBind pair", () => {
  it("crosses batches whole and in order, with the sender's endpoint as source", async () => {
    const [a, b] = createFakeBindPair();
    const pa = a.open(0);
    const pb = b.open(0);
    expect(pa).toBeGreaterThan(0);
    expect(pb).not.toBe(pa);

    const first = [packet(1, 40), packet(2, 200), packet(3, 1)];
    const second = [packet(4, 60), packet(5, 70)];
    const eps = new Uint8Array(ENDPOINT_BYTES * 3);
    for (let i = 0; i < 3; i++) b.endpoint(4).write(eps, i);
    const received = collect(b, 5);
    let p = pack(first);
    expect(a.sendBatch(p.buf, p.offsets, p.lengths, eps, 3)).toBe(3);
    p = pack(second);
    expect(a.sendBatch(p.buf, p.offsets, p.lengths, eps, 2)).toBe(2);
    p.buf.fill(0); // the fake copied: reusing the caller's memory changes nothing

    const batches = await received;
    expect(batches.map((x) => x.length)).toEqual([3, 2]);
    expect(batches.flat().map((d) => d.data)).toEqual([...first, ...second]);
    expect(new Set(batches.flat().map((d) => d.from))).toEqual(new Set([`192.0.2.1:${pa}`]));
  });

  it("answers over IPv6 to where the datagram came from", async () => {
    const [a, b] = createFakeBindPair();
    a.open(51820);
    b.open(51821);
    const atB = collect(b, 1);
    expect(a.send(packet(9, 30), b.endpoint(6))).toBe(true);
    const [[got]] = await atB;
    expect(got.from).toBe("[2001:db8::1]:51820");
    const atA = collect(a, 1);
    b.send(packet(10, 30), Endpoint.parse(got.from));
    expect((await atA)[0][0]).toEqual({ data: packet(10, 30), from: "[2001:db8::2]:51821" });
  });

  it("loses datagrams to nowhere or filtered, and refuses a family it has no address for", async () => {
    const net = new FakeNetwork();
    const a = net.createBind({ v6: null });
    const b = net.createBind();
    a.open(0);
    b.open(0);
    expect(a.send(packet(1, 10), Endpoint.parse("192.0.2.99:1"))).toBe(true);
    expect(net.lost).toBe(1);
    expect(a.send(packet(1, 10), b.endpoint(6))).toBe(false);
    expect(a.stats).toMatchObject({ refused: 1, lastError: "EAFNOSUPPORT" });
    net.filter = (data) => data[0] !== 0xee;
    const got = collect(b, 1);
    a.send(Uint8Array.of(0xee), b.endpoint(4));
    a.send(Uint8Array.of(0x01), b.endpoint(4));
    expect((await got)[0].map((d) => Array.from(d.data))).toEqual([[1]]);
    expect(net.lost).toBe(2);
    expect(net.delivered).toBe(1);
  });

  it("refuses a taken port with EADDRINUSE and frees it on close", () => {
    const net = new FakeNetwork();
    const a = net.createBind({ v4: "192.0.2.50", v6: null });
    const b = net.createBind({ v4: "192.0.2.50", v6: null });
    a.open(5000);
    expect(() => b.open(5000)).toThrow(expect.objectContaining({ code: "EADDRINUSE" }));
    a.close();
    expect(a.port).toBe(0);
    expect(b.open(5000)).toBe(5000);
  });

  it("keeps calling the handler while datagrams wait, and not while paused", async () => {
    const [a, b] = createFakeBindPair();
    a.open(0);
    b.open(0);
    const p = pack([packet(1, 10), packet(2, 10), packet(3, 10)]);
    const eps = new Uint8Array(ENDPOINT_BYTES * 3);
    for (let i = 0; i < 3; i++) b.endpoint(4).write(eps, i);
    a.sendBatch(p.buf, p.offsets, p.lengths, eps, 3);
    let calls = 0;
    const buf = new Uint8Array(SLOT);
    const lengths = new Uint32Array(1);
    const recEps = new Uint8Array(ENDPOINT_BYTES);
    b.onReadable(() => {
      calls++;
      b.recvBatch(buf, 0, SLOT, 1, lengths, recEps); // one at a time: the rest stays queued
    });
    expect(calls).toBe(0); // never from inside the call that queued
    for (let i = 0; i < 5; i++) await tick();
    expect(calls).toBe(3);
    b.onReadable(null);
    a.sendBatch(p.buf, p.offsets, p.lengths, eps, 1);
    for (let i = 0; i < 3; i++) await tick();
    expect(calls).toBe(3);
    b.setFwmark(42);
    expect(b.fwmark).toBe(42);
  });
});

describe("FakeTun", () => {
  it("hands injected packets to readBatch in slots and records writes", async () => {
    const tun: TunDevice & FakeTun = new FakeTun({ name: "wgfake", mtu: 1280 });
    const injected = [packet(1, 20), packet(2, SLOT + 1), packet(3, 100)];
    const buf = new Uint8Array(SLOT * 4 + 8);
    const lengths = new Uint32Array(4);
    const reads: number[] = [];
    const done = new Promise<void>((resolve) =>
      tun.onReadable(() => {
        reads.push(tun.readBatch(buf, 8, SLOT, 4, lengths));
        resolve();
      }),
    );
    tun.inject(...injected);
    await done;
    expect(reads).toEqual([2]); // the packet longer than a slot is dropped
    expect(buf.slice(8, 8 + lengths[0])).toEqual(injected[0]);
    expect(buf.slice(8 + SLOT, 8 + SLOT + lengths[1])).toEqual(injected[2]);

    const out = pack([packet(4, 50), packet(5, 1281), packet(6, 60)]);
    expect(tun.writeBatch(out.buf, out.offsets, out.lengths, 3)).toBe(3);
    expect(tun.write(out.buf, 0, 50)).toBe(true);
    expect(tun.writeCalls).toEqual([3, 1]);
    expect(await tun.waitWritten(3)).toEqual([packet(4, 50), packet(6, 60), packet(4, 50)]); // over-MTU one dropped
    expect(tun.takeWritten()).toHaveLength(3);
    expect(tun.written).toHaveLength(0);
    expect(tun.mtu()).toBe(1280);
    tun.setMtu(1420);
    expect(tun.mtu()).toBe(1420);
    expect(() => tun.setMtu(20)).toThrow(expect.objectContaining({ code: "EINVAL" }));
  });

  it("closes with EBADFD when removed, and without an error when closed", async () => {
    const removed = new FakeTun();
    const events: (string | undefined)[] = [];
    removed.onClose((e) => events.push((e as { code?: string } | undefined)?.code));
    removed.remove();
    expect(events).toEqual(["EBADFD"]);
    expect(removed.closed).toBe(true);
    expect(() => removed.inject(packet(1, 1))).toThrow(expect.objectContaining({ code: "EBADFD" }));

    const closed = new FakeTun();
    const seen: unknown[] = [];
    closed.onClose((e) => seen.push(e));
    closed.close();
    closed.close();
    expect(seen).toEqual([undefined]);
  });
});
