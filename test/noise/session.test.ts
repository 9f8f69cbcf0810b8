import { describe, expect, it } from "vitest";
import { REJECT_AFTER_MESSAGES, REKEY_AFTER_MESSAGES } from "../../bindings/noise/constants.js";
import { Keypair, Keypairs, paddedLength } from "../../bindings/noise/session.js";
import { count, cryptoImplementations, ipv4Packet, ipv6Packet, Pair } from "./harness.js";

const impls = await cryptoImplementations();
const R = REJECT_AFTER_MESSAGES;

const keys = (initiator: boolean, index: number) => ({
  initiator,
  sendKey: new Uint8Array(32).fill(index),
  receiveKey: new Uint8Array(32).fill(index + 1),
  localIndex: index,
  remoteIndex: index + 1000,
});

describe("padding", () => {
  it("pads to 16 bytes, never past the MTU", () => {
    const cases: [number, number, number][] = [
      [0, 1420, 0],
      [1, 1420, 16],
      [16, 1420, 16],
      [17, 1420, 32],
      [84, 1420, 96],
      [1404, 1420, 1408],
      [1419, 1420, 1420],
      [1420, 1420, 1420],
      [1421, 1420, 1436], // larger than the MTU: pad the remainder (kernel calculate_skb_padding)
      [2840, 1420, 2840],
      [1419, 0, 1424], // no MTU: plain alignment
    ];
    for (const [len, mtu, padded] of cases) expect([len, mtu, paddedLength(len, mtu)]).toEqual([len, mtu, padded]);
  });
});

describe("keypairs", () => {
  it("rotate as the kernel's add_new_keypair and received_with_keypair do", () => {
    const dropped: number[] = [];
    const kps = new Keypairs((k) => dropped.push(k.localIndex));
    const k1 = new Keypair(keys(true, 1), 0);
    kps.add(k1);
    expect([kps.current, kps.previous, kps.next]).toEqual([k1, undefined, undefined]);
    const k2 = new Keypair(keys(false, 2), 0); // we respond: unconfirmed
    kps.add(k2);
    expect([kps.current, kps.previous, kps.next]).toEqual([k1, undefined, k2]);
    expect(kps.receivedWith(k1)).toBe(false);
    expect(kps.receivedWith(k2)).toBe(true); // confirmation
    expect([kps.current, kps.previous, kps.next]).toEqual([k2, k1, undefined]);
    const k3 = new Keypair(keys(false, 3), 0);
    kps.add(k3);
    expect([kps.current, kps.previous, kps.next]).toEqual([k2, undefined, k3]);
    expect(dropped).toEqual([1]);
    const k4 = new Keypair(keys(true, 4), 0); // our own initiation completes meanwhile
    kps.add(k4);
    expect([kps.current, kps.previous, kps.next]).toEqual([k4, k3, undefined]);
    expect(dropped).toEqual([1, 2]);
    kps.clear();
    expect(kps.all()).toEqual([]);
    expect(dropped.sort()).toEqual([1, 2, 3, 4]);
  });

  it("hands out 64-bit send counters up to REJECT_AFTER_MESSAGES and no further", () => {
    const k = new Keypair(keys(true, 1), 0);
    k.sendCounter = R - 2n;
    expect(k.takeCounter()).toBe(R - 2n);
    expect(k.takeCounter()).toBe(R - 1n);
    expect(k.sendValid).toBe(true);
    expect(k.takeCounter()).toBeNull();
    expect(k.sendValid).toBe(false);
  });
});

describe.each(impls)("transport ($name)", ({ crypto }) => {
  it("the responder sends only after the initiator's first message confirms the keys", () => {
    const pair = new Pair(crypto);
    const { a, b } = pair;
    pair.send(a, ipv4Packet(10));
    pair.filter = (d, from) => !(from === a && d[0] === 4); // lose a's data and keepalives
    pair.flush();
    expect(b.peer.keypairs.next).toBeDefined();
    expect(b.peer.keypairs.current).toBeUndefined();
    const out = pair.send(b, ipv4Packet(20));
    expect(count(out, "send")).toBe(0); // staged; and no initiation within REKEY_TIMEOUT of the response
    expect(b.peer.staged.length).toBe(1);
    pair.filter = undefined;
    pair.apply(a, a.device.keepalive(pair.clock.now, a.peer));
    pair.flush();
    expect(pair.typesSince(b, b.actions.length - 4)).toEqual(["endpoint", "handshakeComplete", "keepaliveReceived", "send"]);
    expect(a.delivered.length).toBe(1);
    expect(b.peer.rxBytes).toBe(148 + 32);
  });

  it("seals a batch with consecutive counters, and keeps at most 128 packets waiting", () => {
    const pair = new Pair(crypto);
    pair.handshake();
    const counters = pair.a.device
      .sendBatch(pair.clock.now, pair.a.peer, [ipv4Packet(1), ipv4Packet(2), ipv4Packet(3)])
      .flatMap((x) => (x.type === "send" ? [new DataView(x.datagram.buffer).getBigUint64(8, true)] : []));
    expect(counters).toEqual([1n, 2n, 3n]);

    const lonely = new Pair(crypto);
    lonely.filter = () => false;
    const packets = Array.from({ length: 130 }, (_, i) => ipv4Packet(i));
    lonely.a.device.sendBatch(lonely.clock.now, lonely.a.peer, packets.slice(0, 100));
    lonely.a.device.sendBatch(lonely.clock.now, lonely.a.peer, packets.slice(100));
    expect(lonely.a.peer.staged.length).toBe(130); // a batch is never cut
    const out = lonely.a.device.send(lonely.clock.now, lonely.a.peer, ipv4Packet(1));
    expect(count(out, "drop")).toBe(2);
    expect(lonely.a.device.drops.stagedOverflow).toBe(2);
    expect(lonely.a.peer.staged[0]).toBe(packets[2]); // the oldest went first
    expect(lonely.a.peer.staged.length).toBe(129);
  });

  it("delivers IPv4 and IPv6 packets without their padding", () => {
    const pair = new Pair(crypto);
    pair.handshake();
    const v6 = ipv6Packet(3);
    const v4 = ipv4Packet(1);
    pair.send(pair.a, v6);
    pair.send(pair.a, v4);
    pair.flush();
    expect(pair.b.delivered.slice(1)).toEqual([v6, v4]);
    expect(pair.b.delivered[1].length).toBe(43);
  });

  it("drops decrypted packets that are not honest IP packets", () => {
    const pair = new Pair(crypto);
    pair.handshake();
    const bad = (b: Uint8Array) => pair.send(pair.a, b);
    const v4 = ipv4Packet(44); // 64 bytes: no padding to hide a lie
    const tooLong = v4.slice();
    tooLong[3] += 1; // total length one more than the packet
    const tooShort = v4.slice();
    tooShort[2] = 0;
    tooShort[3] = 19;
    const v5 = v4.slice();
    v5[0] = 0x55;
    const shortV6 = ipv6Packet(0).subarray(0, 30); // padded to 32, still short of a v6 header
    bad(tooLong);
    bad(tooShort);
    bad(v5);
    bad(shortV6);
    bad(new Uint8Array(10).fill(0x45));
    pair.flush();
    expect(pair.b.device.drops.innerLengthInvalid).toBe(2);
    expect(pair.b.device.drops.innerPacketInvalid).toBe(3);
    expect(pair.b.delivered.length).toBe(1);
    const rx = pair.b.peer.rxBytes;
    pair.send(pair.a, v4);
    pair.flush();
    expect(pair.b.delivered.length).toBe(2);
    expect(pair.b.peer.rxBytes - rx).toBe(16 + 64 + 16);
  });

  it("asks the device about AllowedIPs before delivering, and does not count refused packets", () => {
    const pair = new Pair(crypto, {
      device: { allowedSource: (_peer, packet) => packet[12] === 10 },
    });
    pair.handshake();
    const rx = pair.b.peer.rxBytes;
    pair.send(pair.a, ipv4Packet(4, [172, 16, 0, 1]));
    pair.flush();
    expect(pair.b.device.drops.allowedIpsMismatch).toBe(1);
    expect(pair.b.peer.rxBytes).toBe(rx);
    expect(pair.b.delivered.length).toBe(1);
  });

  it("stops at REJECT_AFTER_MESSAGES on both ends", () => {
    const pair = new Pair(crypto);
    pair.handshake();
    const { a, b } = pair;
    pair.clock.advance(6000); // past the initiation rate limit
    const sending = a.peer.keypairs.current!;
    sending.sendCounter = R - 2n;
    // Counter R-2 goes out, and (being past REKEY_AFTER_MESSAGES) starts a handshake.
    expect(pair.send(a, ipv4Packet(1)).map((x) => x.type)).toEqual(["send", "send", "handshakeInitiated"]);
    expect(count(pair.send(a, ipv4Packet(2)), "send")).toBe(1); // counter R-1: the last one
    expect(sending.sendValid).toBe(true);
    expect(pair.send(a, ipv4Packet(3))).toEqual([]); // R: refused and staged (an initiation just went out)
    expect(sending.sendValid).toBe(false);
    expect(a.peer.staged.length).toBe(1);
    const dataToB = pair.inFlight.filter((f) => f.datagram[0] === 4).map((f) => f.datagram);
    pair.lose();
    pair.receive(b, dataToB[0]);
    pair.receive(b, dataToB[1]);
    expect(b.delivered.length).toBe(3);
    // The receiving key has now seen counter R-1, so it accepts nothing more.
    expect(b.peer.keypairs.current!.canReceive(pair.clock.now)).toBe(false);
    pair.receive(b, dataToB[1]);
    expect(b.device.drops.keyExpired).toBe(1);
  });

  it("rekeys after REKEY_AFTER_MESSAGES: at 2^60 + 1 messages, not at 2^60", () => {
    const pair = new Pair(crypto);
    pair.handshake();
    pair.clock.advance(6000);
    const k = pair.a.peer.keypairs.current!;
    k.sendCounter = REKEY_AFTER_MESSAGES - 1n;
    expect(count(pair.send(pair.a, ipv4Packet(1)), "handshakeInitiated")).toBe(0);
    expect(k.sendCounter).toBe(REKEY_AFTER_MESSAGES);
    expect(count(pair.send(pair.a, ipv4Packet(1)), "handshakeInitiated")).toBe(1);
    // The responder does the same on its own keys (whitepaper §6.2: either side rekeys after messages).
    pair.flush();
    pair.clock.advance(6000);
    const kb = pair.b.peer.keypairs.current!;
    kb.sendCounter = REKEY_AFTER_MESSAGES;
    expect(count(pair.send(pair.b, ipv4Packet(1)), "handshakeInitiated")).toBe(1);
  });
});

describe.each(impls)("device lifecycle ($name)", ({ crypto }) => {
  it("packets staged before the first private key go out once it is set while up", () => {
    const pair = new Pair(crypto);
    const { a, b } = pair;
    a.device.setPrivateKey(null);
    expect(a.device.publicKey).toBeNull();
    expect(pair.send(a, ipv4Packet(5))).toEqual([]); // no key: nothing can be sent
    expect(a.peer.staged.length).toBe(1);
    const { removed, actions } = a.device.setPrivateKey(a.privateKey, pair.clock.now);
    expect(removed).toEqual([]);
    pair.apply(a, actions);
    expect(count(actions, "handshakeInitiated")).toBe(1);
    pair.flush();
    expect(b.delivered.length).toBe(1);
  });

  it("down forgets sessions, staged packets and timers; up sends persistent keepalives", () => {
    const pair = new Pair(crypto, { persistentKeepaliveA: 25 });
    const { a, b } = pair;
    pair.handshake();
    pair.filter = () => false;
    pair.send(a, ipv4Packet(1));
    pair.lose();
    pair.filter = undefined;
    a.device.down();
    expect(a.peer.keypairs.all()).toEqual([]);
    expect(a.device.nextDeadline()).toBe(Infinity);
    pair.send(b, ipv4Packet(2));
    pair.flush();
    expect(a.device.drops.unknownIndex).toBe(1);
    pair.clock.advance(1000); // (an initiation in the same 16 ms would carry the same timestamp)
    const out = pair.apply(a, a.device.up(pair.clock.now));
    expect(out.map((x) => x.type)).toEqual(["send", "handshakeInitiated"]);
    pair.flush();
    expect(count(b.actions, "keepaliveReceived")).toBe(1);
  });
});
