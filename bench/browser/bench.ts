// The browser benchmark page: wasmguard/crypto against the libraries people
// use for the same primitives in browsers, all in this one page, measured in
// interleaved rounds (each round runs every implementation for a short slice,
// in rotating order) so that a noisy machine affects them alike. Outputs are
// compared across implementations first: a benchmark of wrong code is void.
import { chacha20poly1305 as nobleChaCha } from "@noble/ciphers/chacha.js";
import { x25519 as nobleX25519 } from "@noble/curves/ed25519.js";
import { blake2s as nobleBlake2s } from "@noble/hashes/blake2.js";
import { createBLAKE2s } from "hash-wasm";
import sodium from "libsodium-wrappers";
import { loadCrypto } from "../../bindings/crypto/index.js";

export interface BenchOptions {
  /** Rounds per group; the median round counts. */
  rounds: number;
  /** Milliseconds each implementation runs per round. */
  sliceMs: number;
}

export interface Row {
  group: string;
  impl: string;
  opsPerSec: number;
  bytes?: number;
}

type Impl = { name: string; fn: () => unknown; async?: false } | { name: string; fn: () => Promise<unknown>; async: true };
interface Group {
  name: string;
  bytes?: number;
  impls: Impl[];
}

const hex = (b: Uint8Array) => Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
const random = (n: number) => {
  const b = new Uint8Array(n);
  for (let o = 0; o < n; o += 65536) crypto.getRandomValues(b.subarray(o, Math.min(n, o + 65536)));
  return b;
};

async function groups(): Promise<Group[]> {
  await sodium.ready;
  const simd = await loadCrypto({ build: "simd" });
  const scalar = await loadCrypto({ build: "scalar" });
  const hashWasm = await createBLAKE2s(256);
  const key = random(32);
  const nonce = random(12);
  const out: Group[] = [];

  for (const size of [1420, 65536]) {
    const pt = random(size);
    const impls: Impl[] = [
      { name: "wasmguard (simd)", fn: () => simd.chacha20poly1305Seal(key, nonce, pt) },
      { name: "wasmguard (scalar)", fn: () => scalar.chacha20poly1305Seal(key, nonce, pt) },
      { name: "@noble/ciphers", fn: () => nobleChaCha(key, nonce).encrypt(pt) },
      { name: "libsodium-wrappers", fn: () => sodium.crypto_aead_chacha20poly1305_ietf_encrypt(pt, null, null, nonce, key) },
    ];
    out.push({ name: `ChaCha20-Poly1305 seal ${size} B`, bytes: size, impls });
  }

  const data = random(1420);
  out.push({
    name: "BLAKE2s-256 1420 B",
    bytes: 1420,
    impls: [
      { name: "wasmguard (simd)", fn: () => simd.blake2s(data) },
      { name: "wasmguard (scalar)", fn: () => scalar.blake2s(data) },
      { name: "@noble/hashes", fn: () => nobleBlake2s(data) },
      { name: "hash-wasm", fn: () => hashWasm.init().update(data).digest("binary") },
      // libsodium has BLAKE2b only.
    ],
  });

  const alice = simd.generatePrivateKey();
  const bobPublic = simd.x25519PublicKey(simd.generatePrivateKey());
  const x25519: Impl[] = [
    { name: "wasmguard (simd)", fn: () => simd.x25519(alice, bobPublic) },
    { name: "wasmguard (scalar)", fn: () => scalar.x25519(alice, bobPublic) },
    { name: "@noble/curves", fn: () => nobleX25519.getSharedSecret(alice, bobPublic) },
    { name: "libsodium-wrappers", fn: () => sodium.crypto_scalarmult(alice, bobPublic) },
  ];
  // The browser's native X25519 (Web Crypto, asynchronous), where it has one.
  try {
    const pkcs8 = new Uint8Array([...hexBytes("302e020100300506032b656e04220420"), ...alice]);
    const priv = await crypto.subtle.importKey("pkcs8", pkcs8, { name: "X25519" }, false, ["deriveBits"]);
    const pub = await crypto.subtle.importKey("raw", bobPublic as Uint8Array<ArrayBuffer>, { name: "X25519" }, false, []);
    const params = { name: "X25519", public: pub } as unknown as AlgorithmIdentifier;
    x25519.push({
      name: "Web Crypto (native, async)",
      async: true,
      fn: async () => new Uint8Array(await crypto.subtle.deriveBits(params, priv, 256)),
    });
  } catch {
    // no X25519 in this browser's Web Crypto
  }
  out.push({ name: "X25519 shared secret", impls: x25519 });
  out.push({
    name: "X25519 public key",
    impls: [
      { name: "wasmguard (simd)", fn: () => simd.x25519PublicKey(alice) },
      { name: "wasmguard (scalar)", fn: () => scalar.x25519PublicKey(alice) },
      { name: "@noble/curves", fn: () => nobleX25519.getPublicKey(alice) },
      { name: "libsodium-wrappers", fn: () => sodium.crypto_scalarmult_base(alice) },
    ],
  });
  return out;
}

function hexBytes(s: string): Uint8Array {
  return new Uint8Array(s.match(/../g)!.map((h) => parseInt(h, 16)));
}

/** Runs `impl` for about `ms` milliseconds; returns operations per second. */
async function slice(impl: Impl, ms: number): Promise<number> {
  let n = 0;
  const start = performance.now();
  let now = start;
  if (impl.async) {
    do {
      for (let i = 0; i < 8; i++) await impl.fn();
      n += 8;
      now = performance.now();
    } while (now - start < ms);
  } else {
    do {
      for (let i = 0; i < 8; i++) impl.fn();
      n += 8;
      now = performance.now();
    } while (now - start < ms);
  }
  return (n * 1000) / (now - start);
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

export async function runBenchmark(options: BenchOptions): Promise<Row[]> {
  const rows: Row[] = [];
  for (const g of await groups()) {
    // Every implementation must produce the same bytes before it is timed.
    const outputs = await Promise.all(g.impls.map(async (i) => hex((await i.fn()) as Uint8Array)));
    const wrong = g.impls.filter((_, k) => outputs[k] !== outputs[0]).map((i) => i.name);
    if (wrong.length) throw new Error(`${g.name}: ${wrong.join(", ")} disagree with ${g.impls[0].name}`);

    for (const impl of g.impls) await slice(impl, options.sliceMs / 2); // warm up
    const rates = g.impls.map(() => [] as number[]);
    for (let r = 0; r < options.rounds; r++)
      for (let k = 0; k < g.impls.length; k++) {
        const j = (k + r) % g.impls.length;
        rates[j].push(await slice(g.impls[j], options.sliceMs));
      }
    g.impls.forEach((impl, k) => rows.push({ group: g.name, impl: impl.name, opsPerSec: median(rates[k]), bytes: g.bytes }));
  }
  return rows;
}

const q = new URLSearchParams(location.search);
const done = runBenchmark({ rounds: Number(q.get("rounds") ?? 7), sliceMs: Number(q.get("slice") ?? 120) });
(globalThis as { benchmarkRows?: Promise<Row[]> }).benchmarkRows = done;
done.then(
  (rows) => (document.getElementById("out")!.textContent = rows.map((r) => `${r.group}\t${r.impl}\t${r.opsPerSec.toFixed(0)}/s`).join("\n")),
  (e: unknown) => (document.getElementById("out")!.textContent = `error: ${String(e)}`),
);
