// A change to a device, in the terms wg's set/setconf build (its struct
// wgdevice with flags), and the UAPI `set` lines that carry it, in the order
// wg's ipc-uapi.h writes them.
import { formatEndpoint, formatPrefix, type Endpoint, type Prefix } from "../net/ip.js";
import { KEY_LEN, keyToHex } from "../uapi/key-encoding.js";

export interface AllowedIpChange {
  prefix: Prefix;
  /** Send `allowed_ip=-prefix` (remove this one prefix). */
  remove: boolean;
}

export interface PeerChange {
  publicKey: Uint8Array;
  /** Remove the peer; nothing else about it is sent. */
  remove?: boolean;
  /** All zeros clears the preshared key. */
  presharedKey?: Uint8Array;
  endpoint?: Endpoint;
  persistentKeepalive?: number;
  replaceAllowedIps?: boolean;
  allowedIps: AllowedIpChange[];
}

export interface DeviceChange {
  /** All zeros clears the private key. */
  privateKey?: Uint8Array;
  listenPort?: number;
  fwmark?: number;
  replacePeers?: boolean;
  peers: PeerChange[];
}

export const ZERO_KEY = new Uint8Array(KEY_LEN);

/** The `key=value` lines of a `set=1` request (without `set=1` and the blank line). */
export function changeToUapiLines(change: DeviceChange): string[] {
  const lines: string[] = [];
  if (change.privateKey) lines.push(`private_key=${keyToHex(change.privateKey)}`);
  if (change.listenPort !== undefined) lines.push(`listen_port=${change.listenPort}`);
  if (change.fwmark !== undefined) lines.push(`fwmark=${change.fwmark}`);
  if (change.replacePeers) lines.push("replace_peers=true");
  for (const p of change.peers) {
    lines.push(`public_key=${keyToHex(p.publicKey)}`);
    if (p.remove) {
      lines.push("remove=true");
      continue;
    }
    if (p.presharedKey) lines.push(`preshared_key=${keyToHex(p.presharedKey)}`);
    if (p.endpoint) lines.push(`endpoint=${formatEndpoint(p.endpoint)}`);
    if (p.persistentKeepalive !== undefined) lines.push(`persistent_keepalive_interval=${p.persistentKeepalive}`);
    if (p.replaceAllowedIps) lines.push("replace_allowed_ips=true");
    for (const a of p.allowedIps) lines.push(`allowed_ip=${a.remove ? "-" : ""}${formatPrefix(a.prefix)}`);
  }
  return lines;
}

/** Whether the change would do nothing. */
export function isEmptyChange(change: DeviceChange): boolean {
  return changeToUapiLines(change).length === 0;
}
