// `wasmguard up` and `down` of real configs in a network namespace: what `up`
// sets (addresses, routes, automatic MTU, DNS through resolvconf, hooks with
// %i), and that `down` leaves no interface, address, route, rule, DNS entry,
// daemon, socket or record behind, even when hooks fail. A fake resolvconf
// first on PATH records its calls.
//
//   ns H (the hub under test)                  ns P (peers' side, never answers)
//   h1 10.91.1.1/24 mtu 1480  <------------>  p1 10.91.1.2/24
//   h2 10.91.2.1/24 mtu 1440  <------------>  p2 10.91.2.2/24
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseConfig } from "../../bindings/uapi/config.js";
import { createVethPair, describeNetns, Netns } from "../helpers/netns.js";
import { toolsAvailable } from "../helpers/tools.js";
import { socketPath, stopAll, wgKeyPair } from "../helpers/wg.js";
import { daemonsIn, fakeResolvconf, runIn, scratchDir, sleep, snapshot, wasmguard, wasmguardOk, writeConfig } from "./helpers.js";

const tag = String(process.pid % 1000);

describeNetns(
  "wasmguard up / down in a network namespace",
  () => {
    const haveTools = toolsAvailable("wasmguard up/down", "wg", "bash");
    describe.runIf(haveTools)("configs", () => {
      let h: Netns;
      let p: Netns;
      let dir: string;
      let resolv: { path: string; log: string };
      let env: Record<string, string>;
      let before: Record<string, string>;

      beforeAll(async () => {
        h = Netns.create("qh");
        p = Netns.create("qp");
        // No duplicate address detection: link-local addresses are final at once, so snapshots compare.
        for (const ns of [h, p]) ns.exec("sysctl", "-qw", "net.ipv6.conf.default.accept_dad=0");
        createVethPair(h, p, { nameA: "h1", nameB: "p1", addrA: ["10.91.1.1/24"], addrB: ["10.91.1.2/24"] });
        createVethPair(h, p, { nameA: "h2", nameB: "p2", addrA: ["10.91.2.1/24"], addrB: ["10.91.2.2/24"] });
        h.ip("link", "set", "h1", "mtu", "1480");
        h.ip("link", "set", "h2", "mtu", "1440");
        dir = scratchDir();
        resolv = fakeResolvconf(dir);
        env = { PATH: `${resolv.path}:${process.env.PATH}` };
        before = await snapshot(h);
      });

      afterAll(async () => {
        for (const ns of [h, p]) {
          if (!ns) continue;
          await stopAll(ns);
          ns.delete();
        }
      });

      /** Everything is as before `up`: networking, processes, sockets, records. */
      async function expectNothingLeft(iface: string): Promise<void> {
        for (let i = 0; i < 40 && (daemonsIn(h).length || existsSync(socketPath(iface))); i++) await sleep(50);
        expect(await snapshot(h)).toEqual(before);
        expect(daemonsIn(h)).toEqual([]);
        expect(existsSync(socketPath(iface))).toBe(false);
        expect(existsSync(`/run/wasmguard/${iface}.json`)).toBe(false);
        expect(existsSync(`/run/wasmguard/${iface}.log`)).toBe(false);
      }

      it("brings up a hub config (several Address lines, DNS, hooks with %i, two peers) and takes it all down again", async () => {
        const iface = `wqh${tag}a`;
        const hub = wgKeyPair();
        const [a, b] = [wgKeyPair(), wgKeyPair()];
        const conf = writeConfig(
          dir,
          iface,
          `# a hub with two spokes
[Interface]
PrivateKey = ${hub.priv}
Address = 10.70.0.1/24
Address = fd70::1/64, 10.71.0.1/32
ListenPort = 51820
DNS = 10.70.0.53, fd70::53, corp.test
PostUp = echo "up %i" > ${dir}/hook-%i
PostUp = ip rule add from 10.71.0.1 table 1234
PostDown = ip rule del from 10.71.0.1 table 1234
PostDown = rm ${dir}/hook-%i

[Peer]
PublicKey = ${a.pub}
AllowedIPs = 10.70.0.2/32, fd70::2/128, 192.168.77.0/24
Endpoint = 10.91.1.2:51820

[Peer]
PublicKey = ${b.pub}
AllowedIPs = 10.70.0.3/32, fd70::3/128, 2001:db8:77::/48
Endpoint = 10.91.2.2:51820
`,
        );
        const up = await wasmguardOk(h, ["up", conf], env);
        expect(up.stderr).toContain(`[#] ip -4 address add 10.71.0.1/32 dev ${iface}`);

        const addrs = h.ip("-o", "address", "show", "dev", iface);
        for (const a of ["10.70.0.1/24", "10.71.0.1/32", "fd70::1/64"]) expect(addrs).toContain(a);
        expect(h.ip("-4", "route", "show", "dev", iface)).toContain("192.168.77.0/24");
        expect(h.ip("-6", "route", "show", "dev", iface)).toContain("2001:db8:77::/48");
        // Automatic MTU: the smaller of the two paths (1440 via h2) minus 80.
        expect(h.ip("-o", "link", "show", "dev", iface)).toContain("mtu 1360");
        expect(h.ip("-o", "link", "show", "dev", iface)).toContain(",UP");
        expect(readFileSync(resolv.log, "utf8")).toBe(
          `ARGS -a ${iface} -m 0 -x\nIN nameserver 10.70.0.53\nIN nameserver fd70::53\nIN search corp.test\n`,
        );
        expect(readFileSync(join(dir, `hook-${iface}`), "utf8")).toBe(`up ${iface}\n`);
        expect(h.ip("-4", "rule", "show")).toContain("from 10.71.0.1 lookup 1234");
        const peers = (await wasmguardOk(h, ["show", iface, "peers"])).stdout.trim().split("\n").sort();
        expect(peers).toEqual([a.pub, b.pub].sort());
        expect((await wasmguardOk(h, ["show", iface, "listen-port"])).stdout.trim()).toBe("51820");
        expect(daemonsIn(h)).toHaveLength(1);
        expect(JSON.parse(readFileSync(`/run/wasmguard/${iface}.json`, "utf8")).phase).toBe("up");

        const again = await wasmguard(h, ["up", conf], env);
        expect(again.status).toBe(1);
        expect(again.stderr).toContain(`\`${iface}' already exists`);

        const down = await wasmguardOk(h, ["down", conf], env);
        expect(down.stderr).toContain(`[#] resolvconf -d ${iface} -f`);
        expect(readFileSync(resolv.log, "utf8")).toContain(`ARGS -d ${iface} -f\n`);
        expect(existsSync(join(dir, `hook-${iface}`))).toBe(false);
        await expectNothingLeft(iface);

        const twice = await wasmguard(h, ["down", conf], env);
        expect(twice.status).toBe(1);
        expect(twice.stderr).toContain(`\`${iface}' is not a WireGuard interface`);
      });

      it("runs hooks through bash with %i, so `PostUp = wg set %i private-key <(cat file)` works, and resolves endpoint names", async () => {
        const iface = `wqh${tag}p`;
        const k = wgKeyPair();
        const peer = wgKeyPair();
        const keyPath = join(dir, `privatekey-${iface}`);
        writeFileSync(keyPath, `${k.priv}\n`, { mode: 0o600 });
        const conf = writeConfig(
          dir,
          iface,
          `[Interface]
Address = 10.72.0.1/24
PostUp = wg set %i private-key <(cat ${keyPath})
PostUp = wasmguard show %i public-key > ${dir}/pub-%i

[Peer]
PublicKey = ${peer.pub}
AllowedIPs = 10.72.0.2/32
Endpoint = localhost:51820
`,
        );
        await wasmguardOk(h, ["up", conf], { WG_ENDPOINT_RESOLUTION_RETRIES: "infinity" });
        expect(readFileSync(join(dir, `pub-${iface}`), "utf8")).toBe(`${k.pub}\n`);
        expect((await wasmguardOk(h, ["show", iface, "endpoints"])).stdout).toMatch(/\t(127\.0\.0\.1|\[::1\]):51820\n$/);
        await wasmguardOk(h, ["down", conf]);
        await expectNothingLeft(iface);
      });

      it("undoes everything when a PostUp hook fails, running PostDown for the part of PostUp that ran", async () => {
        const iface = `wqh${tag}f`;
        const k = wgKeyPair();
        const conf = writeConfig(
          dir,
          iface,
          `[Interface]
PrivateKey = ${k.priv}
Address = 10.74.0.1/24
DNS = 10.74.0.53
PostUp = echo partial > ${dir}/partial-%i; ip rule add from 10.74.0.1 table 1235
PostUp = exit 7
PostDown = rm -f ${dir}/partial-%i; ip rule del from 10.74.0.1 table 1235
`,
        );
        const up = await wasmguard(h, ["up", conf], env);
        expect(up.status).toBe(1);
        expect(up.stderr).toContain("PostUp hook failed with exit status 7: exit 7");
        expect(up.stderr).toContain(`\`${iface}' was not brought up`);
        expect(up.stderr).toContain(`[#] resolvconf -d ${iface} -f`);
        expect(existsSync(join(dir, `partial-${iface}`))).toBe(false);
        expect(h.tryExec("ip", "link", "show", iface).status).not.toBe(0);
        await expectNothingLeft(iface);
      });

      it("still removes everything when PreDown and PostDown hooks fail, and says so", async () => {
        const iface = `wqh${tag}d`;
        const k = wgKeyPair();
        const peer = wgKeyPair();
        const conf = writeConfig(
          dir,
          iface,
          `[Interface]
PrivateKey = ${k.priv}
Address = 10.75.0.1/24
Table = 1236
PostUp = ip rule add from 10.75.0.1 table 1236
PreDown = exit 3
PostDown = ip rule del from 10.75.0.1 table 1236; false

[Peer]
PublicKey = ${peer.pub}
AllowedIPs = 10.76.0.0/16
`,
        );
        await wasmguardOk(h, ["up", conf]);
        expect(h.ip("-4", "route", "show", "table", "1236")).toContain(`10.76.0.0/16 dev ${iface}`);
        expect(h.ip("-4", "route", "show", "table", "main")).not.toContain("10.76.0.0/16");
        const down = await wasmguard(h, ["down", conf]);
        expect(down.status).toBe(1);
        expect(down.stderr).toContain(`\`${iface}' is down, but 2 steps failed`);
        expect(down.stderr).toContain("PreDown hook failed with exit status 3");
        await expectNothingLeft(iface);
      });

      it("cleans up after a daemon that died: down removes what up recorded", async () => {
        const iface = `wqh${tag}k`;
        const k = wgKeyPair();
        const conf = writeConfig(dir, iface, `[Interface]\nPrivateKey = ${k.priv}\nAddress = 10.77.0.1/24\nDNS = 10.77.0.53\n`);
        await wasmguardOk(h, ["up", conf], env);
        // No endpoint and no default route: the automatic MTU is 1500 - 80.
        expect(h.ip("-o", "link", "show", "dev", iface)).toContain("mtu 1420");
        for (const pid of daemonsIn(h)) process.kill(pid, "SIGKILL");
        const down = await wasmguardOk(h, ["down", conf], env);
        expect(down.stderr).toContain(`[#] resolvconf -d ${iface} -f`);
        await expectNothingLeft(iface);
      });

      it("refuses DNS without resolvconf or resolvectl before changing anything", async () => {
        const bare = "/usr/sbin:/usr/bin:/sbin:/bin";
        if ((await runIn(null, ["sh", "-c", "command -v resolvconf || command -v resolvectl"], { PATH: bare })).status === 0) return;
        const iface = `wqh${tag}n`;
        const k = wgKeyPair();
        const conf = writeConfig(dir, iface, `[Interface]\nPrivateKey = ${k.priv}\nAddress = 10.78.0.1/24\nDNS = 10.78.0.53\n`);
        const up = await wasmguard(h, ["up", conf], { PATH: bare });
        expect(up.status).toBe(1);
        expect(up.stderr).toContain("neither resolvconf nor resolvectl is installed");
        await expectNothingLeft(iface);
      });

      it("sets the MTU the config gives; save writes the running configuration back, and down does too with SaveConfig = true", async () => {
        const iface = `wqh${tag}s`;
        const k = wgKeyPair();
        const [p1, p2, p3] = [wgKeyPair(), wgKeyPair(), wgKeyPair()];
        const conf = writeConfig(
          dir,
          iface,
          `[Interface]
PrivateKey = ${k.priv}
Address = 10.79.0.1/24, fd79::1/64
MTU = 1400
SaveConfig = true
PostUp = true %i

[Peer]
PublicKey = ${p1.pub}
AllowedIPs = 10.79.0.2/32
`,
        );
        await wasmguardOk(h, ["up", conf]);
        expect(h.ip("-o", "link", "show", "dev", iface)).toContain("mtu 1400");
        await wasmguardOk(h, ["set", iface, "peer", p2.pub, "allowed-ips", "10.79.0.3/32", "endpoint", "10.91.1.2:40000"]);
        await wasmguardOk(h, ["save", conf]);
        const saved = parseConfig(readFileSync(conf, "utf8"), { mode: "wg-quick" });
        expect(saved.interface.addresses.map((a) => a.bits)).toEqual([24, 64]);
        expect(saved.interface.mtu).toBe(1400);
        expect(saved.interface.saveConfig).toBe(true);
        expect(saved.interface.postUp).toEqual(["true %i"]);
        expect(saved.peers).toHaveLength(2);
        expect(readFileSync(conf, "utf8")).toContain("Endpoint = 10.91.1.2:40000\n");

        await wasmguardOk(h, ["set", iface, "peer", p3.pub, "allowed-ips", "10.79.0.4/32"]);
        await wasmguardOk(h, ["down", conf]);
        expect(parseConfig(readFileSync(conf, "utf8"), { mode: "wg-quick" }).peers).toHaveLength(3);
        await expectNothingLeft(iface);
      });
    });
  },
  { tun: true, addon: true },
);
