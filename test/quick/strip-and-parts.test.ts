// The parts of up/down that need no namespace: `strip` against the real
// `wg-quick strip`, the config-file naming rules, route order, DNS split,
// packet-filter scripts, hook expansion, the daemon command line and the
// systemd unit.
import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { CliError, processIo, type CliIo } from "../../bindings/cli/io.js";
import { quickContext, runQuickCommand } from "../../bindings/cli/quick/commands.js";
import { configTarget } from "../../bindings/cli/quick/config-file.js";
import { packageCommand, portableExecArgv } from "../../bindings/cli/quick/daemon.js";
import { splitDns } from "../../bindings/cli/quick/dns.js";
import { iptablesRestore, nftScript } from "../../bindings/cli/quick/firewall.js";
import { expandHook } from "../../bindings/cli/quick/hooks.js";
import { routePrefixes } from "../../bindings/cli/quick/network.js";
import { UNIT_TEMPLATE, unitText } from "../../bindings/cli/quick/systemd-unit.js";
import { parsePrefix } from "../../bindings/net/ip.js";
import { formatPrefixLikeWg } from "../../bindings/uapi/config.js";
import { repoRoot } from "../helpers/netns.js";
import { hasTool, requireSystem } from "../helpers/tools.js";
import { tsxLoader } from "../helpers/wg.js";

function capture(): { io: CliIo; out: () => string; err: () => string } {
  let out = "";
  let err = "";
  const io = { ...processIo(), out: (t: string) => void (out += t), err: (t: string) => void (err += t) };
  return { io, out: () => out, err: () => err };
}

const fixtures = ["quick", "wg"].flatMap((d) =>
  readdirSync(join(repoRoot, "test/fixtures/configs", d)).map((f) => join(repoRoot, "test/fixtures/configs", d, f)),
);

describe("wasmguard strip", () => {
  const canCompare = process.getuid?.() === 0 && hasTool("wg-quick");
  if (!canCompare) {
    const why = process.getuid?.() !== 0 ? "wg-quick strip needs root" : "wg-quick is missing";
    if (requireSystem) it("can run wg-quick", () => expect.fail(`${why} (WASMGUARD_REQUIRE_NETNS=1)`));
    else console.warn(`[skip] strip against wg-quick: ${why}`);
  }

  // Beyond the fixtures: odd spacing, case, comments, CRLF-free blank lines, a missing final newline.
  const dir = mkdtempSync(join(tmpdir(), "wasmguard-strip-"));
  const edge = join(dir, "edge0.conf");
  writeFileSync(
    edge,
    "  [interface]  \n\tprivatekey = yAnz5TF+lXXJte14tji3zlMNq+hd2rYUIgJBgB3fBmk=\n  address=10.0.0.1/24 # mine\nDns = 1.1.1.1\n# comment\n\n" +
      "postup = echo '%i' # tail\nListenPort = 51820\n[Peer]\nPublicKey = xTIBA5rboUvnH4htodjb6e697QjLERt1NAB4mZqp8Dg=\nAddress = kept-in-peer\nAllowedIPs = 10.0.0.2/32",
    { mode: 0o600 },
  );

  for (const file of [...fixtures.filter((f) => /\/[a-zA-Z0-9_=+.-]{1,15}\.conf$/.test(f)), edge]) {
    it.runIf(canCompare)(`prints what wg-quick strip prints for ${file.slice(file.lastIndexOf("/") + 1)}`, async () => {
      const real = spawnSync("wg-quick", ["strip", file], { encoding: "latin1" });
      expect(real.status, real.stderr).toBe(0);
      const c = capture();
      expect(await runQuickCommand("strip", file, quickContext(c.io))).toBe(0);
      expect(c.out()).toBe(real.stdout);
    });
  }

  it("names the problem with a file that is not <interface>.conf, or missing", async () => {
    const c = capture();
    expect(await runQuickCommand("strip", "/tmp/not-an-interface-name-at-all.conf", quickContext(c.io))).toBe(1);
    expect(c.err()).toBe("wasmguard: The config file must be a valid interface name, followed by .conf\n");
    const d = capture();
    expect(await runQuickCommand("strip", join(dir, "absent0.conf"), quickContext(d.io))).toBe(1);
    expect(d.err()).toBe(`wasmguard: \`${join(dir, "absent0.conf")}' does not exist\n`);
  });
});

describe("config file naming", () => {
  it("maps a name to /etc/wireguard and a path to the interface it names", () => {
    expect(configTarget("wg0", "/nonexistent")).toMatchObject({ iface: "wg0", file: "/nonexistent/wg0.conf", exists: false });
    expect(configTarget("/x/y/home-vpn.conf")).toMatchObject({ iface: "home-vpn", file: "/x/y/home-vpn.conf" });
    expect(() => configTarget("/x/sixteen-chars-ab.conf")).toThrow(CliError);
    expect(() => configTarget("/x/wg0.cfg")).toThrow("valid interface name, followed by .conf");
  });
});

describe("routes, DNS and filters", () => {
  it("routes each distinct AllowedIPs prefix once, masked, longest first", () => {
    const got = routePrefixes(["10.0.0.7/24", "0.0.0.0/0", "fd00::1/128", "10.0.0.0/24", "::/0", "192.168.1.0/25"].map((t) => parsePrefix(t)));
    expect(got.map(formatPrefixLikeWg)).toEqual(["fd00::1/128", "192.168.1.0/25", "10.0.0.0/24", "0.0.0.0/0", "::/0"]);
  });

  it("splits DNS entries into servers and search domains as wg-quick does", () => {
    expect(splitDns(["1.1.1.1", "fd00::53", "home.arpa", "corp", "::1"])).toEqual({
      servers: ["1.1.1.1", "fd00::53", "::1"],
      search: ["home.arpa", "corp"],
    });
  });

  it("writes nft and iptables rules for the interface's addresses and mark", () => {
    const nft = nftScript("wg0", 6, 51820, ["fd80::2"]);
    expect(nft).toContain("add table ip6 wasmguard-wg0\n");
    expect(nft).toContain('add rule ip6 wasmguard-wg0 preraw iifname != "wg0" ip6 daddr fd80::2 fib saddr type != local drop\n');
    expect(nft).toContain("postmangle meta l4proto udp mark 51820 ct mark set mark\n");
    const add = iptablesRestore("wg0", 51820, ["10.0.0.2"], "-I");
    const del = iptablesRestore("wg0", 51820, ["10.0.0.2"], "-D");
    expect(add).toContain('-I PREROUTING ! -i wg0 -d 10.0.0.2 -m addrtype ! --src-type LOCAL -j DROP -m comment --comment "wasmguard rule for wg0"');
    expect(del).toBe(add.replaceAll("-I ", "-D "));
  });

  it("expands every %i in a hook", () => {
    expect(expandHook("iptables -A FORWARD -i %i -j ACCEPT; echo %i%i", "wg0")).toBe("iptables -A FORWARD -i wg0 -j ACCEPT; echo wg0wg0");
  });
});

describe("the daemon command line", () => {
  it("runs this package's own script with loader flags that work from any directory", () => {
    const cmd = packageCommand("wasmguardd");
    expect(cmd[0]).toBe(process.execPath);
    expect(cmd[cmd.length - 1]).toMatch(/\/bin\/wasmguardd\.(ts|js)$/);
    const portable = portableExecArgv(["--import", "tsx", "--require=/abs/x.cjs", "--loader=tsx", "--max-old-space-size=64"]);
    expect(portable[0]).toBe("--import");
    expect(portable[1]).toMatch(/^file:\/\/\/.*tsx/);
    expect(portable[2]).toBe("--require=/abs/x.cjs");
    expect(portable[3]).toBe("--loader");
    expect(portable[4]).toMatch(/^file:\/\//);
    expect(portable[5]).toBe("--max-old-space-size=64");
  });
});

describe("systemd unit", () => {
  it("ships systemd/wasmguard@.service exactly as `wasmguard systemd-unit` starts from", () => {
    expect(readFileSync(join(repoRoot, "systemd/wasmguard@.service"), "utf8")).toBe(UNIT_TEMPLATE);
    for (const line of ["Type=oneshot", "RemainAfterExit=yes", "ExecStart=wasmguard up %i", "ExecStop=wasmguard down %i",
      "ExecReload=/bin/bash -c 'exec wasmguard syncconf %i <(exec wasmguard strip %i)'",
      "Environment=WG_ENDPOINT_RESOLUTION_RETRIES=infinity", "WantedBy=multi-user.target"])
      expect(UNIT_TEMPLATE.split("\n")).toContain(line);
    // The daemon must outlive ExecStart: no KillMode that would end it when `up` returns.
    expect(UNIT_TEMPLATE).not.toMatch(/^KillMode=/m);
  });

  it("puts absolute commands in every Exec line, escaping % and quoting spaces", () => {
    const text = unitText(["/opt/my node/bin/node", "/srv/50%/wasmguard.js"]);
    expect(text).toContain('ExecStart="/opt/my node/bin/node" /srv/50%%/wasmguard.js up %i\n');
    expect(text).toContain(`ExecReload=/bin/bash -c 'exec "/opt/my node/bin/node" /srv/50%%/wasmguard.js syncconf %i <(exec "/opt/my node/bin/node" /srv/50%%/wasmguard.js strip %i)'`);
    expect(text).toContain("Description=WireGuard tunnel %I (wasmguard, userspace)");
    expect(() => unitText(["/it's/node"])).toThrow(CliError);
  });

  it.runIf(hasTool("systemd-analyze"))("passes systemd-analyze verify", () => {
    const dir = mkdtempSync(join(tmpdir(), "wasmguard-unit-"));
    writeFileSync(join(dir, "wasmguard@.service"), unitText([process.execPath, "--import", tsxLoader(), join(repoRoot, "bin/wasmguard.ts")]));
    const r = spawnSync("systemd-analyze", ["verify", join(dir, "wasmguard@wg0.service")], { encoding: "utf8", cwd: dir });
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
  });
});

describe("without root", () => {
  it.runIf(process.getuid?.() === 0)("up says it needs root, in one line", () => {
    const r = spawnSync(process.execPath, ["--import", tsxLoader(), join(repoRoot, "bin/wasmguard.ts"), "up", "wg0"], {
      encoding: "utf8",
      uid: 65534,
      gid: 65534,
      cwd: "/",
      env: { PATH: process.env.PATH, HOME: "/" },
    });
    expect(r.stderr).toBe("wasmguard: `up' must be run as root (it changes interfaces and routes): sudo wasmguard up …\n");
    expect(r.status).toBe(1);
  });
});
