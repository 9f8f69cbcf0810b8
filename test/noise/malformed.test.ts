// Hostile input: every single-bit flip of every message type, truncated and
// oversized datagrams, and a long stream of random ones. Each must be dropped
// with a counted reason and leave the session working.
import { describe, expect, it } from "vitest";
import { DROP_REASONS, type NoiseAction } from "../../bindings/noise/device.js";
import { PeerCookie } from "../../bindings/noise/cookie.js";
import { INITIATION, RESPONSE } from "../../bindings/noise/messages.js";
import { NoisePrimitives } from "../../bindings/noise/primitives.js";
import { count, cryptoImplementations, ipv4Packet, Pair, sameAddress, seededRandom, type Side } from "./harness.js";

const impls = await cryptoImplementations();

const totalDrops = (side: Side) => DROP_REASONS.reduce((n, r) => n + side.device.drops[r], 0);

function flip(bytes: Uint8Array, bit: number): Uint8Array {
  const f = bytes.slice();
  f[bit >> 3] ^= 1 << (bit & 7);
  return f;
}

/** Delivers `datagram` to `side` and checks it was refused: one drop counted, nothing delivered or answered. */
function expectRefused(pair: Pair, side: Side, datagram: Uint8Array, label: string, allowReply = false): string {
  const before = totalDrops(side);
  const actions: NoiseAction[] = pair.receive(side, datagram);
  pair.lose();
  const drops = actions.filter((a) => a.type === "drop");
  const bad = actions.filter((a) => a.type !== "drop" && !(allowReply && a.type === "reply"));
  expect([label, bad.map((a) => a.type), drops.length, totalDrops(side) - before]).toEqual([label, [], 1, 1]);
  return (drops[0] as { reason: string }).reason;
}

const tally = (reasons: string[]) => reasons.reduce<Record<string, number>>((m, r) => ((m[r] = (m[r] ?? 0) + 1), m), {});

describe.each(impls)("malformed input ($name)", ({ crypto }) => {
  const p = new NoisePrimitives(crypto);

  it("every bit flip of an initiation is refused; the original still works", () => {
    const pair = new Pair(crypto);
    const { a, b } = pair;
    pair.send(a, ipv4Packet(1));
    const original = pair.inFlight[0].datagram;
    pair.lose();
    const reasons: string[] = [];
    for (let bit = 0; bit < INITIATION.mac2 * 8; bit++) reasons.push(expectRefused(pair, b, flip(original, bit), `bit ${bit}`));
    // MAC2 is only read under load.
    b.device.forceUnderLoad = true;
    for (let bit = INITIATION.mac2 * 8; bit < 148 * 8; bit++)
      reasons.push(expectRefused(pair, b, flip(original, bit), `bit ${bit}`, true));
    b.device.forceUnderLoad = false; // (a thousand messages in a second would have turned it on by itself)
    // Type 1 with one bit flipped: 0, 5, 9, … and non-zero reserved bytes are unknown; 3 is a cookie reply of the wrong size.
    expect(tally(reasons)).toEqual({ unknownType: 31, wrongSize: 1, invalidMac1: 132 * 8 - 32, cookieRequired: 128 });

    // An attacker who knows b's public key can fix MAC1; the AEAD fields still refuse the flips.
    const macs = new PeerCookie(p, b.device.publicKey!);
    const remac: string[] = [];
    for (let bit = INITIATION.ephemeral * 8; bit < INITIATION.mac1 * 8; bit += 3) {
      const f = flip(original, bit);
      macs.addMacs(f, pair.clock.now);
      remac.push(expectRefused(pair, b, f, `re-MACed bit ${bit}`));
    }
    expect(Object.keys(tally(remac)).sort()).toEqual(["handshakeDecryptFailed"]);

    pair.receive(b, original);
    pair.flush();
    expect(b.delivered.length).toBe(1);
  });

  it("every bit flip of a response is refused without disturbing the pending handshake", () => {
    const pair = new Pair(crypto);
    const { a, b } = pair;
    pair.send(a, ipv4Packet(1));
    const init = pair.inFlight[0].datagram;
    pair.lose();
    pair.receive(b, init);
    const original = pair.inFlight[0].datagram;
    expect(original.length).toBe(92);
    pair.lose();
    const reasons: string[] = [];
    for (let bit = 0; bit < RESPONSE.mac2 * 8; bit++) reasons.push(expectRefused(pair, a, flip(original, bit), `bit ${bit}`));
    a.device.forceUnderLoad = true;
    for (let bit = RESPONSE.mac2 * 8; bit < 92 * 8; bit++)
      reasons.push(expectRefused(pair, a, flip(original, bit), `bit ${bit}`, true));
    a.device.forceUnderLoad = false;
    expect(tally(reasons)).toEqual({ unknownType: 31, wrongSize: 1, invalidMac1: 76 * 8 - 32, cookieRequired: 128 });

    const macs = new PeerCookie(p, a.device.publicKey!);
    const remac: string[] = [];
    for (let bit = RESPONSE.receiver * 8; bit < RESPONSE.mac1 * 8; bit += 2) {
      const f = flip(original, bit);
      macs.addMacs(f, pair.clock.now);
      remac.push(expectRefused(pair, a, f, `re-MACed bit ${bit}`));
    }
    expect(Object.keys(tally(remac)).sort()).toEqual(["handshakeDecryptFailed", "unknownIndex"]);
    expect(a.peer.handshake.state).toBe("createdInitiation");

    pair.receive(a, original);
    pair.flush();
    expect(b.delivered.length).toBe(1);
  });

  it("every bit flip of a cookie reply is refused; the original is then accepted", () => {
    const pair = new Pair(crypto);
    const { a, b } = pair;
    b.device.forceUnderLoad = true;
    pair.send(a, ipv4Packet(1));
    pair.flush(); // a has now got a first cookie; its next initiation will draw another reply
    pair.clock.advance(200_000); // let that cookie expire, so the next reply matters
    b.device.forceUnderLoad = true;
    pair.apply(a, a.device.initiateHandshake(pair.clock.now, a.peer));
    pair.receive(b, pair.inFlight.shift()!.datagram);
    const original = pair.inFlight.shift()!.datagram;
    expect(original.length).toBe(64);
    pair.lose();
    const reasons: string[] = [];
    for (let bit = 0; bit < 64 * 8; bit++) reasons.push(expectRefused(pair, a, flip(original, bit), `bit ${bit}`));
    // Type 3 flips to 2 or 1: handshake types of the wrong size.
    expect(tally(reasons)).toEqual({ unknownType: 30, wrongSize: 2, unknownIndex: 32, cookieReplyInvalid: 448 });
    expect(a.peer.cookie.hasCookie(pair.clock.now)).toBe(false);
    pair.receive(a, original);
    expect(a.peer.cookie.hasCookie(pair.clock.now)).toBe(true);
    pair.advance(5500);
    expect(b.delivered.length).toBe(1);
  });

  it("every bit flip of a data message is refused; the original is then delivered", () => {
    const pair = new Pair(crypto);
    const { a, b } = pair;
    pair.handshake();
    pair.send(a, ipv4Packet(60)); // 80 bytes: a 112-byte message
    const original = pair.inFlight[0].datagram;
    pair.lose();
    const reasons: string[] = [];
    for (let bit = 0; bit < original.length * 8; bit++)
      reasons.push(expectRefused(pair, b, flip(original, bit), `bit ${bit}`));
    expect(tally(reasons)).toEqual({
      unknownType: 32, // no single flip turns 4 into another type
      unknownIndex: 32,
      dataDecryptFailed: (original.length - 8) * 8,
    });
    pair.receive(b, original);
    expect(b.delivered.length).toBe(2);
    expectRefused(pair, b, original, "replay");
    expect(b.device.drops.replayedCounter).toBe(1);
  });

  it("truncated and oversized datagrams of each type are refused", () => {
    const pair = new Pair(crypto);
    const { a, b } = pair;
    pair.send(a, ipv4Packet(1));
    const init = pair.inFlight[0].datagram;
    pair.flush();
    pair.send(a, ipv4Packet(100));
    const data = pair.inFlight[0].datagram;
    pair.lose();
    const reasons: string[] = [];
    for (const original of [init, data]) {
      for (let len = 0; len < original.length; len++)
        reasons.push(expectRefused(pair, b, original.subarray(0, len), `${original[0]} cut to ${len}`));
      for (const extra of [1, 16, 1000]) {
        const long = new Uint8Array(original.length + extra);
        long.set(original);
        reasons.push(expectRefused(pair, b, long, `${original[0]} plus ${extra}`));
      }
    }
    const t = tally(reasons);
    expect(t.truncated).toBe(8);
    expect(t.wrongSize).toBe(144 + 3);
    expect(t.dataTooShort).toBe(28);
    expect(t.dataDecryptFailed).toBe(data.length - 32 + 3);
    pair.receive(b, data);
    expect(b.delivered.length).toBe(2);
  });

  it("survives tens of thousands of random datagrams and still carries traffic", () => {
    const pair = new Pair(crypto, { seed: 3 });
    const { a, b } = pair;
    // A history of genuine datagrams to mutate and replay.
    pair.handshake();
    for (let i = 0; i < 10; i++) {
      pair.send(a, ipv4Packet(i * 30));
      pair.send(b, ipv4Packet(i * 20));
    }
    const genuine = [...a.sent, ...b.sent];
    pair.flush();
    const random = seededRandom(2024);
    const word = new Uint32Array(1);
    const rnd = (n: number) => {
      random(new Uint8Array(word.buffer));
      return word[0] % n;
    };
    const bytes = (n: number) => {
      const out = new Uint8Array(n);
      random(out);
      return out;
    };
    const fuzzSources = [
      { address: new Uint8Array([203, 0, 113, 9]), port: 666 },
      { address: new Uint8Array(16).fill(0xfe), port: 1 },
    ];
    const makeDatagram = (): Uint8Array => {
      switch (rnd(5)) {
        case 0:
          return bytes(rnd(200));
        case 1: {
          const type = 1 + rnd(4);
          const out = bytes([148, 92, 64, 32 + rnd(200)][type - 1]);
          out.set([type, 0, 0, 0]);
          return out;
        }
        case 2: {
          const g = genuine[rnd(genuine.length)].slice();
          for (let i = 1 + rnd(4); i > 0; i--) g[rnd(g.length)] ^= 1 << rnd(8);
          return g;
        }
        case 3: {
          const g = genuine[rnd(genuine.length)];
          return rnd(2) ? g.subarray(0, rnd(g.length)) : new Uint8Array([...g, ...bytes(1 + rnd(20))]);
        }
        default:
          return genuine[rnd(genuine.length)];
      }
    };
    const N = 20_000;
    let delivered = 0;
    for (let i = 0; i < N; i++) {
      const to = rnd(2) ? a : b;
      const source = fuzzSources[rnd(2)];
      const actions = to.device.receive(pair.clock.now, makeDatagram(), source);
      // Never roam to, answer or deliver for an unauthenticated sender.
      for (const act of actions) {
        if (act.type === "endpoint") expect(fuzzSources.some((s) => sameAddress(s, act.source))).toBe(false);
        if (act.type === "deliver") delivered++;
      }
      if (i % 2000 === 0) {
        pair.clock.advance(1000);
        pair.tick();
        pair.lose();
        pair.send(a, ipv4Packet(8));
        pair.send(b, ipv4Packet(9));
        pair.flush();
      }
    }
    expect(delivered).toBe(0); // replays are caught by the replay window
    expect(totalDrops(a) + totalDrops(b)).toBe(N); // each refused exactly once
    const before = [a.delivered.length, b.delivered.length];
    pair.send(a, ipv4Packet(8));
    pair.send(b, ipv4Packet(9));
    pair.flush();
    expect([a.delivered.length, b.delivered.length]).toEqual([before[0] + 1, before[1] + 1]);
    expect(count(a.actions, "handshakeComplete") + count(b.actions, "handshakeComplete")).toBe(2);
  });
});
