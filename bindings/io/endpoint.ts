// A UDP peer address as a small value type, and its fixed-size record form
// that the addon and the fakes read and write in batches (no object per packet).
//
// Record layout (ENDPOINT_BYTES = 24), shared with native/udp.c:
//   [0] family 4 or 6 (0: none)  [1] zero  [2..3] port, big-endian
//   [4..19] address (IPv4 in [4..7], rest zero)  [20..23] IPv6 scope id, little-endian

import { formatAddress, isIPv4Mapped, parseAddress, parseEndpoint, type Endpoint as TextEndpoint } from "../net/ip.js";

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
    let e: TextEndpoint;
    try {
      e = parseEndpoint(text);
    } catch {
      throw new SyntaxError(`'${text}' is not an endpoint (want 1.2.3.4:51820 or [fd00::1]:51820)`);
    }
    if (e.scope !== undefined && !/^\d{1,10}$/.test(e.scope))
      throw new SyntaxError(`'${text}': the scope must be an interface number here`);
    const scopeId = e.scope === undefined ? 0 : Number(e.scope);
    if (scopeId > 0xffffffff) throw new SyntaxError(`'${text}': scope ${scopeId} is out of range`);
    const bytes = e.address.bytes;
    if (e.address.family === 4) return new Endpoint(4, bytes, e.port);
    if (isIPv4Mapped(bytes) && scopeId === 0) return new Endpoint(4, bytes.subarray(12), e.port);
    return new Endpoint(6, bytes, e.port, scopeId);
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
    return formatAddress(this.address);
  }

  /** `1.2.3.4:51820` or `[fd00::1]:51820` (`[fe80::1%3]:51820` with a scope). */
  toString(): string {
    if (this.family === 4) return `${this.addressString()}:${this.port}`;
    return `[${this.addressString()}${this.scopeId ? `%${this.scopeId}` : ""}]:${this.port}`;
  }
}

/** Dotted quad to 4 bytes, or null (net/ip.ts rules: no leading zeros). */
export function parseIPv4(text: string): Uint8Array | null {
  return addressOrNull(text, 4);
}

/** RFC 4291 text (with `::` and an optional dotted IPv4 tail) to 16 bytes, or null. */
export function parseIPv6(text: string): Uint8Array | null {
  return addressOrNull(text, 6);
}

/** 16 bytes to RFC 5952 text. */
export function formatIPv6(a: Uint8Array): string {
  return formatAddress(a);
}

function addressOrNull(text: string, family: 4 | 6): Uint8Array | null {
  try {
    const a = parseAddress(text);
    return a.family === family ? a.bytes : null;
  } catch {
    return null;
  }
}
