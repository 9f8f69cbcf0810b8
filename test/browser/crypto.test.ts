// wasmguard/crypto in headless Chromium: the known-answer vectors, random
// seal/open round trips and X25519 against the browser's own Web Crypto, in the
// page and in a module Web Worker, with the engine's SIMD and with SIMD taken
// away (the scalar build must then be chosen by itself). The page loads the
// sources of bindings/crypto over HTTP from 127.0.0.1 and nothing else.
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { chromiumAvailable, launchChromium, type Chromium } from "./chromium.js";
import type { Report } from "./page/run.js";
import { startServer, type StaticServer } from "./server.js";

const root = (p: string) => fileURLToPath(new URL(`../../${p}`, import.meta.url));
const available = chromiumAvailable("browser crypto tests");

describe.skipIf(!available)("wasmguard/crypto in headless Chromium", () => {
  let server: StaticServer;
  let browser: Chromium;
  const pageErrors: string[] = [];

  beforeAll(async () => {
    server = await startServer([
      { url: "/bindings/crypto/", dir: root("bindings/crypto") },
      { url: "/test/browser/", dir: root("test/browser") },
      { url: "/vectors/", dir: root("test/vectors") },
    ]);
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  async function run(query: string): Promise<Report> {
    const page = await browser.context.newPage();
    page.on("pageerror", (e) => pageErrors.push(`${query}: ${e.message}`));
    page.on("console", (m) => {
      if (m.type() === "error") pageErrors.push(`${query}: console: ${m.text()}`);
    });
    await page.goto(`${server.origin}/test/browser/page/index.html${query}`);
    await page.waitForFunction(() => "selftestReport" in globalThis);
    const report = await page.evaluate(() => (globalThis as unknown as { selftestReport: Promise<Report> }).selftestReport);
    await page.close();
    return report;
  }

  function expectAllPass(report: Report) {
    const failed = report.checks.filter((c) => !c.ok);
    expect(failed).toEqual([]);
    const names = report.checks.map((c) => c.name).join("\n");
    // Every vector family ran, not just some of them.
    for (const family of [
      "RFC 8439 ChaCha20-Poly1305 2.8.2 seal",
      "RFC 8439 ChaCha20-Poly1305 A.5 open",
      "RFC 8439 ChaCha20 2.4.2 keystream at counter 1",
      "XChaCha draft-03 AEAD A.3.1 seal",
      "XChaCha draft-03 XChaCha20 A.3.2.2 keystream at counter 1",
      "RFC 7693 Appendix B",
      "RFC 7693 Appendix E grand hash",
      "RFC 7748 §5.2 #2",
      "RFC 7748 §5.2 after 1000 iteration(s)",
      "RFC 7748 §6.1 shared secret (Bob)",
      "wireguard-go KDF #3 hkdf",
      "ChaCha20-Poly1305 random round trip, 65536 bytes: open",
      "XChaCha20-Poly1305 random round trip, 1420 bytes: open rejects a flipped bit",
      "X25519 random agreement",
      "X25519 shared secret matches Web Crypto's",
      "X25519 Web Crypto agrees with our private key",
    ])
      expect(names).toContain(family);
    expect(report.checks.length).toBeGreaterThan(150);
  }

  it("passes every check in the page, with the SIMD build", async () => {
    const report = await run("");
    expect(report.scope).toBe("window");
    expect(report.simdSupported).toBe(true);
    expect(report.build).toBe("simd");
    expect(report.simdBuildError).toBeNull();
    expectAllPass(report);
  });

  it("passes every check in a module Web Worker", async () => {
    const report = await run("?in=worker");
    expect(report.scope).toBe("worker");
    expect(report.build).toBe("simd");
    expectAllPass(report);
  });

  it("falls back to the scalar build where the engine has no SIMD (page and worker)", async () => {
    for (const where of ["window", "worker"] as const) {
      const report = await run(`?engine=nosimd${where === "worker" ? "&in=worker" : ""}`);
      expect(report.scope).toBe(where);
      expect(report.simdSupported).toBe(false);
      expect(report.build).toBe("scalar");
      expect(report.simdBuildError).toMatch(/SIMD/);
      expectAllPass(report);
    }
  });

  it("reports a corrupted vector as a failure", async () => {
    const report = await run("?tamper");
    const failed = report.checks.filter((c) => !c.ok).map((c) => c.name);
    // The seal no longer matches, and open rejects the corrupted tag.
    expect(failed).toEqual(["RFC 8439 ChaCha20-Poly1305 2.8.2 seal", "RFC 8439 ChaCha20-Poly1305 2.8.2 open"]);
  });

  it("loaded only bindings/crypto and the test page, without errors, and stayed on 127.0.0.1", () => {
    const scripts = [...new Set(server.served.filter((p) => p.endsWith(".js")))].sort();
    const crypto = scripts.filter((p) => p.startsWith("/bindings/crypto/"));
    const page = scripts.filter((p) => p.startsWith("/test/browser/"));
    expect(crypto).toContain("/bindings/crypto/index.js");
    expect(crypto).toContain("/bindings/crypto/wasm-binary.js");
    expect([...crypto, ...page]).toEqual(scripts);
    expect(page.every((p) => /^\/test\/browser\/(page\/|selftest\.js$|no-simd-engine\.js$)/.test(p))).toBe(true);
    expect(pageErrors).toEqual([]);
    expect(browser.offsite).toEqual([]);
  });
});
