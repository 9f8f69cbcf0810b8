// The send path's memory, inside the WASM core: packets are read from the TUN
// device straight into slots there, each slot keeping 16 bytes in front for the
// data message header, and sealed where they lie with one raw AEAD call each;
// the socket then sends them from that same memory. Datagrams built elsewhere
// (handshakes, keepalives, packets that waited for a session) are copied into
// an overflow region of the same memory, so one sendmmsg covers a whole batch.
import type { WasmCore } from "../crypto/wasm.js";
import { ENDPOINT_BYTES, type Endpoint } from "../io/endpoint.js";
import type { TunDevice, UdpBind } from "../io/types.js";
import { paddedLength, type Keypair } from "../noise/index.js";
import { CoreBuffer } from "./allowedips.js";

/** Data message header: type (4), receiver index (4), counter (8). */
const HEADER = 16;
const TAG = 16;
/** Room for one packet and what sealing adds to it (header, padding to 16, tag). */
const SLOT = HEADER + 65535 + 15 + TAG + 1;
const OVERFLOW = 64 * 2048;

type WgSeal = (keyPtr: number, counterLo: number, counterHi: number, src: number, len: number, dst: number) => void;

export class SendArena {
  readonly batch: number;
  private readonly slots: CoreBuffer;
  private readonly overflow: CoreBuffer;
  private readonly key: CoreBuffer;
  private readonly wgSeal: WgSeal;
  readonly lengths: Uint32Array;
  // The batch of datagrams to send: absolute offsets into WASM memory.
  private readonly offsets: Uint32Array;
  private readonly sizes: Uint32Array;
  private readonly endpoints: Uint8Array;
  private count = 0;
  private overflowUsed = 0;

  /**
   * @param fallback seals one packet that is not in a slot (a handshake-delayed copy,
   *   a keepalive) the ordinary way, as `encapsulate` does.
   */
  constructor(
    private readonly core: WasmCore,
    batch: number,
    private readonly fallback: (keypair: Keypair, counter: bigint, packet: Uint8Array, mtu: number) => Uint8Array,
  ) {
    this.batch = batch;
    // Reads start HEADER bytes into each slot, so the last one needs that much more room.
    this.slots = new CoreBuffer(core, batch * SLOT + HEADER);
    this.overflow = new CoreBuffer(core, OVERFLOW);
    this.key = new CoreBuffer(core, 32);
    this.wgSeal = core.fn<WgSeal>("aead_wg_seal");
    this.lengths = new Uint32Array(batch);
    // Sealed packets plus as many other datagrams as fit in the overflow region.
    const max = batch + OVERFLOW / 148;
    this.offsets = new Uint32Array(max);
    this.sizes = new Uint32Array(max);
    this.endpoints = new Uint8Array(max * ENDPOINT_BYTES);
  }

  /** Reads up to one batch of packets from the TUN device into the slots; returns how many. */
  readTun(tun: TunDevice): number {
    return tun.readBatch(this.core.u8, this.slots.pointer + HEADER, SLOT, this.batch, this.lengths);
  }

  /** Packet i of the last read, as a view of WASM memory. */
  packet(i: number): Uint8Array {
    const at = this.slots.pointer + i * SLOT + HEADER;
    return this.core.u8.subarray(at, at + this.lengths[i]);
  }

  /** Whether `p` is a packet in one of our slots (so it can be sealed in place). */
  private inSlot(p: Uint8Array, mem: Uint8Array): boolean {
    if (p.buffer !== mem.buffer) return false;
    const rel = p.byteOffset - HEADER - this.slots.pointer;
    return rel >= 0 && rel < this.batch * SLOT && rel % SLOT === 0;
  }

  /** Whether `p` lives in WASM memory at all (a view the next read may overwrite). */
  holds(p: Uint8Array): boolean {
    return p.buffer === this.core.u8.buffer;
  }

  /**
   * The core's SealBatch: packets in our slots are sealed in place (same bytes as
   * `encapsulate`); anything else goes through `encapsulate`.
   */
  readonly sealBatch = (keypair: Keypair, firstCounter: bigint, packets: readonly Uint8Array[], mtu: number): Uint8Array[] => {
    const mem = this.core.u8;
    const out: Uint8Array[] = new Array(packets.length);
    const keyPtr = this.key.pointer;
    let keyLoaded = false;
    for (let i = 0; i < packets.length; i++) {
      const p = packets[i];
      const counter = firstCounter + BigInt(i);
      if (!this.inSlot(p, mem)) {
        out[i] = this.fallback(keypair, counter, p, mtu);
        continue;
      }
      if (!keyLoaded) {
        mem.set(keypair.sendKey, keyPtr);
        keyLoaded = true;
      }
      const at = p.byteOffset;
      const padded = paddedLength(p.length, mtu);
      mem.fill(0, at + p.length, at + padded);
      const h = at - HEADER;
      const lo = Number(counter & 0xffffffffn);
      const hi = Number(counter >> 32n);
      const idx = keypair.remoteIndex >>> 0;
      mem[h] = 4;
      mem[h + 1] = mem[h + 2] = mem[h + 3] = 0;
      mem[h + 4] = idx & 0xff;
      mem[h + 5] = (idx >>> 8) & 0xff;
      mem[h + 6] = (idx >>> 16) & 0xff;
      mem[h + 7] = idx >>> 24;
      for (let b = 0; b < 4; b++) {
        mem[h + 8 + b] = (lo >>> (8 * b)) & 0xff;
        mem[h + 12 + b] = (hi >>> (8 * b)) & 0xff;
      }
      this.wgSeal(keyPtr, lo, hi, at, padded, at);
      out[i] = mem.subarray(h, at + padded + TAG);
    }
    if (keyLoaded) mem.fill(0, keyPtr, keyPtr + 32);
    return out;
  };

  /** Queues a datagram for `to`; returns false when the batch is full (flush, then queue again). */
  queue(datagram: Uint8Array, to: Endpoint): boolean {
    const mem = this.core.u8;
    if (this.count === this.offsets.length) return false;
    let at: number;
    if (datagram.buffer === mem.buffer) {
      at = datagram.byteOffset;
    } else {
      if (this.overflowUsed + datagram.length > OVERFLOW) return false;
      at = this.overflow.pointer + this.overflowUsed;
      mem.set(datagram, at);
      this.overflowUsed += (datagram.length + 15) & ~15;
    }
    this.offsets[this.count] = at;
    this.sizes[this.count] = datagram.length;
    to.write(this.endpoints, this.count);
    this.count++;
    return true;
  }

  get pending(): number {
    return this.count;
  }

  /** Sends everything queued in one call and empties the queue. */
  flush(bind: UdpBind): void {
    if (this.count === 0) return;
    if (bind.port !== 0) bind.sendBatch(this.core.u8, this.offsets, this.sizes, this.endpoints, this.count);
    this.count = 0;
    this.overflowUsed = 0;
  }
}
