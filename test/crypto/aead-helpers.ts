// Shared helpers for the ChaCha20 / Poly1305 / AEAD suites: both builds,
// hex, a seeded generator, vector files and raw access to the core's scratch.
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { instantiateCore, type WasmCore } from "../../bindings/crypto/wasm.js";

export const BUILDS = ["simd", "scalar"] as const;

export const hex = (b: Uint8Array): string => Buffer.from(b.buffer, b.byteOffset, b.length).toString("hex");
export const unhex = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, "hex"));

export function loadVectors<T>(name: string): T {
  const path = fileURLToPath(new URL(`../vectors/${name}`, import.meta.url));
  return JSON.parse(readFileSync(path, "utf8")) as T;
}

/** splitmix32: a small deterministic generator so every run draws the same inputs. */
export function rng(seed: number): { u32(): number; int(n: number): number; bytes(n: number): Uint8Array } {
  let s = seed >>> 0;
  const u32 = (): number => {
    s = (s + 0x9e3779b9) >>> 0;
    let z = s;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    return (z ^ (z >>> 16)) >>> 0;
  };
  return {
    u32,
    int: (n: number) => u32() % n,
    bytes(n: number) {
      const out = new Uint8Array(n);
      for (let i = 0; i < n; i += 4) {
        const v = u32();
        for (let j = 0; j < 4 && i + j < n; j++) out[i + j] = (v >>> (8 * j)) & 0xff;
      }
      return out;
    },
  };
}

/** Raw view of a core: write bytes at an address, read them back, call exports. */
export class Raw {
  readonly core: WasmCore;
  readonly io: number;
  readonly ioSize: number;
  constructor(readonly build: "simd" | "scalar") {
    this.core = instantiateCore(build);
    this.io = this.core.global("AEAD_IO_PTR");
    this.ioSize = this.core.global("AEAD_IO_SIZE");
  }
  put(ptr: number, bytes: Uint8Array): number {
    this.core.u8.set(bytes, ptr);
    return ptr;
  }
  get(ptr: number, len: number): Uint8Array {
    return this.core.u8.slice(ptr, ptr + len);
  }
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  fn(name: string): (...args: any[]) => any {
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    return this.core.fn<(...args: any[]) => any>(name);
  }
}
