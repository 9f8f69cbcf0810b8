// Headless Chromium for the browser tests and the browser benchmark: Debian's
// `chromium` driven by playwright-core (no browser download), kept off the
// network by launch flags, a fresh profile, and a route that aborts (and
// records) every request that is not to 127.0.0.1.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium, type BrowserContext } from "playwright-core";
import { hasTool, toolsAvailable } from "../helpers/tools.js";

/** The browser binary; WASMGUARD_CHROMIUM overrides /usr/bin/chromium. */
export const CHROMIUM = process.env.WASMGUARD_CHROMIUM ?? "/usr/bin/chromium";

export const CHROMIUM_FLAGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--disable-default-apps",
  "--disable-extensions",
  // Every host name fails to resolve except 127.0.0.1, the test server.
  "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
];

/** True when Chromium is installed; otherwise skips with a reason, or throws under WASMGUARD_REQUIRE_NETNS=1. */
export function chromiumAvailable(suite: string): boolean {
  if (!hasTool(CHROMIUM)) console.warn(`${suite}: needs Debian's chromium (apt-get install -y --no-install-recommends chromium) or WASMGUARD_CHROMIUM=<path>`);
  return toolsAvailable(suite, CHROMIUM);
}

export interface Chromium {
  context: BrowserContext;
  /** URLs of requests that tried to leave 127.0.0.1 (all were aborted). */
  offsite: string[];
  close(): Promise<void>;
}

export async function launchChromium(options: { viewport?: { width: number; height: number } } = {}): Promise<Chromium> {
  const profile = mkdtempSync(join(tmpdir(), "wasmguard-chromium-"));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: CHROMIUM_FLAGS,
    viewport: options.viewport ?? { width: 800, height: 600 },
    deviceScaleFactor: 1,
    offline: false,
    serviceWorkers: "block",
  });
  const offsite: string[] = [];
  await context.route(
    (url) => url.hostname !== "127.0.0.1",
    (route) => {
      offsite.push(route.request().url());
      return route.abort("blockedbyclient");
    },
  );
  return {
    context,
    offsite,
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}
