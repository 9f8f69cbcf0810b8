// Runs inside a test namespace (Netns.spawnNode) and drives the real TUN and
// UDP implementations on the test's behalf. Packets cross the IPC channel as hex.
//   io-child.ts             serve calls
//   io-child.ts --adopt     take over the TUN fd in WG_TUN_FD, print its name and
//                           the first packet read as JSON lines, then exit
import { spawn } from "node:child_process";
import { createSocket } from "node:dgram";
import { fileURLToPath } from "node:url";
import { ENDPOINT_BYTES, Endpoint } from "../../bindings/io/endpoint.js";
import { errorCode } from "../../bindings/io/errors.js";
import { NativeTun } from "../../bindings/io/tun.js";
import { NativeUdpBind } from "../../bindings/io/udp.js";
import { serveCalls } from "../helpers/netns-child.js";
import { hex, unhex } from "./packets.js";

const SLOT = 2048;
const MAX = 64;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

if (process.argv.includes("--adopt")) {
  const tun = NativeTun.adopt(Number(process.env.WG_TUN_FD));
  console.log(JSON.stringify({ name: tun.name, index: tun.index() }));
  const buf = new Uint8Array(SLOT * 4);
  const lengths = new Uint32Array(4);
  const timer = setTimeout(() => process.exit(3), 10_000);
  tun.onReadable(() => {
    const n = tun.readBatch(buf, 0, SLOT, 4, lengths);
    for (let i = 0; i < n; i++) {
      // The kernel's own IPv6 chatter (MLD, router solicitations) is not what the test sent.
      if (buf[i * SLOT] >> 4 !== 4) continue;
      console.log(JSON.stringify({ packet: hex(buf.subarray(i * SLOT, i * SLOT + lengths[i])) }));
      clearTimeout(timer);
      tun.close();
      return;
    }
  });
} else {
  serve();
}

function serve(): void {
  const objects = new Map<number, NativeTun | NativeUdpBind>();
  let nextHandle = 1;
  const keep = (o: NativeTun | NativeUdpBind) => (objects.set(nextHandle, o), nextHandle++);
  const tunOf = (h: number) => {
    const o = objects.get(h);
    if (!(o instanceof NativeTun)) throw new Error(`no tun ${h}`);
    return o;
  };
  const udpOf = (h: number) => {
    const o = objects.get(h);
    if (!(o instanceof NativeUdpBind)) throw new Error(`no udp bind ${h}`);
    return o;
  };
  const buf = new Uint8Array(SLOT * 512);
  const lengths = new Uint32Array(512);
  const records = new Uint8Array(ENDPOINT_BYTES * 512);

  /** Packed batch for writes: offsets/lengths into `buf`. */
  function pack(packets: string[]): { offsets: Uint32Array; lens: Uint32Array } {
    const offsets = new Uint32Array(packets.length);
    const lens = new Uint32Array(packets.length);
    let at = 0;
    packets.forEach((h, i) => {
      const p = unhex(h);
      buf.set(p, at);
      offsets[i] = at;
      lens[i] = p.length;
      at += p.length;
    });
    return { offsets, lens };
  }

  const emit = serveCalls({
    openTun({ name, multiQueue }: { name: string; multiQueue?: boolean }) {
      const tun = NativeTun.open(name, { multiQueue });
      const handle = keep(tun);
      tun.onClose((err) => emit("tunClosed", { handle, code: errorCode(err), message: err?.message }));
      return { handle, name: tun.name, index: tun.index(), mtu: tun.mtu(), fd: tun.fd };
    },
    tunMtu({ handle, set }: { handle: number; set?: number }) {
      const tun = tunOf(handle);
      if (set !== undefined) tun.setMtu(set);
      return tun.mtu();
    },
    tunWrite({ handle, packets }: { handle: number; packets: string[] }) {
      const tun = tunOf(handle);
      if (packets.length === 1) {
        const p = unhex(packets[0]);
        return tun.write(p, 0, p.length) ? 1 : 0;
      }
      const { offsets, lens } = pack(packets);
      return tun.writeBatch(buf, offsets, lens, packets.length);
    },
    /**
     * Reading paused, writes `packets`, waits `settleMs` for the kernel's
     * answers to queue up, then returns what the first wake-up's single
     * readBatch got.
     */
    async tunWriteThenRead({ handle, packets, settleMs }: { handle: number; packets: string[]; settleMs: number }) {
      const tun = tunOf(handle);
      tun.onReadable(null);
      const { offsets, lens } = pack(packets);
      const written = tun.writeBatch(buf, offsets, lens, packets.length);
      await sleep(settleMs);
      const out = new Uint8Array(SLOT * MAX);
      const outLengths = new Uint32Array(MAX);
      const read = await new Promise<string[]>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error("no readable event within 5 s")), 5000);
        tun.onReadable(() => {
          tun.onReadable(null);
          clearTimeout(timer);
          const n = tun.readBatch(out, 0, SLOT, MAX, outLengths);
          resolve(Array.from({ length: n }, (_, i) => hex(out.subarray(i * SLOT, i * SLOT + outLengths[i]))));
        });
      });
      return { written, read };
    },
    /** Reads (and discards) whatever arrives, as a running device would. */
    tunDrain({ handle }: { handle: number }) {
      const tun = tunOf(handle);
      const out = new Uint8Array(SLOT * MAX);
      const outLengths = new Uint32Array(MAX);
      tun.onReadable(() => void tun.readBatch(out, 0, SLOT, MAX, outLengths));
    },
    /** Reads with a slot too small for some packets: what comes back. */
    tunReadSmallSlots({ handle, slot }: { handle: number; slot: number }) {
      const tun = tunOf(handle);
      const n = tun.readBatch(buf, 0, slot, MAX, lengths);
      return Array.from(lengths.subarray(0, n));
    },
    /** Opens a TUN, hands a copy of its fd to a child running --adopt, and closes its own copy. */
    async launchAdopter({ name }: { name: string }) {
      const tun = NativeTun.open(name);
      const child = spawn(process.execPath, ["--import", "tsx", fileURLToPath(import.meta.url), "--adopt"], {
        stdio: ["ignore", "pipe", "inherit", tun.fd],
        env: { ...process.env, WG_TUN_FD: "3" },
      });
      tun.close();
      let line = "";
      child.stdout!.on("data", (d: Buffer) => {
        line += d.toString();
        let nl;
        while ((nl = line.indexOf("\n")) >= 0) {
          emit("adopter", JSON.parse(line.slice(0, nl)));
          line = line.slice(nl + 1);
        }
      });
      child.on("exit", (code) => emit("adopterExit", { code }));
      return { pid: child.pid };
    },
    /** A plain UDP datagram from this namespace's stack, to make the kernel route something. */
    async udpProbe({ host, port, family }: { host: string; port: number; family: 4 | 6 }) {
      const s = createSocket(family === 4 ? "udp4" : "udp6");
      await new Promise<void>((resolve, reject) =>
        s.send(Buffer.from("probe"), port, host, (err) => (err ? reject(err) : resolve())),
      );
      s.close();
    },

    openUdp({ port, fwmark }: { port: number; fwmark?: number }) {
      const bind = new NativeUdpBind({ fwmark });
      const handle = keep(bind);
      const bound = bind.open(port);
      return { handle, port: bound, fds: bind.fds };
    },
    reopenUdp({ handle, port }: { handle: number; port: number }) {
      return udpOf(handle).open(port);
    },
    udpState({ handle }: { handle: number }) {
      const bind = udpOf(handle);
      return { port: bind.port, fds: bind.fds };
    },
    udpSend({ handle, packets, to }: { handle: number; packets: string[]; to: string[] }) {
      const bind = udpOf(handle);
      const { offsets, lens } = pack(packets);
      to.forEach((t, i) => Endpoint.parse(t).write(records, i));
      const handled = bind.sendBatch(buf, offsets, lens, records, packets.length);
      return { handled, stats: { ...bind.stats } };
    },
    /** Collects `count` datagrams (or fewer by the timeout), noting how many each recvBatch returned. */
    async udpRecv({ handle, count, slot, timeoutMs }: { handle: number; count: number; slot?: number; timeoutMs?: number }) {
      const bind = udpOf(handle);
      const slotSize = slot ?? SLOT;
      const got: { data: string; from: string }[] = [];
      const batches: number[] = [];
      await new Promise<void>((resolve) => {
        const timer = setTimeout(done, timeoutMs ?? 3000);
        function done() {
          clearTimeout(timer);
          bind.onReadable(null);
          resolve();
        }
        bind.onReadable(() => {
          for (;;) {
            const n = bind.recvBatch(buf, 0, slotSize, MAX, lengths, records);
            if (n === 0) break;
            batches.push(n);
            for (let i = 0; i < n; i++)
              got.push({
                data: hex(buf.subarray(i * slotSize, i * slotSize + lengths[i])),
                from: Endpoint.read(records, i)!.toString(),
              });
          }
          if (got.length >= count) done();
        });
      });
      return { got, batches };
    },
    udpFwmark({ handle, set }: { handle: number; set?: number }) {
      const bind = udpOf(handle);
      if (set !== undefined) bind.setFwmark(set);
      return bind.getFwmark();
    },
    close({ handle }: { handle: number }) {
      objects.get(handle)?.close();
      objects.delete(handle);
    },
  });
}
