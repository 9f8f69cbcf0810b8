// `set <iface> [listen-port P] [fwmark M] [private-key FILE] [peer KEY [remove]
// [preshared-key FILE] [endpoint HOST:PORT] [persistent-keepalive N]
// [allowed-ips [+|-]IP[/CIDR],...]]...`, read left to right as wg's
// config_read_cmd does, with wg's messages. Keys come from files (a private
// key never appears on a command line); an empty file or /dev/null clears it.
import { readFileSync, statSync } from "node:fs";
import { parseAddress, parsePrefix, type Prefix } from "../net/ip.js";
import {
  hasHostBits,
  parseConfigEndpoint,
  parseFwmark,
  parseKeepalive,
  type ConfigEndpoint,
} from "../uapi/config.js";
import { KEY_LEN, keyFromBase64 } from "../uapi/key-encoding.js";
import type { AllowedIpChange, DeviceChange, PeerChange } from "./device-change.js";
import { changeToUapiLines } from "./device-change.js";
import { CliError, describeSystemError, PROG_NAME, strerror, type CliIo } from "./io.js";
import { resolveEndpoint } from "./resolve.js";
import { setDevice, UapiAccessError } from "./uapi-access.js";

export const SET_USAGE =
  `Usage: ${PROG_NAME} set <interface> [listen-port <port>] [fwmark <mark>] [private-key <file path>] ` +
  "[peer <base64 public key> [remove] [preshared-key <file path>] [endpoint <ip>:<port>] " +
  "[persistent-keepalive <interval seconds>] [allowed-ips <ip1>/<cidr1>[,<ip2>/<cidr2>]...] ]...";

const IS_SPACE = /^[ \t\n\v\f\r]*$/;

/** Warns when a regular file holding a key can be read by group or others. */
export function warnIfExposed(path: string, io: CliIo, what = "a private key"): void {
  try {
    const st = statSync(path);
    if (st.isFile() && (st.mode & 0o044) !== 0)
      io.err(`Warning: \`${path}' is readable by group or others and holds ${what}\n`);
  } catch {
    // Unreadable files fail later with a proper message.
  }
}

/**
 * A key file as wg's parse_keyfile reads it: 44 base64 characters, then only
 * whitespace; an empty file (or /dev/null) means "no key" (all zeros). The
 * key itself never appears in a message.
 */
export function readKeyFile(path: string): Uint8Array {
  let data: Buffer;
  try {
    data = readFileSync(path);
  } catch (e) {
    throw new CliError(`fopen: ${describeSystemError(e)}`);
  }
  if (data.length === 0) return new Uint8Array(KEY_LEN);
  if (data.length < 44) throw new CliError("Invalid length key in key file");
  const rest = data.subarray(44).toString("latin1");
  const bad = rest.search(/[^ \t\n\v\f\r]/);
  if (bad !== -1) throw new CliError(`Found trailing character in key file: \`${rest[bad]}'`);
  const key = keyFromBase64(data.subarray(0, 44).toString("latin1"));
  data.fill(0);
  if (!key) throw new CliError(`Key is not the correct length or format in key file: \`${path}'`);
  return key;
}

/** A public key on the command line. */
function parsePublicKey(value: string): Uint8Array {
  const key = keyFromBase64(value);
  if (!key) throw new CliError(`Key is not the correct length or format: \`${value}'`);
  return key;
}

function parsePortArg(value: string): number {
  if (value === "") throw new CliError("Unable to parse empty port");
  if (!/^[0-9]+$/.test(value)) throw new CliError(`Servname not supported for ai_socktype: \`${value}'`);
  const n = Number(value);
  if (n > 65535) throw new CliError(`Port is not in 0-65535: \`${value}'`);
  return n;
}

/** An endpoint argument, with wg's messages for the shapes wg rejects and ours for the rest. */
export function parseEndpointArg(value: string): ConfigEndpoint {
  if (value === "") throw new CliError("Unable to parse empty endpoint");
  let portText: string;
  if (value.startsWith("[")) {
    const close = value.indexOf("]");
    if (close === -1) throw new CliError(`Unable to find matching brace of endpoint: \`${value}'`);
    if (value[close + 1] !== ":" || close + 2 >= value.length) throw new CliError(`Unable to find port of endpoint: \`${value}'`);
    portText = value.slice(close + 2);
  } else {
    const colon = value.lastIndexOf(":");
    if (colon === -1 || colon === value.length - 1) throw new CliError(`Unable to find port of endpoint: \`${value}'`);
    portText = value.slice(colon + 1);
  }
  if (!/^[0-9]+$/.test(portText)) throw new CliError(`Servname not supported for ai_socktype: \`${value}'`);
  const ep = parseConfigEndpoint(value);
  if (typeof ep === "string") throw new CliError(`Invalid endpoint: \`${value}': ${ep}`);
  return ep;
}

/**
 * One `allowed-ips` argument (whitespace already removed), as wg parses it:
 * the list replaces the peer's allowed IPs, unless an entry carries `+` (add)
 * or `-` (remove), which makes the whole argument incremental.
 */
export function parseAllowedIpsArg(value: string, peer: PeerChange, io: CliIo): void {
  peer.replaceAllowedIps = true;
  if (value === "") return;
  for (let entry of value.split(",")) {
    let remove = false;
    if (entry.startsWith("-") || entry.startsWith("+")) {
      remove = entry[0] === "-";
      peer.replaceAllowedIps = false;
      entry = entry.slice(1);
    }
    const slash = entry.indexOf("/");
    const ipText = slash === -1 ? entry : entry.slice(0, slash);
    try {
      parseAddress(ipText);
    } catch {
      throw new CliError(`Unable to parse IP address: \`${ipText}'`);
    }
    let prefix: Prefix;
    try {
      prefix = parsePrefix(entry, { allowBareAddress: true });
    } catch {
      throw new CliError(`AllowedIP is not in the correct format: \`${entry}'`);
    }
    if (hasHostBits(prefix)) io.err(`Warning: AllowedIP has nonzero host part: ${entry}\n`);
    const change: AllowedIpChange = { prefix, remove };
    peer.allowedIps.push(change);
  }
}

/** Builds the change described by `set`'s arguments (after the interface name), resolving endpoints and reading key files. */
export async function parseSetArgs(args: string[], io: CliIo): Promise<DeviceChange> {
  const change: DeviceChange = { peers: [] };
  let peer: PeerChange | null = null;
  let i = 0;
  const has = (n: number) => args.length - i >= n;
  while (i < args.length) {
    const a = args[i];
    if (a === "listen-port" && has(2) && !peer) {
      change.listenPort = parsePortArg(args[i + 1]);
      i += 2;
    } else if (a === "fwmark" && has(2) && !peer) {
      const mark = parseFwmark(args[i + 1]);
      if (mark === null) throw new CliError(`Fwmark is neither 0/off nor 0-0xffffffff: \`${args[i + 1]}'`);
      change.fwmark = mark;
      i += 2;
    } else if (a === "private-key" && has(2) && !peer) {
      warnIfExposed(args[i + 1], io);
      change.privateKey = readKeyFile(args[i + 1]);
      i += 2;
    } else if (a === "peer" && has(2)) {
      peer = { publicKey: parsePublicKey(args[i + 1]), allowedIps: [] };
      change.peers.push(peer);
      i += 2;
    } else if (a === "remove" && peer) {
      peer.remove = true;
      i += 1;
    } else if (a === "endpoint" && has(2) && peer) {
      peer.endpoint = await resolveEndpoint(parseEndpointArg(args[i + 1]), args[i + 1], io);
      i += 2;
    } else if (a === "allowed-ips" && has(2) && peer) {
      parseAllowedIpsArg(args[i + 1].replace(/[ \t\n\v\f\r]/g, ""), peer, io);
      i += 2;
    } else if (a === "persistent-keepalive" && has(2) && peer) {
      const secs = parseKeepalive(args[i + 1]);
      if (secs === null) throw new CliError(`Persistent keepalive interval is neither 0/off nor 1-65535: \`${args[i + 1]}'`);
      peer.persistentKeepalive = secs;
      i += 2;
    } else if (a === "preshared-key" && has(2) && peer) {
      warnIfExposed(args[i + 1], io, "a preshared key");
      peer.presharedKey = readKeyFile(args[i + 1]);
      i += 2;
    } else {
      throw new CliError(`Invalid argument: ${a}`);
    }
  }
  return change;
}

/** Sends a change; a failure becomes wg's "Unable to modify interface: <reason>". */
export async function applyChange(iface: string, change: DeviceChange, io: CliIo): Promise<void> {
  try {
    await setDevice(iface, changeToUapiLines(change), io.socketDir);
  } catch (e) {
    if (e instanceof UapiAccessError) throw new CliError(`Unable to modify interface: ${strerror(e.errno)}`);
    throw e;
  }
}

/** `set`: exit status 0 on success; messages on io.err. */
export async function setCommand(args: string[], io: CliIo): Promise<number> {
  if (args.length < 2) {
    io.err(`${SET_USAGE}\n`);
    return 1;
  }
  const change = await parseSetArgs(args.slice(1), io);
  await applyChange(args[0], change, io);
  return 0;
}
