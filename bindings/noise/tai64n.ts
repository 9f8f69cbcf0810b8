// TAI64N timestamps for handshake initiations (cr.yp.to/libtai/tai64.html):
// 8 bytes of big-endian TAI64 seconds then 4 bytes of big-endian nanoseconds.
import { TAI64_EPOCH_LABEL, TAI64N_NANOSECOND_GRANULARITY, TIMESTAMP_LENGTH } from "./constants.js";

/**
 * The TAI64N stamp of a wall-clock time in milliseconds since the Unix epoch,
 * with the nanoseconds rounded down to a multiple of 2^24 as the kernel does.
 * (Like the kernel, it adds the 10 leap seconds of 1970 and no later ones.)
 */
export function tai64n(unixMilliseconds: number): Uint8Array {
  const ms = Math.floor(unixMilliseconds);
  const seconds = Math.floor(ms / 1000);
  const nanos = (ms - seconds * 1000) * 1_000_000;
  const rounded = nanos - (nanos % TAI64N_NANOSECOND_GRANULARITY);
  const out = new Uint8Array(TIMESTAMP_LENGTH);
  const dv = new DataView(out.buffer);
  dv.setBigUint64(0, TAI64_EPOCH_LABEL + BigInt(seconds), false);
  dv.setUint32(8, rounded, false);
  return out;
}

/** Byte-wise comparison of two stamps: negative, zero or positive like memcmp. */
export function compareTimestamps(a: Uint8Array, b: Uint8Array): number {
  for (let i = 0; i < TIMESTAMP_LENGTH; i++) if (a[i] !== b[i]) return a[i] - b[i];
  return 0;
}
