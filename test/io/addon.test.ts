// The addon's contract without any network: argument checks, errno errors,
// and the Poller's lifecycle (on a FIFO), including teardown in a worker.
import { spawnSync } from "node:child_process";
import { closeSync, mkdtempSync, openSync, rmSync, writeSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { addonPath, loadNative, type NativeIo } from "../../bindings/io/native.js";
import { describeNetns } from "../helpers/netns.js";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Runs an ES module snippet in a fresh node process with `io` (the addon) in scope. */
function runNode(body: string): { status: number | null; out: string } {
  const src = `import { createRequire } from "node:module";
const io = createRequire(import.meta.url)(${JSON.stringify(addonPath())});
${body}`;
  const r = spawnSync(process.execPath, ["--input-type=module", "-e", src], { encoding: "utf8", timeout: 10_000 });
  return { status: r.status, out: `${r.stdout}${r.stderr}` };
}

describeNetns(
  "native addon contract",
  () => {
    let io: NativeIo;
    let dir: string;
    let fifo: string;

    beforeAll(() => {
      io = loadNative();
      dir = mkdtempSync(join(tmpdir(), "wgio-"));
      fifo = join(dir, "fifo");
      const r = spawnSync("mkfifo", [fifo]);
      if (r.status !== 0) throw new Error("mkfifo failed");
    });
    afterAll(() => rmSync(dir, { recursive: true, force: true }));

    it("turns a failing syscall into an Error with the errno name as .code", () => {
      let err: (Error & { code?: string; errno?: number; syscall?: string }) | undefined;
      try {
        io.tunAdopt(-1);
      } catch (e) {
        err = e as typeof err;
      }
      expect(err).toBeInstanceOf(Error);
      expect(err).toMatchObject({
        code: "EBADF",
        errno: -9,
        syscall: "ioctl",
        message: "TUNGETIFF fd -1: EBADF (Bad file descriptor)",
      });
      expect(() => io.ifGetMtu("wgt-none0")).toThrow(
        expect.objectContaining({ code: "ENODEV", message: "SIOCGIFMTU wgt-none0: ENODEV (No such device)" }),
      );
    });

    it("checks buffer bounds before any syscall", () => {
      const buf = new Uint8Array(4096);
      const lengths = new Uint32Array(4);
      // fd -1 would fail with EBADF: a RangeError shows the check came first.
      expect(() => io.tunReadBatch(-1, buf, 0, 2048, 3, lengths)).toThrow(RangeError);
      expect(() => io.tunReadBatch(-1, buf, 1, 2048, 2, lengths)).toThrow(RangeError);
      expect(() => io.tunReadBatch(-1, buf, 0, 1024, 5, lengths)).toThrow(/lengths is shorter/);
      expect(() => io.tunReadBatch(-1, buf, 0, 0, 1, lengths)).toThrow(/slotSize/);
      expect(() => io.tunReadBatch(-1, new Uint16Array(8) as never, 0, 4, 1, lengths)).toThrow(TypeError);
      expect(() => io.tunReadBatch(-1, buf, -1, 4, 1, lengths)).toThrow(RangeError);
      expect(() => io.tunReadBatch(-1, buf, 0, 2048, 2, lengths)).toThrow(expect.objectContaining({ code: "EBADF" }));

      const offsets = Uint32Array.of(0, 4090);
      const lens = Uint32Array.of(10, 10);
      expect(() => io.tunWriteBatch(-1, buf, offsets, lens, 2)).toThrow(/past the end/);
      expect(() => io.tunWriteBatch(-1, buf, offsets, lens, 3)).toThrow(/count exceeds/);
      expect(() => io.tunWrite(-1, buf, 4090, 10)).toThrow(/past the end/);

      const eps = new Uint8Array(24);
      expect(() => io.udpSendBatch(-1, -1, buf, Uint32Array.of(0, 0), Uint32Array.of(1, 1), eps, 2, null)).toThrow(
        /endpoints is shorter/,
      );
      expect(() => io.udpRecvBatch(-1, buf, 0, 1024, 3, 2, new Uint32Array(8), new Uint8Array(24 * 8))).toThrow(
        /buf is too short/,
      );
      expect(() => io.udpRecvBatch(-1, buf, 0, 1024, 0, 2, new Uint32Array(8), new Uint8Array(24))).toThrow(
        /endpoints is shorter/,
      );
      expect(() => io.udpOpen(5 as never, 0, 0)).toThrow(/family/);
      expect(() => io.udpOpen(4, 70000, 0)).toThrow(/port/);
    });

    it("counts sends to a family without a socket as refused", () => {
      const eps = new Uint8Array(48);
      eps[0] = 4;
      eps[24] = 6;
      const errors = new Uint32Array(2);
      const n = io.udpSendBatch(-1, -1, new Uint8Array(8), Uint32Array.of(0, 4), Uint32Array.of(4, 4), eps, 2, errors);
      expect(n).toBe(2);
      expect(errors[0]).toBe(2);
      expect(errors[1]).toBe(97); // EAFNOSUPPORT
    });

    it("polls an fd for readability, stops, and closes idempotently", async () => {
      const fd = openSync(fifo, "r+");
      try {
        const seen: [string | null, number][] = [];
        const p = new io.Poller(fd, (err, events) => {
          seen.push([err, events]);
          p.stop(); // level-triggered: stop, or it fires again every loop turn
        });
        p.start(io.POLL_READABLE);
        await sleep(30);
        expect(seen).toEqual([]);
        writeSync(fd, "x");
        await sleep(30);
        expect(seen).toEqual([[null, io.POLL_READABLE]]);
        await sleep(30);
        expect(seen).toHaveLength(1); // stopped
        p.start(io.POLL_READABLE); // still readable: fires again
        await sleep(30);
        expect(seen).toHaveLength(2);
        expect(() => p.start(16)).toThrow(RangeError);
        p.close();
        p.close();
        expect(() => p.start(io.POLL_READABLE)).toThrow(/closed/);
      } finally {
        closeSync(fd);
      }
    });

    it("refuses to poll a regular file", () => {
      const fd = openSync(join(dir, "plain"), "w");
      try {
        expect(() => new io.Poller(fd, () => {})).toThrow(expect.objectContaining({ code: "EPERM" }));
      } finally {
        closeSync(fd);
      }
    });

    it("lets the process exit once a poller is closed or unref'd, not before", () => {
      const open = `const fs = await import("node:fs"); const fd = fs.openSync(${JSON.stringify(fifo)}, "r+");
const p = new io.Poller(fd, () => {}); p.start(io.POLL_READABLE);`;
      expect(runNode(`${open} p.close(); console.log("done");`)).toEqual({ status: 0, out: "done\n" });
      expect(runNode(`${open} p.unref(); console.log("done");`)).toEqual({ status: 0, out: "done\n" });
      // An active, referenced poller keeps the loop alive (until the 10 s timeout kills it).
      const kept = spawnSync(
        process.execPath,
        ["--input-type=module", "-e", `import { createRequire } from "node:module";
const io = createRequire(import.meta.url)(${JSON.stringify(addonPath())});
${open} setTimeout(() => { console.log("alive"); process.exit(0); }, 300);`],
        { encoding: "utf8", timeout: 10_000 },
      );
      expect(kept.stdout).toBe("alive\n");
    });

    it("reports an exception thrown by a poll callback as uncaught", () => {
      const r = runNode(`const fs = await import("node:fs"); const fd = fs.openSync(${JSON.stringify(fifo)}, "r+");
process.on("uncaughtException", (e) => { console.log("uncaught:", e.message); process.exit(0); });
const p = new io.Poller(fd, () => { throw new Error("boom"); }); p.start(io.POLL_READABLE); fs.writeSync(fd, "x");`);
      expect(r).toEqual({ status: 0, out: "uncaught: boom\n" });
    });

    it("closes a worker's active pollers when the worker is terminated", () => {
      const r = runNode(`const { Worker } = await import("node:worker_threads");
const w = new Worker(\`
  const { createRequire } = await import("node:module");
  const io = createRequire(import.meta.url)(${JSON.stringify(addonPath())});
  const fs = await import("node:fs");
  const fd = fs.openSync(${JSON.stringify(fifo)}, "r+");
  const p = new io.Poller(fd, () => {}); p.start(io.POLL_READABLE);
  (await import("node:worker_threads")).parentPort.postMessage("ready");
\`, { eval: true });
w.once("message", async () => { await w.terminate(); console.log("terminated"); });`);
      expect(r).toEqual({ status: 0, out: "terminated\n" });
    });
  },
  { netns: false, addon: true },
);
