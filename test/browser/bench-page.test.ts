// Smoke test of the browser benchmark page (bench/browser): every peer loads in
// Chromium from node_modules and agrees byte for byte with wasmguard before
// anything is timed. One short round, so it says nothing about speed.
import { realpathSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Row } from "../../bench/browser/bench.js";
import { chromiumAvailable, launchChromium, type Chromium } from "./chromium.js";
import { startServer, type StaticServer } from "./server.js";

const root = (p: string) => fileURLToPath(new URL(`../../${p}`, import.meta.url));
const available = chromiumAvailable("browser benchmark page test");

describe.skipIf(!available)("bench/browser page", () => {
  let server: StaticServer;
  let browser: Chromium;

  beforeAll(async () => {
    server = await startServer([
      { url: "/bench/browser/", dir: root("bench/browser") },
      { url: "/bindings/crypto/", dir: root("bindings/crypto") },
      { url: "/node_modules/", dir: realpathSync(root("node_modules")) },
    ]);
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it("loads every peer, checks they agree, and measures each one", async () => {
    const page = await browser.context.newPage();
    const errors: string[] = [];
    page.on("pageerror", (e) => errors.push(e.message));
    await page.goto(`${server.origin}/bench/browser/index.html?rounds=1&slice=5`);
    await page.waitForFunction(() => "benchmarkRows" in globalThis);
    const rows = await page.evaluate(() => (globalThis as unknown as { benchmarkRows: Promise<Row[]> }).benchmarkRows);
    expect(errors).toEqual([]);
    expect(browser.offsite).toEqual([]);
    const impls = (group: string) => rows.filter((r) => r.group === group).map((r) => r.impl);
    expect(impls("ChaCha20-Poly1305 seal 1420 B")).toEqual(["wasmguard (simd)", "wasmguard (scalar)", "@noble/ciphers", "libsodium-wrappers"]);
    expect(impls("BLAKE2s-256 1420 B")).toEqual(["wasmguard (simd)", "wasmguard (scalar)", "@noble/hashes", "hash-wasm"]);
    expect(impls("X25519 shared secret")).toContain("Web Crypto (native, async)");
    expect(impls("X25519 public key")).toContain("libsodium-wrappers");
    for (const r of rows) expect(r.opsPerSec, `${r.group} ${r.impl}`).toBeGreaterThan(0);
  });
});
