// The kernel's counter self-test (drivers/net/wireguard/selftest/counter.c),
// row for row, against our replay window.
import { describe, expect, it } from "vitest";
import { REJECT_AFTER_MESSAGES, REPLAY_WINDOW_SIZE } from "../../bindings/noise/constants.js";
import { ReplayWindow } from "../../bindings/noise/replay.js";

const W = BigInt(REPLAY_WINDOW_SIZE); // 8128
const T = W + 1n; // the kernel's T_LIM, 8129
const R = REJECT_AFTER_MESSAGES;

describe("replay window", () => {
  it("is 8192 bits with 8128 usable, as in the kernel", () => {
    expect(REPLAY_WINDOW_SIZE).toBe(8128);
  });

  it("follows the kernel's 34-step sequence", () => {
    const w = new ReplayWindow();
    const steps: [bigint, boolean][] = [
      /*  1 */ [0n, true],
      /*  2 */ [1n, true],
      /*  3 */ [1n, false],
      /*  4 */ [9n, true],
      /*  5 */ [8n, true],
      /*  6 */ [7n, true],
      /*  7 */ [7n, false],
      /*  8 */ [T, true],
      /*  9 */ [T - 1n, true],
      /* 10 */ [T - 1n, false],
      /* 11 */ [T - 2n, true],
      /* 12 */ [2n, true],
      /* 13 */ [2n, false],
      /* 14 */ [T + 16n, true],
      /* 15 */ [3n, false],
      /* 16 */ [T + 16n, false],
      /* 17 */ [T * 4n, true],
      /* 18 */ [T * 4n - (T - 1n), true],
      /* 19 */ [10n, false],
      /* 20 */ [T * 4n - T, false],
      /* 21 */ [T * 4n - (T + 1n), false],
      /* 22 */ [T * 4n - (T - 2n), true],
      /* 23 */ [T * 4n + 1n - T, false],
      /* 24 */ [0n, false],
      /* 25 */ [R, false],
      /* 26 */ [R - 1n, true],
      /* 27 */ [R, false],
      /* 28 */ [R - 1n, false],
      /* 29 */ [R - 2n, true],
      /* 30 */ [R + 1n, false],
      /* 31 */ [R + 2n, false],
      /* 32 */ [R - 2n, false],
      /* 33 */ [R - 3n, true],
      /* 34 */ [0n, false],
    ];
    const results = steps.map(([n]) => w.check(n));
    steps.forEach(([n, expected], i) => expect([i + 1, n, results[i]]).toEqual([i + 1, n, expected]));
  });

  const run = (w: ReplayWindow, from: bigint, to: bigint, step: bigint): boolean[] => {
    const out: boolean[] = [];
    for (let i = from; step > 0n ? i <= to : i >= to; i += step) out.push(w.check(i));
    return out;
  };
  const allTrue = (xs: boolean[]) => xs.every((x) => x);

  it("1..W then 0 once", () => {
    const w = new ReplayWindow();
    expect(allTrue(run(w, 1n, W, 1n))).toBe(true);
    expect([w.check(0n), w.check(0n)]).toEqual([true, false]);
  });

  it("2..W+1 then 1, but not 0", () => {
    const w = new ReplayWindow();
    expect(allTrue(run(w, 2n, W + 1n, 1n))).toBe(true);
    expect([w.check(1n), w.check(0n)]).toEqual([true, false]);
  });

  it("W down to 0, all accepted", () => {
    const w = new ReplayWindow();
    expect(allTrue(run(w, W, 0n, -1n))).toBe(true);
  });

  it("W+1 down to 1, then not 0", () => {
    const w = new ReplayWindow();
    expect(allTrue(run(w, W + 1n, 1n, -1n))).toBe(true);
    expect(w.check(0n)).toBe(false);
  });

  it("W down to 1, then W+1, then not 0", () => {
    const w = new ReplayWindow();
    expect(allTrue(run(w, W, 1n, -1n))).toBe(true);
    expect([w.check(W + 1n), w.check(0n)]).toEqual([true, false]);
  });

  it("W down to 1, then 0, then W+1", () => {
    const w = new ReplayWindow();
    expect(allTrue(run(w, W, 1n, -1n))).toBe(true);
    expect([w.check(0n), w.check(W + 1n)]).toEqual([true, true]);
  });

  it("a jump past the whole bitmap forgets every old bit", () => {
    const w = new ReplayWindow();
    for (let n = 0n; n < 100n; n++) expect(w.check(n)).toBe(true);
    // Straight to the same word and bit, three bitmaps later: that word too must be cleared.
    expect(w.check(99n + 3n * 8192n)).toBe(true);
    expect(w.check(99n + 3n * 8192n)).toBe(false);
    expect(w.check(98n + 3n * 8192n)).toBe(true);
  });

  it("accepts each counter once across many window moves", () => {
    const w = new ReplayWindow();
    const seen = new Set<bigint>();
    let x = 12345;
    for (let i = 0; i < 20_000; i++) {
      x = (x * 1103515245 + 12345) & 0x7fffffff;
      const n = BigInt(i * 3 + (x % 200)); // mostly forward, with reordering inside the window
      const expected = !seen.has(n) && n + W >= w.counter - 1n;
      expect(w.check(n)).toBe(expected);
      seen.add(n);
    }
  });
});
