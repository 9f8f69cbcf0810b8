// Parsing and printing of addresses, prefixes and endpoints. Independent oracles:
// Node's net.isIP (inet_pton) for which strings are addresses, and the WHATWG URL
// host serializer (RFC 5952 compression) for how IPv6 addresses print.
import { isIP } from "node:net";
import { describe, expect, it } from "vitest";
import {
  addressEquals,
  formatAddress,
  formatEndpoint,
  formatPrefix,
  IpParseError,
  isIPv4Mapped,
  maskPrefix,
  parseAddress,
  parseEndpoint,
  parsePrefix,
  prefixContains,
} from "../../bindings/net/ip.js";
import { Rng } from "../allowedips/helpers.js";

const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");

/** How the WHATWG URL parser prints an IPv6 address (it never uses a dotted tail). */
const urlForm = (text: string) => new URL(`http://[${text}]/`).hostname.slice(1, -1);

describe("IPv4 addresses", () => {
  it("parses dotted quads", () => {
    expect(parseAddress("0.0.0.0")).toEqual({ family: 4, bytes: new Uint8Array([0, 0, 0, 0]) });
    expect(hex(parseAddress("255.255.255.255").bytes)).toBe("ffffffff");
    expect(hex(parseAddress("192.0.2.1").bytes)).toBe("c0000201");
    expect(formatAddress(parseAddress("10.20.30.40"))).toBe("10.20.30.40");
  });

  it.each(["1.2.3", "1.2.3.4.5", "256.0.0.1", "01.2.3.4", "1.2.3.-4", "1..2.3", "a.b.c.d", "0x1.2.3.4", " 1.2.3.4", "1.2.3.4 ", "", "1.2.3.4/32", "１.2.3.4"])(
    "rejects %j naming it",
    (text) => {
      expect(() => parseAddress(text)).toThrow(IpParseError);
      expect(() => parseAddress(text)).toThrow(JSON.stringify(text));
    },
  );
});

describe("IPv6 addresses", () => {
  // [written, RFC 5952 form]
  const forms: [string, string][] = [
    ["::", "::"],
    ["0:0:0:0:0:0:0:0", "::"],
    ["::1", "::1"],
    ["0:0:0:0:0:0:0:1", "::1"],
    ["1::", "1::"],
    ["1:0:0:0:0:0:0:0", "1::"],
    ["2001:db8::1", "2001:db8::1"],
    ["2001:DB8:0:0:0:0:0:1", "2001:db8::1"],
    ["2001:0db8:0000:0000:0000:ff00:0042:8329", "2001:db8::ff00:42:8329"],
    ["2001:db8:0:0:1:0:0:1", "2001:db8::1:0:0:1"], // a tie: the first run is compressed
    ["2001:0:0:1:0:0:0:1", "2001:0:0:1::1"], // the longer run wins
    ["2001:db8:0:1:1:1:1:1", "2001:db8:0:1:1:1:1:1"], // one zero group stays
    ["1:2:3:4:5:6:7::", "1:2:3:4:5:6:7:0"], // '::' for a single group is accepted
    ["::2:3:4:5:6:7:8", "0:2:3:4:5:6:7:8"],
    ["a:b:c:d:e:f:0:0", "a:b:c:d:e:f::"],
    ["fe80::1", "fe80::1"],
    ["FE80::ABCD:EF01", "fe80::abcd:ef01"],
    ["::ffff:1.2.3.4", "::ffff:1.2.3.4"],
    ["::FFFF:192.0.2.128", "::ffff:192.0.2.128"],
    ["0:0:0:0:0:ffff:102:304", "::ffff:1.2.3.4"],
    ["::ffff:0.0.0.0", "::ffff:0.0.0.0"],
    ["::1.2.3.4", "::102:304"], // IPv4-compatible addresses are not special
    ["64:ff9b::192.0.2.33", "64:ff9b::c000:221"],
    ["1:2:3:4:5:6:1.2.3.4", "1:2:3:4:5:6:102:304"],
    ["1:2:3:4:5::1.2.3.4", "1:2:3:4:5:0:102:304"],
    ["ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"],
  ];

  it.each(forms)("reads %j and prints %j", (written, canonical) => {
    const a = parseAddress(written);
    expect(a.family).toBe(6);
    expect(formatAddress(a)).toBe(canonical);
    expect(formatAddress(a.bytes)).toBe(canonical);
    expect(hex(parseAddress(canonical).bytes)).toBe(hex(a.bytes));
    // Independent check of the bytes: the URL parser reads the same address.
    if (!isIPv4Mapped(a.bytes)) expect(urlForm(written)).toBe(canonical);
  });

  it.each([
    ":::",
    "1::2::3",
    "1:2:3:4:5:6:7:8:9",
    "1:2:3:4:5:6:7",
    "12345::",
    "g::",
    ":1::",
    "1::2:",
    ":",
    "1:2:3:4::5:6:7:8",
    "::1.2.3",
    "::1.2.3.4.5",
    "1.2.3.4::",
    "::1.2.3.4:5",
    "::ffff:1.2.3.04",
    "1:2:3:4:5:6:7:1.2.3.4",
    "fe80::1%eth0",
    "[::1]",
    "::1/64",
    "fe80::1::2",
  ])("rejects %j naming it", (text) => {
    expect(() => parseAddress(text)).toThrow(IpParseError);
    expect(() => parseAddress(text)).toThrow(JSON.stringify(text));
  });

  it("round-trips random addresses, with zero runs, and prints them as the URL parser does", () => {
    const rng = new Rng(0x6f6);
    for (let i = 0; i < 20_000; i++) {
      const bytes = new Uint8Array(16);
      for (let w = 0; w < 8; w++) {
        if (rng.below(2) === 0) continue; // leave this group zero
        const v = rng.below(4) === 0 ? 1 + rng.below(15) : rng.u32() & 0xffff;
        bytes[2 * w] = v >> 8;
        bytes[2 * w + 1] = v & 0xff;
      }
      if (i % 50 === 0) bytes.set([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff]); // IPv4-mapped
      const text = formatAddress(bytes);
      const back = hex(parseAddress(text).bytes);
      const want = isIPv4Mapped(bytes) ? /^::ffff:\d+\.\d+\.\d+\.\d+$/.test(text) : text === urlForm(text);
      if (back !== hex(bytes) || !want) throw new Error(`${hex(bytes)} printed as ${text}, read back as ${back}`);
    }
  });

  it("accepts exactly the strings inet_pton accepts (Node's net.isIP)", () => {
    const rng = new Rng(0x17e7);
    const seeds = [...forms.map((f) => f[0]), "1.2.3.4", "255.0.0.255", "10.0.0.1"];
    const alphabet = "0123456789abcdefABCDEF:.";
    let accepted = 0;
    for (let i = 0; i < 30_000; i++) {
      let s: string;
      if (i % 3 === 0) {
        s = "";
        const n = rng.below(24);
        for (let j = 0; j < n; j++) s += alphabet[rng.below(alphabet.length)];
      } else {
        // A valid address with one character deleted, inserted, replaced or duplicated.
        s = seeds[rng.below(seeds.length)];
        const at = rng.below(s.length + 1);
        const c = alphabet[rng.below(alphabet.length)];
        const kind = rng.below(4);
        if (kind === 0) s = s.slice(0, at) + s.slice(at + 1);
        else if (kind === 1) s = s.slice(0, at) + c + s.slice(at);
        else if (kind === 2) s = s.slice(0, at) + c + s.slice(at + 1);
        else s = s.slice(0, at) + s.slice(at, at + 2) + s.slice(at);
      }
      let ours = true;
      try {
        parseAddress(s);
      } catch (e) {
        if (!(e instanceof IpParseError)) throw e;
        ours = false;
      }
      if (ours !== (isIP(s) !== 0)) throw new Error(`${JSON.stringify(s)}: ours ${ours}, inet_pton ${isIP(s) !== 0}`);
      if (ours) accepted++;
    }
    expect(accepted).toBeGreaterThan(3000);
  });
});

describe("prefixes", () => {
  it.each([
    ["10.0.0.0/8", 4, "0a000000", 8],
    ["10.0.0.7/24", 4, "0a000007", 24], // kept as written; the table masks
    ["0.0.0.0/0", 4, "00000000", 0],
    ["1.2.3.4/32", 4, "01020304", 32],
    ["10.0.0.0/08", 4, "0a000000", 8], // wg(8) reads the length with strtoul
    ["::/0", 6, "0".repeat(32), 0],
    ["::/128", 6, "0".repeat(32), 128],
    ["fe80::/10", 6, "fe80" + "0".repeat(28), 10],
    ["::ffff:1.2.3.4/96", 6, "00000000000000000000ffff01020304", 96],
    ["2001:DB8::1/64", 6, "20010db8000000000000000000000001", 64],
  ] as const)("reads %j", (text, family, bytes, bits) => {
    const p = parsePrefix(text);
    expect(p.family).toBe(family);
    expect(hex(p.bytes)).toBe(bytes);
    expect(p.bits).toBe(bits);
    const again = parsePrefix(formatPrefix(p));
    expect(hex(again.bytes)).toBe(bytes);
    expect(again.bits).toBe(bits);
  });

  it.each([
    "10.0.0.0/33",
    "::/129",
    "1.2.3/8",
    "fe80::1::2/64",
    "10.0.0.0",
    "fe80::",
    "10.0.0.0/",
    "10.0.0.0/-1",
    "10.0.0.0/+8",
    "10.0.0.0/8/8",
    "10.0.0.0/ 8",
    "/8",
    "10.0.0.0/8 ",
    "10.0.0.0/0x8",
    "10.0.0.0/1e1",
    "",
  ])("rejects %j naming it", (text) => {
    expect(() => parsePrefix(text)).toThrow(IpParseError);
    expect(() => parsePrefix(text)).toThrow(JSON.stringify(text));
  });

  it("takes a bare address as a host route only when asked (wg(8) allowed-ips)", () => {
    expect(parsePrefix("10.0.0.1", { allowBareAddress: true }).bits).toBe(32);
    expect(parsePrefix("fe80::1", { allowBareAddress: true }).bits).toBe(128);
    expect(() => parsePrefix("10.0.0", { allowBareAddress: true })).toThrow(/"10\.0\.0"/);
  });

  it("prints, masks and tests containment", () => {
    expect(formatPrefix(parsePrefix("2001:0db8:0:0::/32"))).toBe("2001:db8::/32");
    expect(formatPrefix(maskPrefix(parsePrefix("10.1.2.3/12")))).toBe("10.0.0.0/12");
    expect(formatPrefix(maskPrefix(parsePrefix("ffff:ffff::1/17")))).toBe("ffff:8000::/17");
    expect(formatPrefix(maskPrefix(parsePrefix("1.2.3.4/0")))).toBe("0.0.0.0/0");
    expect(formatPrefix(maskPrefix(parsePrefix("1.2.3.4/32")))).toBe("1.2.3.4/32");
    const p = parsePrefix("192.168.0.0/23");
    expect(prefixContains(p, parseAddress("192.168.1.255"))).toBe(true);
    expect(prefixContains(p, parseAddress("192.168.2.0"))).toBe(false);
    expect(prefixContains(p, parseAddress("::ffff:192.168.1.1"))).toBe(false);
    expect(prefixContains(parsePrefix("::/0"), parseAddress("1::"))).toBe(true);
  });
});

describe("endpoints", () => {
  it.each([
    ["1.2.3.4:51820", "1.2.3.4:51820", 4, 51820, undefined],
    ["0.0.0.0:0", "0.0.0.0:0", 4, 0, undefined],
    ["[fe80::1]:51820", "[fe80::1]:51820", 6, 51820, undefined],
    ["[fe80::1%eth0]:51820", "[fe80::1%eth0]:51820", 6, 51820, "eth0"],
    ["[fe80::1%3]:65535", "[fe80::1%3]:65535", 6, 65535, "3"],
    ["[2001:DB8:0::1]:1", "[2001:db8::1]:1", 6, 1, undefined],
    ["[::ffff:1.2.3.4]:53", "[::ffff:1.2.3.4]:53", 6, 53, undefined],
  ] as const)("reads %j and prints %j", (text, printed, family, port, scope) => {
    const e = parseEndpoint(text);
    expect(e.address.family).toBe(family);
    expect(e.port).toBe(port);
    expect(e.scope).toBe(scope);
    expect(formatEndpoint(e)).toBe(printed);
    const again = parseEndpoint(printed);
    expect(addressEquals(again.address, e.address)).toBe(true);
    expect(again.port).toBe(port);
  });

  it.each([
    "1.2.3.4",
    "1.2.3.4:",
    "1.2.3.4:65536",
    "1.2.3.4:123456",
    "1.2.3.4:-1",
    "1.2.3.4:80a",
    "fe80::1:51820",
    "[fe80::1]51820",
    "[fe80::1]",
    "[fe80::1:51820",
    "[1.2.3.4]:80",
    "[fe80::1%]:1",
    "[fe80::1%eth 0]:1",
    "host.example:51820",
    "[fe80::1::2]:1",
    ":51820",
  ])("rejects %j naming it", (text) => {
    expect(() => parseEndpoint(text)).toThrow(IpParseError);
    expect(() => parseEndpoint(text)).toThrow(JSON.stringify(text));
  });

  it("refuses to print a port out of range", () => {
    expect(() => formatEndpoint({ address: parseAddress("1.2.3.4"), port: 65536 })).toThrow(RangeError);
  });
});
