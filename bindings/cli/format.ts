// The text `wg show` prints, reproduced from a DeviceState: the pretty form
// (with wg's colours), `dump`, the single-field forms, and our JSON. Pure
// functions of the state, the options and the clock.
import { formatEndpointLikeWg, formatPrefixLikeWg, inetNtop } from "../uapi/config.js";
import type { DeviceState, PeerState } from "../uapi/get-parse.js";
import { keyToBase64 } from "../uapi/key-encoding.js";

// wg's terminal.h escape codes.
const RESET = "\x1b[0m";
const BOLD = "\x1b[1m";
const RED = "\x1b[31m";
const GREEN = "\x1b[32m";
const YELLOW = "\x1b[33m";
const CYAN = "\x1b[36m";

export interface PrettyOptions {
  /** Keep the escape codes (a terminal, or WG_COLOR_MODE=always). */
  color: boolean;
  /** Print private and preshared keys instead of "(hidden)" (WG_HIDE_KEYS=never). */
  showKeys: boolean;
  /** The current Unix time in seconds. */
  nowSec: bigint;
}

/** Colours on when WG_COLOR_MODE says so, or in auto mode when stdout is a terminal. */
export function colorEnabled(env: Record<string, string | undefined>, stdoutIsTTY: boolean): boolean {
  const mode = env.WG_COLOR_MODE;
  if (mode === "always") return true;
  if (mode === "never") return false;
  return stdoutIsTTY;
}

/** Keys are hidden unless WG_HIDE_KEYS is exactly "never". */
export function keysShown(env: Record<string, string | undefined>): boolean {
  return env.WG_HIDE_KEYS === "never";
}

/** Removes escape sequences the way wg's terminal_printf does without colour: ESC '[' up to and including the first letter. */
export function stripAnsi(text: string): string {
  return text.replace(/\x1b\[[^A-Za-z]*[A-Za-z]?/g, "");
}

const YEAR = 365n * 24n * 60n * 60n;
const DAY = 24n * 60n * 60n;

/** `1 year, 2 days, 1 minute, 3 seconds` (zero parts left out), with wg's cyan units. */
export function prettyTime(seconds: bigint): string {
  let left = seconds;
  const parts: [bigint, string][] = [];
  parts.push([left / YEAR, "year"]);
  left %= YEAR;
  parts.push([left / DAY, "day"]);
  left %= DAY;
  parts.push([left / 3600n, "hour"]);
  left %= 3600n;
  parts.push([left / 60n, "minute"]);
  parts.push([left % 60n, "second"]);
  return parts
    .filter(([n]) => n !== 0n)
    .map(([n, unit]) => `${n} ${CYAN}${unit}${n === 1n ? "" : "s"}${RESET}`)
    .join(", ");
}

/** `Now`, `… ago`, or wg's warning when the handshake lies in the future. */
export function ago(sec: bigint, nowSec: bigint): string {
  if (nowSec === sec) return "Now";
  if (nowSec < sec) return `(${RED}System clock wound backward; connection problems may ensue.${RESET})`;
  return `${prettyTime(nowSec - sec)} ago`;
}

/**
 * printf("%.2f") of a double: the exact binary value rounded half to even. The
 * value is (double)b divided by a power of two, as wg computes it, so it is exact.
 */
function twoDecimals(b: bigint, shift: bigint): string {
  const d = BigInt(Number(b)); // C's uint64 -> double conversion (nearest, ties to even)
  const divisor = 1n << shift;
  const scaled = d * 100n;
  let q = scaled / divisor;
  const twice = 2n * (scaled % divisor);
  if (twice > divisor || (twice === divisor && (q & 1n) === 1n)) q += 1n;
  return `${q / 100n}.${(q % 100n).toString().padStart(2, "0")}`;
}

/** `512 B`, `1.23 KiB`, `4.56 MiB`, `GiB`, `TiB`, as wg's bytes(). */
export function formatBytes(b: bigint): string {
  if (b < 1024n) return `${b} ${CYAN}B${RESET}`;
  if (b < 1n << 20n) return `${twoDecimals(b, 10n)} ${CYAN}KiB${RESET}`;
  if (b < 1n << 30n) return `${twoDecimals(b, 20n)} ${CYAN}MiB${RESET}`;
  if (b < 1n << 40n) return `${twoDecimals(b, 30n)} ${CYAN}GiB${RESET}`;
  return `${twoDecimals(b, 40n)} ${CYAN}TiB${RESET}`;
}

function neverShook(p: PeerState): boolean {
  return p.lastHandshake.sec === 0n && p.lastHandshake.nsec === 0;
}

/** wg's peer order for the pretty form: most recent handshake first, never-handshaken peers last (stable). */
export function sortPeersForShow(peers: PeerState[]): PeerState[] {
  return [...peers].sort((a, b) => {
    const an = neverShook(a);
    const bn = neverShook(b);
    if (an && !bn) return 1;
    if (bn && !an) return -1;
    let diff = a.lastHandshake.sec - b.lastHandshake.sec;
    if (diff === 0n) diff = BigInt(a.lastHandshake.nsec - b.lastHandshake.nsec);
    return diff < 0n ? 1 : diff > 0n ? -1 : 0;
  });
}

function key(k: Uint8Array): string {
  return keyToBase64(k);
}

function maybeKey(k: Uint8Array | null): string {
  return k ? keyToBase64(k) : "(none)";
}

function masked(k: Uint8Array, showKeys: boolean): string {
  return showKeys ? keyToBase64(k) : "(hidden)";
}

function endpointText(p: PeerState): string | null {
  return p.endpoint ? formatEndpointLikeWg(p.endpoint) : null;
}

/** The pretty `wg show <iface>` block. */
export function formatPretty(name: string, dev: DeviceState, opts: PrettyOptions): string {
  let out = RESET;
  out += `${GREEN}${BOLD}interface${RESET}: ${GREEN}${name}${RESET}\n`;
  if (dev.publicKey) out += `  ${BOLD}public key${RESET}: ${key(dev.publicKey)}\n`;
  if (dev.privateKey) out += `  ${BOLD}private key${RESET}: ${masked(dev.privateKey, opts.showKeys)}\n`;
  if (dev.listenPort) out += `  ${BOLD}listening port${RESET}: ${dev.listenPort}\n`;
  if (dev.fwmark) out += `  ${BOLD}fwmark${RESET}: 0x${dev.fwmark.toString(16)}\n`;
  const peers = sortPeersForShow(dev.peers);
  if (peers.length) out += "\n";
  peers.forEach((p, i) => {
    out += `${YELLOW}${BOLD}peer${RESET}: ${YELLOW}${key(p.publicKey)}${RESET}\n`;
    if (p.presharedKey) out += `  ${BOLD}preshared key${RESET}: ${masked(p.presharedKey, opts.showKeys)}\n`;
    const ep = endpointText(p);
    if (ep) out += `  ${BOLD}endpoint${RESET}: ${ep}\n`;
    out += `  ${BOLD}allowed ips${RESET}: `;
    out += p.allowedIps.length
      ? p.allowedIps.map((a) => `${inetNtop(a.bytes)}${CYAN}/${RESET}${a.bits}`).join(", ") + "\n"
      : "(none)\n";
    if (p.lastHandshake.sec !== 0n) out += `  ${BOLD}latest handshake${RESET}: ${ago(p.lastHandshake.sec, opts.nowSec)}\n`;
    if (p.rxBytes || p.txBytes)
      out += `  ${BOLD}transfer${RESET}: ${formatBytes(p.rxBytes)} received, ${formatBytes(p.txBytes)} sent\n`;
    if (p.persistentKeepalive)
      out += `  ${BOLD}persistent keepalive${RESET}: every ${prettyTime(BigInt(p.persistentKeepalive))}\n`;
    if (i !== peers.length - 1) out += "\n";
  });
  return opts.color ? out : stripAnsi(out);
}

function fwmarkText(mark: number): string {
  return mark ? `0x${mark.toString(16)}` : "off";
}

/** `wg show <iface> dump` (with the interface name first on every line under `all`). */
export function formatDump(name: string, dev: DeviceState, withInterface: boolean): string {
  const pre = withInterface ? `${name}\t` : "";
  let out = `${pre}${maybeKey(dev.privateKey)}\t${maybeKey(dev.publicKey)}\t${dev.listenPort}\t${fwmarkText(dev.fwmark)}\n`;
  for (const p of dev.peers) {
    const ips = p.allowedIps.length ? p.allowedIps.map(formatPrefixLikeWg).join(",") : "(none)";
    out +=
      `${pre}${key(p.publicKey)}\t${maybeKey(p.presharedKey)}\t${endpointText(p) ?? "(none)"}\t${ips}\t` +
      `${p.lastHandshake.sec}\t${p.rxBytes}\t${p.txBytes}\t${p.persistentKeepalive || "off"}\n`;
  }
  return out;
}

export const SHOW_FIELDS = [
  "public-key",
  "private-key",
  "listen-port",
  "fwmark",
  "peers",
  "preshared-keys",
  "endpoints",
  "allowed-ips",
  "latest-handshakes",
  "transfer",
  "persistent-keepalive",
  "dump",
] as const;
export type ShowField = (typeof SHOW_FIELDS)[number];

export function isShowField(s: string): s is ShowField {
  return (SHOW_FIELDS as readonly string[]).includes(s);
}

/** One of the single-field forms (`wg show <iface> <field>`), tab-separated, peers in daemon order. */
export function formatField(name: string, dev: DeviceState, field: ShowField, withInterface: boolean): string {
  const pre = withInterface ? `${name}\t` : "";
  const perPeer = (f: (p: PeerState) => string) => dev.peers.map((p) => `${pre}${key(p.publicKey)}\t${f(p)}\n`).join("");
  switch (field) {
    case "public-key":
      return `${pre}${maybeKey(dev.publicKey)}\n`;
    case "private-key":
      return `${pre}${maybeKey(dev.privateKey)}\n`;
    case "listen-port":
      return `${pre}${dev.listenPort}\n`;
    case "fwmark":
      return `${pre}${fwmarkText(dev.fwmark)}\n`;
    case "peers":
      return dev.peers.map((p) => `${pre}${key(p.publicKey)}\n`).join("");
    case "preshared-keys":
      return perPeer((p) => maybeKey(p.presharedKey));
    case "endpoints":
      return perPeer((p) => endpointText(p) ?? "(none)");
    case "allowed-ips":
      return perPeer((p) => (p.allowedIps.length ? p.allowedIps.map(formatPrefixLikeWg).join(" ") : "(none)"));
    case "latest-handshakes":
      return perPeer((p) => `${p.lastHandshake.sec}`);
    case "transfer":
      return perPeer((p) => `${p.rxBytes}\t${p.txBytes}`);
    case "persistent-keepalive":
      return perPeer((p) => (p.persistentKeepalive ? `${p.persistentKeepalive}` : "off"));
    case "dump":
      return formatDump(name, dev, withInterface);
  }
}

/**
 * Our `show --json` object for one interface. Private and preshared keys are
 * "(hidden)" unless WG_HIDE_KEYS=never, null when absent. Byte counts and
 * handshake seconds are exact integers (possibly beyond 2^53).
 */
export function deviceJson(name: string, dev: DeviceState, showKeys: boolean): unknown {
  const secret = (k: Uint8Array | null) => (k ? masked(k, showKeys) : null);
  return {
    interface: name,
    publicKey: dev.publicKey ? key(dev.publicKey) : null,
    privateKey: secret(dev.privateKey),
    listenPort: dev.listenPort,
    fwmark: dev.fwmark,
    peers: dev.peers.map((p) => ({
      publicKey: key(p.publicKey),
      presharedKey: secret(p.presharedKey),
      endpoint: endpointText(p),
      allowedIps: p.allowedIps.map(formatPrefixLikeWg),
      latestHandshake: p.lastHandshake.sec,
      latestHandshakeNsec: p.lastHandshake.nsec,
      transferRx: p.rxBytes,
      transferTx: p.txBytes,
      persistentKeepalive: p.persistentKeepalive,
    })),
  };
}

/** JSON.stringify that writes bigints as plain integers. */
export function toJson(value: unknown): string {
  const marker = "\u0000big:";
  const text = JSON.stringify(value, (_k, v) => (typeof v === "bigint" ? `${marker}${v}` : v), 2);
  return text.replace(/"\\u0000big:(\d+)"/g, "$1");
}
