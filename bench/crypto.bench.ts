// Crypto benchmark: wasmguard's WASM primitives against the implementations
// people use from JavaScript, all measured in this one process.
//   node --import tsx bench/crypto.bench.ts [--quick] [--json out.json]
import { blake2s as nobleBlake2s } from "@noble/hashes/blake2.js";
import { chacha20poly1305 as nobleChaCha } from "@noble/ciphers/chacha.js";
import { x25519 as nobleX25519 } from "@noble/curves/ed25519.js";
import { ChaCha20Poly1305 as ChainsafeAead, newInstance as chainsafeInstance } from "@chainsafe/as-chacha20poly1305";
import { createBLAKE2s } from "hash-wasm";
import _sodium from "libsodium-wrappers";
import {
  createCipheriv,
  createDecipheriv,
  createHash,
  createPrivateKey,
  createPublicKey,
  diffieHellman,
  randomBytes,
  type KeyObject,
} from "node:crypto";
import { Bench } from "tinybench";
import { loadCrypto } from "../bindings/crypto/index.js";
import { formatMicros, formatRate, machineLine, parseArgs, table, writeJson } from "./report.js";

const args = parseArgs();
const sodium = _sodium;
await sodium.ready;
const simd = await loadCrypto({ build: "simd" });
const scalar = await loadCrypto({ build: "scalar" });
const hashWasm = await createBLAKE2s(256);
const chainsafe = new ChainsafeAead(chainsafeInstance());

type Impl = [name: string, fn: () => unknown];
interface Group {
  name: string;
  bytes?: number;
  impls: Impl[];
}

const key = new Uint8Array(randomBytes(32));
const nonce = new Uint8Array(randomBytes(12));

function nodeSeal(pt: Uint8Array): Uint8Array {
  const c = createCipheriv("chacha20-poly1305", key, nonce, { authTagLength: 16 });
  const a = c.update(pt);
  c.final();
  return Buffer.concat([a, c.getAuthTag()]);
}
function nodeOpen(sealed: Uint8Array): Uint8Array {
  const d = createDecipheriv("chacha20-poly1305", key, nonce, { authTagLength: 16 });
  d.setAuthTag(sealed.subarray(sealed.length - 16));
  const out = d.update(sealed.subarray(0, sealed.length - 16));
  d.final();
  return out;
}

const groups: Group[] = [];
for (const size of [64, 1420, 65536]) {
  const pt = new Uint8Array(randomBytes(size));
  const sealed = simd.chacha20poly1305Seal(key, nonce, pt);
  groups.push({
    name: `ChaCha20-Poly1305 seal ${size} B`,
    bytes: size,
    impls: [
      ["wasmguard (simd)", () => simd.chacha20poly1305Seal(key, nonce, pt)],
      ["wasmguard (scalar)", () => scalar.chacha20poly1305Seal(key, nonce, pt)],
      ["node:crypto (OpenSSL)", () => nodeSeal(pt)],
      ["libsodium-wrappers", () => sodium.crypto_aead_chacha20poly1305_ietf_encrypt(pt, null, null, nonce, key)],
      ["@noble/ciphers", () => nobleChaCha(key, nonce).encrypt(pt)],
      ["@chainsafe/as-chacha20poly1305", () => chainsafe.seal(key, nonce, pt)],
    ],
  });
  groups.push({
    name: `ChaCha20-Poly1305 open ${size} B`,
    bytes: size,
    impls: [
      ["wasmguard (simd)", () => simd.chacha20poly1305Open(key, nonce, sealed)],
      ["wasmguard (scalar)", () => scalar.chacha20poly1305Open(key, nonce, sealed)],
      ["node:crypto (OpenSSL)", () => nodeOpen(sealed)],
      ["libsodium-wrappers", () => sodium.crypto_aead_chacha20poly1305_ietf_decrypt(null, sealed, null, nonce, key)],
      ["@noble/ciphers", () => nobleChaCha(key, nonce).decrypt(sealed)],
      ["@chainsafe/as-chacha20poly1305", () => chainsafe.open(key, nonce, sealed)],
    ],
  });
}
for (const size of [32, 1420, 65536]) {
  const data = new Uint8Array(randomBytes(size));
  groups.push({
    name: `BLAKE2s-256 ${size} B`,
    bytes: size,
    impls: [
      ["wasmguard (simd)", () => simd.blake2s(data)],
      ["wasmguard (scalar)", () => scalar.blake2s(data)],
      ["node:crypto (OpenSSL)", () => createHash("blake2s256").update(data).digest()],
      ["hash-wasm", () => hashWasm.init().update(data).digest("binary")],
      ["@noble/hashes", () => nobleBlake2s(data)],
    ],
  });
}

const alice = simd.generatePrivateKey();
const bob = simd.generatePrivateKey();
const bobPub = simd.x25519PublicKey(bob);
const b64u = (b: Uint8Array) => Buffer.from(b).toString("base64url");
const aliceKey: KeyObject = createPrivateKey({
  key: { kty: "OKP", crv: "X25519", d: b64u(alice), x: b64u(simd.x25519PublicKey(alice)) },
  format: "jwk",
});
const bobKey: KeyObject = createPublicKey({ key: { kty: "OKP", crv: "X25519", x: b64u(bobPub) }, format: "jwk" });
groups.push({
  name: "X25519 shared secret",
  impls: [
    ["wasmguard (simd)", () => simd.x25519(alice, bobPub)],
    ["wasmguard (scalar)", () => scalar.x25519(alice, bobPub)],
    ["node:crypto (OpenSSL)", () => diffieHellman({ privateKey: aliceKey, publicKey: bobKey })],
    ["libsodium-wrappers", () => sodium.crypto_scalarmult(alice, bobPub)],
    ["@noble/curves", () => nobleX25519.getSharedSecret(alice, bobPub)],
  ],
});
groups.push({
  name: "X25519 public key",
  impls: [
    ["wasmguard (simd)", () => simd.x25519PublicKey(alice)],
    ["wasmguard (scalar)", () => scalar.x25519PublicKey(alice)],
    ["node:crypto (OpenSSL)", () => createPublicKey(aliceKey).export({ format: "der", type: "spki" })],
    ["libsodium-wrappers", () => sodium.crypto_scalarmult_base(alice)],
    ["@noble/curves", () => nobleX25519.getPublicKey(alice)],
  ],
});

interface Result {
  group: string;
  impl: string;
  opsPerSec: number;
  meanMicros: number;
  rme: number;
  mbPerSec?: number;
  wasmguardSpeedup: number;
}

console.log(`# wasmguard crypto benchmark\n# ${machineLine()}\n`);
const results: Result[] = [];
const time = args.quick ? 150 : 600;
for (const g of groups) {
  process.stderr.write(`running ${g.name} ...\n`);
  const bench = new Bench({ time, warmupTime: Math.min(200, time / 2) });
  for (const [name, fn] of g.impls) bench.add(name, fn);
  await bench.run();
  const rows = bench.tasks.map((t) => {
    const r = t.result as unknown as { throughput?: { mean: number }; latency?: { mean: number; rme: number }; hz?: number; mean?: number; rme?: number };
    const hz = r.throughput?.mean ?? r.hz ?? 0;
    // Time per operation from the same figure as ops/s, so the two columns agree.
    return { name: t.name, hz, meanMicros: hz > 0 ? 1e6 / hz : 0, rme: r.latency?.rme ?? r.rme ?? 0 };
  });
  const ours = rows.find((r) => r.name === "wasmguard (simd)")!.hz;
  for (const r of rows)
    results.push({
      group: g.name,
      impl: r.name,
      opsPerSec: r.hz,
      meanMicros: r.meanMicros,
      rme: r.rme,
      mbPerSec: g.bytes ? (r.hz * g.bytes) / 1e6 : undefined,
      wasmguardSpeedup: ours / r.hz,
    });
  console.log(`## ${g.name}`);
  console.log(
    table(
      ["implementation", "ops/s", "mean", "±%", ...(g.bytes ? ["MB/s"] : []), "wasmguard ×"],
      rows.map((r) => [
        r.name,
        formatRate(r.hz),
        formatMicros(r.meanMicros),
        r.rme.toFixed(1),
        ...(g.bytes ? [((r.hz * g.bytes) / 1e6).toFixed(0)] : []),
        (ours / r.hz).toFixed(2),
      ]),
    ),
  );
  console.log("");
}
console.log("wasmguard × = how many times faster wasmguard (simd) is than that row (above 1: wasmguard wins).");
writeJson(args.json, { benchmark: "crypto", machine: machineLine(), results });
