// `setconf`, `addconf` and `syncconf`: a wg(8) config file applied to a
// running interface.
//
// - setconf replaces everything: private key, port and fwmark (zero when the
//   file leaves them out), and the peer list (replace_peers).
// - addconf only adds: the device keys the file sets, and its peers.
// - syncconf sends only the difference from the running state: peers missing
//   from the file are removed, the others are updated field by field, and
//   nothing is sent for what already matches, so sessions, endpoints learnt by
//   roaming and the bound port are left alone. (wg's syncconf resends every
//   key, which rebinds the port; here a file without ListenPort, or with
//   ListenPort = 0, keeps the port the device has.)
import { readFileSync } from "node:fs";
import { formatEndpoint, formatPrefix, maskPrefix, type Prefix } from "../net/ip.js";
import { ConfigError, parseConfig, type ConfigMode, type WgConfig } from "../uapi/config.js";
import type { DeviceState } from "../uapi/get-parse.js";
import { keyToBase64, keyToHex } from "../uapi/key-encoding.js";
import { loadCryptoSync } from "../crypto/index.js";
import { ZERO_KEY, type DeviceChange, type PeerChange } from "./device-change.js";
import { CliError, describeSystemError, PROG_NAME, strerror, type CliIo } from "./io.js";
import { resolveEndpoint } from "./resolve.js";
import { applyChange, warnIfExposed } from "./set.js";
import { getDevice, UapiAccessError } from "./uapi-access.js";

export type ApplyMode = "set" | "add" | "sync";

function equalKeys(a: Uint8Array | null | undefined, b: Uint8Array | null | undefined): boolean {
  const x = a ?? ZERO_KEY;
  const y = b ?? ZERO_KEY;
  let d = 0;
  for (let i = 0; i < x.length; i++) d |= x[i] ^ y[i];
  return d === 0;
}

/** The change setconf (replace everything) or addconf (add only) sends for a config whose endpoints are resolved. */
export async function configToChange(config: WgConfig, mode: "set" | "add", io: CliIo, file?: string): Promise<DeviceChange> {
  const i = config.interface;
  const change: DeviceChange = { peers: [] };
  if (mode === "set") {
    change.privateKey = i.privateKey ?? ZERO_KEY;
    change.listenPort = i.listenPort ?? 0;
    change.fwmark = i.fwmark ?? 0;
    change.replacePeers = true;
  } else {
    if (i.privateKey) change.privateKey = i.privateKey;
    if (i.listenPort !== undefined) change.listenPort = i.listenPort;
    if (i.fwmark !== undefined) change.fwmark = i.fwmark;
  }
  for (const p of config.peers) {
    const peer: PeerChange = {
      publicKey: p.publicKey,
      replaceAllowedIps: true,
      allowedIps: p.allowedIps.map((prefix) => ({ prefix, remove: false })),
    };
    if (p.presharedKey) peer.presharedKey = p.presharedKey;
    if (p.endpoint) {
      try {
        peer.endpoint = await resolveEndpoint(p.endpoint, endpointText(p.endpoint), io);
      } catch (e) {
        if (e instanceof CliError && file) throw new CliError(`${file}:${p.endpoint.line ?? 0}: ${e.message}`);
        throw e;
      }
    }
    if (p.persistentKeepalive !== undefined) peer.persistentKeepalive = p.persistentKeepalive;
    change.peers.push(peer);
  }
  return change;
}

function endpointText(ep: { host: string; port: number }): string {
  return ep.host.includes(":") ? `[${ep.host}]:${ep.port}` : `${ep.host}:${ep.port}`;
}

function prefixKey(p: Prefix): string {
  return formatPrefix(maskPrefix(p));
}

/**
 * What syncconf sends: `desired` is the setconf change for the file (endpoints
 * resolved), `current` the running state. Only differences are kept.
 */
export function syncChange(desired: DeviceChange, current: DeviceState): DeviceChange {
  const change: DeviceChange = { peers: [] };
  if (!equalKeys(desired.privateKey, current.privateKey)) change.privateKey = desired.privateKey ?? ZERO_KEY;
  if (desired.listenPort !== undefined && desired.listenPort !== 0 && desired.listenPort !== current.listenPort)
    change.listenPort = desired.listenPort;
  if ((desired.fwmark ?? 0) !== current.fwmark) change.fwmark = desired.fwmark ?? 0;

  const wanted = new Set(desired.peers.map((p) => keyToHex(p.publicKey)));
  for (const p of current.peers)
    if (!wanted.has(keyToHex(p.publicKey))) change.peers.push({ publicKey: p.publicKey, remove: true, allowedIps: [] });

  const running = new Map(current.peers.map((p) => [keyToHex(p.publicKey), p]));
  for (const want of desired.peers) {
    const have = running.get(keyToHex(want.publicKey));
    if (!have) {
      change.peers.push(want);
      continue;
    }
    const peer: PeerChange = { publicKey: want.publicKey, allowedIps: [] };
    if (!equalKeys(want.presharedKey, have.presharedKey)) peer.presharedKey = want.presharedKey ?? ZERO_KEY;
    if (want.endpoint && (!have.endpoint || formatEndpoint(want.endpoint) !== formatEndpoint(have.endpoint)))
      peer.endpoint = want.endpoint;
    if ((want.persistentKeepalive ?? 0) !== have.persistentKeepalive) peer.persistentKeepalive = want.persistentKeepalive ?? 0;

    const haveIps = new Set(have.allowedIps.map(prefixKey));
    const wantIps = new Set(want.allowedIps.map((a) => prefixKey(a.prefix)));
    const missing = want.allowedIps.filter((a) => !haveIps.has(prefixKey(a.prefix)));
    const extra = [...haveIps].some((k) => !wantIps.has(k));
    if (extra) {
      // Something must go: replace the list (the daemon may not know `-prefix`).
      peer.replaceAllowedIps = true;
      peer.allowedIps = want.allowedIps.map((a) => ({ prefix: a.prefix, remove: false }));
    } else {
      peer.allowedIps = missing.map((a) => ({ prefix: a.prefix, remove: false }));
    }
    const changed =
      peer.presharedKey !== undefined ||
      peer.endpoint !== undefined ||
      peer.persistentKeepalive !== undefined ||
      peer.replaceAllowedIps ||
      peer.allowedIps.length > 0;
    if (changed) change.peers.push(peer);
  }
  return change;
}

/** Reads and parses a config file; problems become one-line CliErrors. */
export function loadConfigFile(path: string, mode: ConfigMode, io: CliIo): WgConfig {
  let text: string;
  try {
    text = readFileSync(path, "latin1");
  } catch (e) {
    throw new CliError(`fopen: ${describeSystemError(e)}`);
  }
  let config: WgConfig;
  try {
    config = parseConfig(text, { mode, file: path, onWarning: (w) => io.err(`${w}\n`) });
  } catch (e) {
    if (e instanceof ConfigError) throw new CliError(e.message);
    throw e;
  }
  if (config.interface.privateKey || config.peers.some((p) => p.presharedKey)) warnIfExposed(path, io, "keys");
  if (config.interface.privateKey) {
    // The daemons silently ignore a peer with the interface's own public key.
    const own = keyToBase64(loadCryptoSync().x25519PublicKey(config.interface.privateKey));
    for (const p of config.peers)
      if (keyToBase64(p.publicKey) === own)
        io.err(`${path}:${p.line ?? 0}: warning: this [Peer] has the interface's own public key and will be ignored\n`);
  }
  return config;
}

/**
 * Applies a parsed config to a running interface. setconf and addconf send
 * the config; syncconf first reads the running state and sends the difference.
 */
export async function applyConfig(iface: string, config: WgConfig, mode: ApplyMode, io: CliIo, file?: string): Promise<void> {
  const desired = await configToChange(config, mode === "add" ? "add" : "set", io, file);
  if (mode !== "sync") {
    await applyChange(iface, desired, io);
    return;
  }
  let current: DeviceState;
  try {
    current = await getDevice(iface, io.socketDir);
  } catch (e) {
    if (e instanceof UapiAccessError)
      throw new CliError(`Unable to retrieve current interface configuration: ${strerror(e.errno)}`);
    throw e;
  }
  const change = syncChange(desired, current);
  if (change.privateKey || change.listenPort !== undefined || change.fwmark !== undefined || change.peers.length)
    await applyChange(iface, change, io);
}

/** `setconf|addconf|syncconf <iface> <file>`. */
export async function setconfCommand(command: "setconf" | "addconf" | "syncconf", args: string[], io: CliIo): Promise<number> {
  if (args.length !== 2) {
    io.err(`Usage: ${PROG_NAME} ${command} <interface> <configuration filename>\n`);
    return 1;
  }
  const config = loadConfigFile(args[1], "wg", io);
  await applyConfig(args[0], config, command === "setconf" ? "set" : command === "addconf" ? "add" : "sync", io, args[1]);
  return 0;
}
