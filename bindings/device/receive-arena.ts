// The receive path's memory, inside the WASM core: datagrams arrive from the
// socket straight into slots there, data messages are opened in place with one
// raw AEAD call each, and the TUN device is written from that same memory.
// Packets from elsewhere (none on the usual path) are copied into an overflow
// region of the same memory, so one writeBatch covers a whole wake-up.
import type { WasmCore } from "../crypto/wasm.js";
import { ENDPOINT_BYTES } from "../io/endpoint.js";
import type { TunDevice, UdpBind } from "../io/types.js";
import type { DataMessage, Keypair } from "../noise/index.js";
import { CoreBuffer } from "./allowedips.js";

const TAG = 16;
/** Room for the largest UDP payload. */
const SLOT = 65536;
const OVERFLOW = 64 * 2048;

type WgOpen = (keyPtr: number, counterLo: number, counterHi: number, src: number, lenWithTag: number, dst: number) => number;

export class ReceiveArena {
  private readonly slots: CoreBuffer;
  private readonly overflow: CoreBuffer;
  private readonly key: CoreBuffer;
  private readonly wgOpen: WgOpen;
  readonly lengths: Uint32Array;
  readonly endpoints: Uint8Array;
  // Packets for the TUN device: absolute offsets into WASM memory.
  private readonly offsets: Uint32Array;
  private readonly sizes: Uint32Array;
  private count = 0;
  private overflowUsed = 0;

  /**
   * @param fallback opens a data message that is not in a slot, as `decapsulate` does.
   */
  constructor(
    private readonly core: WasmCore,
    readonly batch: number,
    private readonly fallback: (keypair: Keypair, msg: DataMessage) => Uint8Array | null,
  ) {
    this.slots = new CoreBuffer(core, batch * SLOT);
    this.overflow = new CoreBuffer(core, OVERFLOW);
    this.key = new CoreBuffer(core, 32);
    this.wgOpen = core.fn<WgOpen>("aead_wg_open");
    this.lengths = new Uint32Array(batch);
    this.endpoints = new Uint8Array(batch * ENDPOINT_BYTES);
    this.offsets = new Uint32Array(batch * 2);
    this.sizes = new Uint32Array(batch * 2);
  }

  /** Receives up to one batch of datagrams into the slots; returns how many. */
  receive(bind: UdpBind): number {
    return bind.recvBatch(this.core.u8, this.slots.pointer, SLOT, this.batch, this.lengths, this.endpoints);
  }

  /** Datagram i of the last receive, as a view of WASM memory. */
  datagram(i: number): Uint8Array {
    const at = this.slots.pointer + i * SLOT;
    return this.core.u8.subarray(at, at + this.lengths[i]);
  }

  /**
   * The core's OpenData: a message in our slots is opened in place (the plaintext
   * replaces the ciphertext, nothing is written when the tag fails); anything else
   * goes through `decapsulate`.
   */
  readonly openData = (keypair: Keypair, msg: DataMessage): Uint8Array | null => {
    const mem = this.core.u8;
    const enc = msg.encrypted;
    const rel = enc.byteOffset - this.slots.pointer;
    if (enc.buffer !== mem.buffer || rel < 0 || rel >= this.batch * SLOT) return this.fallback(keypair, msg);
    const keyPtr = this.key.pointer;
    mem.set(keypair.receiveKey, keyPtr);
    const c = msg.counter;
    const ok = this.wgOpen(keyPtr, Number(c & 0xffffffffn), Number(c >> 32n), enc.byteOffset, enc.length, enc.byteOffset);
    mem.fill(0, keyPtr, keyPtr + 32);
    return ok ? mem.subarray(enc.byteOffset, enc.byteOffset + enc.length - TAG) : null;
  };

  /** Queues a packet for the TUN device; false when the batch is full (flush, then queue again). */
  queue(packet: Uint8Array): boolean {
    const mem = this.core.u8;
    if (this.count === this.offsets.length) return false;
    let at: number;
    if (packet.buffer === mem.buffer) {
      at = packet.byteOffset;
    } else {
      if (this.overflowUsed + packet.length > OVERFLOW) return false;
      at = this.overflow.pointer + this.overflowUsed;
      mem.set(packet, at);
      this.overflowUsed += (packet.length + 15) & ~15;
    }
    this.offsets[this.count] = at;
    this.sizes[this.count] = packet.length;
    this.count++;
    return true;
  }

  /** Writes everything queued to the TUN device; returns how many packets it refused. */
  flush(tun: TunDevice): number {
    if (this.count === 0) return 0;
    const written = tun.writeBatch(this.core.u8, this.offsets, this.sizes, this.count);
    const refused = this.count - written;
    this.count = 0;
    this.overflowUsed = 0;
    return refused;
  }
}
