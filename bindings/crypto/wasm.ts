// Instantiates the AssemblyScript core. Two builds exist: one with WebAssembly
// SIMD and a scalar one for engines without it; the SIMD build is chosen when
// the engine validates a SIMD instruction. Uses only WebAssembly and atob, so it
// runs in browsers, workers, Deno and Bun as well as Node.
import { SCALAR_WASM_BASE64, SIMD_WASM_BASE64 } from "./wasm-binary.js";

export type WasmBuild = "simd" | "scalar";

/** Raw exports of the core. Each binding file narrows this to the functions it calls. */
export interface CoreExports {
  /** The core's WebAssembly.Memory, typed by the one property used so the declarations need no DOM lib. */
  readonly memory: { readonly buffer: ArrayBuffer };
  readonly [name: string]: unknown;
}

/** One instantiated core with a byte view of its memory that survives memory growth. */
export class WasmCore {
  private view: Uint8Array;

  constructor(
    readonly build: WasmBuild,
    readonly exports: CoreExports,
  ) {
    this.view = new Uint8Array(exports.memory.buffer);
  }

  /** The whole linear memory. Only the AllowedIPs table grows memory; re-fetch after calling it. */
  get u8(): Uint8Array {
    if (this.view.buffer !== this.exports.memory.buffer) this.view = new Uint8Array(this.exports.memory.buffer);
    return this.view;
  }

  /** A typed function export, or an error naming what the build lacks. */
  fn<F extends (...args: never[]) => unknown>(name: string): F {
    const f = this.exports[name];
    if (typeof f !== "function") throw new Error(`wasmguard core (${this.build}) has no export '${name}'`);
    return f as F;
  }

  /** A global export holding a pointer or constant. */
  global(name: string): number {
    const g = this.exports[name];
    if (g instanceof WebAssembly.Global) return Number(g.value);
    if (typeof g === "number") return g;
    throw new Error(`wasmguard core (${this.build}) has no global '${name}'`);
  }
}

// (module (func (result v128) i32.const 0 i8x16.splat))
const SIMD_PROBE = new Uint8Array([
  0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x05, 0x01, 0x60, 0x00, 0x01, 0x7b, 0x03, 0x02, 0x01, 0x00,
  0x0a, 0x08, 0x01, 0x06, 0x00, 0x41, 0x00, 0xfd, 0x0f, 0x0b,
]);

/** Whether this engine runs WebAssembly SIMD (fixed-width v128). */
export function simdSupported(): boolean {
  try {
    return WebAssembly.validate(SIMD_PROBE);
  } catch {
    return false;
  }
}

function decodeBase64(text: string): Uint8Array<ArrayBuffer> {
  const bin = atob(text);
  const out = new Uint8Array(new ArrayBuffer(bin.length));
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

const imports = {
  env: {
    abort(_msg: number, _file: number, line: number, column: number): never {
      throw new Error(`wasmguard core aborted at ${line}:${column}`);
    },
  },
};

const modules = new Map<WasmBuild, WebAssembly.Module>();

function moduleFor(build: WasmBuild): WebAssembly.Module {
  let m = modules.get(build);
  if (!m) {
    m = new WebAssembly.Module(decodeBase64(build === "simd" ? SIMD_WASM_BASE64 : SCALAR_WASM_BASE64));
    modules.set(build, m);
  }
  return m;
}

/** The build this engine should use. */
export function defaultBuild(): WasmBuild {
  return simdSupported() ? "simd" : "scalar";
}

/**
 * A fresh instance of the core, with its own memory. Each instance is independent:
 * a device may own one and a worker thread another.
 */
export function instantiateCore(build: WasmBuild = defaultBuild()): WasmCore {
  if (build === "simd" && !simdSupported()) throw new Error("this engine does not support WebAssembly SIMD");
  const instance = new WebAssembly.Instance(moduleFor(build), imports);
  return new WasmCore(build, instance.exports as unknown as CoreExports);
}
