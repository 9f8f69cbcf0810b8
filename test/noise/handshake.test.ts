import { describe, expect, it } from "vitest";
import { PeerCookie } from "../../bindings/noise/cookie.js";
import { NoiseDevice } from "../../bindings/noise/device.js";
import {
  beginSession,
  consumeInitiation,
  consumeResponse,
  createInitiation,
  createResponse,
  Handshake,
  type StaticIdentity,
} from "../../bindings/noise/handshake.js";
import { IndexTable } from "../../bindings/noise/index-table.js";
import {
  type InitiationMessage,
  parseMessage,
  type ResponseMessage,
  serializeInitiation,
  serializeResponse,
} from "../../bindings/noise/messages.js";
import { clampPrivateKey, equalBytes, NoisePrimitives } from "../../bindings/noise/primitives.js";
import { tai64n } from "../../bindings/noise/tai64n.js";
import {
  count,
  cryptoImplementations,
  handshakeVectors as vectors,
  hex, ipv4Packet, Pair, randomBytes, seededRandom, sentDatagrams } from "./harness.js";

const impls = await cryptoImplementations();
const fromHex = (h: string): Uint8Array => new Uint8Array(Buffer.from(h, "hex"));

function identity(p: NoisePrimitives, random: (b: Uint8Array) => void): StaticIdentity {
  const privateKey = clampPrivateKey(randomBytes(random, 32));
  return { privateKey, publicKey: p.publicKey(privateKey) };
}

/** An initiation from `privateKey` to `pair.b`, made by a separate device whose wall clock reads `wall`. */
function initiationFrom(pair: Pair, privateKey: Uint8Array, wall: number, seed = 77): Uint8Array {
  const dev = new NoiseDevice({ crypto: pair.crypto, privateKey, wallClock: () => wall, random: seededRandom(seed) });
  const peer = dev.addPeer(pair.b.device.publicKey!)!;
  const [action] = dev.initiateHandshake(pair.clock.now, peer);
  if (action?.type !== "send") throw new Error("no initiation");
  return action.datagram;
}

const initiations = (datagrams: Uint8Array[]) => datagrams.filter((d) => d[0] === 1 && d.length === 148);

describe.each(impls)("handshake ($name)", ({ crypto }) => {
  it("precomputes the initial chaining key and hash from the construction and identifier", () => {
    const p = new NoisePrimitives(crypto);
    expect(hex(p.initialChainingKey)).toBe(vectors.initialChainingKey);
    expect(hex(p.initialHash)).toBe(vectors.initialHash);
  });

  describe.each([
    { label: "without a preshared key", psk: null },
    { label: "with a preshared key", psk: fromHex("a1".repeat(32)) },
  ])("the two sides agree after each message, $label", ({ psk }) => {
    it("initiation, response, then transport keys", () => {
      const p = new NoisePrimitives(crypto);
      const random = seededRandom(42);
      const ctx = { primitives: p, random };
      const I = identity(p, random);
      const R = identity(p, random);
      const hsI = new Handshake(R.publicKey);
      const hsR = new Handshake(I.publicKey);
      for (const [hs, id] of [
        [hsI, I],
        [hsR, R],
      ] as const) {
        hs.setPresharedKey(psk);
        hs.precomputeStaticStatic(p, id);
      }

      const init = createInitiation(ctx, I, hsI, tai64n(1_700_000_000_000), () => 0x11223344);
      expect(init).toBeInstanceOf(Uint8Array);
      const initMsg = parseMessage(init as Uint8Array) as InitiationMessage;
      expect(initMsg.senderIndex).toBe(0x11223344);
      const found = consumeInitiation(ctx, R, initMsg, 5000, (s) => (equalBytes(s, I.publicKey) ? hsR : undefined));
      expect(found).toBe(hsR);
      expect(hex(hsR.hash)).toBe(hex(hsI.hash));
      expect(hex(hsR.chainingKey)).toBe(hex(hsI.chainingKey));
      expect(hsR.remoteIndex).toBe(0x11223344);

      const resp = createResponse(ctx, hsR, () => 0x55667788) as Uint8Array;
      const respMsg = parseMessage(resp) as ResponseMessage;
      expect(respMsg.receiverIndex).toBe(0x11223344);
      expect(consumeResponse(ctx, I, respMsg, hsI)).toBe(true);
      expect(hex(hsI.hash)).toBe(hex(hsR.hash));
      expect(hex(hsI.chainingKey)).toBe(hex(hsR.chainingKey));

      const kI = beginSession(ctx, hsI)!;
      const kR = beginSession(ctx, hsR)!;
      expect(kI.initiator).toBe(true);
      expect(kR.initiator).toBe(false);
      expect(hex(kI.sendKey)).toBe(hex(kR.receiveKey));
      expect(hex(kI.receiveKey)).toBe(hex(kR.sendKey));
      expect(hex(kI.sendKey)).not.toBe(hex(kI.receiveKey));
      expect([kI.localIndex, kI.remoteIndex, kR.localIndex, kR.remoteIndex]).toEqual([
        0x11223344, 0x55667788, 0x55667788, 0x11223344,
      ]);
      // Both handshakes are wiped once the session exists.
      for (const hs of [hsI, hsR]) {
        expect(hs.state).toBe("zeroed");
        expect(hs.chainingKey.every((b) => b === 0)).toBe(true);
        expect(hs.ephemeralPrivate.every((b) => b === 0)).toBe(true);
      }
    });
  });

  it("mixes the preshared key into the session keys", () => {
    const keysWith = (psk: Uint8Array | null) => {
      const p = new NoisePrimitives(crypto);
      const random = seededRandom(9);
      const ctx = { primitives: p, random };
      const I = identity(p, random);
      const R = identity(p, random);
      const hsI = new Handshake(R.publicKey);
      const hsR = new Handshake(I.publicKey);
      hsI.setPresharedKey(psk);
      hsR.setPresharedKey(psk);
      hsI.precomputeStaticStatic(p, I);
      hsR.precomputeStaticStatic(p, R);
      const init = parseMessage(createInitiation(ctx, I, hsI, tai64n(1e12), () => 1) as Uint8Array) as InitiationMessage;
      consumeInitiation(ctx, R, init, 0, () => hsR);
      consumeResponse(ctx, I, parseMessage(createResponse(ctx, hsR, () => 2) as Uint8Array) as ResponseMessage, hsI);
      return hex(beginSession(ctx, hsI)!.sendKey);
    };
    expect(keysWith(null)).not.toBe(keysWith(fromHex("07".repeat(32))));
    expect(keysWith(null)).toBe(keysWith(null));
  });

  it("a response that fails leaves the initiator's handshake as it was", () => {
    const p = new NoisePrimitives(crypto);
    const random = seededRandom(3);
    const ctx = { primitives: p, random };
    const I = identity(p, random);
    const R = identity(p, random);
    const hsI = new Handshake(R.publicKey);
    const hsR = new Handshake(I.publicKey);
    hsI.precomputeStaticStatic(p, I);
    hsR.precomputeStaticStatic(p, R);
    hsR.setPresharedKey(fromHex("99".repeat(32))); // the initiator has none: mismatch
    const init = parseMessage(createInitiation(ctx, I, hsI, tai64n(1e12), () => 1) as Uint8Array) as InitiationMessage;
    consumeInitiation(ctx, R, init, 0, () => hsR);
    const resp = parseMessage(createResponse(ctx, hsR, () => 2) as Uint8Array) as ResponseMessage;
    const before = [hsI.state, hex(hsI.hash), hex(hsI.chainingKey), hex(hsI.ephemeralPrivate)];
    expect(consumeResponse(ctx, I, resp, hsI)).toBe("handshakeDecryptFailed");
    expect([hsI.state, hex(hsI.hash), hex(hsI.chainingKey), hex(hsI.ephemeralPrivate)]).toEqual(before);
    // With the right key the same initiation's response now succeeds.
    hsR.setPresharedKey(null);
    const hsR2 = new Handshake(I.publicKey);
    hsR2.precomputeStaticStatic(p, R);
    consumeInitiation(ctx, R, init, 0, () => hsR2);
    const resp2 = parseMessage(createResponse(ctx, hsR2, () => 3) as Uint8Array) as ResponseMessage;
    expect(consumeResponse(ctx, I, resp2, hsI)).toBe(true);
  });

  describe.each([
    { label: "without a preshared key", psk: null },
    { label: "with a preshared key", psk: fromHex("5c".repeat(32)) },
  ])("two devices, $label", ({ psk }) => {
    it("complete a handshake and carry data both ways, counting bytes as the kernel does", () => {
      const pair = new Pair(crypto, { presharedKey: psk });
      const { a, b } = pair;
      const first = ipv4Packet(64); // 84 bytes, padded to 96: a 128-byte data message
      const sendActions = pair.send(a, first);
      expect(pair.typesSince(a, 0)).toEqual(["send", "handshakeInitiated"]);
      expect(sendActions[0].type === "send" && sendActions[0].datagram.length).toBe(148);
      pair.flush();
      expect(b.delivered).toEqual([first]);
      expect(pair.typesSince(b, 0)).toEqual([
        "endpoint",
        "sessionDerived",
        "send", // the response
        "endpoint",
        "handshakeComplete", // confirmed by the first data message
        "deliver",
      ]);
      expect(pair.typesSince(a, 2)).toEqual(["endpoint", "sessionDerived", "handshakeComplete", "send"]);

      const back = ipv4Packet(300, [10, 0, 0, 2], [10, 0, 0, 1]);
      pair.send(b, back);
      pair.flush();
      expect(a.delivered).toEqual([back]);
      // 148 + 128 out, 92 + (320 + 32) back.
      expect([a.peer.txBytes, a.peer.rxBytes]).toEqual([276, 92 + 352]);
      expect([b.peer.txBytes, b.peer.rxBytes]).toEqual([92 + 352, 276]);
      expect(a.peer.lastHandshakeTime).toBe(pair.clock.wall);
      expect(b.peer.lastHandshakeTime).toBe(pair.clock.wall);
      expect(a.peer.presharedKey && hex(a.peer.presharedKey)).toBe(psk && hex(psk));
    });
  });

  it("simultaneous initiations from both sides converge on one working session", () => {
    const pair = new Pair(crypto);
    pair.send(pair.a, ipv4Packet(1));
    pair.send(pair.b, ipv4Packet(2));
    pair.flush();
    // Each side answered the other's initiation, which replaced its own: both responses name a stale index.
    expect(pair.a.device.drops.unknownIndex + pair.b.device.drops.unknownIndex).toBe(2);
    pair.advance(20_000);
    expect(pair.a.delivered.length).toBe(1);
    expect(pair.b.delivered.length).toBe(1);
    pair.send(pair.a, ipv4Packet(3));
    pair.send(pair.b, ipv4Packet(4));
    pair.flush();
    expect([pair.a.delivered.length, pair.b.delivered.length]).toEqual([2, 2]);
  });

  it("rejects a replayed initiation after authentication and keeps the session", () => {
    const pair = new Pair(crypto);
    pair.handshake();
    const init = initiations(pair.a.sent)[0];
    const current = pair.b.peer.keypairs.current;
    for (const wait of [5, 1000, 100_000]) {
      pair.clock.advance(wait);
      const actions = pair.receive(pair.b, init);
      expect(pair.b.device.drops.staleTimestamp).toBeGreaterThan(0);
      expect(count(actions, "send")).toBe(0);
    }
    expect(pair.b.device.drops.staleTimestamp).toBe(3);
    expect(pair.b.peer.keypairs.current).toBe(current);
    pair.send(pair.a, ipv4Packet(10));
    pair.send(pair.b, ipv4Packet(11));
    pair.flush();
    expect(pair.a.delivered.length + pair.b.delivered.length).toBe(3);
  });

  it("rejects an initiation whose timestamp is older than the last accepted one", () => {
    const pair = new Pair(crypto);
    pair.handshake();
    pair.clock.advance(1000);
    const older = initiationFrom(pair, pair.a.privateKey, pair.clock.wall - 60_000);
    pair.receive(pair.b, older);
    expect(pair.b.device.drops.staleTimestamp).toBe(1);
    const newer = initiationFrom(pair, pair.a.privateKey, pair.clock.wall + 60_000);
    const actions = pair.receive(pair.b, newer);
    expect(count(actions, "send")).toBe(1); // answered
  });

  it("drops an initiation less than 20 ms after the last accepted one from that peer", () => {
    const pair = new Pair(crypto);
    const wall = pair.clock.wall;
    const first = initiationFrom(pair, pair.a.privateKey, wall, 1);
    expect(count(pair.receive(pair.b, first), "send")).toBe(1);
    pair.clock.now += 19;
    const second = initiationFrom(pair, pair.a.privateKey, wall + 100, 2);
    expect(count(pair.receive(pair.b, second), "send")).toBe(0);
    expect(pair.b.device.drops.initiationFlood).toBe(1);
    pair.clock.now += 1; // 20 ms after the first: allowed again
    expect(count(pair.receive(pair.b, second), "send")).toBe(1);
  });

  it("a forged response does not destroy the pending handshake", () => {
    const pair = new Pair(crypto);
    const { a } = pair;
    pair.send(a, ipv4Packet(20));
    const init = parseMessage(initiations(a.sent)[0]) as InitiationMessage;
    const p = new NoisePrimitives(crypto);
    const forge = (ephemeral: Uint8Array, receiverIndex = init.senderIndex) => {
      const msg = serializeResponse({
        senderIndex: 7,
        receiverIndex,
        ephemeral,
        encryptedNothing: randomBytes(pair.random, 16),
      });
      // MAC1 needs only the victim's public key, so an attacker can make it.
      new PeerCookie(p, a.device.publicKey!).addMacs(msg, pair.clock.now);
      return msg;
    };
    pair.receive(a, forge(randomBytes(pair.random, 32)));
    pair.receive(a, forge(fromHex(vectors.lowOrderPoints[2])));
    pair.receive(a, forge(randomBytes(pair.random, 32), init.senderIndex ^ 1));
    expect(a.device.drops.handshakeDecryptFailed).toBe(1);
    expect(a.device.drops.zeroDh).toBe(1);
    expect(a.device.drops.unknownIndex).toBe(1);
    expect(a.peer.handshake.state).toBe("createdInitiation");
    pair.flush(); // the real initiation and response
    expect(pair.b.delivered.length).toBe(1);
    expect(a.peer.keypairs.current).toBeDefined();
  });

  it("a preshared key mismatch fails the response; fixing it lets the retry succeed", () => {
    const pair = new Pair(crypto, { presharedKey: fromHex("01".repeat(32)), presharedKeyB: fromHex("02".repeat(32)) });
    pair.handshake();
    expect(pair.a.device.drops.handshakeDecryptFailed).toBe(1);
    expect(pair.a.peer.keypairs.current).toBeUndefined();
    expect(pair.b.delivered).toEqual([]);
    pair.b.device.setPresharedKey(pair.b.peer, fromHex("01".repeat(32)));
    pair.advance(6000); // the retransmission
    expect(pair.b.delivered.length).toBe(1);
  });

  it("rejects initiations made with the wrong static keys, keeping the session", () => {
    const pair = new Pair(crypto);
    pair.handshake();
    const p = new NoisePrimitives(crypto);
    const b = pair.b;
    const current = b.peer.keypairs.current;

    // The initiator believes in another responder key: its MAC1 is wrong.
    const stranger = randomBytes(pair.random, 32);
    const lost = new NoiseDevice({ crypto, privateKey: pair.a.privateKey, random: seededRandom(5) });
    const sendTo = lost.addPeer(p.publicKey(clampPrivateKey(stranger)))!;
    const wrongMac = sentDatagrams(lost.initiateHandshake(pair.clock.now, sendTo))[0];
    pair.receive(b, wrongMac);
    expect(b.device.drops.invalidMac1).toBe(1);

    // The same, re-MACed for the real responder: the static key does not decrypt.
    const remac = wrongMac.slice();
    new PeerCookie(p, b.device.publicKey!).addMacs(remac, pair.clock.now);
    pair.receive(b, remac);
    expect(b.device.drops.handshakeDecryptFailed).toBe(1);

    // An initiator the responder does not know.
    pair.receive(b, initiationFrom(pair, randomBytes(pair.random, 32), pair.clock.wall + 1000));
    expect(b.device.drops.unknownPeer).toBe(1);

    expect(b.peer.keypairs.current).toBe(current);
    pair.send(pair.a, ipv4Packet(1));
    pair.flush();
    expect(b.delivered.length).toBe(2);
  });

  it("rejects initiations whose ephemeral key is of low order", () => {
    const pair = new Pair(crypto);
    const p = new NoisePrimitives(crypto);
    for (const point of vectors.lowOrderPoints) {
      const msg = serializeInitiation({
        senderIndex: 1,
        ephemeral: fromHex(point),
        encryptedStatic: randomBytes(pair.random, 48),
        encryptedTimestamp: randomBytes(pair.random, 28),
      });
      new PeerCookie(p, pair.b.device.publicKey!).addMacs(msg, pair.clock.now);
      expect(count(pair.receive(pair.b, msg), "send")).toBe(0);
    }
    expect(pair.b.device.drops.zeroDh).toBe(vectors.lowOrderPoints.length);
  });

  it("never initiates to a peer whose public key is of low order", () => {
    for (const point of vectors.lowOrderPoints) {
      const pair = new Pair(crypto);
      const dev = pair.a.device;
      const peer = dev.addPeer(fromHex(point), { persistentKeepalive: 1 })!;
      const out = [...dev.send(pair.clock.now, peer, ipv4Packet(8)), ...dev.keepalive(pair.clock.now, peer)];
      for (let t = 0; t < 4; t++) {
        pair.clock.advance(6000);
        out.push(...dev.tick(pair.clock.now), ...dev.initiateHandshake(pair.clock.now, peer));
      }
      expect(sentDatagrams(out)).toEqual([]);
      expect(peer.staged.length).toBe(1); // the keepalive waits behind the packet
    }
  });

  it("a private key change stops sending on old sessions; one equal to a peer's key removes the peer", () => {
    const pair = new Pair(crypto);
    pair.handshake();
    const { a, b } = pair;
    const old = b.peer.keypairs.current!;
    const newKey = randomBytes(pair.random, 32);
    expect(b.device.setPrivateKey(newKey).removed).toEqual([]);
    expect(old.sendValid).toBe(false);
    // Receiving on the old session still works; sending now needs a handshake.
    pair.send(a, ipv4Packet(5));
    pair.flush();
    expect(b.delivered.length).toBe(2);
    const out = pair.send(b, ipv4Packet(6));
    expect(pair.typesSince(b, b.actions.length - out.length)).toEqual(["send", "handshakeInitiated"]);
    pair.flush();
    expect(a.device.drops.unknownPeer).toBe(1); // a still knows b's old key
    // Reconfigure a, and the retry completes.
    a.device.removePeer(a.peer);
    const fresh = a.device.addPeer(b.device.publicKey!)!;
    a.peer = fresh;
    pair.advance(6000);
    expect(a.delivered.length).toBe(1);

    // Taking a peer's private key removes that peer.
    expect(b.device.setPrivateKey(a.privateKey).removed).toEqual([b.peer]);
    expect(b.peer.removed).toBe(true);
    expect([...b.device.peers]).toEqual([]);
    expect(b.device.addPeer(b.device.publicKey!)).toBeNull();
  });

  it("allocates random, unique 32-bit indices", () => {
    // A source that repeats itself: the table must retry until the index is free.
    let calls = 0;
    const sticky = (out: Uint8Array) => {
      calls++;
      out.fill(calls <= 5 ? 0x42 : calls);
    };
    const table = new IndexTable<string, string, string>(sticky);
    const first = table.insert({ peer: "p", handshake: "h1" });
    const second = table.insert({ peer: "p", handshake: "h2" });
    expect(first).toBe(0x42424242);
    expect(second).not.toBe(first);
    expect(calls).toBe(6);
    table.remove(first, "someone else");
    expect(table.lookup(first)).toBeDefined();
    table.remove(first, "h1");
    expect(table.lookup(first)).toBeUndefined();

    const pair = new Pair(crypto);
    pair.handshake();
    const indices = [pair.a.peer.keypairs.current!, pair.b.peer.keypairs.current!].flatMap((k) => [
      k.localIndex,
      k.remoteIndex,
    ]);
    expect(indices[0]).toBe(indices[3]);
    expect(indices[1]).toBe(indices[2]);
    expect(indices[0]).not.toBe(indices[1]);
  });
});
