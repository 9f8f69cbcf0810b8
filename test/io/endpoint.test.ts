// Endpoint: parsing, RFC 5952 formatting and the 24-byte record form.
import { describe, expect, it } from "vitest";
import { ENDPOINT_BYTES, Endpoint, formatIPv6, parseIPv4, parseIPv6 } from "../../bindings/io/endpoint.js";

describe("Endpoint", () => {
  it.each([
    ["1.2.3.4:51820", 4, "1.2.3.4:51820"],
    ["0.0.0.0:0", 4, "0.0.0.0:0"],
    ["[fd00::1]:51820", 6, "[fd00::1]:51820"],
    ["[FD00:0:0:0:0:0:0:1]:1", 6, "[fd00::1]:1"],
    ["[2001:db8:0:0:1:0:0:1]:9", 6, "[2001:db8::1:0:0:1]:9"], // first of two equal zero runs
    ["[2001:db8::0:1:0:0:0]:9", 6, "[2001:db8:0:0:1::]:9"], // the longer run wins
    ["[2001:db8:0:1:1:1:1:1]:9", 6, "[2001:db8:0:1:1:1:1:1]:9"], // a single zero group stays
    ["[::]:5", 6, "[::]:5"],
    ["[::1]:65535", 6, "[::1]:65535"],
    ["[fe80::1%3]:51820", 6, "[fe80::1%3]:51820"],
    ["[::ffff:10.1.2.3]:7", 4, "10.1.2.3:7"], // IPv4-mapped is the IPv4 peer
    ["[64:ff9b::192.0.2.33]:7", 6, "[64:ff9b::c000:221]:7"],
  ])("parses %s", (text, family, canonical) => {
    const e = Endpoint.parse(text);
    expect(e.family).toBe(family);
    expect(e.toString()).toBe(canonical);
    expect(Endpoint.parse(e.toString()).equals(e)).toBe(true);
  });

  it.each([
    "1.2.3.4",
    "1.2.3.4:",
    "1.2.3.4:65536",
    "1.2.3:80",
    "1.2.3.256:80",
    "01.2.3.4:80",
    "fd00::1:80",
    "[fd00::1]",
    "[fd00::1]80",
    "[fd00:::1]:80",
    "[1:2:3:4:5:6:7:8:9]:80",
    "[1::2::3]:80",
    "[fe80::1%eth0]:80",
    "[12345::]:80",
    "example.com:51820",
  ])("rejects %s", (text) => {
    expect(() => Endpoint.parse(text)).toThrow(SyntaxError);
  });

  it("round-trips through records and compares without allocating", () => {
    const records = new Uint8Array(3 * ENDPOINT_BYTES);
    const a = Endpoint.parse("192.0.2.7:51820");
    const b = Endpoint.parse("[2001:db8::5%7]:443");
    a.write(records, 0);
    b.write(records, 2);
    expect(Array.from(records.subarray(0, ENDPOINT_BYTES))).toEqual([
      4, 0, 0xca, 0x6c, 192, 0, 2, 7, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    ]);
    expect(records[2 * ENDPOINT_BYTES + 20]).toBe(7);
    expect(Endpoint.read(records, 0)!.equals(a)).toBe(true);
    expect(Endpoint.read(records, 1)).toBeNull();
    expect(Endpoint.read(records, 2)!.toString()).toBe("[2001:db8::5%7]:443");
    expect(a.matches(records, 0)).toBe(true);
    expect(a.matches(records, 2)).toBe(false);
    expect(b.matches(records, 2)).toBe(true);
    expect(new Endpoint(6, b.address, 443).matches(records, 2)).toBe(false); // scope differs
    expect(new Endpoint(4, a.address, 51821).matches(records, 0)).toBe(false);
    // read() copies: later writes to the record do not change the endpoint.
    const r = Endpoint.read(records, 0)!;
    records[4] = 10;
    expect(r.toString()).toBe("192.0.2.7:51820");
  });

  it("validates its fields", () => {
    expect(() => new Endpoint(4, [1, 2, 3], 1)).toThrow(RangeError);
    expect(() => new Endpoint(6, new Uint8Array(4), 1)).toThrow(RangeError);
    expect(() => new Endpoint(4, [1, 2, 3, 4], 70000)).toThrow(RangeError);
    expect(() => new Endpoint(4, [1, 2, 3, 4], 1, 3)).toThrow(RangeError);
    expect(() => new Endpoint(5 as 4, [1, 2, 3, 4], 1)).toThrow(RangeError);
  });

  it("parses and formats addresses on their own", () => {
    expect(parseIPv4("255.255.255.255")).toEqual(Uint8Array.of(255, 255, 255, 255));
    expect(parseIPv4("1.2.3")).toBeNull();
    expect(parseIPv6("1:2:3:4:5:6:7:8")).toEqual(Uint8Array.of(0, 1, 0, 2, 0, 3, 0, 4, 0, 5, 0, 6, 0, 7, 0, 8));
    expect(parseIPv6("1.2.3.4::")).toBeNull();
    expect(parseIPv6("::1.2.3.4")).toEqual(Uint8Array.of(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 2, 3, 4));
    expect(formatIPv6(new Uint8Array(16))).toBe("::");
    expect(formatIPv6(parseIPv6("::ffff:1.2.3.4")!)).toBe("::ffff:1.2.3.4");
    expect(formatIPv6(parseIPv6("1:0:0:2:0:0:0:3")!)).toBe("1:0:0:2::3");
  });
});
