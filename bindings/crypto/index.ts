// wasmguard/crypto: ChaCha20-Poly1305, XChaCha20-Poly1305, BLAKE2s, HMAC/HKDF and
// X25519 from the WebAssembly core. Depends only on WebAssembly and
// globalThis.crypto.getRandomValues, so it runs in any JavaScript runtime.
import { aeadApi } from "./aead.js";
import { blake2sApi } from "./blake2s.js";
import type { WasmCrypto } from "./types.js";
import { defaultBuild, instantiateCore, simdSupported, type WasmBuild, type WasmCore } from "./wasm.js";
import { x25519Api } from "./x25519.js";

export type { WasmCrypto } from "./types.js";
export { simdSupported, type WasmBuild } from "./wasm.js";

export interface LoadOptions {
  /** Force a build; by default SIMD where the engine supports it, else scalar. */
  build?: WasmBuild;
}

const cache = new Map<WasmBuild, WasmCrypto>();

/** The crypto API over an existing core instance (the device shares one core with its AllowedIPs table). */
export function cryptoFromCore(core: WasmCore): WasmCrypto {
  return Object.freeze({
    build: core.build,
    ...aeadApi(core),
    ...blake2sApi(core),
    ...x25519Api(core),
  });
}

/** Synchronous variant of loadCrypto, for code that cannot await (CLIs, module initialisers). */
export function loadCryptoSync(options: LoadOptions = {}): WasmCrypto {
  const build = options.build ?? defaultBuild();
  let api = cache.get(build);
  if (!api) {
    api = cryptoFromCore(instantiateCore(build));
    cache.set(build, api);
  }
  return api;
}

/** Instantiates the WebAssembly core once per build and returns its crypto API (cached). */
export async function loadCrypto(options: LoadOptions = {}): Promise<WasmCrypto> {
  return loadCryptoSync(options);
}
