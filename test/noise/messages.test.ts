import { describe, expect, it } from "vitest";
import * as C from "../../bindings/noise/constants.js";
import {
  classify,
  type CookieReplyMessage,
  type DataMessage,
  type InitiationMessage,
  parseMessage,
  type ResponseMessage,
  serializeCookieReply,
  serializeData,
  serializeInitiation,
  serializeResponse,
} from "../../bindings/noise/messages.js";
import { compareTimestamps, tai64n } from "../../bindings/noise/tai64n.js";

const filled = (n: number, start: number) => Uint8Array.from({ length: n }, (_, i) => (start + i) & 0xff);
const withType = (len: number, type: number) => {
  const b = new Uint8Array(len);
  new DataView(b.buffer).setUint32(0, type, true);
  return b;
};

describe("message sizes", () => {
  it("are derived to the whitepaper's values", () => {
    expect([C.INITIATION_LENGTH, C.RESPONSE_LENGTH, C.COOKIE_REPLY_LENGTH, C.DATA_MINIMUM_LENGTH]).toEqual([
      148, 92, 64, 32,
    ]);
    expect(C.DATA_HEADER_LENGTH).toBe(16);
  });

  it("and the timer constants are the specification's", () => {
    expect(C.REKEY_AFTER_MESSAGES).toBe(2n ** 60n);
    expect(C.REJECT_AFTER_MESSAGES).toBe(2n ** 64n - 2n ** 13n - 1n);
    expect([C.REKEY_AFTER_TIME, C.REJECT_AFTER_TIME, C.REKEY_ATTEMPT_TIME, C.REKEY_TIMEOUT, C.KEEPALIVE_TIMEOUT]).toEqual(
      [120_000, 180_000, 90_000, 5_000, 10_000],
    );
    expect([C.MAX_TIMER_HANDSHAKES, C.REKEY_ON_RECEIVE_AFTER_TIME, C.ZERO_KEY_MATERIAL_AFTER]).toEqual([
      18, 165_000, 540_000,
    ]);
    expect([C.COOKIE_SECRET_MAX_AGE, C.INITIATION_MIN_INTERVAL, C.TAI64N_NANOSECOND_GRANULARITY]).toEqual([
      120_000, 20, 16_777_216,
    ]);
  });
});

describe("classify", () => {
  it("drops datagrams shorter than the header", () => {
    for (let n = 0; n < 4; n++) expect(classify(new Uint8Array(n).fill(1))).toBe("truncated");
  });

  it("drops unknown types and non-zero reserved bytes", () => {
    for (const type of [0, 5, 255, 0x0101, 0x01000001, 0x00000104, 0x04000000])
      expect(classify(withType(148, type))).toBe("unknownType");
  });

  it("accepts each handshake type only at its exact size", () => {
    for (const [type, size] of [
      [1, 148],
      [2, 92],
      [3, 64],
    ]) {
      expect(classify(withType(size, type))).toBe(type);
      for (const wrong of [4, size - 1, size + 1, 2 * size, 32, 1500])
        expect([type, wrong, classify(withType(wrong, type))]).toEqual([type, wrong, "wrongSize"]);
    }
  });

  it("accepts data of 32 bytes or more", () => {
    for (let n = 4; n < 32; n++) expect(classify(withType(n, 4))).toBe("dataTooShort");
    for (const n of [32, 33, 48, 1500, 65535]) expect(classify(withType(n, 4))).toBe(4);
  });
});

describe("serialize and parse", () => {
  it("initiation", () => {
    const bytes = serializeInitiation({
      senderIndex: 0xdeadbeef,
      ephemeral: filled(32, 1),
      encryptedStatic: filled(48, 40),
      encryptedTimestamp: filled(28, 90),
    });
    expect(bytes.length).toBe(148);
    expect([...bytes.subarray(0, 8)]).toEqual([1, 0, 0, 0, 0xef, 0xbe, 0xad, 0xde]);
    const m = parseMessage(bytes) as InitiationMessage;
    expect(m.type).toBe(1);
    expect(m.senderIndex).toBe(0xdeadbeef);
    expect(m.ephemeral).toEqual(filled(32, 1));
    expect(m.encryptedStatic).toEqual(filled(48, 40));
    expect(m.encryptedTimestamp).toEqual(filled(28, 90));
    expect(m.mac1).toEqual(new Uint8Array(16));
    expect(m.mac1.byteOffset - bytes.byteOffset).toBe(116);
    expect(m.mac2.byteOffset - bytes.byteOffset).toBe(132);
  });

  it("response", () => {
    const bytes = serializeResponse({
      senderIndex: 1,
      receiverIndex: 0x80000000,
      ephemeral: filled(32, 7),
      encryptedNothing: filled(16, 200),
    });
    expect(bytes.length).toBe(92);
    const m = parseMessage(bytes) as ResponseMessage;
    expect([m.type, m.senderIndex, m.receiverIndex]).toEqual([2, 1, 0x80000000]);
    expect(m.ephemeral).toEqual(filled(32, 7));
    expect(m.encryptedNothing).toEqual(filled(16, 200));
    expect(m.mac1.byteOffset - bytes.byteOffset).toBe(60);
    expect(m.mac2.byteOffset - bytes.byteOffset).toBe(76);
  });

  it("cookie reply", () => {
    const bytes = serializeCookieReply({ receiverIndex: 42, nonce: filled(24, 3), encryptedCookie: filled(32, 50) });
    expect(bytes.length).toBe(64);
    const m = parseMessage(bytes) as CookieReplyMessage;
    expect([m.type, m.receiverIndex]).toEqual([3, 42]);
    expect(m.nonce).toEqual(filled(24, 3));
    expect(m.encryptedCookie).toEqual(filled(32, 50));
  });

  it("data, with a full 64-bit counter", () => {
    const counter = 2n ** 64n - 2n;
    const bytes = serializeData(0x01020304, counter, filled(48, 9));
    expect(bytes.length).toBe(64);
    expect([...bytes.subarray(0, 16)]).toEqual([4, 0, 0, 0, 4, 3, 2, 1, 0xfe, ...Array(7).fill(0xff)]);
    const m = parseMessage(bytes) as DataMessage;
    expect([m.type, m.receiverIndex, m.counter]).toEqual([4, 0x01020304, counter]);
    expect(m.encrypted).toEqual(filled(48, 9));
  });

  it("refuses fields of the wrong size", () => {
    expect(() =>
      serializeInitiation({
        senderIndex: 0,
        ephemeral: new Uint8Array(31),
        encryptedStatic: new Uint8Array(48),
        encryptedTimestamp: new Uint8Array(28),
      }),
    ).toThrow(/ephemeral/);
    expect(() => serializeData(0, 0n, new Uint8Array(15))).toThrow(TypeError);
  });
});

describe("TAI64N", () => {
  const hexOf = (b: Uint8Array) => Buffer.from(b).toString("hex");

  it("labels the Unix epoch 2^62 + 10 and rounds nanoseconds down to 2^24", () => {
    expect(hexOf(tai64n(0))).toBe("400000000000000a" + "00000000");
    // 1 700 000 000.123 s: 123 000 000 ns rounds down to 7 × 2^24 = 117 440 512 = 0x07000000.
    expect(hexOf(tai64n(1_700_000_000_123))).toBe((0x400000000000000an + 1_700_000_000n).toString(16) + "07000000");
    expect(hexOf(tai64n(1_700_000_000_999.9))).toBe((0x400000000000000an + 1_700_000_000n).toString(16) + "3b000000");
  });

  it("orders stamps by time, equal within one 16.7 ms step", () => {
    const t = 1_700_000_000_000;
    expect(compareTimestamps(tai64n(t), tai64n(t + 16))).toBe(0);
    expect(compareTimestamps(tai64n(t), tai64n(t + 17))).toBeLessThan(0);
    expect(compareTimestamps(tai64n(t + 1000), tai64n(t + 999))).toBeGreaterThan(0);
    expect(compareTimestamps(tai64n(t), new Uint8Array(12))).toBeGreaterThan(0);
  });
});
