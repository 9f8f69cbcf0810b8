// UDP packets/s on loopback: the addon's recvmmsg/sendmmsg batches against
// Node's dgram, in the same process run, as a ratio.
//   node --import tsx bench/io-quick.ts [--quick] [--json FILE]
// Traffic stays on 127.0.0.1. Both sides run the same loop: send a batch of
// BATCH datagrams, wait until all of them were received, repeat.
import { createSocket, type Socket } from "node:dgram";
import { cpus, release } from "node:os";
import { writeFileSync } from "node:fs";
import { ENDPOINT_BYTES, Endpoint } from "../bindings/io/endpoint.js";
import { NativeUdpBind } from "../bindings/io/udp.js";

const argv = process.argv.slice(2);
const quick = argv.includes("--quick");
const jsonAt = argv.indexOf("--json");
const jsonPath = jsonAt >= 0 ? argv[jsonAt + 1] : undefined;

const BATCH = 64;
const SECONDS = quick ? 0.4 : 1.5;
const ROUNDS = quick ? 1 : 3;
const SIZES = [64, 1400];
const LOOPBACK = "127.0.0.1";

interface Run {
  packets: number;
  seconds: number;
}

/** Send/receive loop through the addon: one sendmmsg per batch, recvmmsg on each wake-up. */
async function nativeRun(size: number, seconds: number): Promise<Run> {
  const tx = new NativeUdpBind();
  const rx = new NativeUdpBind();
  tx.open(0);
  const rxPort = rx.open(0);
  const slot = 2048;
  const out = new Uint8Array(BATCH * size).fill(0xab);
  const offsets = Uint32Array.from({ length: BATCH }, (_, i) => i * size);
  const lengths = new Uint32Array(BATCH).fill(size);
  const dests = new Uint8Array(BATCH * ENDPOINT_BYTES);
  const to = Endpoint.parse(`${LOOPBACK}:${rxPort}`);
  for (let i = 0; i < BATCH; i++) to.write(dests, i);
  const inBuf = new Uint8Array(BATCH * slot);
  const inLengths = new Uint32Array(BATCH);
  const sources = new Uint8Array(BATCH * ENDPOINT_BYTES);

  let received = 0;
  let outstanding = 0;
  const start = performance.now();
  const end = start + seconds * 1000;
  await new Promise<void>((resolve) => {
    const send = () => {
      if (performance.now() >= end) return finish();
      outstanding = tx.sendBatch(out, offsets, lengths, dests, BATCH);
    };
    const finish = () => {
      clearInterval(watchdog);
      rx.onReadable(null);
      resolve();
    };
    // A lost datagram would stall the loop: after 200 ms without progress, send anew.
    let seen = -1;
    const watchdog = setInterval(() => (received === seen ? send() : (seen = received)), 200);
    rx.onReadable(() => {
      for (;;) {
        const n = rx.recvBatch(inBuf, 0, slot, BATCH, inLengths, sources);
        if (n === 0) break;
        received += n;
        outstanding -= n;
      }
      if (outstanding <= 0) send();
    });
    send();
  });
  const elapsed = (performance.now() - start) / 1000;
  tx.close();
  rx.close();
  return { packets: received, seconds: elapsed };
}

/** The same loop with dgram: one send() per datagram, one 'message' event per datagram. */
async function dgramRun(size: number, seconds: number): Promise<Run> {
  const bindSocket = (s: Socket) => new Promise<number>((r) => s.bind(0, LOOPBACK, () => r(s.address().port)));
  const tx = createSocket({ type: "udp4", sendBufferSize: 7 << 20 });
  const rx = createSocket({ type: "udp4", recvBufferSize: 7 << 20 });
  await bindSocket(tx);
  const rxPort = await bindSocket(rx);
  const payload = Buffer.alloc(size, 0xab);

  let received = 0;
  let outstanding = 0;
  const start = performance.now();
  const end = start + seconds * 1000;
  await new Promise<void>((resolve) => {
    const send = () => {
      if (performance.now() >= end) {
        clearInterval(watchdog);
        return resolve();
      }
      outstanding = BATCH;
      for (let i = 0; i < BATCH; i++) tx.send(payload, rxPort, LOOPBACK);
    };
    let seen = -1;
    const watchdog = setInterval(() => (received === seen ? send() : (seen = received)), 200);
    rx.on("message", () => {
      received++;
      if (--outstanding === 0) send();
    });
    send();
  });
  const elapsed = (performance.now() - start) / 1000;
  await new Promise<void>((r) => tx.close(() => r()));
  await new Promise<void>((r) => rx.close(() => r()));
  return { packets: received, seconds: elapsed };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const fmt = (pps: number) => (pps >= 1e6 ? `${(pps / 1e6).toFixed(2)} M/s` : `${(pps / 1e3).toFixed(0)} k/s`);

console.log(`UDP loopback, batches of ${BATCH}: ${cpus()[0]?.model.trim()}, Linux ${release()}, Node ${process.version}`);
const results: { size: number; native: number; dgram: number; ratio: number }[] = [];
for (const size of SIZES) {
  await nativeRun(size, 0.1); // warm-up
  await dgramRun(size, 0.1);
  const nat: number[] = [];
  const dg: number[] = [];
  // Interleaved rounds, so drift in machine load hits both sides alike.
  for (let r = 0; r < ROUNDS; r++) {
    const n = await nativeRun(size, SECONDS);
    nat.push(n.packets / n.seconds);
    const d = await dgramRun(size, SECONDS);
    dg.push(d.packets / d.seconds);
  }
  const native = median(nat);
  const dgram = median(dg);
  results.push({ size, native, dgram, ratio: native / dgram });
  console.log(
    `${String(size).padStart(5)} B  addon recvmmsg/sendmmsg ${fmt(native).padStart(10)}   dgram ${fmt(dgram).padStart(10)}   ratio ${(native / dgram).toFixed(2)}x`,
  );
}
if (jsonPath) writeFileSync(jsonPath, JSON.stringify({ batch: BATCH, results }, null, 2) + "\n");
