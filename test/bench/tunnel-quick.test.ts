// The tunnel benchmark end to end, quick: wasmguard ↔ wasmguard and
// wireguard-go ↔ wireguard-go in namespaces, a second per transfer. Checks
// that every figure is there and positive and that the JSON, Markdown and SVG
// are complete; nothing about speed. Skips with the reason where root or the
// tools are missing, and fails instead under WASMGUARD_REQUIRE_NETNS=1.
import { spawnSync, type SpawnSyncReturns } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { repoRoot } from "../helpers/netns-core.js";
import { checkHost } from "../../bench/tunnel/requirements.js";
import { METRIC_IDS, validateReport, type TunnelReport } from "../../bench/tunnel/schema.js";

const requireNetns = process.env.WASMGUARD_REQUIRE_NETNS === "1";

function whyNot(): string | undefined {
  const host = checkHost();
  if (host.blockers.length) return host.blockers.join("; ");
  if (!host.wireguardGo) return "wireguard-go is not installed";
  if (!host.wasmguard.ok) return `wasmguardd cannot run: ${host.wasmguard.reason}`;
  return undefined;
}

function childEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  delete env.NODE_OPTIONS; // the test runner's loaders are not for the child
  return env;
}

const reason = whyNot();

describe("npm run bench -- --only tunnel --quick (wasmguard and wireguard-go pairs)", () => {
  if (reason) {
    if (requireNetns) {
      it("has the environment it needs", () => {
        throw new Error(`${reason} (WASMGUARD_REQUIRE_NETNS=1 makes this a failure)`);
      });
    } else {
      console.warn(`[skip] tunnel benchmark quick run: ${reason}`);
      it.skip(`skipped: ${reason}`, () => {});
    }
    return;
  }

  const dir = mkdtempSync(join(tmpdir(), "wasmguard-bench-test-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  let run: SpawnSyncReturns<string> | undefined;
  const files = { json: join(dir, "t.json"), svg: join(dir, "t.svg"), md: join(dir, "t.md") };

  function runOnce() {
    run ??= spawnSync(
      process.execPath,
      ["--import", "tsx", "bench/tunnel.ts", "--quick", "--pairs", "wasmguard,wireguard-go",
        "--json", files.json, "--svg", files.svg, "--markdown", files.md],
      { cwd: repoRoot, env: childEnv(), encoding: "utf8", timeout: 120_000 },
    );
    return run;
  }

  it("runs to the end, showing each stage as it goes, and exits 0", () => {
    const r = runOnce();
    expect(r.status, `${r.stdout}\n${r.stderr}`).toBe(0);
    expect(r.stdout).toMatch(/Tunnel benchmark — .+, \d+ cores, Linux /);
    for (const stage of ["up → first ping", "ping series", "TCP, 1 stream", "TCP, 4 streams", "UDP, small packets"])
      expect(r.stdout).toContain(`wasmguard ↔ wasmguard · ${stage}: `);
    expect(r.stdout).toContain("vs wireguard-go");
    expect(r.stdout).toMatch(/wasmguard ↔ wasmguard, relative to wireguard-go: TCP 1 stream [\d.]+×/);
  }, 150_000);

  it("writes JSON that validates, with every figure present and positive for both pairs", () => {
    runOnce();
    const rep = JSON.parse(readFileSync(files.json, "utf8")) as TunnelReport;
    expect(validateReport(rep)).toEqual([]);
    expect(rep.pairs.map((p) => p.id)).toEqual(["wireguard-go", "wasmguard"]);
    expect(rep.settings.quick).toBe(true);
    for (const p of rep.pairs) {
      expect(p.errors, p.id).toEqual([]);
      expect(p.missing, p.id).toEqual([]);
      for (const id of METRIC_IDS) {
        const r = p.results[id];
        expect(r, `${p.id} ${id}`).not.toBeNull();
        if (id === "udpLossPercent") expect(r!.median).toBeGreaterThanOrEqual(0);
        else expect(r!.median, `${p.id} ${id}`).toBeGreaterThan(0);
      }
      // The reference's ratios to itself are 1; wasmguard's are its figures over wireguard-go's.
      const go = rep.pairs.find((q) => q.id === "wireguard-go")!;
      expect(p.results.tcp1Gbps!.vsWireguardGo).toBeCloseTo(p.results.tcp1Gbps!.median / go.results.tcp1Gbps!.median, 9);
      expect(p.results.tcp1Gbps!.vsKernel).toBeNull();
    }
  });

  it("writes the Markdown table and the SVG chart with a row per pair", () => {
    runOnce();
    const md = readFileSync(files.md, "utf8");
    expect(md).toMatch(/^\| \| TCP, 1 stream \|/);
    expect(md).toMatch(/\| wasmguard ↔ wasmguard \| [\d.]+ Gbit\/s \([\d.]+× wg-go\)/);
    const svg = readFileSync(files.svg, "utf8");
    expect(svg).toMatch(/^<svg xmlns="http:\/\/www.w3.org\/2000\/svg"[^>]*>/);
    expect(svg.trimEnd().endsWith("</svg>")).toBe(true);
    expect(svg.match(/>wasmguard ↔ wasmguard</g)?.length).toBe(3); // one bar per panel
    expect(svg).toMatch(/× wireguard-go</);
  });

  it("leaves no namespace, process or UAPI socket behind", () => {
    const r = runOnce();
    // Its namespaces are named wgt-<pid>-..., its interfaces wb<pid mod 10000>n<k><side>.
    expect(spawnSync("ip", ["netns", "list"], { encoding: "utf8" }).stdout).not.toContain(`wgt-${r.pid}-`);
    const ifaces = new RegExp(`wb${r.pid % 10000}n\\d+[ab]`);
    expect(spawnSync("ps", ["-eo", "args"], { encoding: "utf8" }).stdout).not.toMatch(ifaces);
    expect(spawnSync("sh", ["-c", "ls /var/run/wireguard 2>/dev/null"], { encoding: "utf8" }).stdout).not.toMatch(ifaces);
  });
});

describe("the tunnel benchmark without its tools", () => {
  it("says what is missing and how to install it, and exits 0 so the other benchmarks still count", () => {
    // A PATH with a shell and nothing else: ip, wg, iperf3 and ping are all missing.
    const bin = mkdtempSync(join(tmpdir(), "wasmguard-bench-path-"));
    try {
      spawnSync("ln", ["-s", spawnSync("sh", ["-c", "command -v sh"], { encoding: "utf8" }).stdout.trim(), join(bin, "sh")]);
      const r = spawnSync(process.execPath, ["--import", "tsx", "bench/tunnel.ts", "--quick"], {
        cwd: repoRoot,
        env: { ...childEnv(), PATH: bin },
        encoding: "utf8",
        timeout: 60_000,
      });
      expect(r.status, r.stderr).toBe(0);
      expect(r.stdout).toContain("cannot run here");
      expect(r.stdout).toMatch(/the iperf3 command is missing \(package iperf3\)/);
      expect(r.stdout).toMatch(/the wg command is missing \(package wireguard-tools\)/);
      expect(r.stdout).toContain("apt-get install wireguard-go wireguard-tools iperf3");
    } finally {
      rmSync(bin, { recursive: true, force: true });
    }
  }, 60_000);
});
