// `show` and `showconf`, following wg's show.c and showconf.c: which
// interfaces, in what order, which messages and exit statuses.
import { emptyConfig, inetNtop, serializeConfig, type WgConfig } from "../uapi/config.js";
import type { DeviceState } from "../uapi/get-parse.js";
import {
  colorEnabled,
  deviceJson,
  formatField,
  formatPretty,
  isShowField,
  keysShown,
  toJson,
  type ShowField,
} from "./format.js";
import { CliError, PROG_NAME, strerror, type CliIo } from "./io.js";
import { getDevice, listInterfaces, UapiAccessError } from "./uapi-access.js";

export const SHOW_USAGE =
  `Usage: ${PROG_NAME} show { <interface> | all | interfaces } [public-key | private-key | listen-port | fwmark | ` +
  "peers | preshared-keys | endpoints | allowed-ips | latest-handshakes | transfer | persistent-keepalive | dump]";

function reasonOf(e: unknown): string {
  if (e instanceof UapiAccessError) return strerror(e.errno);
  throw e;
}

async function interfaces(io: CliIo): Promise<string[]> {
  try {
    return await listInterfaces(io.socketDir);
  } catch (e) {
    throw new CliError(`Unable to list interfaces: ${reasonOf(e)}`);
  }
}

/** Prints one field form; false (after wg's message and usage) when the field is unknown. */
function printField(name: string, dev: DeviceState, field: string, withInterface: boolean, io: CliIo): boolean {
  if (!isShowField(field)) {
    io.err(`Invalid parameter: \`${field}'\n${SHOW_USAGE}\n`);
    return false;
  }
  io.out(formatField(name, dev, field as ShowField, withInterface));
  return true;
}

export interface ShowOptions {
  /** Print our JSON instead of wg's text. */
  json?: boolean;
}

/** `show [<iface> | all | interfaces] [field]`; returns the exit status. */
export async function showCommand(args: string[], io: CliIo, options: ShowOptions = {}): Promise<number> {
  if (args.length > 2) {
    io.err(`${SHOW_USAGE}\n`);
    return 1;
  }
  if (options.json && args.length === 2) throw new CliError("--json prints every field: leave out the field name");
  const pretty = () => ({ color: colorEnabled(io.env, io.stdoutIsTTY), showKeys: keysShown(io.env), nowSec: io.nowSec() });

  if (args.length === 0 || args[0] === "all") {
    const names = await interfaces(io);
    let ret = names.length ? 1 : 0;
    const all: unknown[] = [];
    for (let i = 0; i < names.length; i++) {
      let dev: DeviceState;
      try {
        dev = await getDevice(names[i], io.socketDir);
      } catch (e) {
        io.err(`Unable to access interface ${names[i]}: ${reasonOf(e)}\n`);
        continue;
      }
      if (options.json) {
        all.push(deviceJson(names[i], dev, keysShown(io.env)));
      } else if (args.length === 2) {
        if (!printField(names[i], dev, args[1], true, io)) {
          ret = 1;
          break;
        }
      } else {
        io.out(formatPretty(names[i], dev, pretty()));
        if (i !== names.length - 1) io.out("\n");
      }
      ret = 0;
    }
    if (options.json) io.out(toJson(all) + "\n");
    return ret;
  }

  if (args[0] === "interfaces") {
    if (args.length > 1) {
      io.err(`${SHOW_USAGE}\n`);
      return 1;
    }
    const names = await interfaces(io);
    if (options.json) io.out(toJson(names) + "\n");
    else if (names.length) io.out(names.join(" ") + "\n");
    return 0;
  }

  if (args.length === 1 && ["-h", "--help", "help"].includes(args[0])) {
    io.err(`${SHOW_USAGE}\n`);
    return 0;
  }

  let dev: DeviceState;
  try {
    dev = await getDevice(args[0], io.socketDir);
  } catch (e) {
    throw new CliError(`Unable to access interface: ${reasonOf(e)}`);
  }
  if (options.json) io.out(toJson(deviceJson(args[0], dev, keysShown(io.env))) + "\n");
  else if (args.length === 2) return printField(args[0], dev, args[1], false, io) ? 0 : 1;
  else io.out(formatPretty(args[0], dev, pretty()));
  return 0;
}

/** The config a running device amounts to (what showconf prints). */
export function deviceToConfig(dev: DeviceState): WgConfig {
  const config = emptyConfig();
  if (dev.privateKey) config.interface.privateKey = dev.privateKey;
  if (dev.listenPort) config.interface.listenPort = dev.listenPort;
  if (dev.fwmark) config.interface.fwmark = dev.fwmark;
  for (const p of dev.peers) {
    config.peers.push({
      publicKey: p.publicKey,
      ...(p.presharedKey ? { presharedKey: p.presharedKey } : {}),
      allowedIps: p.allowedIps,
      ...(p.endpoint ? { endpoint: { host: inetNtop(p.endpoint.address), port: p.endpoint.port, literal: p.endpoint } } : {}),
      ...(p.persistentKeepalive ? { persistentKeepalive: p.persistentKeepalive } : {}),
    });
  }
  return config;
}

/** `showconf <iface>`: the device as a wg(8) config file. */
export async function showconfCommand(args: string[], io: CliIo): Promise<number> {
  if (args.length !== 1) {
    io.err(`Usage: ${PROG_NAME} showconf <interface>\n`);
    return 1;
  }
  let dev: DeviceState;
  try {
    dev = await getDevice(args[0], io.socketDir);
  } catch (e) {
    throw new CliError(`Unable to access interface: ${reasonOf(e)}`);
  }
  io.out(serializeConfig(deviceToConfig(dev)));
  return 0;
}
