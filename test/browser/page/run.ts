// The self-test both the page and its Web Worker run: optionally turn the
// global into an engine without SIMD, load `wasmguard/crypto` (the sources of
// bindings/crypto, nothing else), fetch the vectors and run every check.
import { installNoSimdEngine } from "../no-simd-engine.js";
import {
  VECTOR_FILES,
  knownAnswerChecks,
  roundTripChecks,
  webCryptoX25519Checks,
  type Check,
  type Vectors,
} from "../selftest.js";

export interface PageOptions {
  /** "nosimd" emulates an engine without WebAssembly SIMD before the module loads. */
  engine: "native" | "nosimd";
  /** Corrupt one expected tag, to show a failing vector is reported. */
  tamper: boolean;
}

export interface Report {
  scope: "window" | "worker";
  build: string;
  simdSupported: boolean;
  /** The error from asking for the SIMD build explicitly, or null when it loaded. */
  simdBuildError: string | null;
  checks: Check[];
}

export function optionsFrom(search: string): PageOptions {
  const q = new URLSearchParams(search);
  return { engine: q.get("engine") === "nosimd" ? "nosimd" : "native", tamper: q.has("tamper") };
}

async function fetchVectors(base: URL): Promise<Vectors> {
  const entries = await Promise.all(
    Object.entries(VECTOR_FILES).map(async ([key, file]) => {
      const res = await fetch(new URL(file, base));
      if (!res.ok) throw new Error(`${file}: HTTP ${res.status}`);
      return [key, await res.json()] as const;
    }),
  );
  return Object.fromEntries(entries) as unknown as Vectors;
}

export async function selftest(options: PageOptions, vectorsBase: URL): Promise<Report> {
  if (options.engine === "nosimd") installNoSimdEngine(globalThis);
  // Imported only now, so nothing in it can run before the engine is set up.
  const api = await import("../../../bindings/crypto/index.js");
  const vectors = await fetchVectors(vectorsBase);
  if (options.tamper) {
    const v = vectors.rfc8439.aead[0];
    v.tag = (v.tag[0] === "0" ? "1" : "0") + v.tag.slice(1);
  }
  const crypto = await api.loadCrypto();
  let simdBuildError: string | null = null;
  try {
    await api.loadCrypto({ build: "simd" });
  } catch (e) {
    simdBuildError = e instanceof Error ? e.message : String(e);
  }
  const checks = [
    ...knownAnswerChecks(crypto, vectors),
    ...roundTripChecks(crypto),
    ...(await webCryptoX25519Checks(crypto)),
  ];
  return {
    scope: typeof document === "undefined" ? "worker" : "window",
    build: crypto.build,
    simdSupported: api.simdSupported(),
    simdBuildError,
    checks,
  };
}
