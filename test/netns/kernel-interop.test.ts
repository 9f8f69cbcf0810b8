// Interop with the Linux kernel's WireGuard: runs test/netns/kernel-interop.sh
// (kernel WireGuard and wasmguardd in two namespaces, both roles, with and
// without a preshared key) on this host when its kernel has the module, else
// inside the VM of ../shared/tools/kernel-vm.sh, and reports each of the
// script's checks as a test. Without either, the suite skips with the reason,
// or fails when WASMGUARD_REQUIRE_KERNEL=1 (CI).
//
// Under the VM's software emulation the run takes minutes: interop only, no
// speed figures (`npm run bench` measures the kernel on a host with the module).
import type { ChildProcess } from "node:child_process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { kernelMode, parseTap, plannedChecks, requireKernel, runKernelInterop, type ScriptRun } from "../helpers/kernel.js";

// The script's own bound; the VM adds its boot, and a first use installs qemu and the kernel.
const SCRIPT_TIMEOUT_S = 900;
const HOOK_TIMEOUT_MS = (SCRIPT_TIMEOUT_S + 600) * 1000;

// The reading of the script's output decides pass or fail: check it on its own.
describe("kernel-interop.sh output", () => {
  it("is read as one result per check, with the diagnostics of a failure", () => {
    const r = parseTap(
      [
        "# kernel 6.12, peer: kernel",
        "ok 1 - kernel initiates, no preshared key: set up: namespaces (16 s)",
        "not ok 2 - kernel initiates, no preshared key: IPv6 ping from the initiator (3 s)",
        "#   ping fd10::2 from ki1-i lost packets:",
        "#   -- wg show (initiator side)",
        "not ok 3 - kernel initiates, no preshared key: roaming # not run: an earlier check (first) failed",
        "1..3",
      ].join("\n"),
    );
    expect([...r.keys()]).toEqual([
      "kernel initiates, no preshared key: set up: namespaces",
      "kernel initiates, no preshared key: IPv6 ping from the initiator",
      "kernel initiates, no preshared key: roaming",
    ]);
    expect(r.get("kernel initiates, no preshared key: set up: namespaces")).toEqual({ ok: true, detail: [] });
    expect(r.get("kernel initiates, no preshared key: IPv6 ping from the initiator")).toEqual({
      ok: false,
      detail: ["ping fd10::2 from ki1-i lost packets:", "-- wg show (initiator side)"],
    });
    expect(r.get("kernel initiates, no preshared key: roaming")).toEqual({
      ok: false,
      detail: ["not run: an earlier check (first) failed"],
    });
  });

  it("lists the same checks for both roles, with the preshared-key check only where a key is set", () => {
    const checks = plannedChecks({ KI_ROLES: "", KI_VARIANTS: "" }); // the defaults
    const kernel = checks.filter((c) => c.startsWith("kernel initiates")).map((c) => c.replace(/^kernel/, ""));
    const wasm = checks.filter((c) => c.startsWith("wasmguard initiates")).map((c) => c.replace(/^wasmguard/, ""));
    expect(kernel.length).toBeGreaterThan(20);
    expect(wasm).toEqual(kernel);
    expect(checks.filter((c) => c.includes("different preshared key")).every((c) => c.includes(", preshared key:"))).toBe(true);
  });
});

const mode = kernelMode();
const suite = `interop with the Linux kernel's WireGuard (${mode.kind === "host" ? "this host's module" : mode.kind === "vm" ? "kernel-vm.sh" : "unavailable"})`;

if (mode.kind === "none") {
  if (requireKernel) {
    describe(suite, () => {
      it("has a kernel with WireGuard to test against", () => {
        throw new Error(`${mode.reason} (WASMGUARD_REQUIRE_KERNEL=1 makes this a failure)`);
      });
    });
  } else {
    console.warn(`[skip] ${suite}: ${mode.reason}`);
    describe.skip(`${suite} (skipped: ${mode.reason})`, () => {
      it("runs test/netns/kernel-interop.sh", () => {});
    });
  }
} else {
  const checks = plannedChecks();
  // "kernel initiates, preshared key: roaming: ..." -> scenario, check
  const scenarios = new Map<string, { title: string; name: string }[]>();
  for (const name of checks) {
    const cut = name.indexOf(": ");
    const scenario = name.slice(0, cut);
    if (!scenarios.has(scenario)) scenarios.set(scenario, []);
    scenarios.get(scenario)!.push({ title: name.slice(cut + 2), name });
  }

  describe(suite, () => {
    let run: ScriptRun;
    let child: ChildProcess | undefined;

    beforeAll(async () => {
      run = await runKernelInterop(
        mode,
        SCRIPT_TIMEOUT_S,
        (line) => {
          // Progress for long CI runs: summaries and failures (their diagnostics go with the test).
          if (/^(# |not ok|Bail out|kernel-vm:)/.test(line)) console.log(`[kernel-interop] ${line}`);
        },
        (c) => (child = c),
      );
      console.log(`[kernel-interop] ${mode.kind === "vm" ? "VM run" : "run"} took ${run.seconds} s, exit status ${run.status}`);
    }, HOOK_TIMEOUT_MS);

    afterAll(() => {
      // Only if the hook timed out: kernel-vm.sh stops its VM on SIGTERM.
      if (child && child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
    });

    function notReported(name: string): Error {
      const tail = run.output.trim().split("\n").slice(-40).join("\n");
      return new Error(`'${name}' was not reported; the script exited with ${run.status}. Its output ends:\n${tail}`);
    }

    for (const [scenario, list] of scenarios) {
      describe(scenario, () => {
        for (const { title, name } of list) {
          it(title, () => {
            const r = run.results.get(name);
            if (!r) throw notReported(name);
            if (!r.ok) throw new Error(`${name} failed:\n${r.detail.join("\n")}`);
          });
        }
      });
    }

    it("the script reports every planned check and exits 0", () => {
      expect([...run.results.keys()]).toEqual(checks);
      expect(run.status).toBe(0);
    });
  });
}
