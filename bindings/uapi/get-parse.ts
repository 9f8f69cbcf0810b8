// The reply to `get=1` as a typed device state. Read the way wg's
// ipc-uapi.h reads it: device keys count only before the first public_key,
// unknown keys are skipped (newer daemons may add some), and a known key with a
// malformed value, or a line without '=', makes the whole reply a protocol
// error (wg reports EPROTO).
import { parseEndpoint, parsePrefix, type Endpoint, type Prefix } from "../net/ip.js";
import { isZeroKey, keyFromHex } from "./key-encoding.js";

export interface HandshakeTime {
  /** Seconds since the Unix epoch; 0n with nsec 0 means never. */
  sec: bigint;
  nsec: number;
}

export interface PeerState {
  publicKey: Uint8Array;
  /** null when the daemon reports all zeros (no preshared key). */
  presharedKey: Uint8Array | null;
  endpoint: Endpoint | null;
  lastHandshake: HandshakeTime;
  rxBytes: bigint;
  txBytes: bigint;
  /** Seconds; 0 is off. */
  persistentKeepalive: number;
  allowedIps: Prefix[];
}

export interface DeviceState {
  privateKey: Uint8Array | null;
  /** Derived from privateKey (the UAPI does not send it); null without a private key. */
  publicKey: Uint8Array | null;
  listenPort: number;
  fwmark: number;
  peers: PeerState[];
}

export class GetParseError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "GetParseError";
  }
}

export interface GetParseOptions {
  /** Computes a public key from a private key; without it publicKey stays null. */
  derivePublicKey?: (privateKey: Uint8Array) => Uint8Array;
}

const U64_MAX = (1n << 64n) - 1n;
const I64_MAX = (1n << 63n) - 1n;

function unsigned(key: string, value: string, max: bigint): bigint {
  if (!/^[0-9]+$/.test(value)) throw new GetParseError(`${key}=${value}: not a decimal number`);
  const n = BigInt(value);
  if (n > max) throw new GetParseError(`${key}=${value}: out of range`);
  return n;
}

function hexKey(key: string, value: string): Uint8Array {
  const k = keyFromHex(value);
  if (!k) throw new GetParseError(`${key}: not 64 hex digits`);
  return k;
}

/**
 * Parses the key=value lines of a get reply (with or without the final
 * `errno=0` line and blank line). Throws GetParseError on malformed input.
 */
export function parseGetReply(text: string, options: GetParseOptions = {}): DeviceState {
  const device: DeviceState = { privateKey: null, publicKey: null, listenPort: 0, fwmark: 0, peers: [] };
  let peer: PeerState | null = null;
  const body = text.endsWith("\n") ? text.slice(0, -1) : text;
  for (const line of body === "" ? [] : body.split("\n")) {
    if (line === "") break; // the blank line that ends the reply
    const eq = line.indexOf("=");
    if (eq === -1) throw new GetParseError(`a line without '=': ${JSON.stringify(line)}`);
    const key = line.slice(0, eq);
    const value = line.slice(eq + 1);
    if (!peer) {
      switch (key) {
        case "private_key": {
          const k = hexKey(key, value);
          // As in wg, the key counts as present whenever the line is there.
          device.privateKey = k;
          device.publicKey = options.derivePublicKey ? options.derivePublicKey(k) : null;
          continue;
        }
        case "listen_port":
          device.listenPort = Number(unsigned(key, value, 0xffffn));
          continue;
        case "fwmark":
          device.fwmark = Number(unsigned(key, value, 0xffffffffn));
          continue;
      }
    }
    if (key === "public_key") {
      peer = {
        publicKey: hexKey(key, value),
        presharedKey: null,
        endpoint: null,
        lastHandshake: { sec: 0n, nsec: 0 },
        rxBytes: 0n,
        txBytes: 0n,
        persistentKeepalive: 0,
        allowedIps: [],
      };
      device.peers.push(peer);
      continue;
    }
    if (!peer) continue; // a peer key before any peer, or an unknown device key
    switch (key) {
      case "preshared_key": {
        const k = hexKey(key, value);
        peer.presharedKey = isZeroKey(k) ? null : k;
        break;
      }
      case "endpoint":
        try {
          peer.endpoint = parseEndpoint(value);
        } catch (e) {
          throw new GetParseError(`endpoint=${value}: ${(e as Error).message}`);
        }
        break;
      case "persistent_keepalive_interval":
        peer.persistentKeepalive = Number(unsigned(key, value, 0xffffn));
        break;
      case "allowed_ip":
        try {
          peer.allowedIps.push(parsePrefix(value));
        } catch (e) {
          throw new GetParseError(`allowed_ip=${value}: ${(e as Error).message}`);
        }
        break;
      case "last_handshake_time_sec":
        peer.lastHandshake.sec = unsigned(key, value, I64_MAX);
        break;
      case "last_handshake_time_nsec":
        peer.lastHandshake.nsec = Number(unsigned(key, value, I64_MAX));
        break;
      case "rx_bytes":
        peer.rxBytes = unsigned(key, value, U64_MAX);
        break;
      case "tx_bytes":
        peer.txBytes = unsigned(key, value, U64_MAX);
        break;
      default:
        // protocol_version and anything newer: not needed to show or sync a device.
        break;
    }
  }
  return device;
}
