// The npm package as people get it. Packs a copy of this checkout (its tracked
// and untracked-but-not-ignored files, so `prepare` builds from scratch as it
// does for `npm publish`), checks the tarball's file list and sizes, installs
// it into an empty project (offline: commander comes from the npm cache; the
// native addon compiles with node-gyp), then uses `wasmguard/crypto` from ESM,
// from a worker thread and from TypeScript, and runs the installed CLI.
import { execFileSync, spawn } from "node:child_process";
import { createPrivateKey, createPublicKey } from "node:crypto";
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, realpathSync, rmSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { toolsAvailable } from "../helpers/tools.js";

const repo = fileURLToPath(new URL("../../", import.meta.url));
const available = toolsAvailable("packaging test", "git", "npm", "make", "g++", "python3");

interface PackedFile {
  path: string;
  size: number;
}
interface PackResult {
  filename: string;
  size: number;
  unpackedSize: number;
  files: PackedFile[];
}

interface Ran {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a command without blocking the event loop (vitest's worker must keep answering). */
function spawnAsync(cmd: string, args: string[], cwd: string, input?: string): Promise<Ran> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd, stdio: ["pipe", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (d: string) => (stdout += d));
    child.stderr.setEncoding("utf8").on("data", (d: string) => (stderr += d));
    child.once("error", reject);
    child.once("close", (status) => resolve({ status, stdout, stderr }));
    child.stdin.end(input ?? "");
  });
}

async function run(cmd: string, args: string[], cwd: string, input?: string): Promise<string> {
  const r = await spawnAsync(cmd, args, cwd, input);
  if (r.status !== 0)
    throw new Error(`${cmd} ${args.join(" ")} (in ${cwd}) exited with ${r.status}:\n${r.stdout}\n${r.stderr}`);
  return r.stdout;
}

/** Copies what a fresh clone plus local edits would hold; node_modules is linked, not copied. */
function copyCheckout(to: string): void {
  const files = execFileSync("git", ["ls-files", "-z", "--cached", "--others", "--exclude-standard"], { cwd: repo })
    .toString()
    .split("\0")
    .filter((f) => f && existsSync(join(repo, f)) && statSync(join(repo, f)).isFile());
  for (const f of files) {
    mkdirSync(dirname(join(to, f)), { recursive: true });
    copyFileSync(join(repo, f), join(to, f));
  }
  symlinkSync(realpathSync(join(repo, "node_modules")), join(to, "node_modules"));
}

/** The public key of a base64 X25519 private key, by OpenSSL. */
function opensslPublicKey(privateB64: string): string {
  const pkcs8 = Buffer.concat([Buffer.from("302e020100300506032b656e04220420", "hex"), Buffer.from(privateB64, "base64")]);
  const spki = createPublicKey(createPrivateKey({ key: pkcs8, format: "der", type: "pkcs8" })).export({ format: "der", type: "spki" });
  return spki.subarray(spki.length - 32).toString("base64");
}

// The consumer's code: plain ESM against the installed package, checked
// against Node's OpenSSL and the RFC 7693 / wireguard-go vectors it is given.
const CONSUMER_MAIN = `
import { loadCrypto, loadCryptoSync, simdSupported } from "wasmguard/crypto";
import { Worker } from "node:worker_threads";
import { createCipheriv, randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";

const hex = (b) => Buffer.from(b).toString("hex");
const kdf = JSON.parse(readFileSync(new URL("./wg-kdf.json", import.meta.url), "utf8")).vectors;
const c = await loadCrypto();
const out = { resolved: import.meta.resolve("wasmguard/crypto"), build: c.build, simd: simdSupported() };

const key = randomBytes(32), nonce = randomBytes(12), aad = randomBytes(13), pt = randomBytes(1420);
const sealed = c.chacha20poly1305Seal(key, nonce, pt, aad);
const ossl = createCipheriv("chacha20-poly1305", key, nonce, { authTagLength: 16 });
ossl.setAAD(aad);
out.sealMatchesOpenssl = hex(sealed) === hex(Buffer.concat([ossl.update(pt), ossl.final(), ossl.getAuthTag()]));
out.opens = hex(c.chacha20poly1305Open(key, nonce, sealed, aad)) === hex(pt);
sealed[100] ^= 1;
out.rejectsTampered = c.chacha20poly1305Open(key, nonce, sealed, aad) === null;

out.kdf = kdf.map((v) => {
  const ck = new Uint8Array(32);
  ck.set(Buffer.from(v.key, "hex"));
  return c.hkdf(ck, Buffer.from(v.input, "hex"), 3).map(hex).join(",") === [v.t0, v.t1, v.t2].join(",");
});

const scalar = loadCryptoSync({ build: "scalar" });
out.scalarAgrees = hex(scalar.blake2s(pt)) === hex(c.blake2s(pt)) && scalar.build === "scalar";

out.worker = await new Promise((resolve, reject) => {
  const w = new Worker(new URL("./worker.mjs", import.meta.url));
  w.once("message", (m) => { w.terminate(); resolve(m); });
  w.once("error", reject);
});
console.log(JSON.stringify(out));
`;

const CONSUMER_WORKER = `
import { loadCrypto } from "wasmguard/crypto";
import { parentPort, isMainThread } from "node:worker_threads";
const c = await loadCrypto();
parentPort.postMessage({ isMainThread, build: c.build, blake2sAbc: Buffer.from(c.blake2s(new TextEncoder().encode("abc"))).toString("hex") });
`;

// Type-checked with the package's declarations; each @ts-expect-error must
// meet an error, so declarations that degrade to \`any\` fail the check.
const CONSUMER_TYPES = `
import { loadCrypto, simdSupported, type WasmCrypto } from "wasmguard/crypto";

const c: WasmCrypto = await loadCrypto({ build: simdSupported() ? "simd" : "scalar" });
const sealed: Uint8Array = c.xchacha20poly1305Seal(new Uint8Array(32), new Uint8Array(24), new Uint8Array(3));
const opened: Uint8Array | null = c.xchacha20poly1305Open(new Uint8Array(32), new Uint8Array(24), sealed);
const keys: Uint8Array[] = c.hkdf(new Uint8Array(32), new Uint8Array(0), 2);
// @ts-expect-error there is no such build
await loadCrypto({ build: "avx512" });
// @ts-expect-error open returns null on a bad tag
const notNull: Uint8Array = c.chacha20poly1305Open(new Uint8Array(32), new Uint8Array(12), sealed);
// @ts-expect-error hkdf gives 1, 2 or 3 outputs
c.hkdf(new Uint8Array(32), new Uint8Array(0), 4);
export { opened, keys, notNull };
`;

describe.skipIf(!available)("npm package", () => {
  const work = mkdtempSync(join(tmpdir(), "wasmguard-pack-"));
  const source = join(work, "source");
  const consumer = join(work, "consumer");
  let pack: PackResult;
  let tarball: string;

  beforeAll(async () => {
    copyCheckout(source);
    // `npm pack` runs `prepare` (asc and tsc) first; its output precedes the JSON.
    const stdout = await run("npm", ["pack", "--json", "--pack-destination", work], source);
    pack = (JSON.parse(stdout.slice(stdout.indexOf("[\n"))) as PackResult[])[0];
    tarball = join(work, pack.filename);

    mkdirSync(consumer);
    writeFileSync(join(consumer, "package.json"), JSON.stringify({ name: "consumer", version: "1.0.0", private: true, type: "module" }));
    await run("npm", ["install", "--prefer-offline", "--no-audit", "--no-fund", tarball], consumer);
  }, 600_000);

  afterAll(() => {
    rmSync(work, { recursive: true, force: true });
  });

  it("holds the compiled JS, its type declarations and the addon sources, and nothing else", () => {
    const paths = pack.files.map((f) => f.path).sort();
    const allowed = /^(package\.json|README\.md|LICENSE|binding\.gyp|systemd\/wasmguard@\.service|native\/[\w-]+\.[ch]|dist\/(bindings|bin)\/[\w/-]+\.(js|d\.ts))$/;
    expect(paths.filter((p) => !allowed.test(p))).toEqual([]);

    const crypto = ["index", "types", "wasm", "wasm-binary", "aead", "blake2s", "x25519"];
    for (const f of crypto) expect(paths).toContain(`dist/bindings/crypto/${f}.js`);
    for (const f of ["index", "types", "wasm"]) expect(paths).toContain(`dist/bindings/crypto/${f}.d.ts`);
    for (const f of readdirSync(join(repo, "native"))) expect(paths).toContain(`native/${f}`);
    expect(paths).toContain("binding.gyp");

    // Every entry point package.json names is in the tarball. (The device API
    // entry "." is only checked once its source, bindings/index.ts, exists.)
    const pkg = JSON.parse(readFileSync(join(repo, "package.json"), "utf8"));
    const targets: string[] = [...(Object.values(pkg.bin) as string[])];
    for (const [name, entry] of Object.entries(pkg.exports as Record<string, string | Record<string, string>>)) {
      if (name === "." && !existsSync(join(repo, "bindings/index.ts"))) continue;
      targets.push(...(typeof entry === "string" ? [entry] : Object.values(entry)));
    }
    for (const t of targets) expect(paths, `${t} is named in package.json`).toContain(t.replace(/^\.\//, ""));
  });

  it("stays small: tens of kilobytes of WebAssembly, no bulky file", async () => {
    const size = (p: string) => pack.files.find((f) => f.path === p)?.size ?? 0;
    // The WASM ships once, inline in wasm-binary.js (base64, about 4/3 of the raw size).
    const { SIMD_WASM_BASE64, SCALAR_WASM_BASE64 } = await import(join(consumer, "node_modules/wasmguard/dist/bindings/crypto/wasm-binary.js"));
    const wasm = { simd: Buffer.from(SIMD_WASM_BASE64, "base64"), scalar: Buffer.from(SCALAR_WASM_BASE64, "base64") };
    for (const w of Object.values(wasm)) {
      expect(w.subarray(0, 4).toString("latin1")).toBe("\0asm");
      expect(w.length).toBeLessThan(64 * 1024);
    }
    const binaryJs = size("dist/bindings/crypto/wasm-binary.js");
    expect(binaryJs).toBeLessThan(((wasm.simd.length + wasm.scalar.length) * 4) / 3 + 1024);
    // Declarations describe the API; they must not carry the binaries again.
    for (const f of pack.files) {
      if (f.path.endsWith(".d.ts")) expect(f.size, f.path).toBeLessThan(16 * 1024);
      else if (f.path !== "dist/bindings/crypto/wasm-binary.js") expect(f.size, f.path).toBeLessThan(48 * 1024);
    }
    // The whole daemon's JS is most of it; the crypto module is about a third.
    expect(pack.size).toBeLessThan(320 * 1024);

    const kb = (n: number) => `${(n / 1024).toFixed(1)} KiB`;
    console.log(
      [
        `tarball ${pack.filename}: ${kb(pack.size)} (${pack.files.length} files, ${kb(pack.unpackedSize)} unpacked)`,
        ...Object.entries(wasm).map(([b, w]) => `${b} wasm: ${kb(w.length)} raw, ${kb(gzipSync(w, { level: 9 }).length)} gzip -9`),
        `wasm-binary.js (both builds, base64): ${kb(binaryJs)} raw`,
      ].join("\n"),
    );
  });

  it("installs into an empty project and compiles the native addon there", async () => {
    const installed = join(consumer, "node_modules/wasmguard");
    expect(JSON.parse(readFileSync(join(installed, "package.json"), "utf8")).name).toBe("wasmguard");
    // commander is the only runtime dependency.
    expect(readdirSync(join(consumer, "node_modules")).filter((n) => !n.startsWith(".")).sort()).toEqual(["commander", "wasmguard"]);
    const addon = join(installed, "build/Release/wasmguard_io.node");
    expect(existsSync(addon)).toBe(true);
    const loaded = await run(process.execPath, ["-e", `console.log(typeof require(${JSON.stringify(addon)}).ENDPOINT_BYTES)`], consumer);
    expect(loaded.trim()).toBe("number");
  });

  it("works as wasmguard/crypto from ESM, a worker thread and the scalar build", async () => {
    writeFileSync(join(consumer, "main.mjs"), CONSUMER_MAIN);
    writeFileSync(join(consumer, "worker.mjs"), CONSUMER_WORKER);
    copyFileSync(join(repo, "test/vectors/wg-kdf.json"), join(consumer, "wg-kdf.json"));
    const out = JSON.parse(await run(process.execPath, ["main.mjs"], consumer));
    const rfc7693 = JSON.parse(readFileSync(join(repo, "test/vectors/rfc7693.json"), "utf8"));
    expect(out).toEqual({
      resolved: `file://${realpathSync(consumer)}/node_modules/wasmguard/dist/bindings/crypto/index.js`,
      build: "simd",
      simd: true,
      sealMatchesOpenssl: true,
      opens: true,
      rejectsTampered: true,
      kdf: [true, true, true],
      scalarAgrees: true,
      worker: { isMainThread: false, build: "simd", blake2sAbc: rfc7693.appendixB.out },
    });
  });

  it("type-checks a TypeScript consumer against its declarations", async () => {
    writeFileSync(join(consumer, "consumer.ts"), CONSUMER_TYPES);
    // The same code without the @ts-expect-error lines must fail there: the types are real.
    writeFileSync(join(consumer, "consumer-wrong.ts"), CONSUMER_TYPES.replaceAll("// @ts-expect-error", "//"));
    writeFileSync(
      join(consumer, "tsconfig.json"),
      JSON.stringify({
        compilerOptions: { target: "ES2022", module: "NodeNext", moduleResolution: "NodeNext", strict: true, noEmit: true, types: [], lib: ["ES2022", "DOM"] },
        files: ["consumer.ts", "consumer-wrong.ts"],
      }),
    );
    const tsc = join(realpathSync(join(repo, "node_modules")), "typescript/bin/tsc");
    const r = await spawnAsync(process.execPath, [tsc, "-p", "tsconfig.json"], consumer);
    const errors = r.stdout.split("\n").filter((l) => l.includes("error TS"));
    expect(errors.map((l) => l.replace(/\(.*/, ""))).toEqual(["consumer-wrong.ts", "consumer-wrong.ts", "consumer-wrong.ts"]);
    // A Node project without the DOM lib (and without skipLibCheck) can use the declarations too.
    writeFileSync(
      join(consumer, "tsconfig.nodom.json"),
      JSON.stringify({
        compilerOptions: { target: "ES2022", module: "NodeNext", moduleResolution: "NodeNext", strict: true, noEmit: true, types: [], lib: ["ES2022"] },
        files: ["consumer.ts"],
      }),
    );
    await run(process.execPath, [tsc, "-p", "tsconfig.nodom.json"], consumer);
  });

  it("runs the installed CLI: wasmguard genkey | wasmguard pubkey", async () => {
    const bin = join(consumer, "node_modules/.bin/wasmguard");
    const privateKey = await run(bin, ["genkey"], consumer);
    expect(privateKey).toMatch(/^[A-Za-z0-9+/]{43}=\n$/);
    const publicKey = await run(bin, ["pubkey"], consumer, privateKey);
    expect(publicKey.trim()).toBe(opensslPublicKey(privateKey.trim()));
  });
});
