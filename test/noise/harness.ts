// Test fixtures for the protocol core: the crypto implementations to run
// against, a fake clock, a seeded random source, IP packet builders and a pair
// of devices wired together in memory.
import { existsSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import type { WasmCrypto } from "../../bindings/crypto/types.js";
import { NoiseDevice, type NoiseAction, type NoiseDeviceOptions } from "../../bindings/noise/device.js";
import type { NoisePeer } from "../../bindings/noise/peer.js";
import type { SourceAddress } from "../../bindings/noise/cookie.js";
import { nobleCrypto } from "../helpers/noble-crypto.js";

export interface CryptoImplementation {
  name: string;
  crypto: WasmCrypto;
}

/**
 * noble always; the WebAssembly core's builds too once bindings/crypto/index.ts
 * exists (it is being written in parallel). A present but broken module fails
 * the suite rather than being skipped.
 */
export async function cryptoImplementations(): Promise<CryptoImplementation[]> {
  const list: CryptoImplementation[] = [{ name: "noble", crypto: nobleCrypto }];
  const index = fileURLToPath(new URL("../../bindings/crypto/index.ts", import.meta.url));
  if (existsSync(index)) {
    const modulePath = "../../bindings/crypto/index.js";
    const mod = (await import(/* @vite-ignore */ modulePath)) as {
      loadCrypto(o?: { build?: "simd" | "scalar" }): Promise<WasmCrypto>;
    };
    for (const build of ["simd", "scalar"] as const)
      list.push({ name: `wasm-${build}`, crypto: await mod.loadCrypto({ build }) });
  }
  return list;
}

export interface HandshakeVectors {
  initialChainingKey: string;
  initialHash: string;
  lowOrderPoints: string[];
}

/** test/vectors/wg-handshake-constants.json */
export const handshakeVectors: HandshakeVectors = JSON.parse(
  readFileSync(new URL("../vectors/wg-handshake-constants.json", import.meta.url), "utf8"),
);

/** Monotonic and wall clocks that move together, by hand. */
export class FakeClock {
  now = 1_000_000; // monotonic ms, as performance.now() might read
  wall = 1_700_000_000_000; // Unix ms
  advance(ms: number): void {
    this.now += ms;
    this.wall += ms;
  }
}

/** A deterministic byte source (xorshift32): tests are reproducible. Not for production. */
export function seededRandom(seed: number): (out: Uint8Array) => void {
  let s = seed >>> 0 || 1;
  return (out) => {
    for (let i = 0; i < out.length; i++) {
      s ^= s << 13;
      s >>>= 0;
      s ^= s >>> 17;
      s ^= s << 5;
      s >>>= 0;
      out[i] = s & 0xff;
    }
  };
}

export function randomBytes(random: (out: Uint8Array) => void, n: number): Uint8Array {
  const b = new Uint8Array(n);
  random(b);
  return b;
}

/** An IPv4 packet with a valid total length (checksums are not checked by the core). */
export function ipv4Packet(payloadLength: number, src = [10, 0, 0, 1], dst = [10, 0, 0, 2], fill = 0xab): Uint8Array {
  const p = new Uint8Array(20 + payloadLength).fill(fill);
  p[0] = 0x45;
  p[1] = 0;
  p[2] = (p.length >> 8) & 0xff;
  p[3] = p.length & 0xff;
  p[8] = 64;
  p[9] = 17;
  p.set(src, 12);
  p.set(dst, 16);
  return p;
}

export function ipv6Packet(payloadLength: number, fill = 0xcd): Uint8Array {
  const p = new Uint8Array(40 + payloadLength).fill(fill);
  p[0] = 0x60;
  p[1] = p[2] = p[3] = 0;
  p[4] = (payloadLength >> 8) & 0xff;
  p[5] = payloadLength & 0xff;
  p[6] = 17;
  p[7] = 64;
  return p;
}

export const hex = (b: Uint8Array): string => Buffer.from(b).toString("hex");

export interface Side {
  readonly name: string;
  readonly device: NoiseDevice;
  /** This side's configuration of the other side. */
  peer: NoisePeer;
  address: SourceAddress;
  readonly privateKey: Uint8Array;
  /** IP packets delivered to this side. */
  delivered: Uint8Array[];
  /** Every action this side's device returned, in order. */
  actions: NoiseAction[];
  /** Datagrams this side sent. */
  sent: Uint8Array[];
}

export interface PairOptions {
  presharedKey?: Uint8Array | null;
  /** Different preshared keys on each side (to test a mismatch). */
  presharedKeyB?: Uint8Array | null;
  persistentKeepaliveA?: number;
  persistentKeepaliveB?: number;
  seed?: number;
  device?: Partial<NoiseDeviceOptions>;
}

interface InFlight {
  to: Side;
  from: SourceAddress;
  datagram: Uint8Array;
}

/**
 * Two devices that are each other's only peer, connected by an in-memory
 * network. Datagrams wait in `inFlight` until `flush()`, so tests can drop,
 * copy or alter them.
 */
export class Pair {
  readonly clock = new FakeClock();
  readonly a: Side;
  readonly b: Side;
  readonly random: (out: Uint8Array) => void;
  inFlight: InFlight[] = [];
  /** Return false to lose a datagram, or a replacement. */
  filter: ((datagram: Uint8Array, from: Side, to: Side) => boolean | Uint8Array) | undefined;

  constructor(
    readonly crypto: WasmCrypto,
    options: PairOptions = {},
  ) {
    const seed = options.seed ?? 1;
    this.random = seededRandom(seed * 7919);
    const keyA = randomBytes(this.random, 32);
    const keyB = randomBytes(this.random, 32);
    const make = (name: string, privateKey: Uint8Array, n: number): NoiseDevice =>
      new NoiseDevice({
        crypto,
        privateKey,
        wallClock: () => this.clock.wall,
        random: seededRandom(seed * 1000 + n),
        ...options.device,
      });
    const devA = make("a", keyA, 1);
    const devB = make("b", keyB, 2);
    const peerOfA = devA.addPeer(devB.publicKey!, {
      presharedKey: options.presharedKey,
      persistentKeepalive: options.persistentKeepaliveA,
    })!;
    const peerOfB = devB.addPeer(devA.publicKey!, {
      presharedKey: options.presharedKeyB !== undefined ? options.presharedKeyB : options.presharedKey,
      persistentKeepalive: options.persistentKeepaliveB,
    })!;
    const side = (name: string, device: NoiseDevice, peer: NoisePeer, privateKey: Uint8Array, ip: number[]): Side => ({
      name,
      device,
      peer,
      privateKey,
      address: { address: new Uint8Array(ip), port: 51820 },
      delivered: [],
      actions: [],
      sent: [],
    });
    this.a = side("a", devA, peerOfA, keyA, [192, 0, 2, 1]);
    this.b = side("b", devB, peerOfB, keyB, [198, 51, 100, 2]);
  }

  other(side: Side): Side {
    return side === this.a ? this.b : this.a;
  }

  /** Carries out a device's actions: queue datagrams, record deliveries. */
  apply(side: Side, actions: NoiseAction[]): NoiseAction[] {
    for (const action of actions) {
      side.actions.push(action);
      if (action.type === "send") {
        side.sent.push(action.datagram);
        this.inFlight.push({ to: this.other(side), from: side.address, datagram: action.datagram });
      } else if (action.type === "reply") {
        const to = sameAddress(action.to, this.a.address) ? this.a : this.b;
        side.sent.push(action.datagram);
        this.inFlight.push({ to, from: side.address, datagram: action.datagram });
      } else if (action.type === "deliver") {
        side.delivered.push(action.packet);
      }
    }
    return actions;
  }

  send(side: Side, packet: Uint8Array): NoiseAction[] {
    return this.apply(side, side.device.send(this.clock.now, side.peer, packet));
  }

  /** Hands one datagram to a side as if it came from `from` (default: the other side). */
  receive(side: Side, datagram: Uint8Array, from: SourceAddress = this.other(side).address): NoiseAction[] {
    return this.apply(side, side.device.receive(this.clock.now, datagram, from));
  }

  /** Delivers every datagram in flight, and those they cause, until the network is quiet. */
  flush(limit = 10_000): void {
    for (let n = 0; this.inFlight.length > 0; n++) {
      if (n > limit) throw new Error("network did not settle");
      const { to, from, datagram } = this.inFlight.shift()!;
      const filtered = this.filter ? this.filter(datagram, to === this.a ? this.b : this.a, to) : true;
      if (filtered === false) continue;
      this.receive(to, filtered === true ? datagram : filtered, from);
    }
  }

  /** Drops everything in flight. */
  lose(): void {
    this.inFlight = [];
  }

  tick(): void {
    this.apply(this.a, this.a.device.tick(this.clock.now));
    this.apply(this.b, this.b.device.tick(this.clock.now));
  }

  /**
   * Moves time forward to `now + ms`, firing each device's timers at their
   * deadlines on the way (as a single OS timer would) and flushing the
   * network after each (if `flush`).
   */
  advance(ms: number, flush = true): void {
    const target = this.clock.now + ms;
    for (;;) {
      const next = Math.min(this.a.device.nextDeadline(), this.b.device.nextDeadline());
      if (next > target) break;
      if (next > this.clock.now) this.clock.advance(next - this.clock.now);
      this.tick();
      if (flush) this.flush();
    }
    this.clock.advance(target - this.clock.now);
    this.tick();
    if (flush) this.flush();
  }

  /** A complete handshake started by `initiator` with a packet, and its delivery. */
  handshake(initiator: Side = this.a, packet = ipv4Packet(64)): void {
    this.send(initiator, packet);
    this.flush();
  }

  /** Action types a side has produced since index `from` of its log. */
  typesSince(side: Side, from: number): string[] {
    return side.actions.slice(from).map((a) => (a.type === "drop" ? `drop:${a.reason}` : a.type));
  }
}

export function sameAddress(x: SourceAddress, y: SourceAddress): boolean {
  return x.port === y.port && x.address.length === y.address.length && x.address.every((b, i) => b === y.address[i]);
}

/** Counts actions of a type in a list. */
export function count(actions: NoiseAction[], type: NoiseAction["type"]): number {
  return actions.filter((a) => a.type === type).length;
}

/** The datagrams sent in a list of actions. */
export function sentDatagrams(actions: NoiseAction[]): Uint8Array[] {
  return actions.flatMap((a) => (a.type === "send" || a.type === "reply" ? [a.datagram] : []));
}
