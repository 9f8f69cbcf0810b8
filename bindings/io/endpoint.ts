// A UDP peer address as a small value type, and its fixed-size record form
// that the addon and the fakes read and write in batches (no object per packet).
//
// Record layout (ENDPOINT_BYTES = 24), shared with native/udp.c:
//   [0] family 4 or 6 (0: none)  [1] zero  [2..3] port, big-endian
//   [4..19] address (IPv4 in [4..7], rest zero)  [20..23] IPv6 scope id, little-endian

export type AddressFamily = 4 | 6;

export const ENDPOINT_BYTES = 24;

export class Endpoint {
  /** 4 bytes for IPv4, 16 for IPv6. Treat as read-only. */
  readonly address: Uint8Array;

  constructor(
    readonly family: AddressFamily,
    address: Uint8Array | readonly number[],
    readonly port: number,
    /** IPv6 interface index for link-local addresses; 0 otherwise. */
    readonly scopeId = 0,
  ) {
    const want = family === 4 ? 4 : 16;
    if (family !== 4 && family !== 6) throw new RangeError(`address family must be 4 or 6, not ${family}`);
    if (address.length !== want) throw new RangeError(`an IPv${family} address has ${want} bytes, not ${address.length}`);
    if (!Number.isInteger(port) || port < 0 || port > 65535) throw new RangeError(`port ${port} is not in [0, 65535]`);
    if (!Number.isInteger(scopeId) || scopeId < 0 || scopeId > 0xffffffff) throw new RangeError(`bad scope id ${scopeId}`);
    if (family === 4 && scopeId !== 0) throw new RangeError("an IPv4 endpoint has no scope id");
    this.address = Uint8Array.from(address);
  }

  /**
   * Parses `1.2.3.4:51820`, `[fd00::1]:51820` or `[fe80::1%3]:51820` (numeric
   * scope). An IPv4-mapped IPv6 address becomes the IPv4 endpoint, as the
   * sockets report it. Host names are not resolved here.
   */
  static parse(text: string): Endpoint {
    const bad = () => new SyntaxError(`'${text}' is not an endpoint (want 1.2.3.4:51820 or [fd00::1]:51820)`);
    let host: string;
    let portText: string;
    if (text.startsWith("[")) {
      const close = text.indexOf("]");
      if (close < 0 || text[close + 1] !== ":") throw bad();
      host = text.slice(1, close);
      portText = text.slice(close + 2);
    } else {
      const colon = text.lastIndexOf(":");
      if (colon < 0) throw bad();
      host = text.slice(0, colon);
      portText = text.slice(colon + 1);
      if (host.includes(":")) throw bad(); // IPv6 needs brackets
    }
    if (!/^\d{1,5}$/.test(portText) || Number(portText) > 65535) throw bad();
    const port = Number(portText);
    if (!text.startsWith("[")) {
      const v4 = parseIPv4(host);
      if (!v4) throw bad();
      return new Endpoint(4, v4, port);
    }
    let scopeId = 0;
    const pct = host.indexOf("%");
    if (pct >= 0) {
      const scope = host.slice(pct + 1);
      if (!/^\d{1,10}$/.test(scope) || Number(scope) > 0xffffffff) throw bad();
      scopeId = Number(scope);
      host = host.slice(0, pct);
    }
    const v6 = parseIPv6(host);
    if (!v6) throw bad();
    if (isV4Mapped(v6) && scopeId === 0) return new Endpoint(4, v6.subarray(12), port);
    return new Endpoint(6, v6, port, scopeId);
  }

  /** The endpoint in record `slot` of `records`, or null when the record is empty. */
  static read(records: Uint8Array, slot: number): Endpoint | null {
    const at = slot * ENDPOINT_BYTES;
    const family = records[at];
    const port = (records[at + 2] << 8) | records[at + 3];
    if (family === 4) return new Endpoint(4, records.subarray(at + 4, at + 8), port);
    if (family === 6) {
      const scope =
        (records[at + 20] | (records[at + 21] << 8) | (records[at + 22] << 16) | (records[at + 23] << 24)) >>> 0;
      return new Endpoint(6, records.subarray(at + 4, at + 20), port, scope);
    }
    return null;
  }

  /** Writes this endpoint into record `slot`. */
  write(records: Uint8Array, slot: number): void {
    const at = slot * ENDPOINT_BYTES;
    records.fill(0, at, at + ENDPOINT_BYTES);
    records[at] = this.family;
    records[at + 2] = this.port >> 8;
    records[at + 3] = this.port & 0xff;
    records.set(this.address, at + 4);
    if (this.scopeId) {
      records[at + 20] = this.scopeId & 0xff;
      records[at + 21] = (this.scopeId >>> 8) & 0xff;
      records[at + 22] = (this.scopeId >>> 16) & 0xff;
      records[at + 23] = this.scopeId >>> 24;
    }
  }

  /** Whether record `slot` holds this endpoint, without allocating (for roaming checks). */
  matches(records: Uint8Array, slot: number): boolean {
    const at = slot * ENDPOINT_BYTES;
    if (records[at] !== this.family || records[at + 2] !== this.port >> 8 || records[at + 3] !== (this.port & 0xff))
      return false;
    const a = this.address;
    for (let i = 0; i < a.length; i++) if (records[at + 4 + i] !== a[i]) return false;
    if (this.family === 6) {
      const scope =
        (records[at + 20] | (records[at + 21] << 8) | (records[at + 22] << 16) | (records[at + 23] << 24)) >>> 0;
      if (scope !== this.scopeId) return false;
    }
    return true;
  }

  equals(other: Endpoint): boolean {
    if (other.family !== this.family || other.port !== this.port || other.scopeId !== this.scopeId) return false;
    for (let i = 0; i < this.address.length; i++) if (other.address[i] !== this.address[i]) return false;
    return true;
  }

  /** The address alone: `1.2.3.4` or `fd00::1` (RFC 5952 form). */
  addressString(): string {
    return this.family === 4 ? this.address.join(".") : formatIPv6(this.address);
  }

  /** `1.2.3.4:51820` or `[fd00::1]:51820` (`[fe80::1%3]:51820` with a scope). */
  toString(): string {
    if (this.family === 4) return `${this.addressString()}:${this.port}`;
    return `[${this.addressString()}${this.scopeId ? `%${this.scopeId}` : ""}]:${this.port}`;
  }
}

function isV4Mapped(a: Uint8Array): boolean {
  for (let i = 0; i < 10; i++) if (a[i] !== 0) return false;
  return a[10] === 0xff && a[11] === 0xff;
}

/** Dotted quad to 4 bytes, or null. Leading zeros are refused (they read as octal elsewhere). */
export function parseIPv4(text: string): Uint8Array | null {
  const parts = text.split(".");
  if (parts.length !== 4) return null;
  const out = new Uint8Array(4);
  for (let i = 0; i < 4; i++) {
    const p = parts[i];
    if (!/^(0|[1-9]\d{0,2})$/.test(p) || Number(p) > 255) return null;
    out[i] = Number(p);
  }
  return out;
}

/** RFC 4291 text (with `::` and an optional dotted IPv4 tail) to 16 bytes, or null. */
export function parseIPv6(text: string): Uint8Array | null {
  const halves = text.split("::");
  if (halves.length > 2) return null;
  const groups = (s: string): number[] | null => {
    if (s === "") return [];
    const out: number[] = [];
    const parts = s.split(":");
    for (let i = 0; i < parts.length; i++) {
      const p = parts[i];
      if (i === parts.length - 1 && p.includes(".")) {
        const v4 = parseIPv4(p);
        if (!v4) return null;
        out.push((v4[0] << 8) | v4[1], (v4[2] << 8) | v4[3]);
      } else {
        if (!/^[0-9a-fA-F]{1,4}$/.test(p)) return null;
        out.push(parseInt(p, 16));
      }
    }
    return out;
  };
  const head = groups(halves[0]);
  const tail = halves.length === 2 ? groups(halves[1]) : [];
  if (!head || !tail) return null;
  // A dotted tail is only allowed at the very end.
  if (halves.length === 2 && halves[0].includes(".")) return null;
  const total = head.length + tail.length;
  if (halves.length === 1 ? total !== 8 : total > 7) return null;
  const all = [...head, ...new Array<number>(8 - total).fill(0), ...tail];
  const out = new Uint8Array(16);
  all.forEach((g, i) => {
    out[2 * i] = g >> 8;
    out[2 * i + 1] = g & 0xff;
  });
  return out;
}

/** 16 bytes to RFC 5952 text: lowercase, no leading zeros, the longest run of 2+ zero groups as `::`. */
export function formatIPv6(a: Uint8Array): string {
  const g: number[] = [];
  for (let i = 0; i < 8; i++) g.push((a[2 * i] << 8) | a[2 * i + 1]);
  if (isV4Mapped(a)) return `::ffff:${a[12]}.${a[13]}.${a[14]}.${a[15]}`;
  let bestAt = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (g[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && g[j] === 0) j++;
    if (j - i > bestLen) (bestAt = i), (bestLen = j - i);
    i = j;
  }
  const hex = (xs: number[]) => xs.map((x) => x.toString(16)).join(":");
  if (bestAt < 0) return hex(g);
  return `${hex(g.slice(0, bestAt))}::${hex(g.slice(bestAt + bestLen))}`;
}
