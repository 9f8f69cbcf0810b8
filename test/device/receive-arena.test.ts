// The receive arena opens data messages in place in WASM memory; the plaintext
// must be exactly the protocol core's reference decapsulate(), and a message
// that does not authenticate must leave its bytes untouched.
import { describe, expect, it } from "vitest";
import { cryptoFromCore } from "../../bindings/crypto/index.js";
import { instantiateCore } from "../../bindings/crypto/wasm.js";
import { ReceiveArena } from "../../bindings/device/receive-arena.js";
import { FakeNetwork, FakeTun } from "../../bindings/io/fake.js";
import { decapsulate, encapsulate, type DataMessage } from "../../bindings/noise/index.js";
import { parseMessage } from "../../bindings/noise/messages.js";
import { NoisePrimitives } from "../../bindings/noise/primitives.js";
import { Keypair } from "../../bindings/noise/session.js";

function ipPacket(len: number, seed: number): Uint8Array {
  const p = new Uint8Array(len);
  for (let i = 0; i < len; i++) p[i] = (seed * 31 + i * 11) & 0xff;
  p[0] = 0x45;
  p[2] = len >> 8;
  p[3] = len & 0xff;
  return p;
}

describe.each(["simd", "scalar"] as const)("ReceiveArena (%s build)", (build) => {
  const core = instantiateCore(build);
  const primitives = new NoisePrimitives(cryptoFromCore(core));
  const key = Uint8Array.from({ length: 32 }, (_, i) => 200 - i);
  const sender = new Keypair({ initiator: true, sendKey: key, receiveKey: new Uint8Array(32), localIndex: 1, remoteIndex: 2 }, 0);
  const receiver = new Keypair({ initiator: false, sendKey: new Uint8Array(32), receiveKey: key, localIndex: 2, remoteIndex: 1 }, 0);
  const arena = new ReceiveArena(core, 8, (kp, msg) => decapsulate(primitives, kp, msg));
  const net = new FakeNetwork({ schedule: (t) => t() });
  const [a, b] = [net.createBind(), net.createBind()];
  a.open(0);
  b.open(0);

  function deliver(datagrams: Uint8Array[]): DataMessage[] {
    // One send, so the fake delivers them in one batch.
    const buf = new Uint8Array(datagrams.length * 16384);
    const offsets = new Uint32Array(datagrams.length);
    const lengths = new Uint32Array(datagrams.length);
    const eps = new Uint8Array(datagrams.length * 24);
    datagrams.forEach((d, i) => {
      buf.set(d, i * 16384);
      offsets[i] = i * 16384;
      lengths[i] = d.length;
      b.endpoint(4).write(eps, i);
    });
    a.sendBatch(buf, offsets, lengths, eps, datagrams.length);
    const n = arena.receive(b);
    expect(n).toBe(datagrams.length);
    return Array.from({ length: n }, (_, i) => parseMessage(arena.datagram(i)) as DataMessage);
  }

  it("opens in place, giving what decapsulate gives, and writes the TUN device from WASM memory", () => {
    const sizes = [20, 84, 1280, 1420, 9000];
    const packets = sizes.map((n, i) => ipPacket(n, i));
    const counters = [0n, 1n, 2n ** 32n + 3n, 2n ** 60n, 77n];
    const datagrams = packets.map((p, i) => encapsulate(primitives, sender, counters[i], p, 1420));
    const msgs = deliver(datagrams);
    const tun = new FakeTun({ name: "rx0", mtu: 9000 });
    msgs.forEach((m, i) => {
      const want = decapsulate(primitives, receiver, parseMessage(datagrams[i].slice()) as DataMessage)!;
      const got = arena.openData(receiver, m)!;
      expect(got.buffer).toBe(core.u8.buffer);
      expect(Buffer.from(got).equals(Buffer.from(want))).toBe(true);
      expect(arena.queue(got.subarray(0, sizes[i]))).toBe(true);
    });
    expect(arena.queue(ipPacket(60, 9))).toBe(true); // from JS memory: copied
    expect(arena.flush(tun)).toBe(0);
    const written = tun.takeWritten();
    expect(written.map((w) => w.length)).toEqual([...sizes, 60]);
    written.slice(0, sizes.length).forEach((w, i) => expect(Buffer.from(w).equals(Buffer.from(packets[i]))).toBe(true));
    expect(Buffer.from(written[sizes.length]).equals(Buffer.from(ipPacket(60, 9)))).toBe(true);
  });

  it("returns null and leaves the datagram untouched when the tag does not verify", () => {
    const d = encapsulate(primitives, sender, 5n, ipPacket(100, 1), 1420);
    d[40] ^= 1;
    const [m] = deliver([d]);
    const before = Buffer.from(arena.datagram(0));
    expect(arena.openData(receiver, m)).toBeNull();
    expect(Buffer.from(arena.datagram(0)).equals(before)).toBe(true);
    const wrongCounter = { ...m, counter: 6n };
    expect(arena.openData(receiver, wrongCounter)).toBeNull();
  });

  it("falls back to decapsulate for a message outside its slots, and leaves no key behind", () => {
    const d = encapsulate(primitives, sender, 9n, ipPacket(64, 2), 1420);
    const msg = parseMessage(d) as DataMessage;
    expect(Buffer.from(arena.openData(receiver, msg)!).equals(Buffer.from(decapsulate(primitives, receiver, parseMessage(d.slice()) as DataMessage)!))).toBe(true);
    expect(Buffer.from(core.u8).indexOf(Buffer.from(key))).toBe(-1);
  });
});
