// `wasmguard save` (and `down` with `SaveConfig = true`): the running
// configuration written back to the file. As wg-quick: the addresses on the
// interface now, the MTU now when the file sets one, the file's Table,
// SaveConfig and hooks, then what `showconf` prints (keys, port, fwmark,
// peers with the endpoints learnt by roaming). Unlike wg-quick, DNS is the
// file's own list (wg-quick re-reads only the servers back from resolvconf and
// drops search domains), and link-local addresses the kernel added are left
// out. Written to a temporary file (mode 0600) then renamed over the old one.
import { closeSync, fsyncSync, openSync, renameSync, rmSync, writeSync } from "node:fs";
import { parsePrefix, type Prefix } from "../../net/ip.js";
import { formatPrefixLikeWg, serializeConfig, type WgConfig } from "../../uapi/config.js";
import { CliError, describeSystemError, type CliIo } from "../io.js";
import { deviceToConfig } from "../show.js";
import { getDevice } from "../uapi-access.js";
import { run, type Shell } from "./exec.js";

interface IpAddrJson {
  mtu?: number;
  addr_info?: { family: string; local: string; prefixlen: number; scope?: string }[];
}

/** The config `save` would write for the running interface. */
export async function runningQuickConfig(shell: Shell, io: CliIo, iface: string, fileConfig: WgConfig): Promise<WgConfig> {
  shell.err(`[#] wasmguard showconf ${iface}\n`);
  const running = deviceToConfig(await getDevice(iface, io.socketDir));
  const f = fileConfig.interface;
  const listed = new Set(f.addresses.map(formatPrefixLikeWg));
  const links = JSON.parse(await run(shell, ["ip", "-j", "address", "show", "dev", iface], { quiet: true })) as IpAddrJson[];
  const addresses: Prefix[] = [];
  for (const a of links[0]?.addr_info ?? []) {
    const p = parsePrefix(`${a.local}/${a.prefixlen}`);
    if (a.scope === "link" && !listed.has(formatPrefixLikeWg(p))) continue;
    addresses.push(p);
  }
  const out: WgConfig = {
    interface: {
      ...running.interface,
      addresses,
      dns: [...f.dns],
      preUp: [...f.preUp],
      postUp: [...f.postUp],
      preDown: [...f.preDown],
      postDown: [...f.postDown],
    },
    peers: running.peers,
  };
  if (f.mtu !== undefined) out.interface.mtu = links[0]?.mtu ?? f.mtu;
  if (f.table !== undefined) out.interface.table = f.table;
  if (f.saveConfig) out.interface.saveConfig = true;
  return out;
}

/** Replaces `file` with the running configuration. */
export async function saveRunningConfig(shell: Shell, io: CliIo, iface: string, file: string, fileConfig: WgConfig): Promise<void> {
  const config = await runningQuickConfig(shell, io, iface, fileConfig);
  // showconf's output without its trailing blank lines, then one newline, as wg-quick writes it.
  const text = serializeConfig(config, { mode: "wg-quick" }).replace(/\n+$/, "") + "\n";
  const tmp = `${file}.tmp`;
  try {
    const fd = openSync(tmp, "w", 0o600);
    try {
      writeSync(fd, text);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, file);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw new CliError(`Could not write configuration file ${file}: ${describeSystemError(e)}`);
  }
}
