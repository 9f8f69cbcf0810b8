// The interface's place in the host's networking, as wg-quick sets it up:
// addresses, MTU, link up, and a route for every AllowedIPs prefix. A default
// route (0.0.0.0/0 or ::/0) with `Table = auto` is not put in the main table:
// it goes in its own table T (the fwmark, 51820 or the first free number),
// chosen by `ip rule not fwmark T table T`, so the daemon's own UDP packets
// (marked T) still leave by the main table, and `ip rule table main
// suppress_prefixlength 0` keeps every more specific main-table route (the
// LAN, the endpoint's network) in force.
import { writeFileSync, readFileSync } from "node:fs";
import { maskPrefix, type Address, type Prefix } from "../../net/ip.js";
import { formatPrefixLikeWg, inetNtop } from "../../uapi/config.js";
import type { CliIo } from "../io.js";
import { applyChange } from "../set.js";
import { getDevice } from "../uapi-access.js";
import { run, tryRun, type Shell } from "./exec.js";
import { addFirewall } from "./firewall.js";
import type { UndoStep } from "./state.js";

const fam = (family: 4 | 6) => (family === 4 ? "-4" : "-6");

export async function addAddresses(shell: Shell, iface: string, addresses: Prefix[]): Promise<void> {
  for (const a of addresses) await run(shell, ["ip", fam(a.family), "address", "add", formatPrefixLikeWg(a), "dev", iface]);
}

/** The MTU in `ip route get` / `ip route show` output, or else that of the device the route uses; 0 if neither. */
async function routeMtu(shell: Shell, routeText: string): Promise<number> {
  const m = /\bmtu (\d+)/.exec(routeText);
  if (m) return Number(m[1]);
  const dev = /\bdev (\S+)/.exec(routeText);
  if (!dev) return 0;
  const link = await tryRun(shell, ["ip", "link", "show", "dev", dev[1]], { quiet: true });
  const lm = /\bmtu (\d+)/.exec(link.stdout);
  return lm ? Number(lm[1]) : 0;
}

/**
 * The automatic MTU: the smallest path MTU toward the peers' endpoints (so no
 * path fragments; wg-quick takes the largest), else the default route's, else
 * 1500; minus 80 for the outer IPv6, UDP and WireGuard headers.
 */
export async function automaticMtu(shell: Shell, endpoints: Address[]): Promise<number> {
  let smallest = 0;
  for (const ep of endpoints) {
    const r = await tryRun(shell, ["ip", "route", "get", inetNtop(ep)], { quiet: true });
    if (r.status !== 0) continue;
    const mtu = await routeMtu(shell, r.stdout);
    if (mtu > 0 && (smallest === 0 || mtu < smallest)) smallest = mtu;
  }
  if (smallest === 0) {
    const r = await tryRun(shell, ["ip", "route", "show", "default"], { quiet: true });
    const first = r.stdout.split("\n")[0] ?? "";
    if (first) smallest = await routeMtu(shell, first);
  }
  return (smallest > 0 ? smallest : 1500) - 80;
}

export async function setMtuAndUp(shell: Shell, iface: string, mtu: number, hasIpv6: boolean): Promise<void> {
  if (hasIpv6 && mtu < 1280)
    shell.err(`[!] MTU ${mtu} is below IPv6's minimum of 1280: the kernel turns IPv6 off on ${iface}\n`);
  await run(shell, ["ip", "link", "set", "mtu", String(mtu), "up", "dev", iface]);
}

/** Every distinct AllowedIPs prefix of the running device, longest first (as wg-quick orders them). */
export function routePrefixes(allowed: Prefix[]): Prefix[] {
  const seen = new Map<string, Prefix>();
  for (const p of allowed) {
    const m = maskPrefix(p);
    seen.set(`${m.family}:${formatPrefixLikeWg(m)}`, m);
  }
  return [...seen.values()].sort((a, b) => b.bits - a.bits);
}

export interface RouteContext {
  shell: Shell;
  io: CliIo;
  iface: string;
  /** The config's Table: undefined or `auto`, `off`, a number or a name. */
  table: string | undefined;
  record(step: UndoStep): void;
}

/** Adds the routes for the device's AllowedIPs. */
export async function addRoutes(ctx: RouteContext, prefixes: Prefix[]): Promise<void> {
  const { shell, iface, table } = ctx;
  if (table?.toLowerCase() === "off") return;
  const auto = table === undefined || table.toLowerCase() === "auto";
  let markTable: number | null = null;
  for (const p of prefixes) {
    const text = formatPrefixLikeWg(p);
    if (!auto) {
      await run(shell, ["ip", fam(p.family), "route", "add", text, "dev", iface, "table", table!]);
    } else if (p.bits === 0) {
      markTable ??= await chooseMarkTable(ctx);
      await addDefault(ctx, p.family, text, markTable);
    } else {
      // The address's own subnet route (Address = 10.0.0.1/24) may already cover it.
      const have = await tryRun(shell, ["ip", fam(p.family), "route", "show", "dev", iface, "match", text], { quiet: true });
      if (have.stdout.trim() === "") await run(shell, ["ip", fam(p.family), "route", "add", text, "dev", iface]);
    }
  }
}

/** The device's fwmark if it has one, else the first table from 51820 with no route, which becomes the fwmark. */
async function chooseMarkTable(ctx: RouteContext): Promise<number> {
  const dev = await getDevice(ctx.iface, ctx.io.socketDir);
  if (dev.fwmark) return dev.fwmark;
  let t = 51820;
  for (;;) {
    const v4 = await tryRun(ctx.shell, ["ip", "-4", "route", "show", "table", String(t)], { quiet: true });
    const v6 = await tryRun(ctx.shell, ["ip", "-6", "route", "show", "table", String(t)], { quiet: true });
    if (v4.stdout.trim() === "" && v6.stdout.trim() === "") break;
    t++;
  }
  ctx.shell.err(`[#] wasmguard set ${ctx.iface} fwmark ${t}\n`);
  await applyChange(ctx.iface, { fwmark: t, peers: [] }, ctx.io);
  return t;
}

const SRC_VALID_MARK = "net.ipv4.conf.all.src_valid_mark";

async function addDefault(ctx: RouteContext, family: 4 | 6, prefix: string, t: number): Promise<void> {
  const { shell, iface } = ctx;
  const f = fam(family);
  await run(shell, ["ip", f, "route", "add", prefix, "dev", iface, "table", String(t)]);
  const notMark = ["not", "fwmark", String(t), "table", String(t)];
  await run(shell, ["ip", f, "rule", "add", ...notMark]);
  ctx.record({ kind: "rule", family, args: notMark });
  const suppress = ["table", "main", "suppress_prefixlength", "0"];
  await run(shell, ["ip", f, "rule", "add", ...suppress]);
  ctx.record({ kind: "rule", family, args: suppress });

  const own = await tryRun(shell, ["ip", "-o", f, "address", "show", "dev", iface], { quiet: true });
  const addresses = [...own.stdout.matchAll(/\binet6? ([0-9a-f:.]+)\/\d+/g)].map((m) => m[1]);
  const fw = await addFirewall(shell, iface, family, t, addresses);
  if (fw) ctx.record(fw);

  if (family === 4) {
    const previous = readSysctl(SRC_VALID_MARK);
    if (previous !== "1") {
      shell.err(`[#] sysctl -q ${SRC_VALID_MARK}=1\n`);
      writeSysctl(SRC_VALID_MARK, "1");
      ctx.record({ kind: "sysctl", key: SRC_VALID_MARK, previous: previous ?? "0" });
    }
  }
}

function sysctlPath(key: string): string {
  return `/proc/sys/${key.replaceAll(".", "/")}`;
}

export function readSysctl(key: string): string | null {
  try {
    return readFileSync(sysctlPath(key), "utf8").trim();
  } catch {
    return null;
  }
}

export function writeSysctl(key: string, value: string): void {
  writeFileSync(sysctlPath(key), `${value}\n`);
}
