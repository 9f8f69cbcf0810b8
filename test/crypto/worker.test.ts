// wasmguard/crypto inside Node worker_threads: every known-answer vector and
// random round trip of the browser self-test passes in a worker, several
// workers run at once with their own instances, and what a worker seals the
// main thread opens. Also shows that the self-test notices any corrupted
// vector value, so a passing report means something.
import { describe, expect, it } from "vitest";
import { loadCrypto } from "../../bindings/crypto/index.js";
import { readVectors, runSelftestInWorker } from "../browser/node-worker.js";
import { knownAnswerChecks, unhex, type Vectors } from "../browser/selftest.js";

describe("wasmguard/crypto in worker_threads", () => {
  it("passes the self-test in two workers at once, and the main thread opens what they sealed", async () => {
    const reports = await Promise.all([runSelftestInWorker("native"), runSelftestInWorker("native")]);
    const main = await loadCrypto();
    for (const r of reports) {
      expect(r.isMainThread).toBe(false);
      expect(r.build).toBe("simd");
      expect(r.checks.filter((c) => !c.ok)).toEqual([]);
      expect(r.checks.length).toBeGreaterThan(150);
      // Node's Web Crypto has X25519: the independent comparison ran too.
      expect(r.checks.map((c) => c.name)).toContain("X25519 shared secret matches Web Crypto's");
      const [key, nonce, sealed, plaintext] = r.sample.map(unhex);
      expect(main.chacha20poly1305Open(key, nonce, sealed)).toEqual(plaintext);
    }
    // Each worker drew its own random key.
    expect(reports[0].sample[0]).not.toBe(reports[1].sample[0]);
  });
});

describe("the self-test itself", () => {
  const vectors = readVectors();
  // The values the public API can reach: the AEAD vectors, stream vectors at
  // counter 1 (where the AEADs start), BLAKE2s, X25519 up to 1,000 iterations
  // (npm run test:slow checks 10^6) and the KDF. Other families in the files
  // test the core's internals in the unit suites.
  const used = (path: string) =>
    /^rfc8439\.(aead\.\d+|encrypt\.[02])\.(key|nonce|aad|plaintext|ciphertext|tag)$/.test(path) ||
    /^xchacha\.(aead\.0|stream\.1)\.(key|nonce|aad|plaintext|ciphertext|tag)$/.test(path) ||
    /^rfc7693\.(appendixB\.(input|out)|appendixE\.grandHash)$/.test(path) ||
    /^rfc7748\.(section5_2\.\d+\.\w+|section6_1\.\w+|iterated\.(start|after\.1|after\.1000))$/.test(path) ||
    /^wgKdf\.vectors\.\d+\.\w+$/.test(path);

  function leaves(v: unknown, path = ""): string[] {
    if (typeof v === "string") return [path];
    if (v && typeof v === "object") return Object.entries(v).flatMap(([k, x]) => leaves(x, path ? `${path}.${k}` : k));
    return [];
  }

  it("every vector value it uses is checked: corrupting any one of them fails a check", async () => {
    const crypto = await loadCrypto();
    expect(knownAnswerChecks(crypto, vectors).every((c) => c.ok)).toBe(true);
    const paths = leaves(vectors).filter(used);
    expect(paths.length).toBe(62);
    const unnoticed: string[] = [];
    for (const path of paths) {
      const copy = structuredClone(vectors) as Vectors;
      const s = String(get(copy, path));
      set(copy, path, (s[0] === "0" ? "1" : "0") + s.slice(1));
      const iterations = path === "rfc7748.iterated.after.1000" ? 1000 : 1;
      if (knownAnswerChecks(crypto, copy, { iterations }).every((c) => c.ok)) unnoticed.push(path);
    }
    expect(unnoticed).toEqual([]);
  });
});

function get(o: unknown, path: string): unknown {
  return path.split(".").reduce<unknown>((x, k) => (x as Record<string, unknown>)[k], o);
}

function set(o: unknown, path: string, value: string): void {
  const keys = path.split(".");
  const last = keys.pop()!;
  (get(o, keys.join(".")) as Record<string, unknown>)[last] = value;
}
