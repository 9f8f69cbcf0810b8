// Quick AEAD timing: ns per seal/open for 1420- and 65536-byte messages,
// wasmguard (SIMD and scalar, JS API and raw pointer export) against Node's
// OpenSSL, libsodium-wrappers and @noble/ciphers, all in this one process.
// Run: node --import tsx bench/aead-quick.ts   (ratios are what to quote)
import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";
import { chacha20poly1305 as nobleChaCha } from "@noble/ciphers/chacha.js";
import sodium from "libsodium-wrappers";
import { aeadApi } from "../bindings/crypto/aead.js";
import { instantiateCore, type WasmBuild } from "../bindings/crypto/wasm.js";

await sodium.ready;

type Case = { name: string; seal: () => unknown; open: () => unknown };

/** ns per call of a batch of n calls. */
function timeBatch(fn: () => unknown, n: number): number {
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < n; i++) fn();
  return Number(process.hrtime.bigint() - t0) / n;
}

/**
 * Interleaved timing: every round times each function once (in a rotated
 * order). The machine is shared, so each function's figure is its fastest
 * round (the one least disturbed by neighbours), and the speed relative to
 * fns[0] is the ratio of those minima, measured in this same run.
 */
function compare(fns: (() => unknown)[], rounds = 31, batchMs = 8): { ns: number[]; ratio: number[] } {
  const counts = fns.map((fn) => {
    const warmUntil = performance.now() + 250; // let V8 tier the code up
    while (performance.now() < warmUntil) for (let i = 0; i < 20; i++) fn();
    const per = timeBatch(fn, 20);
    return Math.max(1, Math.round((batchMs * 1e6) / per));
  });
  const best = fns.map(() => Infinity);
  for (let r = 0; r < rounds; r++) {
    for (let k = 0; k < fns.length; k++) {
      const i = (k + r) % fns.length;
      best[i] = Math.min(best[i]!, timeBatch(fns[i]!, counts[i]!));
    }
  }
  return { ns: best, ratio: best.map((b) => best[0]! / b) };
}

function cases(size: number): Case[] {
  const key = new Uint8Array(randomBytes(32));
  const nonce = new Uint8Array(randomBytes(12));
  const pt = new Uint8Array(randomBytes(size));
  const empty = new Uint8Array(0);
  const c = createCipheriv("chacha20-poly1305", key, nonce, { authTagLength: 16 });
  const sealed = new Uint8Array(Buffer.concat([c.update(pt), c.final(), c.getAuthTag()]));
  const ct = sealed.subarray(0, size), tag = sealed.subarray(size);
  const out: Case[] = [
    {
      name: "node:crypto (OpenSSL)",
      seal: () => {
        const e = createCipheriv("chacha20-poly1305", key, nonce, { authTagLength: 16 });
        const a = e.update(pt);
        e.final();
        return [a, e.getAuthTag()];
      },
      open: () => {
        const d = createDecipheriv("chacha20-poly1305", key, nonce, { authTagLength: 16 });
        d.setAuthTag(tag);
        const p = d.update(ct);
        d.final();
        return p;
      },
    },
    {
      name: "libsodium-wrappers",
      seal: () => sodium.crypto_aead_chacha20poly1305_ietf_encrypt(pt, null, null, nonce, key),
      open: () => sodium.crypto_aead_chacha20poly1305_ietf_decrypt(null, sealed, null, nonce, key),
    },
    {
      name: "@noble/ciphers",
      seal: () => nobleChaCha(key, nonce).encrypt(pt),
      open: () => nobleChaCha(key, nonce).decrypt(sealed),
    },
  ];
  for (const build of ["simd", "scalar"] as WasmBuild[]) {
    const core = instantiateCore(build);
    const api = aeadApi(core);
    if (api.chacha20poly1305Open(key, nonce, sealed) === null) throw new Error("wasm open failed");
    out.push({
      name: `wasmguard ${build} (JS API)`,
      seal: () => api.chacha20poly1305Seal(key, nonce, pt, empty),
      open: () => {
        if (api.chacha20poly1305Open(key, nonce, sealed, empty) === null) throw new Error("open failed");
      },
    });
    if (size <= 65536) {
      // Raw export: inputs already in WASM memory, no copies at all. The raw
      // calls get their own key and nonce copies in fresh pages, because the
      // JS API zeroes its key scratch after every call.
      const io = core.global("AEAD_IO_PTR");
      const fresh = (core.exports.memory as WebAssembly.Memory).grow(4) * 65536;
      // dst sits 2 KiB off src modulo 4 KiB, so its stores never 4K-alias the loads ahead.
      const openSrc = fresh, dst = fresh + 65536 + 2048, kp = fresh + 2 * 65536 + 4096, np = kp + 32;
      core.u8.set(key, kp);
      core.u8.set(nonce, np);
      core.u8.set(pt, io);
      core.u8.set(sealed, openSrc);
      const sealRaw = core.fn<(...a: number[]) => void>("chacha20poly1305_seal");
      const openRaw = core.fn<(...a: number[]) => number>("chacha20poly1305_open");
      if (openRaw(kp, np, openSrc, size + 16, 0, 0, dst) !== 1) throw new Error("raw open failed");
      out.push({
        name: `wasmguard ${build} (raw export)`,
        seal: () => sealRaw(kp, np, io, size, 0, 0, io),
        open: () => {
          if (openRaw(kp, np, openSrc, size + 16, 0, 0, dst) !== 1) throw new Error("raw open failed");
        },
      });
    }
    if (size === 1420) {
      const wgSealed = api.wgSeal(key, 12345n, pt);
      out.push({
        name: `wasmguard ${build} (wgSeal/wgOpen)`,
        seal: () => api.wgSeal(key, 12345n, pt),
        open: () => {
          if (api.wgOpen(key, 12345n, wgSealed) === null) throw new Error("wgOpen failed");
        },
      });
    }
  }
  return out;
}

for (const size of [1420, 65536]) {
  const list = cases(size);
  const seal = compare(list.map((c) => c.seal));
  const open = compare(list.map((c) => c.open));
  console.log(`\n${size} bytes: best ns/op over 31 interleaved rounds, and speed relative to node:crypto (higher is faster)`);
  console.log("implementation".padEnd(34) + "seal ns".padStart(10) + "  x".padStart(7) + "open ns".padStart(11) + "  x".padStart(7));
  list.forEach((c, i) => {
    console.log(
      c.name.padEnd(34) +
        seal.ns[i]!.toFixed(0).padStart(10) +
        seal.ratio[i]!.toFixed(2).padStart(7) +
        open.ns[i]!.toFixed(0).padStart(11) +
        open.ratio[i]!.toFixed(2).padStart(7),
    );
  });
}
