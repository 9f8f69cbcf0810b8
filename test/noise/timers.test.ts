// Every timer rule, with the fake clock moved across each boundary.
import { describe, expect, it } from "vitest";
import {
  KEEPALIVE_TIMEOUT,
  MAX_TIMER_HANDSHAKES,
  REJECT_AFTER_TIME,
  REKEY_AFTER_TIME,
  REKEY_ON_RECEIVE_AFTER_TIME,
  REKEY_TIMEOUT,
  REKEY_TIMEOUT_JITTER_MAX,
  ZERO_KEY_MATERIAL_AFTER,
} from "../../bindings/noise/constants.js";
import type { NoiseAction } from "../../bindings/noise/device.js";
import { hasExpired, PeerTimers } from "../../bindings/noise/timers.js";
import { count, cryptoImplementations, ipv4Packet, Pair, type Side } from "./harness.js";

const impls = await cryptoImplementations();

/** Moves the clock to `t`, running both devices' timers at their deadlines on the way. */
function at(pair: Pair, t: number): void {
  pair.advance(t - pair.clock.now);
}

/** Times (relative to `t0`) at which a side's log shows an action matching `pred`. */
function timesOf(log: { t: number; a: NoiseAction }[], pred: (a: NoiseAction) => boolean, t0: number): number[] {
  return log.filter((e) => pred(e.a)).map((e) => e.t - t0);
}

/** Records each action a side takes with the time it took it. */
function record(pair: Pair, side: Side): { t: number; a: NoiseAction }[] {
  const log: { t: number; a: NoiseAction }[] = [];
  const apply = pair.apply.bind(pair);
  pair.apply = (s, actions) => {
    if (s === side) for (const a of actions) log.push({ t: pair.clock.now, a });
    return apply(s, actions);
  };
  return log;
}

const isInitiation = (a: NoiseAction) => a.type === "handshakeInitiated";
const isKeepalive = (a: NoiseAction) => a.type === "send" && a.datagram.length === 32;

describe("timer primitives", () => {
  it("a lifetime expires at birth + lifetime, not before", () => {
    expect(hasExpired(1000, 5000, 5999)).toBe(false);
    expect(hasExpired(1000, 5000, 6000)).toBe(true);
  });

  it("fires the earliest timer first and reports the next deadline", () => {
    const t = new PeerTimers(() => 0);
    expect(t.nextDeadline()).toBe(Infinity);
    t.sessionDerived(0);
    t.dataReceived(100);
    t.handshakeInitiated(50);
    expect(t.nextDeadline()).toBe(50 + REKEY_TIMEOUT);
    expect(t.takeExpired(50 + REKEY_TIMEOUT - 1)).toBeUndefined();
    expect(t.takeExpired(10_000_000)).toBe("retransmitHandshake");
    expect(t.takeExpired(10_000_000)).toBe("sendKeepalive");
    expect(t.takeExpired(10_000_000)).toBe("zeroKeyMaterial");
    expect(t.takeExpired(10_000_000)).toBeUndefined();
  });
});

describe.each(impls)("timers ($name)", ({ crypto }) => {
  it("retransmits an unanswered initiation every REKEY_TIMEOUT + jitter and gives up after 20 tries", () => {
    const pair = new Pair(crypto);
    const log = record(pair, pair.a);
    pair.filter = () => false; // nothing arrives
    const t0 = pair.clock.now;
    pair.send(pair.a, ipv4Packet(1));
    pair.send(pair.a, ipv4Packet(2));
    pair.advance(200_000);
    const sent = timesOf(log, isInitiation, t0);
    expect(sent.length).toBe(MAX_TIMER_HANDSHAKES + 2);
    for (let i = 1; i < sent.length; i++) {
      const gap = sent[i] - sent[i - 1];
      expect(gap).toBeGreaterThanOrEqual(REKEY_TIMEOUT);
      expect(gap).toBeLessThan(REKEY_TIMEOUT + REKEY_TIMEOUT_JITTER_MAX);
    }
    const retries = log.filter((e) => e.a.type === "handshakeInitiated" && e.a.retry).length;
    expect(retries).toBe(MAX_TIMER_HANDSHAKES + 1);
    const gaveUp = timesOf(log, (a) => a.type === "handshakeGaveUp", t0);
    expect(gaveUp.length).toBe(1);
    expect(gaveUp[0] - sent[sent.length - 1]).toBeGreaterThanOrEqual(REKEY_TIMEOUT);
    expect(pair.a.device.drops.stagedPurged).toBe(2);
    expect(pair.a.peer.staged).toEqual([]);
    // Nothing more until the residue is wiped 540 s after giving up.
    expect(pair.a.device.nextDeadline()).toBe(t0 + gaveUp[0] + ZERO_KEY_MATERIAL_AFTER);
    // A new packet starts over.
    const out = pair.send(pair.a, ipv4Packet(3));
    expect(count(out, "handshakeInitiated")).toBe(1);
    expect(pair.a.peer.timers.handshakeAttempts).toBe(0);
  });

  it("the initiator rekeys when sending on a key 120 s old; the responder does not", () => {
    const pair = new Pair(crypto);
    pair.handshake();
    const birth = pair.a.peer.keypairs.current!.birth;
    at(pair, birth + REKEY_AFTER_TIME - 1);
    expect(count(pair.send(pair.a, ipv4Packet(1)), "handshakeInitiated")).toBe(0);
    expect(count(pair.send(pair.b, ipv4Packet(1)), "handshakeInitiated")).toBe(0);
    pair.flush();
    at(pair, birth + REKEY_AFTER_TIME);
    expect(count(pair.send(pair.b, ipv4Packet(1)), "handshakeInitiated")).toBe(0);
    const out = pair.send(pair.a, ipv4Packet(1));
    expect(out.map((x) => x.type)).toEqual(["send", "send", "handshakeInitiated"]); // the data still goes out
    pair.flush();
    expect(pair.a.peer.keypairs.current!.birth).toBe(birth + REKEY_AFTER_TIME);
    expect(pair.a.peer.keypairs.previous!.birth).toBe(birth);
  });

  it("the initiator rekeys once when receiving on a key 165 s old", () => {
    const pair = new Pair(crypto);
    pair.handshake();
    const birth = pair.a.peer.keypairs.current!.birth;
    pair.filter = (d, from) => from === pair.b || d[0] !== 1; // a's initiations are lost
    at(pair, birth + REKEY_ON_RECEIVE_AFTER_TIME - 1);
    pair.send(pair.b, ipv4Packet(1));
    const before = count(pair.a.actions, "handshakeInitiated");
    pair.flush();
    expect(count(pair.a.actions, "handshakeInitiated")).toBe(before);
    at(pair, birth + REKEY_ON_RECEIVE_AFTER_TIME);
    pair.send(pair.b, ipv4Packet(1));
    pair.flush();
    expect(count(pair.a.actions, "handshakeInitiated")).toBe(before + 1);
    expect(pair.a.peer.timers.sentLastMinuteHandshake).toBe(true);
    at(pair, birth + REKEY_ON_RECEIVE_AFTER_TIME + 6000); // past the rate limit; retransmits are lost too
    const afterRetries = count(pair.a.actions, "handshakeInitiated");
    pair.send(pair.b, ipv4Packet(1));
    pair.flush();
    expect(count(pair.a.actions, "handshakeInitiated")).toBe(afterRetries); // acted on once only
  });

  it("rejects keys at 180 s for sending and receiving", () => {
    const pair = new Pair(crypto);
    pair.handshake();
    const birth = pair.a.peer.keypairs.current!.birth;
    pair.filter = () => false;
    at(pair, birth + REJECT_AFTER_TIME - 1);
    const late = pair.send(pair.a, ipv4Packet(7));
    const lastMoment = late.find((x) => x.type === "send" && x.datagram[0] === 4);
    expect(lastMoment).toBeDefined(); // still sent on the old key, along with a rekey initiation
    pair.lose();
    at(pair, birth + REJECT_AFTER_TIME);
    pair.filter = undefined;
    const actions = pair.send(pair.a, ipv4Packet(8));
    expect(actions.filter((x) => x.type === "send" && x.datagram[0] === 4)).toEqual([]); // staged, not sent
    expect(pair.a.peer.staged.length).toBe(1);
    pair.receive(pair.b, (lastMoment as { datagram: Uint8Array }).datagram);
    expect(pair.b.device.drops.keyExpired).toBe(1);
  });

  it("sends a passive keepalive KEEPALIVE_TIMEOUT after receiving data, unless it sent something", () => {
    const pair = new Pair(crypto);
    pair.handshake();
    const log = record(pair, pair.b);
    const t0 = pair.clock.now; // b received data at t0
    at(pair, t0 + KEEPALIVE_TIMEOUT - 1);
    expect(timesOf(log, isKeepalive, t0)).toEqual([]);
    at(pair, t0 + KEEPALIVE_TIMEOUT);
    expect(timesOf(log, isKeepalive, t0)).toEqual([KEEPALIVE_TIMEOUT]);
    expect(count(pair.a.actions, "keepaliveReceived")).toBe(1);

    // Data received, then data sent: no keepalive needed.
    const t1 = pair.clock.now;
    pair.send(pair.a, ipv4Packet(1));
    pair.flush();
    pair.send(pair.b, ipv4Packet(1));
    pair.flush();
    at(pair, t1 + 2 * KEEPALIVE_TIMEOUT);
    expect(timesOf(log, isKeepalive, t0)).toEqual([KEEPALIVE_TIMEOUT]);

    // Data received twice within the timeout: a second keepalive follows the first.
    const t2 = pair.clock.now;
    const before = timesOf(log, isKeepalive, t2).length;
    pair.send(pair.a, ipv4Packet(1));
    pair.flush();
    at(pair, t2 + 5000);
    pair.send(pair.a, ipv4Packet(1));
    pair.flush();
    pair.advance(25_000);
    expect(timesOf(log, isKeepalive, t2).slice(before)).toEqual([KEEPALIVE_TIMEOUT, 2 * KEEPALIVE_TIMEOUT]);
  });

  it("starts a handshake 15 s + jitter after sending data that got no reply", () => {
    const pair = new Pair(crypto);
    pair.handshake();
    pair.advance(11_000); // let the first exchange's keepalives settle
    const log = record(pair, pair.a);
    pair.filter = (_d, from) => from === pair.a; // b's replies are lost
    const t0 = pair.clock.now;
    pair.send(pair.a, ipv4Packet(1));
    pair.advance(14_999);
    expect(timesOf(log, isInitiation, t0)).toEqual([]);
    pair.advance(REKEY_TIMEOUT_JITTER_MAX + 1);
    const [t] = timesOf(log, isInitiation, t0);
    expect(t).toBeGreaterThanOrEqual(KEEPALIVE_TIMEOUT + REKEY_TIMEOUT);
    expect(t).toBeLessThan(KEEPALIVE_TIMEOUT + REKEY_TIMEOUT + REKEY_TIMEOUT_JITTER_MAX);
    expect(log.some((e) => e.a.type === "clearEndpointSource")).toBe(true);
  });

  it("any authenticated reply cancels that handshake", () => {
    const pair = new Pair(crypto);
    pair.handshake();
    pair.advance(11_000);
    const log = record(pair, pair.a);
    const t0 = pair.clock.now;
    pair.send(pair.a, ipv4Packet(1));
    pair.flush();
    pair.advance(30_000); // b's passive keepalive answers at 10 s
    expect(timesOf(log, isInitiation, t0)).toEqual([]);
  });

  it("sends persistent keepalives at the interval of silence, and one at once when enabled", () => {
    const pair = new Pair(crypto, { persistentKeepaliveA: 25 });
    pair.handshake();
    pair.advance(11_000); // b's passive keepalive at 10 s
    const log = record(pair, pair.a);
    const t0 = pair.clock.now;
    pair.advance(80_000);
    const times = timesOf(log, isKeepalive, t0);
    expect(times.length).toBe(3);
    for (let i = 1; i < times.length; i++) expect(times[i] - times[i - 1]).toBe(25_000);

    const logB = record(pair, pair.b);
    const t1 = pair.clock.now;
    pair.apply(pair.b, pair.b.device.setPersistentKeepalive(pair.clock.now, pair.b.peer, 7));
    pair.advance(15_000);
    expect(timesOf(logB, isKeepalive, t1).slice(0, 2)).toEqual([0, 7000]);
    pair.apply(pair.b, pair.b.device.setPersistentKeepalive(pair.clock.now, pair.b.peer, 0));
    const n = timesOf(logB, isKeepalive, t1).length;
    pair.advance(60_000);
    expect(timesOf(logB, isKeepalive, t1).length).toBe(n);
  });

  it("persistent keepalive starts a handshake when there is no session", () => {
    const pair = new Pair(crypto);
    const out = pair.a.device.setPersistentKeepalive(pair.clock.now, pair.a.peer, 25);
    pair.apply(pair.a, out);
    expect(count(out, "handshakeInitiated")).toBe(1);
    pair.flush();
    // The staged keepalive went out once the session existed.
    expect(count(pair.b.actions, "keepaliveReceived")).toBe(1);
  });

  it("zeroes every key 540 s after the last session was derived", () => {
    const pair = new Pair(crypto);
    pair.handshake();
    const derived = pair.a.peer.keypairs.current!.birth;
    const index = pair.b.peer.keypairs.current!.localIndex;
    const stale = pair.a.sent.find((d) => d[0] === 4)!;
    pair.advance(ZERO_KEY_MATERIAL_AFTER - 1 - (pair.clock.now - derived));
    expect(pair.a.peer.keypairs.current).toBeDefined();
    expect(count(pair.a.actions, "keysZeroed")).toBe(0);
    pair.advance(1);
    expect(count(pair.a.actions, "keysZeroed")).toBe(1);
    expect(count(pair.b.actions, "keysZeroed")).toBe(1);
    expect(pair.a.peer.keypairs.all()).toEqual([]);
    expect(pair.b.peer.keypairs.all()).toEqual([]);
    expect(new DataView(stale.buffer).getUint32(4, true)).toBe(index);
    pair.receive(pair.b, stale);
    expect(pair.b.device.drops.unknownIndex).toBe(1);
    expect(pair.a.device.nextDeadline()).toBe(Infinity);
    // Traffic brings a fresh session.
    pair.handshake();
    expect(pair.b.delivered.length).toBe(2);
  });

  it("reports the earliest deadline across peers, so one timer serves the device", () => {
    const pair = new Pair(crypto);
    expect(pair.a.device.nextDeadline()).toBe(Infinity);
    pair.filter = () => false;
    pair.send(pair.a, ipv4Packet(1));
    const d1 = pair.a.device.nextDeadline();
    expect(d1 - pair.clock.now).toBeGreaterThanOrEqual(REKEY_TIMEOUT);
    const other = pair.a.device.addPeer(new Uint8Array(32).fill(9))!;
    pair.clock.advance(1000);
    pair.a.device.setPersistentKeepalive(pair.clock.now, other, 2);
    // Turning the keepalive on sent one (staged behind a handshake) and armed the 2 s timer.
    expect(other.timers.deadline.persistentKeepalive).toBe(pair.clock.now + 2000);
    expect(pair.a.device.nextDeadline()).toBe(Math.min(d1, other.timers.nextDeadline()));
    expect(pair.a.device.nextDeadline()).toBe(pair.clock.now + 2000);
  });
});
