// Quick check of BLAKE2s and X25519 speed against peers, measured in one
// process run so the figures compare as ratios. The machine is shared and
// noisy, so candidates run in interleaved batches timed by this process's CPU
// time (time spent descheduled does not count), and each reports its fastest
// and median batch. Run: node --import tsx bench/blake-x25519-quick.ts
import { createHash, createPrivateKey, createPublicKey, diffieHellman, type KeyObject } from "node:crypto";
import { createBLAKE2s } from "hash-wasm";
import sodium from "libsodium-wrappers";
import { x25519 as nobleX25519 } from "@noble/curves/ed25519.js";
import { blake2sApi } from "../bindings/crypto/blake2s.js";
import { x25519Api } from "../bindings/crypto/x25519.js";
import { instantiateCore } from "../bindings/crypto/wasm.js";

type Candidate = [name: string, fn: () => unknown];

/** CPU time of this process in µs (user + system). */
function cpuMicros(): number {
  const u = process.cpuUsage();
  return u.user + u.system;
}

/** Per-call time in µs of each candidate: batches of ~batchMs, interleaved over `rounds`. */
function compare(title: string, candidates: Candidate[], batchMs = 25, rounds = 15): void {
  const sizes = candidates.map(([, fn]) => {
    let n = 1;
    for (;;) {
      const t = cpuMicros();
      for (let i = 0; i < n; i++) fn();
      if (cpuMicros() - t >= batchMs * 1000) return n;
      n *= 2;
    }
  });
  const times: number[][] = candidates.map(() => []);
  for (let r = 0; r < rounds; r++) {
    candidates.forEach(([, fn], c) => {
      const n = sizes[c];
      const t = cpuMicros();
      for (let i = 0; i < n; i++) fn();
      times[c].push((cpuMicros() - t) / n);
    });
  }
  const stats = times.map((ts) => {
    ts.sort((a, b) => a - b);
    return { min: ts[0], median: ts[ts.length >> 1] };
  });
  console.log(`\n${title}   (CPU µs per call: fastest batch / median batch; ratio = time / time of the first row, fastest batches)`);
  candidates.forEach(([name], c) => {
    const { min, median } = stats[c];
    console.log(`  ${name.padEnd(38)} ${min.toFixed(2).padStart(8)} / ${median.toFixed(2).padStart(8)}   ${(min / stats[0].min).toFixed(2)}x`);
  });
}

const b64u = (b: Uint8Array) => Buffer.from(b).toString("base64url");
function nodeKeys(priv: Uint8Array, pub: Uint8Array): { privateKey: KeyObject; publicKey: KeyObject } {
  return {
    privateKey: createPrivateKey({
      key: { kty: "OKP", crv: "X25519", d: b64u(priv), x: b64u(nobleX25519.getPublicKey(priv)) },
      format: "jwk",
    }),
    publicKey: createPublicKey({ key: { kty: "OKP", crv: "X25519", x: b64u(pub) }, format: "jwk" }),
  };
}

await sodium.ready;
const hw = await createBLAKE2s();
const builds = ["simd", "scalar"] as const;
const blake = builds.map((b) => [b, blake2sApi(instantiateCore(b))] as const);
const x = builds.map((b) => [b, x25519Api(instantiateCore(b))] as const);

const packet = new Uint8Array(1420).map((_, i) => (i * 31) & 0xff);
compare("BLAKE2s-256 of 1420 bytes", [
  ...blake.map(([b, api]): Candidate => [`wasmguard ${b}`, () => api.blake2s(packet)]),
  [
    "hash-wasm createBLAKE2s()",
    () => {
      hw.init();
      hw.update(packet);
      return hw.digest("binary");
    },
  ],
  ["node:crypto blake2s256 (OpenSSL)", () => createHash("blake2s256").update(packet).digest()],
]);

const k32 = new Uint8Array(32).fill(7);
compare("WireGuard KDF3 and MAC (32-byte inputs)", [
  ...blake.map(([b, api]): Candidate => [`wasmguard ${b} hkdf n=3`, () => api.hkdf(k32, k32, 3)]),
  ...blake.map(([b, api]): Candidate => [`wasmguard ${b} mac16 (148 bytes)`, () => api.mac16(k32, packet.subarray(0, 116))]),
]);

const priv = sodium.randombytes_buf(32);
const peerPub = nobleX25519.getPublicKey(sodium.randombytes_buf(32));
const keys = nodeKeys(priv, peerPub);
compare(
  "X25519 shared secret",
  [
    ...x.map(([b, api]): Candidate => [`wasmguard ${b}`, () => api.x25519(priv, peerPub)]),
    ["libsodium-wrappers crypto_scalarmult", () => sodium.crypto_scalarmult(priv, peerPub)],
    ["node:crypto diffieHellman (OpenSSL)", () => diffieHellman(keys)],
  ],
  60,
  9,
);
compare("@noble/curves x25519 (for scale)", [["@noble/curves getSharedSecret", () => nobleX25519.getSharedSecret(priv, peerPub)]], 60, 3);

compare(
  "X25519 public key",
  [
    ...x.map(([b, api]): Candidate => [`wasmguard ${b} x25519PublicKey`, () => api.x25519PublicKey(priv)]),
    ["libsodium crypto_scalarmult_base", () => sodium.crypto_scalarmult_base(priv)],
  ],
  60,
  9,
);
