// `wasmguard demo`: the one-line refusal without root, a full run that shows
// a ping, a handshake and a throughput figure, and that nothing of it is left
// afterwards (namespaces, sockets, records), also when Ctrl-C stops it midway.
import { spawn, spawnSync } from "node:child_process";
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { demoPrerequisites, ROOT_MESSAGE } from "../../bindings/cli/demo.js";
import { describeNetns, repoRoot } from "../helpers/netns.js";
import { tsxLoader } from "../helpers/wg.js";

const cli = () => [process.execPath, "--import", tsxLoader(), join(repoRoot, "bin/wasmguard.ts"), "demo"];

function env(): Record<string, string> {
  const e: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && k !== "NODE_OPTIONS") e[k] = v;
  return e;
}

/** Whatever a demo run with this pid could have left. */
function leftovers(pid: number): string[] {
  const ns = spawnSync("ip", ["netns", "list"], { encoding: "utf8" }).stdout ?? "";
  const found = ns.split("\n").filter((l) => l.startsWith(`wgdemo-${pid}-`));
  for (const dir of ["/var/run/wireguard", "/run/wasmguard"]) {
    if (!existsSync(dir)) continue;
    found.push(...readdirSync(dir).filter((f) => f.startsWith(`wgd${pid}`)).map((f) => join(dir, f)));
  }
  return found;
}

interface Run {
  pid: number;
  status: number | null;
  out: string;
}

function runDemo(onOutput?: (out: string, pid: number) => void): Promise<Run> {
  const [cmd, ...args] = cli();
  const child = spawn(cmd, args, { env: env(), stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  const add = (d: string) => {
    out += d;
    onOutput?.(out, child.pid!);
  };
  child.stdout.setEncoding("utf8").on("data", add);
  child.stderr.setEncoding("utf8").on("data", add);
  const timer = setTimeout(() => child.kill("SIGKILL"), 150_000);
  return new Promise((resolve) =>
    child.on("close", (status) => {
      clearTimeout(timer);
      resolve({ pid: child.pid!, status, out });
    }),
  );
}

describe("wasmguard demo without root", () => {
  it("lists root as what is missing", () => {
    expect(demoPrerequisites({ PATH: process.env.PATH }, 1000)).toEqual(process.platform === "linux" ? [ROOT_MESSAGE] : expect.any(Array));
  });

  it.runIf(process.getuid?.() === 0)("says it needs root in one line and exits 1", () => {
    const [cmd, ...args] = cli();
    const r = spawnSync(cmd, args, { encoding: "utf8", uid: 65534, gid: 65534, cwd: "/", env: { PATH: process.env.PATH ?? "", HOME: "/" } });
    expect(r.stderr).toBe(`${ROOT_MESSAGE}\n`);
    expect(r.stdout).toBe("");
    expect(r.status).toBe(1);
  });
});

describeNetns(
  "wasmguard demo",
  () => {
    it("shows a ping, the handshake and a throughput figure, then leaves nothing behind", async () => {
      const run = await runDemo();
      expect(run.status, run.out).toBe(0);
      expect(run.out).toMatch(/3 of 3 pings answered/);
      expect(run.out).toMatch(/handshake completed \d+ seconds? ago/);
      expect(run.out).toMatch(/Throughput, 2 s of TCP a -> b through the tunnel \([^)]+\): [\d.]+ Mbit\/s/);
      expect(run.out).toMatch(/latest handshake: /);
      expect(run.out).toContain("Cleaned up: nothing is left behind.");
      expect(leftovers(run.pid)).toEqual([]);
    }, 160_000);

    it("cleans up everything when interrupted with Ctrl-C once the tunnels are up", async () => {
      let sent = false;
      const run = await runDemo((out, pid) => {
        if (!sent && out.includes("[4/")) {
          sent = true;
          process.kill(pid, "SIGINT");
        }
      });
      expect(sent).toBe(true);
      expect(run.out).toContain("Interrupted: cleaning up...");
      expect(run.out).toContain("Cleaned up: the namespaces, tunnels and daemons are gone.");
      expect(run.status).toBe(130);
      expect(leftovers(run.pid)).toEqual([]);
    }, 160_000);
  },
  { tun: true, addon: true },
);
