// Builders and checkers for the IP packets the I/O tests push through a TUN:
// ICMP echo requests the kernel answers, and the replies expected back.
import { parseIPv4, parseIPv6 } from "../../bindings/io/endpoint.js";

/** RFC 1071 internet checksum over `parts` (one's-complement sum of 16-bit words). */
export function internetChecksum(...parts: Uint8Array[]): number {
  let sum = 0;
  for (const p of parts) {
    for (let i = 0; i + 1 < p.length; i += 2) sum += (p[i] << 8) | p[i + 1];
    if (p.length % 2) sum += p[p.length - 1] << 8;
  }
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return ~sum & 0xffff;
}

const put16 = (b: Uint8Array, at: number, v: number) => {
  b[at] = v >> 8;
  b[at + 1] = v & 0xff;
};
export const get16 = (b: Uint8Array, at: number) => (b[at] << 8) | b[at + 1];

function ip4(text: string): Uint8Array {
  const a = parseIPv4(text);
  if (!a) throw new Error(`bad IPv4 ${text}`);
  return a;
}

function ip6(text: string): Uint8Array {
  const a = parseIPv6(text);
  if (!a) throw new Error(`bad IPv6 ${text}`);
  return a;
}

export interface Echo {
  src: string;
  dst: string;
  id: number;
  seq: number;
  payload: Uint8Array;
  /** ICMP type: 8 request / 0 reply (v4), 128 / 129 (v6). */
  type?: number;
  ttl?: number;
  ipId?: number;
  /** IPv4 flags and fragment offset word (0x4000: DF); IPv6 flow label. */
  flags?: number;
}

/** An IPv4 packet carrying an ICMP echo message, checksums filled in. */
export function icmp4Echo(e: Echo): Uint8Array {
  const icmpLen = 8 + e.payload.length;
  const p = new Uint8Array(20 + icmpLen);
  p[0] = 0x45;
  put16(p, 2, p.length);
  put16(p, 4, e.ipId ?? 0x1234);
  put16(p, 6, e.flags ?? 0);
  p[8] = e.ttl ?? 64;
  p[9] = 1;
  p.set(ip4(e.src), 12);
  p.set(ip4(e.dst), 16);
  put16(p, 10, internetChecksum(p.subarray(0, 20)));
  const icmp = p.subarray(20);
  icmp[0] = e.type ?? 8;
  put16(icmp, 4, e.id);
  put16(icmp, 6, e.seq);
  icmp.set(e.payload, 8);
  put16(icmp, 2, internetChecksum(icmp));
  return p;
}

/** An IPv6 packet carrying an ICMPv6 echo message, checksum over the pseudo-header filled in. */
export function icmp6Echo(e: Echo): Uint8Array {
  const icmpLen = 8 + e.payload.length;
  const p = new Uint8Array(40 + icmpLen);
  const flow = e.flags ?? 0;
  p[0] = 0x60; // version 6, traffic class 0
  p[1] = (flow >> 16) & 0x0f;
  put16(p, 2, flow & 0xffff);
  put16(p, 4, icmpLen);
  p[6] = 58;
  p[7] = e.ttl ?? 64;
  p.set(ip6(e.src), 8);
  p.set(ip6(e.dst), 24);
  const icmp = p.subarray(40);
  icmp[0] = e.type ?? 128;
  put16(icmp, 4, e.id);
  put16(icmp, 6, e.seq);
  icmp.set(e.payload, 8);
  put16(icmp, 2, internetChecksum(pseudoHeader6(p), icmp));
  return p;
}

function pseudoHeader6(p: Uint8Array): Uint8Array {
  const ph = new Uint8Array(40);
  ph.set(p.subarray(8, 40), 0);
  const len = get16(p, 4);
  ph[34] = len >> 8;
  ph[35] = len & 0xff;
  ph[39] = 58;
  return ph;
}

/** The ICMP echo identifier and sequence of an IPv4 or IPv6 echo packet, or null for anything else. */
export function echoInfo(p: Uint8Array): { family: 4 | 6; type: number; id: number; seq: number } | null {
  if (p.length >= 28 && p[0] >> 4 === 4 && p[9] === 1) {
    const at = (p[0] & 0x0f) * 4;
    return { family: 4, type: p[at], id: get16(p, at + 4), seq: get16(p, at + 6) };
  }
  if (p.length >= 48 && p[0] >> 4 === 6 && p[6] === 58)
    return { family: 6, type: p[40], id: get16(p, 44), seq: get16(p, 46) };
  return null;
}

/**
 * The reply the kernel must send to `request`, with the fields the kernel
 * chooses freely (IPv4 identification and flags, IPv6 flow label) taken from
 * `actual`, so the two can be compared byte for byte.
 */
export function expectedEchoReply(request: Echo, family: 4 | 6, actual: Uint8Array): Uint8Array {
  const reply = { ...request, src: request.dst, dst: request.src, type: family === 4 ? 0 : 129 };
  if (family === 4) return icmp4Echo({ ...reply, ipId: get16(actual, 4), flags: get16(actual, 6) });
  return icmp6Echo({ ...reply, flags: ((actual[1] & 0x0f) << 16) | get16(actual, 2) });
}

/** Whether the IPv4 header checksum and the ICMP (or ICMPv6) checksum of `p` verify. */
export function checksumsValid(p: Uint8Array): boolean {
  if (p[0] >> 4 === 4) {
    const hl = (p[0] & 0x0f) * 4;
    return internetChecksum(p.subarray(0, hl)) === 0 && internetChecksum(p.subarray(hl)) === 0;
  }
  return internetChecksum(pseudoHeader6(p), p.subarray(40)) === 0;
}

export const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");
export const unhex = (s: string) => new Uint8Array(Buffer.from(s, "hex"));
