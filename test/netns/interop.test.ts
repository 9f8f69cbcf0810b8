// Real interop in network namespaces: wasmguardd against itself and against
// wireguard-go, every daemon configured with the stock `wg` tool through its
// UAPI socket. Topology, per pairing:
//
//   ns A (initiator)                          ns B (responder)
//   wg: 10.10.0.1/24 fd10::1/64               wg: 10.10.0.2/24 fd10::2/64
//   veth va: 10.201.0.1/24 fd01::1/64  <--->  veth vb: 10.201.0.2/24 fd01::2/64, port 51820
//
// All traffic stays inside the two namespaces.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createVethPair, describeNetns, Netns } from "../helpers/netns.js";
import { toolsAvailable } from "../helpers/tools.js";
import { keyFile, nsPids, nsRun, socketPath, startDaemon, stopAll, wgKeyPair, type Implementation } from "../helpers/wg.js";
import { existsSync } from "node:fs";

const PAIRINGS: [initiator: Implementation, responder: Implementation][] = [
  ["wasmguard", "wasmguard"],
  ["wasmguard", "wireguard-go"],
  ["wireguard-go", "wasmguard"],
];

const tag = String(process.pid % 1000);

function ping(ns: Netns, addr: string, count = 3): boolean {
  const r = ns.tryExec("ping", ...(addr.includes(":") ? ["-6"] : []), "-c", String(count), "-i", "0.2", "-W", "2", addr);
  return r.status === 0;
}

/** Pings until one answer comes (a handshake may be under way), at most `tries` times. */
function pingUntil(ns: Netns, addr: string, tries = 10): boolean {
  for (let i = 0; i < tries; i++) if (ping(ns, addr, 1)) return true;
  return false;
}

function wgShow(ns: Netns, iface: string, field: string): string[][] {
  return nsRun(ns, ["wg", "show", iface, field])
    .trim()
    .split("\n")
    .filter(Boolean)
    .map((l) => l.split("\t"));
}

describeNetns(
  "interop in network namespaces (stock wg tool, wasmguardd, wireguard-go)",
  () => {
    const haveTools = toolsAvailable("netns interop", "wg", "wireguard-go", "ping", "iperf3");

    PAIRINGS.forEach(([implA, implB], index) => {
      describe.runIf(haveTools)(`${implA} (initiator) <-> ${implB} (responder)`, () => {
        let a: Netns;
        let b: Netns;
        const ifA = `wgi${tag}${index}a`;
        const ifB = `wgi${tag}${index}b`;
        const ka = wgKeyPair();
        const kb = wgKeyPair();
        const psk = wgKeyPair().priv;

        beforeAll(async () => {
          a = Netns.create("ia");
          b = Netns.create("ib");
          createVethPair(a, b, {
            nameA: "va",
            nameB: "vb",
            addrA: ["10.201.0.1/24", "fd01::1/64"],
            addrB: ["10.201.0.2/24", "fd01::2/64"],
          });
          await startDaemon(a, implA, ifA);
          await startDaemon(b, implB, ifB);
          const pskFile = keyFile(psk);
          nsRun(a, ["wg", "set", ifA, "private-key", keyFile(ka.priv), "peer", kb.pub, "preshared-key", pskFile,
            "endpoint", "10.201.0.2:51820", "allowed-ips", "10.10.0.2/32,fd10::2/128"]);
          nsRun(b, ["wg", "set", ifB, "private-key", keyFile(kb.priv), "listen-port", "51820", "peer", ka.pub,
            "preshared-key", pskFile, "allowed-ips", "10.10.0.1/32,fd10::1/128"]);
          for (const [ns, ifc, n] of [[a, ifA, 1], [b, ifB, 2]] as const) {
            ns.ip("addr", "add", `10.10.0.${n}/24`, "dev", ifc);
            ns.ip("addr", "add", `fd10::${n}/64`, "dev", ifc, "nodad");
            ns.ip("link", "set", ifc, "up");
          }
        });

        afterAll(async () => {
          for (const ns of [a, b]) {
            if (!ns) continue;
            await stopAll(ns);
            ns.delete();
          }
        });

        it("the initiator pings across the tunnel over IPv4 and IPv6", () => {
          expect(pingUntil(a, "10.10.0.2")).toBe(true);
          expect(ping(a, "10.10.0.2")).toBe(true);
          expect(ping(a, "fd10::2")).toBe(true);
        });

        it("the responder, which learned the endpoint, pings back", () => {
          expect(ping(b, "10.10.0.1")).toBe(true);
          expect(ping(b, "fd10::1")).toBe(true);
        });

        it("wg show reports a recent handshake and transfer counters that grow", () => {
          for (const [ns, ifc] of [[a, ifA], [b, ifB]] as const) {
            const [[, hs]] = wgShow(ns, ifc, "latest-handshakes");
            expect(Math.abs(Number(hs) - Date.now() / 1000)).toBeLessThan(60);
          }
          const before = wgShow(a, ifA, "transfer")[0].slice(1).map(Number);
          expect(before[0]).toBeGreaterThan(0);
          expect(before[1]).toBeGreaterThan(0);
          expect(ping(a, "10.10.0.2")).toBe(true);
          const after = wgShow(a, ifA, "transfer")[0].slice(1).map(Number);
          expect(after[0]).toBeGreaterThan(before[0]);
          expect(after[1]).toBeGreaterThan(before[1]);
          // Both ends agree: what A sent is what B received, give or take packets in flight.
          const [, rxB] = wgShow(b, ifB, "transfer")[0].slice(1).map(Number);
          expect(rxB).toBeGreaterThan(0);
        });

        it("carries a 50 MB TCP transfer whose checksum matches at both ends", async () => {
          const server = b.spawn(process.execPath, ["--import", "tsx", "test/netns/tcp-transfer.ts", "serve", "5001"]);
          const lines: string[] = [];
          server.stdout!.setEncoding("utf8").on("data", (d: string) => lines.push(...d.trim().split("\n")));
          for (let i = 0; i < 100 && !lines.some((l) => l.includes("listening")); i++) await new Promise((r) => setTimeout(r, 50));
          const sent = JSON.parse(nsRun(a, [process.execPath, "--import", "tsx", "test/netns/tcp-transfer.ts", "send", "10.10.0.2", "5001", String(50 * 2 ** 20)]));
          for (let i = 0; i < 100 && !lines.some((l) => l.includes("sha256")); i++) await new Promise((r) => setTimeout(r, 50));
          const received = JSON.parse(lines.find((l) => l.includes("sha256"))!);
          expect(sent.bytes).toBe(50 * 2 ** 20);
          expect(received).toEqual(sent);
        }, 120_000);

        it("runs a short iperf3 test", async () => {
          const server = b.spawn("iperf3", ["-s", "-1", "-B", "10.10.0.2"]);
          await new Promise((r) => setTimeout(r, 300));
          const out = JSON.parse(nsRun(a, ["iperf3", "-c", "10.10.0.2", "-t", "2", "-J"]));
          expect(out.end.sum_received.bits_per_second).toBeGreaterThan(0);
          server.kill();
        }, 60_000);

        it("works over an IPv6 outer transport", () => {
          nsRun(a, ["wg", "set", ifA, "peer", kb.pub, "endpoint", "[fd01::2]:51820"]);
          expect(pingUntil(a, "10.10.0.2")).toBe(true);
          const [[, ep]] = wgShow(b, ifB, "endpoints");
          expect(ep).toMatch(/^\[fd01::1\]:\d+$/);
          expect(ping(b, "fd10::1")).toBe(true);
        });

        it("follows the initiator when its outer address and port change (roaming)", () => {
          nsRun(a, ["wg", "set", ifA, "peer", kb.pub, "endpoint", "10.201.0.2:51820"]);
          // Delete first: removing a primary address would also remove its secondaries.
          a.ip("addr", "del", "10.201.0.1/24", "dev", "va");
          a.ip("addr", "add", "10.201.0.3/24", "dev", "va");
          expect(pingUntil(a, "10.10.0.2")).toBe(true);
          expect(wgShow(b, ifB, "endpoints")[0][1]).toMatch(/^10\.201\.0\.3:\d+$/);
          nsRun(a, ["wg", "set", ifA, "listen-port", "40123"]);
          expect(pingUntil(a, "10.10.0.2")).toBe(true);
          expect(wgShow(b, ifB, "endpoints")[0][1]).toBe("10.201.0.3:40123");
          // The responder answers at the new place without being told.
          expect(ping(b, "10.10.0.1")).toBe(true);
        });

        it("stops traffic when the peer is removed and resumes when it is added back", () => {
          nsRun(a, ["wg", "set", ifA, "peer", kb.pub, "remove"]);
          expect(ping(a, "10.10.0.2", 1)).toBe(false);
          nsRun(a, ["wg", "set", ifA, "peer", kb.pub, "preshared-key", keyFile(psk), "endpoint", "10.201.0.2:51820",
            "allowed-ips", "10.10.0.2/32,fd10::2/128"]);
          expect(pingUntil(a, "10.10.0.2")).toBe(true);
        });
      });
    });

    describe.runIf(haveTools)("wg-quick with WG_QUICK_USERSPACE_IMPLEMENTATION=wasmguardd", () => {
      let a: Netns;
      let b: Netns;
      const ifA = `wgq${tag}a`;
      const ifB = `wgq${tag}b`;
      const ka = wgKeyPair();
      const kb = wgKeyPair();
      let confA: string;

      beforeAll(async () => {
        a = Netns.create("qa");
        b = Netns.create("qb");
        createVethPair(a, b, { nameA: "va", nameB: "vb", addrA: ["10.202.0.1/24"], addrB: ["10.202.0.2/24"] });
        await startDaemon(b, "wireguard-go", ifB);
        nsRun(b, ["wg", "set", ifB, "private-key", keyFile(kb.priv), "listen-port", "51820", "peer", ka.pub, "allowed-ips", "10.11.0.1/32"]);
        b.ip("addr", "add", "10.11.0.2/24", "dev", ifB);
        b.ip("link", "set", ifB, "up");
        const dir = keyFile("x").replace(/\/key$/, "");
        confA = `${dir}/${ifA}.conf`;
        const { writeFileSync } = await import("node:fs");
        writeFileSync(
          confA,
          `[Interface]\nPrivateKey = ${ka.priv}\nAddress = 10.11.0.1/24\nMTU = 1380\n\n[Peer]\nPublicKey = ${kb.pub}\nEndpoint = 10.202.0.2:51820\nAllowedIPs = 10.11.0.0/24\nPersistentKeepalive = 25\n`,
          { mode: 0o600 },
        );
      });

      afterAll(async () => {
        for (const ns of [a, b]) {
          if (!ns) continue;
          await stopAll(ns);
          ns.delete();
        }
      });

      it("brings the interface up through wasmguardd and down again, leaving nothing behind", async () => {
        const env = { WG_QUICK_USERSPACE_IMPLEMENTATION: "wasmguardd" };
        nsRun(a, ["wg-quick", "up", confA], env);
        expect(a.ip("-o", "addr", "show", "dev", ifA)).toContain("10.11.0.1/24");
        expect(a.ip("-o", "link", "show", "dev", ifA)).toContain("mtu 1380");
        expect(nsPids(a).length).toBeGreaterThan(0);
        expect(pingUntil(a, "10.11.0.2")).toBe(true);
        expect(nsRun(a, ["wg", "show", ifA, "peers"]).trim()).toBe(kb.pub);
        nsRun(a, ["wg-quick", "down", confA], env);
        expect(a.tryExec("ip", "link", "show", ifA).status).not.toBe(0);
        for (let i = 0; i < 50 && (nsPids(a).length > 0 || existsSync(socketPath(ifA))); i++) await new Promise((r) => setTimeout(r, 100));
        expect(nsPids(a)).toEqual([]);
        expect(existsSync(socketPath(ifA))).toBe(false);
      }, 60_000);
    });

    describe.runIf(haveTools)("wasmguardd lifecycle", () => {
      let ns: Netns;
      beforeAll(() => {
        ns = Netns.create("lc");
      });
      afterAll(async () => {
        await stopAll(ns);
        ns.delete();
      });

      async function gone(iface: string): Promise<boolean> {
        for (let i = 0; i < 50; i++) {
          if (nsPids(ns).length === 0 && !existsSync(socketPath(iface)) && ns.tryExec("ip", "link", "show", iface).status !== 0) return true;
          await new Promise((r) => setTimeout(r, 100));
        }
        return false;
      }

      it("exits cleanly on SIGTERM: socket removed, interface gone", async () => {
        const iface = `wgl${tag}t`;
        await startDaemon(ns, "wasmguard", iface);
        expect(nsPids(ns).length).toBe(1);
        for (const p of nsPids(ns)) process.kill(p, "SIGTERM");
        expect(await gone(iface)).toBe(true);
      });

      it("exits when its interface is deleted", async () => {
        const iface = `wgl${tag}d`;
        await startDaemon(ns, "wasmguard", iface);
        ns.ip("link", "del", iface);
        expect(await gone(iface)).toBe(true);
      });

      it("refuses a name that is taken, with a one-line reason and a non-zero status", async () => {
        const iface = `wgl${tag}b`;
        await startDaemon(ns, "wasmguard", iface);
        expect(() => nsRun(ns, ["wasmguardd", iface])).toThrow(/EBUSY|in use/);
        for (const p of nsPids(ns)) process.kill(p, "SIGTERM");
        expect(await gone(iface)).toBe(true);
      });
    });
  },
  { tun: true, addon: true },
);
