// Network namespaces for vitest suites: everything in netns-core.ts, plus
// describeNetns, which skips a suite with a reason (or fails it when
// WASMGUARD_REQUIRE_NETNS=1) where namespaces, TUN or the addon are missing.
//
//   describeNetns("tun", () => { ... }, { tun: true, addon: true });
//   const ns = Netns.create();            // in beforeAll; ns.delete() in afterAll
import { describe, it } from "vitest";
import { netnsAvailable, requireNetns, type Requirements } from "./netns-core.js";

export * from "./netns-core.js";

/**
 * describe() that runs only where `req` is met. Otherwise the suite is skipped
 * with the reason printed, or, under WASMGUARD_REQUIRE_NETNS=1, replaced by a
 * failing test that states the reason.
 */
export function describeNetns(name: string, body: () => void, req: Requirements = {}): void {
  const avail = netnsAvailable(req);
  if (avail.ok) {
    describe(name, body);
  } else if (requireNetns) {
    describe(name, () => {
      it("has the environment it needs", () => {
        throw new Error(`${avail.reason} (WASMGUARD_REQUIRE_NETNS=1 makes this a failure)`);
      });
    });
  } else {
    console.warn(`[skip] ${name}: ${avail.reason}`);
    describe.skip(`${name} (skipped: ${avail.reason})`, body);
  }
}

