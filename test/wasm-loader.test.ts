import { describe, expect, it } from "vitest";
import { defaultBuild, instantiateCore, simdSupported } from "../bindings/crypto/wasm.js";

describe("wasm loader", () => {
  it("detects SIMD on this engine (Node 20 has it)", () => {
    expect(simdSupported()).toBe(true);
    expect(defaultBuild()).toBe("simd");
  });

  it.each(["simd", "scalar"] as const)("instantiates the %s build with its own memory", (build) => {
    const a = instantiateCore(build);
    const b = instantiateCore(build);
    expect(a.build).toBe(build);
    expect(a.u8.length).toBeGreaterThan(0);
    a.u8[100] = 7;
    expect(b.u8[100]).toBe(0);
  });

  it("names a missing export", () => {
    expect(() => instantiateCore("scalar").fn("no_such_function")).toThrow(/no export 'no_such_function'/);
  });
});
