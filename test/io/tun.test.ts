// The real TUN device, in a namespace of its own: the kernel answers ICMP echo
// requests written into the TUN, and the answers come back out of it.
import { afterAll, beforeAll, expect, it } from "vitest";
import { describeNetns, Netns, type NodeChild } from "../helpers/netns.js";
import { checksumsValid, echoInfo, expectedEchoReply, hex, icmp4Echo, icmp6Echo, unhex, type Echo } from "./packets.js";

interface Opened {
  handle: number;
  name: string;
  index: number;
  mtu: number;
}

describeNetns(
  "TUN device (addon)",
  () => {
    let ns: Netns;
    let child: NodeChild;
    let tun: Opened;

    beforeAll(async () => {
      ns = Netns.create("tun");
      child = ns.spawnNode("test/io/io-child.ts");
      tun = await child.call<Opened>("openTun", { name: "wgt0" });
      ns.ip("addr", "add", "10.77.0.1/24", "dev", "wgt0");
      ns.ip("addr", "add", "fd77::1/64", "dev", "wgt0", "nodad");
      ns.ip("link", "set", "wgt0", "up");
    });

    afterAll(async () => {
      await child?.kill();
      ns?.delete();
    });

    /** Echo requests written in one batch; returns the first wake-up's packets that are replies to them. */
    async function roundTrip(requests: Echo[], family: 4 | 6) {
      const build = family === 4 ? icmp4Echo : icmp6Echo;
      const r = await child.call<{ written: number; read: string[] }>("tunWriteThenRead", {
        handle: tun.handle,
        packets: requests.map((q) => hex(build(q))),
        settleMs: 100,
      });
      expect(r.written).toBe(requests.length);
      // The kernel may also send its own packets (IPv6 MLD and the like): keep only our replies.
      const replies = r.read.map(unhex).filter((p) => {
        const e = echoInfo(p);
        return e && e.family === family && e.type === (family === 4 ? 0 : 129) && e.id === requests[0].id;
      });
      return { replies, readInOneCall: r.read.length };
    }

    it("opens the interface with the name asked for, and reports its index and MTU", () => {
      expect(tun.name).toBe("wgt0");
      const link = ns.ip("-o", "link", "show", "wgt0");
      expect(link).toMatch(new RegExp(`^${tun.index}: wgt0:`));
      expect(link).toContain(`mtu ${tun.mtu}`);
      expect(link).toContain("POINTOPOINT");
    });

    it("round-trips an ICMP echo through the kernel, byte for byte (IPv4)", async () => {
      const req: Echo = { src: "10.77.0.2", dst: "10.77.0.1", id: 0x4242, seq: 1, payload: new TextEncoder().encode("wasmguard tun test v4") };
      const { replies } = await roundTrip([req], 4);
      expect(replies).toHaveLength(1);
      const reply = replies[0];
      expect(checksumsValid(reply)).toBe(true);
      expect(hex(reply)).toBe(hex(expectedEchoReply(req, 4, reply)));
    });

    it("round-trips an ICMPv6 echo through the kernel, byte for byte", async () => {
      const req: Echo = { src: "fd77::2", dst: "fd77::1", id: 0x4243, seq: 7, payload: new Uint8Array(100).map((_, i) => i) };
      const { replies } = await roundTrip([req], 6);
      expect(replies).toHaveLength(1);
      expect(checksumsValid(replies[0])).toBe(true);
      expect(hex(replies[0])).toBe(hex(expectedEchoReply(req, 6, replies[0])));
    });

    it("reads several packets in one wake-up with one readBatch call", async () => {
      const requests: Echo[] = Array.from({ length: 12 }, (_, i) => ({
        src: "10.77.0.2",
        dst: "10.77.0.1",
        id: 0x4244,
        seq: 100 + i,
        payload: new Uint8Array(32 + i * 50).fill(i),
      }));
      const { replies, readInOneCall } = await roundTrip(requests, 4);
      expect(readInOneCall).toBeGreaterThanOrEqual(12);
      expect(replies.map((p) => echoInfo(p)!.seq)).toEqual(requests.map((r) => r.seq));
      replies.forEach((p, i) => expect(hex(p)).toBe(hex(expectedEchoReply(requests[i], 4, p))));
    });

    it("drops a packet longer than its slot and keeps the rest of the batch", async () => {
      // Reading paused: three replies of 48, 548 and 48 bytes queue up.
      const sizes = [20, 520, 20];
      const requests = sizes.map((n, i) => ({ src: "10.77.0.2", dst: "10.77.0.1", id: 0x4245, seq: i, payload: new Uint8Array(n) }));
      const written = await child.call<number>("tunWrite", { handle: tun.handle, packets: requests.map((q) => hex(icmp4Echo(q))) });
      expect(written).toBe(3);
      await new Promise((res) => setTimeout(res, 100));
      const lengths = await child.call<number[]>("tunReadSmallSlots", { handle: tun.handle, slot: 200 });
      expect(lengths.filter((l) => l === 48)).toHaveLength(2);
      expect(lengths.every((l) => l <= 200)).toBe(true);
    });

    it("drops packets written while the interface is down, and stays open", async () => {
      const down = await child.call<Opened>("openTun", { name: "wgt2" });
      const packets = [0, 1].map((seq) => hex(icmp4Echo({ src: "10.79.0.2", dst: "10.79.0.1", id: 1, seq, payload: new Uint8Array(8) })));
      expect(await child.call("tunWrite", { handle: down.handle, packets: packets.slice(0, 1) })).toBe(0);
      expect(await child.call("tunWrite", { handle: down.handle, packets })).toBe(0);
      expect(await child.call("tunWrite", { handle: down.handle, packets: ["450000"] })).toBe(0); // malformed
      expect(await child.call("tunMtu", { handle: down.handle })).toBe(down.mtu);
      await child.call("close", { handle: down.handle });
      expect(await child.nextEvent("tunClosed")).toEqual({ handle: down.handle, code: undefined, message: undefined });
    });

    it("gets and sets the MTU", async () => {
      expect(await child.call("tunMtu", { handle: tun.handle, set: 1380 })).toBe(1380);
      expect(ns.ip("-o", "link", "show", "wgt0")).toContain("mtu 1380");
      ns.ip("link", "set", "wgt0", "mtu", "1420");
      expect(await child.call("tunMtu", { handle: tun.handle })).toBe(1420);
      await expect(child.call("tunMtu", { handle: tun.handle, set: 10 })).rejects.toMatchObject({
        code: "EINVAL",
        message: expect.stringMatching(/^SIOCSIFMTU wgt0 10: EINVAL \(Invalid argument\)$/),
      });
    });

    it("refuses a second single-queue open of the same name with EBUSY", async () => {
      await expect(child.call("openTun", { name: "wgt0" })).rejects.toMatchObject({
        code: "EBUSY",
        message: "TUNSETIFF wgt0: EBUSY (Device or resource busy)",
      });
    });

    it("refuses a name that is not a TUN device, and a name that is too long", async () => {
      await expect(child.call("openTun", { name: "lo" })).rejects.toMatchObject({ code: "EINVAL" });
      await expect(child.call("openTun", { name: "a-name-longer-than-ifnamsiz" })).rejects.toThrow(/longer than 15 bytes/);
    });

    it("attaches several queues to a multi-queue device", async () => {
      const a = await child.call<Opened>("openTun", { name: "wgq0", multiQueue: true });
      const b = await child.call<Opened>("openTun", { name: "wgq0", multiQueue: true });
      expect(b.name).toBe("wgq0");
      expect(b.index).toBe(a.index);
      expect(ns.ip("-d", "link", "show", "wgq0")).toMatch(/multi_queue/);
      await child.call("close", { handle: a.handle });
      await child.call("close", { handle: b.handle });
      await child.nextEvent("tunClosed");
      await child.nextEvent("tunClosed");
    });

    it("adopts an inherited TUN fd (WG_TUN_FD) and reads what the kernel routes into it", async () => {
      await child.call("launchAdopter", { name: "wga0" });
      const hello = await child.nextEvent<{ name: string; index: number }>("adopter");
      expect(hello.name).toBe("wga0");
      ns.ip("addr", "add", "10.78.0.1/24", "dev", "wga0");
      ns.ip("link", "set", "wga0", "up");
      await child.call("udpProbe", { host: "10.78.0.9", port: 9999, family: 4 });
      const { packet } = await child.nextEvent<{ packet: string }>("adopter");
      const p = unhex(packet);
      expect(p[0] >> 4).toBe(4);
      expect(p[9]).toBe(17); // UDP
      expect(Array.from(p.subarray(16, 20))).toEqual([10, 78, 0, 9]);
      expect((p[22] << 8) | p[23]).toBe(9999);
      expect(new TextDecoder().decode(p.subarray(28))).toBe("probe");
      expect(await child.nextEvent("adopterExit")).toEqual({ code: 0 });
    });

    it("fires close with an error when the interface is deleted while reading", async () => {
      const other = await child.call<Opened>("openTun", { name: "wgt1" });
      ns.ip("link", "set", "wgt1", "up");
      await child.call("tunDrain", { handle: other.handle });
      ns.ip("link", "del", "wgt1");
      const ev = await child.nextEvent<{ handle: number; code: string; message: string }>("tunClosed", 5000);
      expect(ev.handle).toBe(other.handle);
      expect(ev.code).toBe("EBADFD");
    });

    it("fires close with an error when the interface is deleted while reading is paused", async () => {
      ns.ip("link", "del", "wgt0");
      const ev = await child.nextEvent<{ handle: number; code: string; message: string }>("tunClosed", 5000);
      expect(ev.handle).toBe(tun.handle);
      expect(ev.code).toBe("EBADFD");
      expect(ev.message).toMatch(/EBADFD/);
    });
  },
  { tun: true, addon: true },
);
