// The scalar build is chosen by itself where the engine has no WebAssembly
// SIMD. No Node or V8 flag turns SIMD off, so a worker thread's global is made
// to behave like such an engine (test/browser/no-simd-engine.ts: any module
// using v128 fails to validate and compile); the browser suite does the same in
// Chromium. Also checks the shipped binaries: the scalar one must not need SIMD.
import { describe, expect, it } from "vitest";
import { SCALAR_WASM_BASE64, SIMD_WASM_BASE64 } from "../../bindings/crypto/wasm-binary.js";
import { runSelftestInWorker } from "../browser/node-worker.js";
import { usesV128 } from "../browser/no-simd-engine.js";

const bytes = (b64: string) => new Uint8Array(Buffer.from(b64, "base64"));

// (module (func (result v128) i32.const 0 i8x16.splat)), as the loader probes with.
const PROBE = Uint8Array.from([
  0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x05, 0x01, 0x60, 0x00, 0x01, 0x7b, 0x03, 0x02, 0x01, 0x00,
  0x0a, 0x08, 0x01, 0x06, 0x00, 0x41, 0x00, 0xfd, 0x0f, 0x0b,
]);

describe("scalar fallback", () => {
  it("the emulated engine rejects the SIMD build and the probe, and accepts the scalar build", () => {
    expect(usesV128(bytes(SIMD_WASM_BASE64))).toBe(true);
    expect(usesV128(PROBE)).toBe(true);
    expect(usesV128(bytes(SCALAR_WASM_BASE64))).toBe(false);
    // And the real engine accepts all three, so the emulation is what differs.
    for (const b of [bytes(SIMD_WASM_BASE64), bytes(SCALAR_WASM_BASE64), PROBE]) expect(WebAssembly.validate(b)).toBe(true);
  });

  it("without SIMD, loadCrypto picks the scalar build, refuses the SIMD one, and passes every check", async () => {
    const r = await runSelftestInWorker("nosimd");
    expect(r.simdSupported).toBe(false);
    expect(r.build).toBe("scalar");
    expect(r.simdBuildError).toMatch(/does not support WebAssembly SIMD/);
    expect(r.checks.filter((c) => !c.ok)).toEqual([]);
    expect(r.checks.length).toBeGreaterThan(150);
  });

  it("with SIMD, the same worker setup picks the SIMD build (the test distinguishes the two)", async () => {
    const r = await runSelftestInWorker("native");
    expect(r.simdSupported).toBe(true);
    expect(r.build).toBe("simd");
  });
});
