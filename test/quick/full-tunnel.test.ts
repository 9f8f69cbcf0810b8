// A road-warrior full tunnel through a hub, every end brought up with
// `wasmguard up`:
//
//   ns C (client)                 ns S (hub)                          ns W ("the internet")
//   c 192.0.2.2/24      <---->    s1 192.0.2.1/24                     
//     2001:db8:c::2/64              2001:db8:c::1/64
//   default via 192.0.2.1         s2 198.51.100.1/24        <---->    w 198.51.100.2/24
//   ::/0 via 2001:db8:c::1          2001:db8:f::1/64                    2001:db8:f::2/64
//   tunnel 10.80.0.2, fd80::2     tunnel 10.80.0.1/24, fd80::1/64     routes to 10.80.0.0/24 and
//   AllowedIPs 0.0.0.0/0, ::/0    forwarding on (PostUp/PostDown)     fd80::/64 via S, none to C's LAN
//
// W can answer C only through the tunnel (it has no route to 192.0.2.0/24),
// so a ping from C to W proves the default route goes through it. After
// `down`, C's rules, routes, addresses, nft ruleset and src_valid_mark are
// exactly as before. The hub's config is reloaded with syncconf (a peer added
// then removed) while a TCP transfer crosses it, as `systemctl reload` does.
import { existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createVethPair, describeNetns, Netns, repoRoot } from "../helpers/netns.js";
import { hasTool, toolsAvailable } from "../helpers/tools.js";
import { stopAll, tsxLoader, wgKeyPair } from "../helpers/wg.js";
import { cliArgv, daemonsIn, runIn, scratchDir, sleep, snapshot, wasmguard, wasmguardOk, writeConfig } from "./helpers.js";

const tag = String(process.pid % 1000);

function ping(ns: Netns, addr: string, tries = 1): boolean {
  for (let i = 0; i < tries; i++) {
    const r = ns.tryExec("ping", ...(addr.includes(":") ? ["-6"] : []), "-c", "1", "-W", "1", addr);
    if (r.status === 0) return true;
  }
  return false;
}

const backends = ["nft", "iptables", "none"].filter((b) => b === "none" || hasTool(b === "nft" ? "nft" : "iptables-restore"));

describeNetns(
  "full tunnel with wasmguard up: default route through the hub, restored by down",
  () => {
    const haveTools = toolsAvailable("wasmguard full tunnel", "wg", "ping", "bash");
    if (process.env.WASMGUARD_REQUIRE_NETNS === "1" && !hasTool("nft"))
      it("has nft for the default-route rules", () => {
        throw new Error("nft is missing (apt-get install nftables); WASMGUARD_REQUIRE_NETNS=1 makes this a failure");
      });

    describe.runIf(haveTools)("client, hub and the world beyond", () => {
      let c: Netns;
      let s: Netns;
      let w: Netns;
      let dir: string;
      let before: Record<string, string>;
      const hubIf = `wqs${tag}`;
      const cliIf = `wqc${tag}`;
      const hub = wgKeyPair();
      const client = wgKeyPair();
      let hubConf: string;
      let hubText: string;
      let cliConf: string;

      beforeAll(async () => {
        c = Netns.create("fc");
        s = Netns.create("fs");
        w = Netns.create("fw");
        for (const ns of [c, s, w]) ns.exec("sysctl", "-qw", "net.ipv6.conf.default.accept_dad=0");
        createVethPair(c, s, { nameA: "c", nameB: "s1", addrA: ["192.0.2.2/24", "2001:db8:c::2/64"], addrB: ["192.0.2.1/24", "2001:db8:c::1/64"] });
        createVethPair(s, w, { nameA: "s2", nameB: "w", addrA: ["198.51.100.1/24", "2001:db8:f::1/64"], addrB: ["198.51.100.2/24", "2001:db8:f::2/64"] });
        c.ip("route", "add", "default", "via", "192.0.2.1");
        c.ip("-6", "route", "add", "default", "via", "2001:db8:c::1");
        w.ip("route", "add", "10.80.0.0/24", "via", "198.51.100.1");
        w.ip("-6", "route", "add", "fd80::/64", "via", "2001:db8:f::1");
        dir = scratchDir();
        hubText = `[Interface]
PrivateKey = ${hub.priv}
Address = 10.80.0.1/24
Address = fd80::1/64
ListenPort = 51820
PostUp = sysctl -qw net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1
PostDown = sysctl -qw net.ipv4.ip_forward=0 net.ipv6.conf.all.forwarding=0

[Peer]
PublicKey = ${client.pub}
AllowedIPs = 10.80.0.2/32, fd80::2/128
`;
        hubConf = writeConfig(dir, hubIf, hubText);
        cliConf = writeConfig(
          dir,
          cliIf,
          `[Interface]
PrivateKey = ${client.priv}
Address = 10.80.0.2/32, fd80::2/128

[Peer]
PublicKey = ${hub.pub}
Endpoint = 192.0.2.1:51820
AllowedIPs = 0.0.0.0/0, ::/0
PersistentKeepalive = 25
`,
        );
        await wasmguardOk(s, ["up", hubConf]);
        before = await snapshot(c);
        // Without the tunnel, W cannot answer C.
        expect(ping(c, "198.51.100.2")).toBe(false);
      });

      afterAll(async () => {
        if (s) await wasmguard(s, ["down", hubConf]);
        for (const ns of [c, s, w]) {
          if (!ns) continue;
          await stopAll(ns);
          ns.delete();
        }
      });

      for (const backend of backends) {
        it(`routes everything through the tunnel and restores the routes on down (firewall: ${backend})`, async () => {
          const env = { WASMGUARD_FIREWALL: backend };
          const up = await wasmguardOk(c, ["up", cliConf], env);
          expect(up.stderr).toContain("[#] wasmguard set " + cliIf + " fwmark 51820");
          const rules4 = c.ip("-4", "rule", "show");
          expect(rules4).toContain("not from all fwmark 0xca6c lookup 51820");
          expect(rules4).toContain("from all lookup main suppress_prefixlength 0");
          expect(c.ip("-6", "rule", "show")).toContain("not from all fwmark 0xca6c lookup 51820");
          expect(c.ip("-4", "route", "show", "table", "51820")).toContain(`default dev ${cliIf}`);
          expect(c.ip("-6", "route", "show", "table", "51820")).toContain(`default dev ${cliIf}`);
          expect(c.exec("cat", "/proc/sys/net/ipv4/conf/all/src_valid_mark").trim()).toBe("1");
          if (backend === "nft") {
            const table = c.exec("nft", "list", "table", "ip", `wasmguard-${cliIf}`);
            expect(table).toContain(`iifname != "${cliIf}" ip daddr 10.80.0.2 fib saddr type != local drop`);
            expect(c.exec("nft", "list", "table", "ip6", `wasmguard-${cliIf}`)).toContain("ip6 daddr fd80::2");
          } else if (backend === "iptables") {
            expect(c.exec("iptables-save", "-t", "raw")).toContain(`wasmguard rule for ${cliIf}`);
          } else {
            expect(up.stderr).toContain("Neither nft nor iptables-restore is installed");
          }

          // The world answers, so packets left through the tunnel (W has no route back to C's LAN).
          expect(ping(c, "198.51.100.2", 10)).toBe(true);
          expect(ping(c, "2001:db8:f::2", 5)).toBe(true);
          expect(c.ip("route", "get", "198.51.100.2")).toContain(`dev ${cliIf} table 51820`);
          // The hub itself stays reachable outside the tunnel (its LAN route survives suppress_prefixlength 0).
          expect(c.ip("route", "get", "192.0.2.1")).toContain("dev c ");
          const [, rx, tx] = (await wasmguardOk(c, ["show", cliIf, "transfer"])).stdout.trim().split("\t").map(Number);
          expect(rx).toBeGreaterThan(0);
          expect(tx).toBeGreaterThan(0);

          await wasmguardOk(c, ["down", cliConf], env);
          for (let i = 0; i < 40 && daemonsIn(c).length; i++) await sleep(50);
          const after = await snapshot(c);
          if (backend === "iptables") {
            // iptables-nft leaves its built-in tables behind, empty: compare rules, not tables.
            for (const save of ["iptables-save", "ip6tables-save"]) expect(c.exec(save).split("\n").filter((l) => l.startsWith("-A"))).toEqual([]);
            delete after.nft;
            const { nft: _, ...rest } = before;
            expect(after).toEqual(rest);
            if (hasTool("nft")) c.exec("nft", "flush", "ruleset");
          } else {
            expect(after).toEqual(before);
          }
          expect(daemonsIn(c)).toEqual([]);
          expect(ping(c, "198.51.100.2")).toBe(false);
        }, 90_000);
      }

      it("down after the client daemon was killed still removes the rules, the nft table and the sysctl", async () => {
        await wasmguardOk(c, ["up", cliConf]);
        expect(c.ip("-4", "rule", "show")).toContain("lookup 51820");
        for (const pid of daemonsIn(c)) process.kill(pid, "SIGKILL");
        await wasmguardOk(c, ["down", cliConf]);
        expect(await snapshot(c)).toEqual(before);
      }, 60_000);

      it("syncconf of the stripped hub config adds and removes a peer during a TCP transfer that completes intact", async () => {
        await wasmguardOk(c, ["up", cliConf]);
        const node = [process.execPath, "--import", tsxLoader(), join(repoRoot, "test/netns/tcp-transfer.ts")];
        const server = w.spawn(node[0], [...node.slice(1), "serve", "5301"]);
        const serverOut: string[] = [];
        server.stdout!.setEncoding("utf8").on("data", (d: string) => serverOut.push(...d.trim().split("\n")));
        for (let i = 0; i < 200 && !serverOut.some((l) => l.includes("listening")); i++) await sleep(50);
        const sender = c.spawn(node[0], [...node.slice(1), "paced", "198.51.100.2", "5301"]);
        const senderOut: string[] = [];
        sender.stdout!.setEncoding("utf8").on("data", (d: string) => senderOut.push(...d.trim().split("\n")));
        for (let i = 0; i < 200 && !senderOut.some((l) => l.includes("connected")); i++) await sleep(50);
        expect(senderOut.some((l) => l.includes("connected"))).toBe(true);

        // `systemctl reload wasmguard@<hub>`: syncconf of the stripped file, after adding a peer to it.
        const extra = wgKeyPair();
        const q = (a: string) => `'${a}'`;
        const reload = `${cliArgv("syncconf", hubIf).map(q).join(" ")} <(${cliArgv("strip", hubConf).map(q).join(" ")})`;
        writeFileSync(hubConf, `${hubText}\n[Peer]\nPublicKey = ${extra.pub}\nAllowedIPs = 10.80.0.9/32\n`, { mode: 0o600 });
        await runOk(s, ["bash", "-c", reload]);
        const peersAdded = (await wasmguardOk(s, ["show", hubIf, "peers"])).stdout.trim().split("\n").sort();
        expect(peersAdded).toEqual([client.pub, extra.pub].sort());
        writeFileSync(hubConf, hubText, { mode: 0o600 });
        await runOk(s, ["bash", "-c", reload]);
        expect((await wasmguardOk(s, ["show", hubIf, "peers"])).stdout.trim()).toBe(client.pub);
        // The client's session survived: it never re-handshook because of the reload.
        expect(sender.exitCode).toBe(null);

        sender.kill("SIGTERM");
        for (let i = 0; i < 400 && !(senderOut.some((l) => l.includes("sha256")) && serverOut.some((l) => l.includes("sha256"))); i++)
          await sleep(50);
        const sent = JSON.parse(senderOut.find((l) => l.includes("sha256"))!);
        const received = JSON.parse(serverOut.find((l) => l.includes("sha256"))!);
        expect(sent.bytes).toBeGreaterThan(1_000_000);
        expect(received).toEqual(sent);
        await wasmguardOk(c, ["down", cliConf]);
        expect(existsSync(`/run/wasmguard/${cliIf}.json`)).toBe(false);
      }, 120_000);
    });
  },
  { tun: true, addon: true },
);

async function runOk(ns: Netns, argv: string[]): Promise<void> {
  const r = await runIn(ns, argv);
  if (r.status !== 0) throw new Error(`${argv.join(" ")}: exit ${r.status}\n${r.stdout}${r.stderr}`);
}
