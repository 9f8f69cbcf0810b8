// NativeUdpBind.open's port logic against a scripted addon: both families on
// one port, retries when IPv6 finds the IPv4 port taken, IPv4-only hosts.
import { describe, expect, it } from "vitest";
import { ioError } from "../../bindings/io/errors.js";
import type { NativeIo, PollerHandle } from "../../bindings/io/native.js";
import { NativeUdpBind } from "../../bindings/io/udp.js";

/** A stand-in addon: udpOpen follows `script`, fds are counted, pollers are inert. */
function scriptedIo(script: (family: 4 | 6, port: number, call: number) => number | Error) {
  let nextFd = 100;
  let nextAuto = 40000;
  const open = new Map<number, { family: number; port: number }>();
  const calls: string[] = [];
  const poller: PollerHandle = { start() {}, stop() {}, close() {}, ref() {}, unref() {} };
  const io = {
    udpOpen(family: 4 | 6, port: number) {
      const r = script(family, port, calls.length);
      calls.push(`${family}:${port}`);
      if (r instanceof Error) throw r;
      const bound = r === 0 ? nextAuto++ : r;
      open.set(nextFd, { family, port: bound });
      return { fd: nextFd++, port: bound };
    },
    fdClose(fd: number) {
      if (!open.delete(fd)) throw ioError("EBADF", `close fd ${fd}`);
    },
    udpSetMark() {},
    Poller: function () {
      return poller;
    } as unknown as NativeIo["Poller"],
    POLL_READABLE: 1,
    POLL_WRITABLE: 2,
    POLL_PRIORITIZED: 8,
  } as unknown as NativeIo;
  return { io, calls, open };
}

const inUse = (port: number) => ioError("EADDRINUSE", `bind [::]:${port}`);

describe("NativeUdpBind.open", () => {
  it("binds IPv6 to the port the kernel chose for IPv4", () => {
    const s = scriptedIo((_f, port) => port);
    const bind = new NativeUdpBind({ io: s.io });
    expect(bind.open(0)).toBe(40000);
    expect(s.calls).toEqual(["4:0", "6:40000"]);
    expect([...s.open.values()]).toEqual([
      { family: 4, port: 40000 },
      { family: 6, port: 40000 },
    ]);
  });

  it("starts over when the chosen port is taken for IPv6, closing the IPv4 socket", () => {
    const s = scriptedIo((family, port, call) => (family === 6 && call < 4 ? inUse(port) : port));
    const bind = new NativeUdpBind({ io: s.io });
    expect(bind.open(0)).toBe(40002);
    expect(s.calls).toEqual(["4:0", "6:40000", "4:0", "6:40001", "4:0", "6:40002"]);
    expect(s.open.size).toBe(2); // the two abandoned IPv4 sockets were closed
    expect(bind.fds).toEqual({ v4: 102, v6: 103 });
  });

  it("gives up after portAttempts tries with EADDRINUSE", () => {
    const s = scriptedIo((family, port) => (family === 6 ? inUse(port) : port));
    const bind = new NativeUdpBind({ io: s.io, portAttempts: 3 });
    expect(() => bind.open(0)).toThrow(expect.objectContaining({ code: "EADDRINUSE" }));
    expect(s.calls).toHaveLength(6);
    expect(s.open.size).toBe(0);
    expect(bind.port).toBe(0);
  });

  it("does not retry an explicit port", () => {
    const s = scriptedIo((family, port) => (family === 6 ? inUse(port) : port));
    const bind = new NativeUdpBind({ io: s.io });
    expect(() => bind.open(51820)).toThrow(expect.objectContaining({ code: "EADDRINUSE" }));
    expect(s.calls).toEqual(["4:51820", "6:51820"]);
    expect(s.open.size).toBe(0);
  });

  it("runs on IPv4 alone where IPv6 is not supported, and on IPv6 alone without IPv4", () => {
    const noV6 = scriptedIo((family, port) => (family === 6 ? ioError("EAFNOSUPPORT", "socket udp6") : port));
    const a = new NativeUdpBind({ io: noV6.io });
    expect(a.open(0)).toBe(40000);
    expect(a.fds).toEqual({ v4: 100, v6: -1 });

    const noV4 = scriptedIo((family, port) => (family === 4 ? ioError("EAFNOSUPPORT", "socket udp4") : port));
    const b = new NativeUdpBind({ io: noV4.io });
    expect(b.open(0)).toBe(40000);
    expect(b.fds).toEqual({ v4: -1, v6: 100 });
  });

  it("closes the old sockets before binding anew", () => {
    const s = scriptedIo((_f, port) => port);
    const bind = new NativeUdpBind({ io: s.io });
    bind.open(51820);
    bind.open(51821);
    expect([...s.open.values()].map((o) => o.port)).toEqual([51821, 51821]);
    bind.close();
    expect(s.open.size).toBe(0);
    expect(bind.port).toBe(0);
  });
});
