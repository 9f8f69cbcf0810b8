// Makes the current JavaScript global behave like an engine without WebAssembly
// SIMD (older Safari, V8 on CPUs without SSE4.1): validating or compiling a
// module that uses the v128 type fails, as it would there. Used by the fallback
// tests in a page, a Web Worker or a Node worker thread, never in the caller's
// own global. No Node built-ins: it runs in browsers.

const V128 = 0x7b;

/** Reads an unsigned LEB128 at `at`; returns [value, next offset]. */
function leb(b: Uint8Array, at: number): [number, number] {
  let value = 0;
  let shift = 0;
  for (;;) {
    const byte = b[at++];
    if (byte === undefined) throw new Error("truncated LEB128");
    value += (byte & 0x7f) * 2 ** shift;
    shift += 7;
    if ((byte & 0x80) === 0) return [value, at];
  }
}

/** Offset after a constant initializer expression (the forms AssemblyScript emits). */
function skipConstExpr(b: Uint8Array, at: number): number {
  for (;;) {
    const op = b[at++];
    switch (op) {
      case 0x0b: // end
        return at;
      case 0x41: // i32.const
      case 0x42: // i64.const
      case 0x23: // global.get
      case 0xd2: // ref.func
        at = leb(b, at)[1];
        break;
      case 0x43: // f32.const
        at += 4;
        break;
      case 0x44: // f64.const
        at += 8;
        break;
      case 0xd0: // ref.null t
        at += 1;
        break;
      case 0x6a: case 0x6b: case 0x6c: case 0x7c: case 0x7d: case 0x7e: // extended-const arithmetic
        break;
      default:
        // 0xfd is v128.const; anything else is a form this reader does not know.
        throw new Error(`unexpected opcode 0x${(op ?? 0).toString(16)} in a constant expression`);
    }
  }
}

/**
 * Whether a module uses the v128 type in a function signature, a global or a
 * function's locals: every SIMD module the AssemblyScript compiler produces
 * does, and an engine without SIMD rejects all of them.
 */
export function usesV128(bytes: Uint8Array): boolean {
  let at = 8; // magic and version
  while (at < bytes.length) {
    const id = bytes[at++];
    let size: number;
    [size, at] = leb(bytes, at);
    const end = at + size;
    if (id === 1) {
      // type section: functypes 0x60 params results
      let [count, p] = leb(bytes, at);
      while (count-- > 0) {
        if (bytes[p++] !== 0x60) throw new Error("only function types are expected");
        for (let side = 0; side < 2; side++) {
          let n: number;
          [n, p] = leb(bytes, p);
          for (let i = 0; i < n; i++) if (bytes[p++] === V128) return true;
        }
      }
    } else if (id === 6) {
      // global section: valtype mut initexpr
      let [count, p] = leb(bytes, at);
      while (count-- > 0) {
        if (bytes[p] === V128) return true;
        p = skipConstExpr(bytes, p + 2);
      }
    } else if (id === 10) {
      // code section: each body starts with its local declarations (count, valtype)
      let [count, p] = leb(bytes, at);
      while (count-- > 0) {
        let bodySize: number;
        [bodySize, p] = leb(bytes, p);
        const bodyEnd = p + bodySize;
        let groups: number;
        [groups, p] = leb(bytes, p);
        for (let g = 0; g < groups; g++) {
          p = leb(bytes, p)[1];
          if (bytes[p++] === V128) return true;
        }
        p = bodyEnd;
      }
    }
    at = end;
  }
  return false;
}

type Source = BufferSource | Response | PromiseLike<Response>;

function asBytes(source: BufferSource): Uint8Array {
  if (source instanceof Uint8Array) return source;
  if (ArrayBuffer.isView(source)) return new Uint8Array(source.buffer, source.byteOffset, source.byteLength);
  return new Uint8Array(source);
}

function refuse(): never {
  throw new WebAssembly.CompileError("WebAssembly SIMD is not supported by this engine (emulated)");
}

/** Replaces validate, Module, compile and instantiate on `g.WebAssembly` with SIMD-refusing wrappers. */
export function installNoSimdEngine(g: typeof globalThis = globalThis): void {
  const wa = g.WebAssembly;
  const realValidate = wa.validate.bind(wa);
  const RealModule = wa.Module;
  const realCompile = wa.compile.bind(wa);
  const realInstantiate = wa.instantiate.bind(wa) as (a: unknown, b?: WebAssembly.Imports) => Promise<unknown>;

  wa.validate = (source: BufferSource) => !usesV128(asBytes(source)) && realValidate(source);
  const Module = function (this: unknown, source: BufferSource) {
    if (usesV128(asBytes(source))) refuse();
    return new RealModule(source);
  } as unknown as typeof WebAssembly.Module;
  Module.prototype = RealModule.prototype;
  Object.assign(Module, { exports: RealModule.exports, imports: RealModule.imports, customSections: RealModule.customSections });
  wa.Module = Module;
  wa.compile = async (source: BufferSource) => {
    if (usesV128(asBytes(source))) refuse();
    return realCompile(source);
  };
  wa.instantiate = (async (source: BufferSource | WebAssembly.Module, imports?: WebAssembly.Imports) => {
    if (!(source instanceof RealModule) && usesV128(asBytes(source))) refuse();
    return realInstantiate(source, imports);
  }) as typeof WebAssembly.instantiate;
  // Streaming compilation would bypass the byte check: an engine without SIMD
  // would still reject it, so make callers take the checked path.
  const streaming = wa as unknown as Record<string, unknown>;
  for (const name of ["compileStreaming", "instantiateStreaming"]) {
    if (name in streaming)
      streaming[name] = async (source: Source, imports?: WebAssembly.Imports) => {
        const bytes = new Uint8Array(await (await (source as PromiseLike<Response>)).arrayBuffer());
        return name === "compileStreaming" ? wa.compile(bytes) : wa.instantiate(bytes, imports);
      };
  }
}
