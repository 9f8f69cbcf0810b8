// The receive-side replay window: RFC 6479's bitmap as the kernel sizes it
// (8192 bits in 64-bit words, 8128 usable). Counters are 64-bit, so they are
// BigInts here. Callers check a packet only after it has authenticated, so a
// forged counter can never move the window.
import { REJECT_AFTER_MESSAGES, REPLAY_BITMAP_BITS, REPLAY_WINDOW_SIZE, REPLAY_WORD_BITS } from "./constants.js";

const WORDS = REPLAY_BITMAP_BITS / REPLAY_WORD_BITS; // 128
const WORD_MASK = BigInt(WORDS - 1);
const WORD_SHIFT = 6n; // log2(REPLAY_WORD_BITS)
const BIT_MASK = BigInt(REPLAY_WORD_BITS - 1);
const WINDOW = BigInt(REPLAY_WINDOW_SIZE);

export class ReplayWindow {
  /** One more than the highest counter accepted so far (0: none yet). */
  private top = 0n;
  /** Each 64-bit word is two u32 halves: low bits first. */
  private readonly bitmap = new Uint32Array(WORDS * 2);

  /** One more than the highest counter accepted (the kernel's receive.counter); 0 before any. */
  get counter(): bigint {
    return this.top;
  }

  /**
   * Accepts `counter` once: false when it was seen, is too far behind the
   * newest, or is at or above REJECT_AFTER_MESSAGES.
   */
  check(counter: bigint): boolean {
    if (this.top >= REJECT_AFTER_MESSAGES + 1n || counter >= REJECT_AFTER_MESSAGES || counter < 0n) return false;
    // Stored one higher so that 0 means "nothing received".
    const c = counter + 1n;
    if (c + WINDOW < this.top) return false;
    const index = c >> WORD_SHIFT;
    if (c > this.top) {
      // Moving forward: clear the words between the old top and the new one.
      const current = this.top >> WORD_SHIFT;
      const advance = index - current;
      const clear = advance < BigInt(WORDS) ? Number(advance) : WORDS;
      const base = Number(current & WORD_MASK);
      for (let i = 1; i <= clear; i++) {
        const w = (base + i) & (WORDS - 1);
        this.bitmap[2 * w] = 0;
        this.bitmap[2 * w + 1] = 0;
      }
      this.top = c;
    }
    const bit = Number(c & BIT_MASK);
    const slot = 2 * Number(index & WORD_MASK) + (bit >>> 5);
    const mask = 1 << (bit & 31);
    if (this.bitmap[slot] & mask) return false;
    this.bitmap[slot] |= mask;
    return true;
  }
}
