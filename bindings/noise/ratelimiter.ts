// Per-source token bucket for handshake messages while under load (kernel
// ratelimiter.c): 20 per second with a burst of 5, one bucket per IPv4
// address or per IPv6 /64. The burst is part of the bucket's capacity.
import {
  RATE_LIMIT_BURST,
  RATE_LIMIT_PACKETS_PER_SECOND,
  RATE_LIMITER_ENTRY_TIMEOUT,
  RATE_LIMITER_MAX_ENTRIES,
} from "./constants.js";

/** Bucket units are milliseconds of credit: each packet costs 50 ms. */
const PACKET_COST = 1000 / RATE_LIMIT_PACKETS_PER_SECOND;
const TOKEN_MAX = PACKET_COST * RATE_LIMIT_BURST;

interface Bucket {
  lastTime: number;
  tokens: number;
}

export class RateLimiter {
  private readonly buckets = new Map<string, Bucket>();
  private lastCollection = -Infinity;

  constructor(private readonly maxEntries = RATE_LIMITER_MAX_ENTRIES) {}

  /** The bucket key: the whole IPv4 address, or the first 64 bits of an IPv6 address. */
  static keyOf(address: Uint8Array): string | null {
    if (address.length === 4) return `4:${address.join(".")}`;
    if (address.length === 16) return `6:${address.subarray(0, 8).join(".")}`;
    return null;
  }

  /** Whether one more handshake message from `address` may be processed at `now` (ms). */
  allow(address: Uint8Array, now: number): boolean {
    const key = RateLimiter.keyOf(address);
    if (key === null) return false;
    this.collect(now);
    const bucket = this.buckets.get(key);
    if (bucket) {
      const tokens = Math.min(TOKEN_MAX, bucket.tokens + Math.max(0, now - bucket.lastTime));
      bucket.lastTime = now;
      const allowed = tokens >= PACKET_COST;
      bucket.tokens = allowed ? tokens - PACKET_COST : tokens;
      return allowed;
    }
    if (this.buckets.size >= this.maxEntries) return false;
    this.buckets.set(key, { lastTime: now, tokens: TOKEN_MAX - PACKET_COST });
    return true;
  }

  /** Number of sources tracked. */
  get size(): number {
    return this.buckets.size;
  }

  /** Forgets sources idle for over a second, at most once a second (kernel gc work). */
  private collect(now: number): void {
    if (now - this.lastCollection < RATE_LIMITER_ENTRY_TIMEOUT) return;
    this.lastCollection = now;
    for (const [key, bucket] of this.buckets)
      if (now - bucket.lastTime > RATE_LIMITER_ENTRY_TIMEOUT) this.buckets.delete(key);
  }
}
