import { describe, expect, it } from "vitest";
import { COOKIE_SECRET_MAX_AGE, COOKIE_USABLE_TIME } from "../../bindings/noise/constants.js";
import { CookieChecker, PeerCookie, sourceBytes } from "../../bindings/noise/cookie.js";
import { parseMessage, type CookieReplyMessage } from "../../bindings/noise/messages.js";
import { clampPrivateKey, NoisePrimitives } from "../../bindings/noise/primitives.js";
import { RateLimiter } from "../../bindings/noise/ratelimiter.js";
import { count, cryptoImplementations, ipv4Packet, Pair, randomBytes, seededRandom } from "./harness.js";

const impls = await cryptoImplementations();
const v4 = (...b: number[]) => new Uint8Array(b);
const v6 = (hi: number, lo: number) => {
  const a = new Uint8Array(16);
  const dv = new DataView(a.buffer);
  dv.setUint32(0, 0x20010db8);
  dv.setUint32(4, hi);
  dv.setUint32(12, lo);
  return a;
};

describe("rate limiter", () => {
  it("follows the kernel self-test: burst of 5, then one per 50 ms", () => {
    const rl = new RateLimiter();
    const src = v4(10, 0, 0, 1);
    let t = 0;
    const results = () => [rl.allow(src, t)];
    const seq: boolean[] = [];
    for (let i = 0; i < 5; i++) seq.push(...results());
    seq.push(...results()); // 6th: denied
    t += 50;
    seq.push(...results(), ...results()); // one more, then denied
    t += 100;
    seq.push(...results(), ...results(), ...results()); // two, then denied
    expect(seq).toEqual([true, true, true, true, true, false, true, false, true, true, false]);
    // Other sources are unaffected.
    expect(rl.allow(v4(10, 0, 0, 2), t)).toBe(true);
    expect(rl.allow(v6(1, 1), t)).toBe(true);
  });

  it("shares one bucket across an IPv6 /64", () => {
    const rl = new RateLimiter();
    for (let i = 0; i < 5; i++) expect(rl.allow(v6(7, i), 0)).toBe(true);
    expect(rl.allow(v6(7, 99), 0)).toBe(false); // same /64
    expect(rl.allow(v6(8, 0), 0)).toBe(true); // another /64
  });

  it("refills to the burst, not beyond, and forgets idle sources", () => {
    const rl = new RateLimiter();
    const src = v4(1, 2, 3, 4);
    for (let i = 0; i < 5; i++) rl.allow(src, 0);
    expect(rl.allow(src, 0)).toBe(false);
    expect(rl.size).toBe(1);
    let t = 10_000;
    const burst = [];
    for (let i = 0; i < 7; i++) burst.push(rl.allow(src, t));
    expect(burst).toEqual([true, true, true, true, true, false, false]);
    t += 1001;
    rl.allow(v4(9, 9, 9, 9), t); // triggers collection
    expect(rl.size).toBe(1);
  });

  it("refuses new sources when full", () => {
    const rl = new RateLimiter(100);
    for (let i = 0; i < 100; i++) expect(rl.allow(v4(10, 1, 0, i), 0)).toBe(true);
    expect(rl.allow(v4(10, 2, 0, 0), 0)).toBe(false);
    expect(rl.allow(v4(10, 1, 0, 5), 0)).toBe(true); // known sources still counted
    expect(rl.allow(new Uint8Array(5), 0)).toBe(false); // not an address
  });
});

describe.each(impls)("cookies ($name)", ({ crypto }) => {
  const p = new NoisePrimitives(crypto);
  const keyPair = (seed: number) => {
    const priv = clampPrivateKey(randomBytes(seededRandom(seed), 32));
    return { priv, pub: p.publicKey(priv) };
  };

  it("binds the cookie to address and port; MAC2 is used for 115 s; the secret lasts 120 s", () => {
    const responder = keyPair(1);
    const checker = new CookieChecker(p, seededRandom(2));
    checker.setPublicKey(responder.pub);
    const sender = new PeerCookie(p, responder.pub);
    const src = { address: v4(192, 0, 2, 7), port: 4000 };
    expect([...sourceBytes(src)]).toEqual([192, 0, 2, 7, 0x0f, 0xa0]);
    const msg = () => randomBytes(seededRandom(3), 148);
    const t0 = 1_000;

    const first = msg();
    sender.addMacs(first, t0);
    expect(checker.check(first, src, false, t0)).toBe("validMac1");
    expect(checker.check(first, src, true, t0)).toBe("validMac1"); // no cookie yet
    const reply = parseMessage(checker.createReply(first, 1, src, t0)!) as CookieReplyMessage;
    expect(sender.consumeReply(reply, t0)).toBe(true);
    expect(sender.consumeReply(reply, t0)).toBe(false); // only one reply per MAC1 sent

    const withCookie = msg();
    sender.addMacs(withCookie, t0 + COOKIE_USABLE_TIME - 1);
    expect(withCookie.subarray(132).some((b) => b !== 0)).toBe(true);
    expect(checker.check(withCookie, src, true, t0 + 1)).toBe("validMac2");
    expect(checker.check(withCookie, { ...src, port: 4001 }, true, t0 + 1)).toBe("validMac1");
    expect(checker.check(withCookie, { ...src, address: v4(192, 0, 2, 8) }, true, t0 + 1)).toBe("validMac1");
    expect(checker.check(withCookie, src, true, t0 + COOKIE_SECRET_MAX_AGE - 1)).toBe("validMac2");
    expect(checker.check(withCookie, src, true, t0 + COOKIE_SECRET_MAX_AGE)).toBe("validMac1"); // new secret

    const stale = msg();
    sender.addMacs(stale, t0 + COOKIE_USABLE_TIME);
    expect([...stale.subarray(132)]).toEqual(new Array(16).fill(0));
    expect(sender.hasCookie(t0 + COOKIE_USABLE_TIME)).toBe(false);
  });

  it("any flipped bit breaks MAC1 or MAC2", () => {
    const responder = keyPair(4);
    const checker = new CookieChecker(p, seededRandom(5));
    checker.setPublicKey(responder.pub);
    const sender = new PeerCookie(p, responder.pub);
    const src = { address: v6(1, 2), port: 51820 };
    const m = randomBytes(seededRandom(6), 92);
    sender.addMacs(m, 0);
    sender.consumeReply(parseMessage(checker.createReply(m, 9, src, 0)!) as CookieReplyMessage, 0);
    sender.addMacs(m, 0);
    expect(checker.check(m, src, true, 0)).toBe("validMac2");
    for (let bit = 0; bit < m.length * 8; bit++) {
      const f = m.slice();
      f[bit >> 3] ^= 1 << (bit & 7);
      const expected = bit < 76 * 8 ? "invalidMac1" : "validMac1";
      expect([bit, checker.check(f, src, true, 0)]).toEqual([bit, expected]);
    }
  });

  it("under load: an initiation without MAC2 gets a cookie reply, and the retry with MAC2 completes", () => {
    const pair = new Pair(crypto);
    const { a, b } = pair;
    b.device.forceUnderLoad = true;
    pair.send(a, ipv4Packet(1));
    pair.flush();
    expect(b.device.drops.cookieRequired).toBe(1);
    expect(count(b.actions, "reply")).toBe(1);
    expect(a.device.drops.cookieReplyInvalid).toBe(0);
    expect(a.peer.cookie.hasCookie(pair.clock.now)).toBe(true);
    expect(b.delivered).toEqual([]);
    pair.advance(5500); // the retransmission carries MAC2
    const retry = a.sent.filter((d) => d[0] === 1)[1];
    expect(retry.subarray(132).some((x) => x !== 0)).toBe(true);
    expect(b.delivered.length).toBe(1);
    expect(b.device.drops.cookieRequired).toBe(1);
    // The response, checked by the initiator, is fine too when both are loaded.
    pair.send(b, ipv4Packet(2));
    pair.flush();
    expect(a.delivered.length).toBe(1);
  });

  it("under load: a changed source address invalidates MAC2", () => {
    const pair = new Pair(crypto);
    const { a, b } = pair;
    b.device.forceUnderLoad = true;
    pair.send(a, ipv4Packet(1));
    pair.flush(); // cookie for 192.0.2.1:51820
    a.address = { address: v4(192, 0, 2, 1), port: 51821 }; // a NAT rebinding
    pair.advance(5500);
    expect(b.device.drops.cookieRequired).toBe(2); // the old cookie no longer fits
    expect(b.delivered).toEqual([]);
    pair.advance(5500); // with the cookie for the new port
    expect(b.delivered.length).toBe(1);
    const roamed = b.actions.filter((x) => x.type === "endpoint").map((x) => (x as { source: { port: number } }).source.port);
    expect(roamed).toContain(51821);
  });

  it("under load: each source gets a burst of 5 handshake messages, then 20 per second", () => {
    const pair = new Pair(crypto);
    const { a, b } = pair;
    b.device.forceUnderLoad = true;
    pair.send(a, ipv4Packet(1));
    pair.flush();
    pair.advance(5500); // completes, using one token, refilled in the 166+ ms since
    const retry = a.sent.filter((d) => d[0] === 1)[1];
    for (let i = 0; i < 7; i++) pair.receive(b, retry);
    expect(b.device.drops.staleTimestamp).toBe(5); // processed, and refused as replays
    expect(b.device.drops.rateLimited).toBe(2);
    pair.clock.advance(50);
    pair.receive(b, retry);
    pair.receive(b, retry);
    expect([b.device.drops.staleTimestamp, b.device.drops.rateLimited]).toEqual([6, 3]);
    // Another source is not limited (but needs its own cookie).
    pair.receive(b, retry, { address: v4(203, 0, 113, 5), port: 1 });
    expect(b.device.drops.cookieRequired).toBe(2);
  });

  it("refuses cookie replies that are forged, replayed or unexpected", () => {
    const pair = new Pair(crypto);
    const { a, b } = pair;
    b.device.forceUnderLoad = true;
    pair.send(a, ipv4Packet(1));
    pair.flush(); // b's cookie reply reaches a
    const genuine = b.sent.find((d) => d[0] === 3)!;
    pair.receive(a, genuine); // replayed
    expect(a.device.drops.cookieReplyInvalid).toBe(1);
    const forged = genuine.slice();
    forged[40] ^= 1;
    pair.receive(a, forged);
    expect(a.device.drops.cookieReplyInvalid).toBe(2);
    const wrongIndex = genuine.slice();
    wrongIndex[4] ^= 0xff;
    pair.receive(a, wrongIndex);
    expect(a.device.drops.unknownIndex).toBe(1);
    // The stored cookie is still the genuine one: the retry gets through.
    pair.advance(5500);
    expect(b.delivered.length).toBe(1);
  });

  it("measures load itself: many handshake messages in a second turn cookies on for a second", () => {
    const pair = new Pair(crypto, { device: { underLoadHandshakesPerSecond: 3 } });
    const { a, b } = pair;
    const junk = new Uint8Array(148);
    junk[0] = 1;
    for (let i = 0; i < 3; i++) pair.receive(b, junk);
    expect(b.device.drops.invalidMac1).toBe(3);
    expect(b.device.isUnderLoad(pair.clock.now)).toBe(true);
    pair.send(a, ipv4Packet(1));
    pair.flush();
    expect(b.device.drops.cookieRequired).toBe(1);
    pair.clock.advance(1000);
    expect(b.device.isUnderLoad(pair.clock.now)).toBe(false);
    b.device.forceUnderLoad = false;
    pair.advance(5500);
    expect(b.delivered.length).toBe(1);
  });
});
