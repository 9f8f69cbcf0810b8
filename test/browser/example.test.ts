// examples/browser in headless Chromium, served the way its README says (the
// page's import map points at node_modules/wasmguard/dist/bindings/crypto/,
// here answered from the bindings/crypto sources). The key pair on screen is
// checked against Node's own X25519, and a screenshot of the public key must be
// pixel-identical to the expected key rendered in the same element.
import { createPrivateKey, createPublicKey } from "node:crypto";
import { writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { chromiumAvailable, launchChromium, type Chromium } from "./chromium.js";
import { startServer, type StaticServer } from "./server.js";

const root = (p: string) => fileURLToPath(new URL(`../../${p}`, import.meta.url));
const available = chromiumAvailable("browser example test");

/** The public key of a base64 X25519 private key, by OpenSSL. */
function opensslPublicKey(privateB64: string): string {
  const pkcs8 = Buffer.concat([Buffer.from("302e020100300506032b656e04220420", "hex"), Buffer.from(privateB64, "base64")]);
  const spki = createPublicKey(createPrivateKey({ key: pkcs8, format: "der", type: "pkcs8" })).export({
    format: "der",
    type: "spki",
  });
  return spki.subarray(spki.length - 32).toString("base64");
}

describe.skipIf(!available)("examples/browser", () => {
  let server: StaticServer;
  let browser: Chromium;
  let page: Page;
  const errors: string[] = [];

  beforeAll(async () => {
    server = await startServer([
      { url: "/node_modules/wasmguard/dist/bindings/crypto/", dir: root("bindings/crypto") },
      { url: "/", dir: root("examples/browser") },
    ]);
    browser = await launchChromium({ viewport: { width: 900, height: 560 } });
    page = await browser.context.newPage();
    page.on("pageerror", (e) => errors.push(e.message));
    page.on("console", (m) => {
      if (m.type() === "error") errors.push(m.text());
    });
    await page.goto(`${server.origin}/`);
    await page.waitForSelector("body[data-ready=true]");
  });

  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  const keys = async () => ({
    privateKey: (await page.textContent("#private-key")) ?? "",
    publicKey: (await page.textContent("#public-key")) ?? "",
  });

  it("shows a key pair whose public key OpenSSL derives from its private key", async () => {
    const { privateKey, publicKey } = await keys();
    expect(privateKey).toMatch(/^[A-Za-z0-9+/]{43}=$/);
    expect(publicKey).toMatch(/^[A-Za-z0-9+/]{43}=$/);
    const raw = Buffer.from(privateKey, "base64");
    expect(raw[0] & 7).toBe(0); // clamped, as wg genkey's keys are
    expect(raw[31] & 0xc0).toBe(0x40);
    expect(publicKey).toBe(opensslPublicKey(privateKey));
    expect(await page.textContent("#status")).toMatch(/SIMD build/);
  });

  it("renders that public key: the screenshot matches the expected key drawn in its place", async () => {
    const shot = join(tmpdir(), "wasmguard-example-browser.png");
    writeFileSync(shot, await page.screenshot());
    console.log(`examples/browser screenshot: ${shot}`);

    const element = page.locator("#public-key");
    const shown = await element.screenshot();
    const { privateKey, publicKey } = await keys();
    const expected = opensslPublicKey(privateKey);
    const draw = (text: string) => element.evaluate((el, t) => (el.textContent = t), text);

    await draw(expected);
    expect((await element.screenshot()).equals(shown)).toBe(true);
    // One character different must show: the comparison can fail.
    await draw((expected[0] === "A" ? "B" : "A") + expected.slice(1));
    expect((await element.screenshot()).equals(shown)).toBe(false);
    await draw("");
    expect((await element.screenshot()).equals(shown)).toBe(false);
    await draw(publicKey);
  });

  it("makes a new key pair on click", async () => {
    const before = await keys();
    await page.click("#again");
    const after = await keys();
    expect(after.privateKey).not.toBe(before.privateKey);
    expect(after.publicKey).toBe(opensslPublicKey(after.privateKey));
  });

  it("loaded without errors and only from 127.0.0.1", () => {
    expect(errors).toEqual([]);
    expect(browser.offsite).toEqual([]);
    expect(server.served).toContain("/node_modules/wasmguard/dist/bindings/crypto/index.js");
  });
});
