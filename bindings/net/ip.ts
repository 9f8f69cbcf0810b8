// Text forms of IP addresses, prefixes and endpoints, as wg(8), wg-quick(8) and
// the UAPI write them. Parsing is strict in the way inet_pton is (IPv4 only as
// four decimal fields without leading zeros; IPv6 in every RFC 4291 form,
// including `::` and a trailing dotted quad) and printing follows RFC 5952
// (lowercase, the longest run of two or more zero groups compressed, first on a
// tie, and `::ffff:a.b.c.d` for IPv4-mapped addresses), as Go's net/netip does
// for wireguard-go's UAPI. Pure: no Node built-ins.

export type IpFamily = 4 | 6;

/** An address: 4 bytes (IPv4) or 16 bytes (IPv6) in network order. */
export interface Address {
  readonly family: IpFamily;
  readonly bytes: Uint8Array;
}

/** A prefix: an address and a length in bits (0..32 or 0..128). The address is kept as written. */
export interface Prefix extends Address {
  readonly bits: number;
}

/** A UDP endpoint; `scope` is an IPv6 zone (an interface name or number) as in `[fe80::1%eth0]:51820`. */
export interface Endpoint {
  readonly address: Address;
  readonly port: number;
  readonly scope?: string;
}

/** Thrown for text that is not a valid address, prefix or endpoint; `text` is the offending input. */
export class IpParseError extends Error {
  constructor(
    readonly kind: "address" | "prefix" | "endpoint",
    readonly text: string,
    reason: string,
  ) {
    super(`invalid IP ${kind} ${JSON.stringify(text)}: ${reason}`);
    this.name = "IpParseError";
  }
}

const DECIMAL_OCTET = /^(?:0|[1-9][0-9]{0,2})$/;
const HEX_GROUP = /^[0-9a-fA-F]{1,4}$/;
const DIGITS = /^[0-9]+$/;
// An IPv6 zone: what an interface name or index can be; no separators of the endpoint syntax.
const SCOPE = /^[^\s%/[\]]{1,64}$/;

/** Parses four dotted decimal fields into `out` at `at`; returns a reason on failure. */
function parseIPv4Into(text: string, out: Uint8Array, at: number): string | undefined {
  const fields = text.split(".");
  if (fields.length !== 4) return "expected four dotted decimal fields";
  for (let i = 0; i < 4; i++) {
    const f = fields[i];
    if (!DECIMAL_OCTET.test(f)) return `field ${JSON.stringify(f)} is not a decimal 0..255 without leading zeros`;
    const v = Number(f);
    if (v > 255) return `field ${f} is above 255`;
    out[at + i] = v;
  }
  return undefined;
}

function parseIPv6Into(text: string, out: Uint8Array): string | undefined {
  const gap = text.indexOf("::");
  if (gap !== -1 && text.indexOf("::", gap + 1) !== -1) return "more than one '::'";
  const head = gap === -1 ? text : text.slice(0, gap);
  const tail = gap === -1 ? "" : text.slice(gap + 2);
  const headGroups = head === "" ? [] : head.split(":");
  const tailGroups = tail === "" ? [] : tail.split(":");
  if (gap === -1 && headGroups.length === 0) return "empty";

  // Parse each side into 16-bit words; a dotted quad may end the address.
  const words: number[][] = [[], []];
  const sides = [headGroups, tailGroups];
  const lastSide = gap === -1 || tailGroups.length === 0 ? 0 : 1;
  for (let s = 0; s < 2; s++) {
    const groups = sides[s];
    for (let i = 0; i < groups.length; i++) {
      const g = groups[i];
      const isLast = s === lastSide && i === groups.length - 1 && !(gap !== -1 && s === 0);
      if (isLast && g.includes(".")) {
        const quad = new Uint8Array(4);
        const why = parseIPv4Into(g, quad, 0);
        if (why) return `embedded IPv4 ${JSON.stringify(g)}: ${why}`;
        words[s].push((quad[0] << 8) | quad[1], (quad[2] << 8) | quad[3]);
        continue;
      }
      if (g === "") return "empty group (a single ':' at an end, or ':::')";
      if (!HEX_GROUP.test(g)) return `group ${JSON.stringify(g)} is not 1 to 4 hex digits`;
      words[s].push(parseInt(g, 16));
    }
  }
  const count = words[0].length + words[1].length;
  if (gap === -1 && count !== 8) return `${count} groups instead of 8`;
  if (gap !== -1 && count > 7) return "'::' must stand for at least one zero group";
  const all = [...words[0], ...new Array<number>(8 - count).fill(0), ...words[1]];
  for (let i = 0; i < 8; i++) {
    out[2 * i] = all[i] >> 8;
    out[2 * i + 1] = all[i] & 0xff;
  }
  return undefined;
}

function addressOrReason(text: string): Address | string {
  if (text.includes(":")) {
    const bytes = new Uint8Array(16);
    const why = parseIPv6Into(text, bytes);
    return why ?? { family: 6, bytes };
  }
  const bytes = new Uint8Array(4);
  const why = parseIPv4Into(text, bytes, 0);
  return why ?? { family: 4, bytes };
}

/** Parses `192.0.2.1` or any IPv6 form (`2001:db8::1`, `::`, `::ffff:192.0.2.1`, …). */
export function parseAddress(text: string): Address {
  const r = addressOrReason(text);
  if (typeof r === "string") throw new IpParseError("address", text, r);
  return r;
}

function familyOfLength(bytes: Uint8Array): IpFamily {
  if (bytes.length === 4) return 4;
  if (bytes.length === 16) return 6;
  throw new TypeError(`an IP address is 4 or 16 bytes, got ${bytes.length}`);
}

function formatIPv4(b: Uint8Array, at: number): string {
  return `${b[at]}.${b[at + 1]}.${b[at + 2]}.${b[at + 3]}`;
}

/** Whether 16 bytes are an IPv4-mapped IPv6 address (::ffff:a.b.c.d). */
export function isIPv4Mapped(bytes: Uint8Array): boolean {
  if (bytes.length !== 16 || bytes[10] !== 0xff || bytes[11] !== 0xff) return false;
  for (let i = 0; i < 10; i++) if (bytes[i] !== 0) return false;
  return true;
}

/** The eight 16-bit words of an IPv6 address. */
export function ipv6Words(bytes: Uint8Array): number[] {
  const words: number[] = [];
  for (let i = 0; i < 8; i++) words.push((bytes[2 * i] << 8) | bytes[2 * i + 1]);
  return words;
}

/** The longest run of zero words, at least two long, the first one on a tie ({at: -1} if none): what `::` replaces. */
export function longestZeroRun(words: number[]): { at: number; length: number } {
  let at = -1;
  let length = 1;
  for (let i = 0; i < 8; ) {
    if (words[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && words[j] === 0) j++;
    if (j - i > length) {
      at = i;
      length = j - i;
    }
    i = j;
  }
  return at === -1 ? { at, length: 0 } : { at, length };
}

/** RFC 5952 text of an address (4 or 16 bytes, or an Address). */
export function formatAddress(address: Address | Uint8Array): string {
  const bytes = address instanceof Uint8Array ? address : address.bytes;
  if (familyOfLength(bytes) === 4) return formatIPv4(bytes, 0);
  if (isIPv4Mapped(bytes)) return `::ffff:${formatIPv4(bytes, 12)}`;
  const words = ipv6Words(bytes);
  const { at: bestAt, length: bestLen } = longestZeroRun(words);
  const hex = (ws: number[]) => ws.map((w) => w.toString(16)).join(":");
  if (bestAt === -1) return hex(words);
  return `${hex(words.slice(0, bestAt))}::${hex(words.slice(bestAt + bestLen))}`;
}

export interface ParsePrefixOptions {
  /**
   * Accept an address without `/len` as a single host (/32 or /128), as wg(8)
   * does in `allowed-ips` and config files. Off by default: the UAPI requires it.
   */
  readonly allowBareAddress?: boolean;
}

/** Parses `10.0.0.0/24` or `2001:db8::/32`; the address part is not masked (see maskPrefix). */
export function parsePrefix(text: string, options: ParsePrefixOptions = {}): Prefix {
  const slash = text.indexOf("/");
  if (slash === -1 && !options.allowBareAddress) throw new IpParseError("prefix", text, "missing '/length'");
  const addrText = slash === -1 ? text : text.slice(0, slash);
  const address = addressOrReason(addrText);
  if (typeof address === "string") throw new IpParseError("prefix", text, address);
  const max = address.family === 4 ? 32 : 128;
  if (slash === -1) return { family: address.family, bytes: address.bytes, bits: max };
  const lenText = text.slice(slash + 1);
  if (!DIGITS.test(lenText)) throw new IpParseError("prefix", text, "the length is not a decimal number");
  const bits = Number(lenText);
  if (bits > max) throw new IpParseError("prefix", text, `length ${bits} is above ${max}`);
  return { family: address.family, bytes: address.bytes, bits };
}

/** `address/bits` with the address printed as formatAddress does (not masked). */
export function formatPrefix(prefix: Prefix): string {
  return `${formatAddress(prefix.bytes)}/${prefix.bits}`;
}

function checkBits(family: IpFamily, bits: number): void {
  const max = family === 4 ? 32 : 128;
  if (!Number.isInteger(bits) || bits < 0 || bits > max)
    throw new RangeError(`an IPv${family} prefix length is 0..${max}, got ${bits}`);
}

/** The prefix with every bit after `bits` cleared (10.0.0.7/24 → 10.0.0.0/24). */
export function maskPrefix(prefix: Prefix): Prefix {
  checkBits(prefix.family, prefix.bits);
  const bytes = new Uint8Array(prefix.bytes);
  const full = prefix.bits >> 3;
  if (full < bytes.length) {
    bytes[full] &= (0xff00 >> (prefix.bits & 7)) & 0xff;
    bytes.fill(0, full + 1);
  }
  return { family: prefix.family, bytes, bits: prefix.bits };
}

/** Whether `address` lies inside `prefix` (families must agree). */
export function prefixContains(prefix: Prefix, address: Address | Uint8Array): boolean {
  const bytes = address instanceof Uint8Array ? address : address.bytes;
  if (bytes.length !== prefix.bytes.length) return false;
  const full = prefix.bits >> 3;
  for (let i = 0; i < full; i++) if (bytes[i] !== prefix.bytes[i]) return false;
  const rest = prefix.bits & 7;
  if (rest === 0) return true;
  const mask = (0xff00 >> rest) & 0xff;
  return ((bytes[full] ^ prefix.bytes[full]) & mask) === 0;
}

/** Parses `192.0.2.1:51820`, `[2001:db8::1]:51820` or `[fe80::1%eth0]:51820` (port 0..65535). */
export function parseEndpoint(text: string): Endpoint {
  const fail = (why: string): never => {
    throw new IpParseError("endpoint", text, why);
  };
  let host: string;
  let portText: string;
  let scope: string | undefined;
  if (text.startsWith("[")) {
    const close = text.indexOf("]");
    if (close === -1) fail("no closing ']'");
    if (text[close + 1] !== ":") fail("expected ':port' after ']'");
    host = text.slice(1, close);
    portText = text.slice(close + 2);
    const pct = host.indexOf("%");
    if (pct !== -1) {
      scope = host.slice(pct + 1);
      host = host.slice(0, pct);
      if (!SCOPE.test(scope)) fail(`bad scope id ${JSON.stringify(scope)}`);
    }
    if (!host.includes(":")) fail("brackets hold an IPv6 address");
  } else {
    const colon = text.lastIndexOf(":");
    if (colon === -1) fail("missing ':port'");
    host = text.slice(0, colon);
    portText = text.slice(colon + 1);
    if (host.includes(":")) fail("an IPv6 endpoint needs brackets: [address]:port");
  }
  if (!DIGITS.test(portText) || portText.length > 5) fail("the port is not a decimal number");
  const port = Number(portText);
  if (port > 65535) fail(`port ${port} is above 65535`);
  const address = addressOrReason(host);
  if (typeof address === "string") fail(address);
  const a = address as Address;
  return scope === undefined ? { address: a, port } : { address: a, port, scope };
}

/** `a.b.c.d:port` or `[v6%scope]:port`. */
export function formatEndpoint(endpoint: Endpoint): string {
  const { address, port, scope } = endpoint;
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new RangeError(`port must be 0..65535, got ${port}`);
  const text = formatAddress(address);
  if (address.family === 4) return `${text}:${port}`;
  return `[${text}${scope ? `%${scope}` : ""}]:${port}`;
}

/** Whether two addresses are the same family and bytes. */
export function addressEquals(a: Address, b: Address): boolean {
  if (a.family !== b.family || a.bytes.length !== b.bytes.length) return false;
  for (let i = 0; i < a.bytes.length; i++) if (a.bytes[i] !== b.bytes[i]) return false;
  return true;
}
