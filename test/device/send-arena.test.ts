// The send arena seals packets in place in WASM memory; the bytes must be exactly
// what the protocol core's reference encapsulate() produces.
import { describe, expect, it } from "vitest";
import { cryptoFromCore } from "../../bindings/crypto/index.js";
import { instantiateCore } from "../../bindings/crypto/wasm.js";
import { SendArena } from "../../bindings/device/send-arena.js";
import { Endpoint } from "../../bindings/io/endpoint.js";
import { FakeNetwork, FakeTun } from "../../bindings/io/fake.js";
import { encapsulate } from "../../bindings/noise/index.js";
import { NoisePrimitives } from "../../bindings/noise/primitives.js";
import { Keypair } from "../../bindings/noise/session.js";

function packet(len: number, seed: number): Uint8Array {
  const p = new Uint8Array(len);
  for (let i = 0; i < len; i++) p[i] = (seed * 131 + i * 7) & 0xff;
  p[0] = 0x45;
  return p;
}

describe.each(["simd", "scalar"] as const)("SendArena (%s build)", (build) => {
  const core = instantiateCore(build);
  const primitives = new NoisePrimitives(cryptoFromCore(core));
  const keypair = new Keypair(
    {
      initiator: true,
      sendKey: Uint8Array.from({ length: 32 }, (_, i) => i * 3 + 1),
      receiveKey: new Uint8Array(32),
      localIndex: 0x11223344,
      remoteIndex: 0xa1b2c3d4,
    },
    0,
  );
  const arena = new SendArena(core, 8, (kp, c, p, mtu) => encapsulate(primitives, kp, c, p, mtu));

  it("seals packets read from the TUN device in place, byte for byte as encapsulate does", () => {
    const tun = new FakeTun({ name: "arena0" });
    const sizes = [20, 21, 47, 1280, 1420, 1419, 65535 - 100, 0x30];
    const packets = sizes.map((n, i) => packet(n, i));
    tun.inject(...packets);
    const n = arena.readTun(tun);
    expect(n).toBe(sizes.length);
    const views = Array.from({ length: n }, (_, i) => arena.packet(i));
    views.forEach((v, i) => expect(Buffer.from(v).equals(Buffer.from(packets[i]))).toBe(true));
    for (const mtu of [1420, 0]) {
      // Fresh reads each time: sealing overwrites the slots.
      tun.inject(...packets);
      arena.readTun(tun);
      const first = (1n << 40n) + 5n;
      const sealed = arena.sealBatch(keypair, first, Array.from({ length: n }, (_, i) => arena.packet(i)), mtu);
      sealed.forEach((d, i) => {
        const want = encapsulate(primitives, keypair, first + BigInt(i), packets[i], mtu);
        expect(Buffer.from(d).equals(Buffer.from(want)), `packet ${i} (${sizes[i]} B, mtu ${mtu})`).toBe(true);
      });
    }
  });

  it("falls back to encapsulate for packets outside its slots, and batches both kinds in one send", () => {
    const tun = new FakeTun({ name: "arena1" });
    tun.inject(packet(100, 9));
    arena.readTun(tun);
    const keepalive = new Uint8Array(0);
    const outside = packet(60, 3);
    const sealed = arena.sealBatch(keypair, 7n, [arena.packet(0), keepalive, outside], 1420);
    expect(Buffer.from(sealed[1]).equals(Buffer.from(encapsulate(primitives, keypair, 8n, keepalive, 1420)))).toBe(true);
    expect(Buffer.from(sealed[2]).equals(Buffer.from(encapsulate(primitives, keypair, 9n, outside, 1420)))).toBe(true);
    expect(arena.holds(sealed[0])).toBe(true);
    expect(arena.holds(sealed[1])).toBe(false);

    const net = new FakeNetwork({ schedule: (t) => t() });
    const [from, to] = [net.createBind(), net.createBind()];
    from.open(0);
    to.open(0);
    const dst = to.endpoint(4);
    for (const d of sealed) expect(arena.queue(d, dst)).toBe(true);
    arena.flush(from);
    const buf = new Uint8Array(3 * 2048);
    const lengths = new Uint32Array(3);
    const eps = new Uint8Array(3 * 24);
    expect(to.recvBatch(buf, 0, 2048, 3, lengths, eps)).toBe(3);
    sealed.forEach((d, i) => expect(Buffer.from(buf.subarray(i * 2048, i * 2048 + lengths[i])).equals(Buffer.from(d))).toBe(true));
    expect(Endpoint.read(eps, 0)?.equals(from.endpoint(4))).toBe(true);
  });

  it("leaves no key in WASM memory after sealing", () => {
    const tun = new FakeTun({ name: "arena2" });
    tun.inject(packet(64, 1));
    arena.readTun(tun);
    arena.sealBatch(keypair, 0n, [arena.packet(0)], 1420);
    const mem = Buffer.from(core.u8);
    expect(mem.indexOf(Buffer.from(keypair.sendKey))).toBe(-1);
  });
});
