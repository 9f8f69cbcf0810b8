// The real UDP bind (recvmmsg/sendmmsg), inside a namespace of its own, over
// its loopback: batches cross with the right source addresses and ports.
import { afterAll, beforeAll, expect, it } from "vitest";
import { describeNetns, Netns, type NodeChild } from "../helpers/netns.js";
import { hex } from "./packets.js";

interface Opened {
  handle: number;
  port: number;
  fds: { v4: number; v6: number };
}
interface Received {
  got: { data: string; from: string }[];
  batches: number[];
}
interface Sent {
  handled: number;
  stats: { refused: number; dropped: number; lastError?: string };
}

/** Distinct payloads of assorted sizes: datagram i starts with its index. */
function payloads(count: number, tag: number): string[] {
  return Array.from({ length: count }, (_, i) => {
    const p = new Uint8Array(16 + ((i * 97) % 1400));
    p[0] = tag;
    p[1] = i >> 8;
    p[2] = i & 0xff;
    for (let j = 3; j < p.length; j++) p[j] = (i + j) & 0xff;
    return hex(p);
  });
}

describeNetns(
  "UDP bind (addon)",
  () => {
    let ns: Netns;
    let child: NodeChild;
    let a: Opened;
    let b: Opened;

    beforeAll(async () => {
      ns = Netns.create("udp");
      child = ns.spawnNode("test/io/io-child.ts");
      a = await child.call<Opened>("openUdp", { port: 0 });
      b = await child.call<Opened>("openUdp", { port: 0 });
    });

    afterAll(async () => {
      await child?.kill();
      ns?.delete();
    });

    it("port 0 picks one free port for both families", () => {
      expect(a.port).toBeGreaterThan(0);
      expect(b.port).not.toBe(a.port);
      expect(a.fds.v4).toBeGreaterThanOrEqual(0);
      expect(a.fds.v6).toBeGreaterThanOrEqual(0);
      const listening = ns.exec("ss", "-uln");
      for (const port of [a.port, b.port]) {
        expect(listening).toContain(`0.0.0.0:${port} `);
        expect(listening).toContain(`[::]:${port} `);
      }
    });

    it.each([
      [4, "127.0.0.1"],
      [6, "[::1]"],
    ])("exchanges a batch over IPv%i with the right sources", async (family, host) => {
      const count = 40;
      const toB = payloads(count, family);
      const recv = child.call<Received>("udpRecv", { handle: b.handle, count });
      const sent = await child.call<Sent>("udpSend", {
        handle: a.handle,
        packets: toB,
        to: toB.map(() => `${host}:${b.port}`),
      });
      expect(sent).toEqual({ handled: count, stats: { refused: 0, dropped: 0 } });
      const r = await recv;
      expect(r.got.map((g) => g.data)).toEqual(toB);
      expect(new Set(r.got.map((g) => g.from))).toEqual(new Set([`${host}:${a.port}`]));
      // A batch this size arrives in a few recvmmsg calls, not one per datagram.
      expect(r.batches.length).toBeLessThan(count / 4);

      // And back: B answers to the source A's datagrams came from.
      const toA = payloads(5, 0x80 | family);
      const back = child.call<Received>("udpRecv", { handle: a.handle, count: 5 });
      await child.call("udpSend", { handle: b.handle, packets: toA, to: toA.map(() => r.got[0].from) });
      const rb = await back;
      expect(rb.got).toEqual(toA.map((data) => ({ data, from: `${host}:${b.port}` })));
    });

    it("sends one batch to both families, and more packets than one sendmmsg takes", async () => {
      const count = 300; // above the addon's 256-message batch
      const data = payloads(count, 0x33);
      const to = data.map((_, i) => (i % 3 === 0 ? `[::1]:${b.port}` : `127.0.0.1:${b.port}`));
      const recv = child.call<Received>("udpRecv", { handle: b.handle, count });
      const sent = await child.call<Sent>("udpSend", { handle: a.handle, packets: data, to });
      expect(sent.handled).toBe(count);
      const r = await recv;
      expect(r.got).toHaveLength(count);
      // Each family keeps its order; sources match the family the datagram was sent to.
      for (const fam of ["[::1]", "127.0.0.1"]) {
        const want = data.filter((_, i) => to[i].startsWith(fam));
        const got = r.got.filter((g) => g.from.startsWith(fam));
        expect(got.map((g) => g.data)).toEqual(want);
        expect(got.every((g) => g.from === `${fam}:${a.port}`)).toBe(true);
      }
    });

    it("drops a datagram longer than the slot and keeps the others", async () => {
      const sizes = [100, 900, 100];
      const data = sizes.map((n, i) => hex(new Uint8Array(n).fill(i + 1)));
      const recv = child.call<Received>("udpRecv", { handle: b.handle, count: 2, slot: 512 });
      await child.call("udpSend", { handle: a.handle, packets: data, to: data.map(() => `127.0.0.1:${b.port}`) });
      const r = await recv;
      expect(r.got.map((g) => g.data)).toEqual([data[0], data[2]]);
    });

    it("counts packets the kernel refuses and goes on with the batch", async () => {
      const data = payloads(3, 0x44);
      const recv = child.call<Received>("udpRecv", { handle: b.handle, count: 2 });
      // 203.0.113.0/24 has no route in this namespace: refused with ENETUNREACH, nothing leaves.
      const sent = await child.call<Sent>("udpSend", {
        handle: a.handle,
        packets: data,
        to: [`127.0.0.1:${b.port}`, "203.0.113.7:51820", `127.0.0.1:${b.port}`],
      });
      expect(sent.handled).toBe(3);
      expect(sent.stats.refused).toBe(1);
      expect(sent.stats.lastError).toBe("ENETUNREACH");
      expect((await recv).got.map((g) => g.data)).toEqual([data[0], data[2]]);
    });

    it("binding a port in use fails with EADDRINUSE and leaves the bind closed", async () => {
      const c = await child.call<Opened>("openUdp", { port: 0 });
      const err = await child.call("reopenUdp", { handle: c.handle, port: a.port }).catch((e) => e);
      expect(err).toMatchObject({ code: "EADDRINUSE", message: `bind 0.0.0.0:${a.port}: EADDRINUSE (Address already in use)` });
      expect(await child.call("udpState", { handle: c.handle })).toEqual({ port: 0, fds: { v4: -1, v6: -1 } });
      // Its old port was released by the attempt.
      expect(ns.exec("ss", "-uln")).not.toContain(`:${c.port} `);
      await child.call("close", { handle: c.handle });
    });

    it("sets the fwmark on both sockets, and keeps it across a rebind", async () => {
      expect(await child.call("udpFwmark", { handle: a.handle })).toEqual({ v4: 0, v6: 0 });
      expect(await child.call("udpFwmark", { handle: a.handle, set: 0x51820 })).toEqual({ v4: 0x51820, v6: 0x51820 });
      const marked = await child.call<Opened>("openUdp", { port: 0, fwmark: 77 });
      expect(await child.call("udpFwmark", { handle: marked.handle })).toEqual({ v4: 77, v6: 77 });
      await child.call("close", { handle: marked.handle });
    });

    it("rebinds to a new port live, and the old port becomes free", async () => {
      const oldPort = a.port;
      const newPort = await child.call<number>("reopenUdp", { handle: a.handle, port: 0 });
      expect(newPort).not.toBe(oldPort);
      expect(await child.call("udpFwmark", { handle: a.handle })).toEqual({ v4: 0x51820, v6: 0x51820 });
      const recv = child.call<Received>("udpRecv", { handle: a.handle, count: 1 });
      await child.call("udpSend", { handle: b.handle, packets: ["01020304"], to: [`[::1]:${newPort}`] });
      expect((await recv).got).toEqual([{ data: "01020304", from: `[::1]:${b.port}` }]);
      // Another bind can take the old port now.
      const c = await child.call<Opened>("openUdp", { port: oldPort });
      expect(c.port).toBe(oldPort);
      await child.call("close", { handle: c.handle });
      a = { ...a, port: newPort };
    });
  },
  { addon: true },
);
