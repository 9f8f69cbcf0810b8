// Runs the browser self-test (selftest.ts) inside a Node worker_threads worker:
// a fresh global, so the no-SIMD emulation never touches the test's own
// WebAssembly object. The worker loads the TypeScript sources through tsx.
import { readFileSync } from "node:fs";
import { Worker } from "node:worker_threads";
import type { Report } from "./page/run.js";
import { VECTOR_FILES, type Vectors } from "./selftest.js";

export function readVectors(): Vectors {
  const entries = Object.entries(VECTOR_FILES).map(([key, file]) => [
    key,
    JSON.parse(readFileSync(new URL(`../vectors/${file}`, import.meta.url), "utf8")),
  ]);
  return Object.fromEntries(entries) as Vectors;
}

export interface WorkerReport extends Report {
  isMainThread: boolean;
  /** A ChaCha20-Poly1305 seal made in the worker, for the parent to open: [key, nonce, sealed, plaintext] hex. */
  sample: [string, string, string, string];
}

const url = (p: string) => new URL(p, import.meta.url).href;

// CommonJS, as eval workers are; everything else is imported dynamically.
const WORKER_SOURCE = `
const { parentPort, workerData, isMainThread } = require("node:worker_threads");
(async () => {
  const { register } = await import("tsx/esm/api");
  register();
  if (workerData.engine === "nosimd") (await import(${JSON.stringify(url("./no-simd-engine.ts"))})).installNoSimdEngine(globalThis);
  const api = await import(${JSON.stringify(url("../../bindings/crypto/index.ts"))});
  const t = await import(${JSON.stringify(url("./selftest.ts"))});
  const crypto = await api.loadCrypto();
  let simdBuildError = null;
  try { api.loadCryptoSync({ build: "simd" }); } catch (e) { simdBuildError = e.message; }
  const checks = [
    ...t.knownAnswerChecks(crypto, workerData.vectors),
    ...t.roundTripChecks(crypto),
    ...(await t.webCryptoX25519Checks(crypto)),
  ];
  const key = globalThis.crypto.getRandomValues(new Uint8Array(32));
  const nonce = globalThis.crypto.getRandomValues(new Uint8Array(12));
  const plaintext = new TextEncoder().encode("sealed in a worker thread");
  const sealed = crypto.chacha20poly1305Seal(key, nonce, plaintext);
  parentPort.postMessage({
    scope: "worker", isMainThread, build: crypto.build, simdSupported: api.simdSupported(), simdBuildError, checks,
    sample: [key, nonce, sealed, plaintext].map(t.hex),
  });
})().catch((e) => { parentPort.postMessage({ error: String(e && e.stack || e) }); });
`;

export function runSelftestInWorker(engine: "native" | "nosimd"): Promise<WorkerReport> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { engine, vectors: readVectors() } });
    worker.once("message", (m: WorkerReport | { error: string }) => {
      void worker.terminate();
      if ("error" in m) reject(new Error(`worker: ${m.error}`));
      else resolve(m);
    });
    worker.once("error", reject);
    worker.once("exit", (code) => reject(new Error(`worker exited with ${code} before reporting`)));
  });
}
