// Configuration files: the wg(8) format ([Interface] PrivateKey, ListenPort,
// FwMark; [Peer] PublicKey, PresharedKey, AllowedIPs, Endpoint,
// PersistentKeepalive) and the wg-quick(8) superset (Address, DNS, MTU, Table,
// PreUp/PostUp/PreDown/PostDown, SaveConfig in [Interface]).
//
// Reading follows wg's config.c where it is lenient in harmless ways (keys are
// case-insensitive, `#` starts a comment anywhere, every whitespace character
// in a wg line is ignored, so `Allowed IPs = a , b` reads as `AllowedIPs=a,b`)
// and is stricter where wg silently does something surprising: unknown
// sections, repeated single-valued keys, duplicate peers and empty values are
// errors, each naming the file and line. wg-quick values (commands, DNS search
// domains) keep their inner whitespace, trimmed at both ends, as wg-quick reads
// them. Pure: no Node built-ins.
import { KEY_LEN, keyFromBase64, keyToBase64 } from "./key-encoding.js";
import {
  formatEndpoint,
  IpParseError,
  parseAddress,
  parseEndpoint,
  parsePrefix,
  type Address,
  type Endpoint,
  type Prefix,
  ipv6Words,
  longestZeroRun,
} from "../net/ip.js";

/** `wg`: only wg(8) keys (setconf, addconf, syncconf). `wg-quick`: the superset (up, down, save). */
export type ConfigMode = "wg" | "wg-quick";

/** An endpoint as written: an IP literal, or a host name that is resolved when the config is applied. */
export interface ConfigEndpoint {
  /** The host: an IP address in text, or a name. */
  readonly host: string;
  readonly port: number;
  /** The parsed address when `host` is an IP literal; absent for a name. */
  readonly literal?: Endpoint;
  /** 1-based line in the file it came from, for resolution errors. */
  readonly line?: number;
}

export interface PeerConfig {
  publicKey: Uint8Array;
  presharedKey?: Uint8Array;
  /** In file order, addresses as written (wg and the daemons mask host bits). */
  allowedIps: Prefix[];
  endpoint?: ConfigEndpoint;
  /** Seconds; 0 is off. Absent when the file does not set it. */
  persistentKeepalive?: number;
  /** 1-based line of the `[Peer]` header, for messages (0 when built in code). */
  line?: number;
}

export interface InterfaceConfig {
  privateKey?: Uint8Array;
  listenPort?: number;
  fwmark?: number;
  // wg-quick(8) only:
  /** Interface addresses; a bare address reads as /32 or /128. */
  addresses: Prefix[];
  /** Name servers (IP addresses) and search domains, in file order, as wg-quick splits them. */
  dns: string[];
  mtu?: number;
  /** `off`, `auto`, a table number or a table name. */
  table?: string;
  preUp: string[];
  postUp: string[];
  preDown: string[];
  postDown: string[];
  saveConfig?: boolean;
}

export interface WgConfig {
  interface: InterfaceConfig;
  peers: PeerConfig[];
}

export interface ParseConfigOptions {
  /** `wg` (default) rejects wg-quick keys; `wg-quick` accepts them. */
  mode?: ConfigMode;
  /** Name used in messages (`wg0.conf:7: ...`). */
  file?: string;
  /** Non-fatal findings (e.g. an AllowedIPs entry with host bits set), already prefixed with file and line. */
  onWarning?: (message: string) => void;
}

/** A configuration error; the message reads `file:line: reason`. */
export class ConfigError extends Error {
  constructor(
    readonly file: string,
    readonly line: number,
    readonly reason: string,
  ) {
    super(line > 0 ? `${file}:${line}: ${reason}` : `${file}: ${reason}`);
    this.name = "ConfigError";
  }
}

export function emptyInterface(): InterfaceConfig {
  return { addresses: [], dns: [], preUp: [], postUp: [], preDown: [], postDown: [] };
}

export function emptyConfig(): WgConfig {
  return { interface: emptyInterface(), peers: [] };
}

// The characters C's isspace() accepts, which wg's config.c drops from every line.
const SPACE = /[ \t\n\v\f\r]/g;
const TRIM = /^[ \t\n\v\f\r]+|[ \t\n\v\f\r]+$/g;

/** Canonical spellings, by lowercase name. */
const WG_INTERFACE_KEYS = new Map(["PrivateKey", "ListenPort", "FwMark"].map((k) => [k.toLowerCase(), k]));
const WG_PEER_KEYS = new Map(
  ["PublicKey", "PresharedKey", "AllowedIPs", "Endpoint", "PersistentKeepalive"].map((k) => [k.toLowerCase(), k]),
);
const QUICK_KEYS = new Map(
  ["Address", "DNS", "MTU", "Table", "PreUp", "PostUp", "PreDown", "PostDown", "SaveConfig"].map((k) => [k.toLowerCase(), k]),
);
/** Keys that may appear more than once in a section (their values accumulate). */
const REPEATABLE = new Set(["AllowedIPs", "Address", "DNS", "PreUp", "PostUp", "PreDown", "PostDown"]);

type Section = "none" | "interface" | "peer";

/** One meaningful line of a config file, classified. */
interface ConfigLine {
  /** 1-based. */
  number: number;
  kind: "section" | "entry";
  /** For a section: `interface`, `peer`, or the unknown name as written. */
  section?: string;
  /** For an entry: the key with whitespace removed, as written. */
  key?: string;
  /** The value with every whitespace character removed (wg's reading). */
  compactValue?: string;
  /** The value trimmed at both ends (wg-quick's reading). */
  trimmedValue?: string;
  hasEquals?: boolean;
  /** The text before any comment, for messages. */
  text: string;
}

function classify(raw: string, number: number): ConfigLine | null {
  const hash = raw.indexOf("#");
  const text = (hash === -1 ? raw : raw.slice(0, hash)).replace(TRIM, "");
  const compact = text.replace(SPACE, "");
  if (compact === "") return null;
  if (compact.startsWith("[")) {
    const lower = compact.toLowerCase();
    const section = lower === "[interface]" ? "interface" : lower === "[peer]" ? "peer" : compact;
    return { number, kind: "section", section, text };
  }
  const eq = text.indexOf("=");
  if (eq === -1) return { number, kind: "entry", key: compact, hasEquals: false, text };
  return {
    number,
    kind: "entry",
    key: text.slice(0, eq).replace(SPACE, ""),
    compactValue: text.slice(eq + 1).replace(SPACE, ""),
    trimmedValue: text.slice(eq + 1).replace(TRIM, ""),
    hasEquals: true,
    text,
  };
}

function* lines(text: string): Generator<ConfigLine> {
  const all = text.split("\n");
  // A final newline does not start another line.
  if (all.length > 1 && all[all.length - 1] === "") all.pop();
  for (let i = 0; i < all.length; i++) {
    const l = classify(all[i], i + 1);
    if (l) yield l;
  }
}

function quote(s: string): string {
  return `'${s}'`;
}

/** Parses the text of a config file. Throws ConfigError (file:line: reason) on the first problem. */
export function parseConfig(text: string, options: ParseConfigOptions = {}): WgConfig {
  const mode = options.mode ?? "wg";
  const file = options.file ?? "config";
  const config = emptyConfig();
  const fail = (line: number, reason: string): never => {
    throw new ConfigError(file, line, reason);
  };
  const warn = (line: number, reason: string) => options.onWarning?.(`${file}:${line}: warning: ${reason}`);

  let section: Section = "none";
  let interfaceLine = 0;
  let peer: PeerConfig | null = null;
  // Single-valued keys seen in the current section: canonical name -> line.
  let seen = new Map<string, number>();
  const peerLines = new Map<string, number>();

  const finishPeer = () => {
    if (!peer) return;
    if (!seen.has("PublicKey")) fail(peer.line ?? 0, "[Peer] has no PublicKey");
    const id = keyToBase64(peer.publicKey);
    const first = peerLines.get(id);
    if (first !== undefined) fail(seen.get("PublicKey")!, `duplicate peer ${id} (also on line ${first})`);
    peerLines.set(id, seen.get("PublicKey")!);
    config.peers.push(peer);
    peer = null;
  };

  for (const l of lines(text)) {
    if (l.kind === "section") {
      finishPeer();
      seen = new Map();
      if (l.section === "interface") {
        if (interfaceLine) fail(l.number, `duplicate [Interface] section (first on line ${interfaceLine})`);
        interfaceLine = l.number;
        section = "interface";
      } else if (l.section === "peer") {
        section = "peer";
        peer = { publicKey: new Uint8Array(KEY_LEN), allowedIps: [], line: l.number };
      } else {
        fail(l.number, `unknown section ${quote(l.section!)}`);
      }
      continue;
    }
    const key = l.key!;
    // Messages never echo a whole line: it may hold a key.
    if (!l.hasEquals) fail(l.number, "expected 'Key = Value' (no '=' on the line)");
    if (key === "") fail(l.number, "a value without a key");
    if (section === "none") fail(l.number, `key ${printableKey(key)} outside a section ([Interface] or [Peer] must come first)`);

    const lower = key.toLowerCase();
    const sectionName = section === "interface" ? "[Interface]" : "[Peer]";
    let canonical: string | undefined;
    if (section === "interface") {
      canonical = WG_INTERFACE_KEYS.get(lower);
      if (!canonical) {
        const quick = QUICK_KEYS.get(lower);
        if (quick && mode === "wg")
          fail(l.number, `${quote(key)} is a wg-quick key, not valid in a wg config (strip the file first)`);
        canonical = quick;
      }
    } else {
      canonical = WG_PEER_KEYS.get(lower);
    }
    if (!canonical) fail(l.number, unknownKeyReason(key, sectionName));
    const name = canonical!;

    const quickValued = QUICK_KEYS.has(lower);
    const value = quickValued ? l.trimmedValue! : l.compactValue!;
    if (value === "") fail(l.number, `${name} has an empty value`);
    if (!REPEATABLE.has(name)) {
      const first = seen.get(name);
      if (first !== undefined) fail(l.number, `${name} set twice in ${sectionName} (first on line ${first})`);
    }
    seen.set(name, seen.get(name) ?? l.number);

    const at = (reason: string) => fail(l.number, reason);
    if (section === "interface") applyInterfaceKey(config.interface, name, value, at);
    else applyPeerKey(peer!, name, value, at, (w) => warn(l.number, w), l.number);
  }
  finishPeer();
  return config;
}

const ALL_KEYS = [...WG_INTERFACE_KEYS.values(), ...WG_PEER_KEYS.values(), ...QUICK_KEYS.values()];

/** A key name for a message, unless it is long enough to be a key value run into its name. */
function printableKey(key: string): string {
  return key.length <= 32 ? quote(key) : `of ${key.length} characters`;
}

function unknownKeyReason(key: string, sectionName: string): string {
  // `PrivateKey abc…=`: the '=' found was the key's padding, so the name ran into the value.
  const lower = key.toLowerCase();
  const glued = ALL_KEYS.find((k) => lower.startsWith(k.toLowerCase()) && lower.length > k.length + 8);
  if (glued) return `expected '=' after ${quote(key.slice(0, glued.length))}`;
  return `unknown key ${printableKey(key)} in ${sectionName}`;
}

type Fail = (reason: string) => never;
type Warn = (reason: string) => void;

function parseKey(name: string, value: string, fail: Fail): Uint8Array {
  const key = keyFromBase64(value);
  if (!key) fail(`${name} is not a valid key (44 characters of base64 for 32 bytes)`);
  return key!;
}

/** A decimal number in 0..max, as wg's strtoul-based parsers accept it (leading zeros allowed). */
function decimal(value: string, max: number): number | null {
  if (!/^[0-9]+$/.test(value)) return null;
  const n = Number(value);
  return Number.isSafeInteger(n) && n <= max ? n : null;
}

export function parsePort(value: string): number | null {
  return decimal(value, 65535);
}

/** `off`, decimal or `0x` hex, 0..0xffffffff. */
export function parseFwmark(value: string): number | null {
  if (value.toLowerCase() === "off") return 0;
  if (/^0x[0-9a-fA-F]+$/.test(value)) {
    const n = BigInt(value);
    return n <= 0xffffffffn ? Number(n) : null;
  }
  return decimal(value, 0xffffffff);
}

/** `off` or 0..65535 seconds. */
export function parseKeepalive(value: string): number | null {
  if (value.toLowerCase() === "off") return 0;
  return decimal(value, 65535);
}

// A DNS name as wg-quick and resolvers take it: labels of letters, digits, '-' and '_'.
const HOST_NAME = /^(?=.{1,253}$)[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,62})(?:\.[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,62}))*\.?$/;

/**
 * Parses `host:port`, `a.b.c.d:port` or `[v6]:port` (zone allowed: `[fe80::1%eth0]:port`).
 * Host names are kept for resolution later. Returns a reason string on failure.
 */
export function parseConfigEndpoint(text: string): ConfigEndpoint | string {
  if (text.startsWith("[")) {
    try {
      const ep = parseEndpoint(text);
      if (ep.port === 0) return "port 0 is not a destination";
      return { host: text.slice(1, text.indexOf("]")), port: ep.port, literal: ep };
    } catch (e) {
      return reasonOf(e);
    }
  }
  const colon = text.lastIndexOf(":");
  if (colon === -1) return "missing ':port'";
  const host = text.slice(0, colon);
  const portText = text.slice(colon + 1);
  if (host.includes(":")) return "an IPv6 address needs brackets: [address]:port";
  if (host === "") return "missing host";
  const port = decimal(portText, 65535);
  if (port === null) return `port ${quote(portText)} is not a number in 1..65535`;
  if (port === 0) return "port 0 is not a destination";
  if (/^[0-9.]+$/.test(host)) {
    // Looks numeric: must be an IPv4 address, not a name.
    try {
      const address = parseAddress(host);
      return { host, port, literal: { address, port } };
    } catch (e) {
      return reasonOf(e);
    }
  }
  if (!HOST_NAME.test(host)) return `${quote(host)} is neither an IP address nor a host name`;
  return { host, port };
}

/** The text of an endpoint: numeric as showconf prints it when it is an IP, else `host:port`. */
export function formatConfigEndpoint(ep: ConfigEndpoint): string {
  return ep.literal ? formatEndpointLikeWg(ep.literal) : `${ep.host}:${ep.port}`;
}

/** Whether the prefix has bits set after its length (wg warns about these). */
export function hasHostBits(p: Prefix): boolean {
  for (let bit = p.bits; bit < p.bytes.length * 8; bit++) if (p.bytes[bit >> 3] & (0x80 >> (bit & 7))) return true;
  return false;
}

function parseAllowedIps(value: string, fail: Fail, warn: Warn): Prefix[] {
  const out: Prefix[] = [];
  // Split as wg does: an empty entry is an error there too.
  for (const entry of value.split(",")) {
    if (entry === "") fail(`empty entry in AllowedIPs ${quote(value)}`);
    let p: Prefix;
    try {
      p = parsePrefix(entry, { allowBareAddress: true });
    } catch (e) {
      return fail(`invalid AllowedIPs entry ${quote(entry)}: ${reasonOf(e)}`);
    }
    if (hasHostBits(p)) warn(`AllowedIPs entry ${quote(entry)} has a nonzero host part`);
    out.push(p);
  }
  return out;
}

function reasonOf(e: unknown): string {
  if (e instanceof IpParseError) return e.message.replace(/^invalid IP \w+ "[^"]*": /, "");
  return e instanceof Error ? e.message : String(e);
}

function applyInterfaceKey(iface: InterfaceConfig, name: string, value: string, fail: Fail): void {
  switch (name) {
    case "PrivateKey":
      iface.privateKey = parseKey(name, value, fail);
      return;
    case "ListenPort": {
      const port = parsePort(value);
      if (port === null) fail(`ListenPort must be a number in 0..65535, got ${quote(value)}`);
      iface.listenPort = port!;
      return;
    }
    case "FwMark": {
      const mark = parseFwmark(value);
      if (mark === null) fail(`FwMark must be off, 0..4294967295 or 0x0..0xffffffff, got ${quote(value)}`);
      iface.fwmark = mark!;
      return;
    }
    case "Address":
      for (const entry of value.split(/[\s,]+/)) {
        if (entry === "") continue;
        try {
          iface.addresses.push(parsePrefix(entry, { allowBareAddress: true }));
        } catch (e) {
          fail(`invalid Address ${quote(entry)}: ${reasonOf(e)}`);
        }
      }
      return;
    case "DNS":
      for (const entry of value.split(/[\s,]+/)) {
        if (entry === "") continue;
        // wg-quick's rule: digits and dots, or anything with a colon, is a server address.
        if (/^[0-9.]+$/.test(entry) || entry.includes(":")) {
          try {
            parseAddress(entry);
          } catch (e) {
            fail(`invalid DNS server ${quote(entry)}: ${reasonOf(e)}`);
          }
        } else if (!HOST_NAME.test(entry)) {
          fail(`invalid DNS search domain ${quote(entry)}`);
        }
        iface.dns.push(entry);
      }
      return;
    case "MTU": {
      const mtu = decimal(value, 65535);
      if (mtu === null || mtu < 68) fail(`MTU must be a number in 68..65535, got ${quote(value)}`);
      iface.mtu = mtu!;
      return;
    }
    case "Table":
      if (!/^(off|auto)$/i.test(value) && decimal(value, 0xffffffff) === null && !/^[A-Za-z_][A-Za-z0-9_.-]*$/.test(value))
        fail(`Table must be off, auto, a table number or a table name, got ${quote(value)}`);
      iface.table = value;
      return;
    case "SaveConfig":
      if (/^true$/i.test(value)) iface.saveConfig = true;
      else if (/^false$/i.test(value)) iface.saveConfig = false;
      else fail(`SaveConfig must be true or false, got ${quote(value)}`);
      return;
    case "PreUp":
      iface.preUp.push(value);
      return;
    case "PostUp":
      iface.postUp.push(value);
      return;
    case "PreDown":
      iface.preDown.push(value);
      return;
    case "PostDown":
      iface.postDown.push(value);
      return;
  }
}

function applyPeerKey(peer: PeerConfig, name: string, value: string, fail: Fail, warn: Warn, line: number): void {
  switch (name) {
    case "PublicKey":
      peer.publicKey = parseKey(name, value, fail);
      return;
    case "PresharedKey":
      peer.presharedKey = parseKey(name, value, fail);
      return;
    case "AllowedIPs":
      peer.allowedIps.push(...parseAllowedIps(value, fail, warn));
      return;
    case "Endpoint": {
      const ep = parseConfigEndpoint(value);
      if (typeof ep === "string") fail(`invalid Endpoint ${quote(value)}: ${ep}`);
      peer.endpoint = { ...(ep as ConfigEndpoint), line };
      return;
    }
    case "PersistentKeepalive": {
      const secs = parseKeepalive(value);
      if (secs === null) fail(`PersistentKeepalive must be off or a number of seconds in 0..65535, got ${quote(value)}`);
      peer.persistentKeepalive = secs!;
      return;
    }
  }
}

// --- Text forms as wg prints them ----------------------------------------

/**
 * An address as glibc's inet_ntop writes it, which is what wg prints: RFC 5952
 * compression, except that `::a.b.c.d` (the first 96 bits zero and the last 32
 * not all in the last word) and `::ffff:a.b.c.d` keep the dotted quad.
 */
export function inetNtop(address: Address | Uint8Array): string {
  const b = address instanceof Uint8Array ? address : address.bytes;
  if (b.length === 4) return `${b[0]}.${b[1]}.${b[2]}.${b[3]}`;
  const words = ipv6Words(b);
  const { at: bestAt, length: bestLen } = longestZeroRun(words);
  let out = "";
  for (let i = 0; i < 8; i++) {
    if (bestAt !== -1 && i >= bestAt && i < bestAt + bestLen) {
      if (i === bestAt) out += ":";
      continue;
    }
    if (i !== 0) out += ":";
    if (i === 6 && bestAt === 0 && (bestLen === 6 || (bestLen === 5 && words[5] === 0xffff))) {
      out += `${b[12]}.${b[13]}.${b[14]}.${b[15]}`;
      break;
    }
    out += words[i].toString(16);
  }
  if (bestAt !== -1 && bestAt + bestLen === 8) out += ":";
  return out;
}

/** `address/bits` as wg prints an allowed IP. */
export function formatPrefixLikeWg(p: Prefix): string {
  return `${inetNtop(p.bytes)}/${p.bits}`;
}

/** An endpoint as wg prints it (getnameinfo with numeric host): `a.b.c.d:port` or `[v6%scope]:port`. */
export function formatEndpointLikeWg(ep: Endpoint): string {
  const host = inetNtop(ep.address.bytes);
  if (ep.address.family === 4) return `${host}:${ep.port}`;
  return `[${host}${ep.scope ? `%${ep.scope}` : ""}]:${ep.port}`;
}

// --- Serializer ------------------------------------------------------------

export interface SerializeOptions {
  /** `wg` (default): exactly what `wg showconf` prints (wg-quick fields are left out). `wg-quick`: what `wg-quick save` writes. */
  mode?: ConfigMode;
}

/** Writes a config. In wg mode the output is byte for byte what `wg showconf` prints for the same state. */
export function serializeConfig(config: WgConfig, options: SerializeOptions = {}): string {
  const i = config.interface;
  let out = "[Interface]\n";
  if ((options.mode ?? "wg") === "wg-quick") {
    for (const a of i.addresses) out += `Address = ${formatPrefixLikeWg(a)}\n`;
    for (const d of i.dns) out += `DNS = ${d}\n`;
    if (i.mtu !== undefined) out += `MTU = ${i.mtu}\n`;
    if (i.table !== undefined) out += `Table = ${i.table}\n`;
    if (i.saveConfig) out += "SaveConfig = true\n";
    for (const c of i.preUp) out += `PreUp = ${c}\n`;
    for (const c of i.postUp) out += `PostUp = ${c}\n`;
    for (const c of i.preDown) out += `PreDown = ${c}\n`;
    for (const c of i.postDown) out += `PostDown = ${c}\n`;
  }
  if (i.listenPort) out += `ListenPort = ${i.listenPort}\n`;
  if (i.fwmark) out += `FwMark = 0x${i.fwmark.toString(16)}\n`;
  if (i.privateKey) out += `PrivateKey = ${keyToBase64(i.privateKey)}\n`;
  out += "\n";
  config.peers.forEach((p, n) => {
    out += `[Peer]\nPublicKey = ${keyToBase64(p.publicKey)}\n`;
    if (p.presharedKey) out += `PresharedKey = ${keyToBase64(p.presharedKey)}\n`;
    if (p.allowedIps.length) out += `AllowedIPs = ${p.allowedIps.map(formatPrefixLikeWg).join(", ")}\n`;
    if (p.endpoint) out += `Endpoint = ${formatConfigEndpoint(p.endpoint)}\n`;
    if (p.persistentKeepalive) out += `PersistentKeepalive = ${p.persistentKeepalive}\n`;
    if (n !== config.peers.length - 1) out += "\n";
  });
  return out;
}

// --- wg-quick strip --------------------------------------------------------

/**
 * The wg(8) part of a wg-quick config, as `wg-quick strip` computes it: every
 * line except wg-quick keys inside [Interface], each trimmed at both ends (bash
 * `read`), comments and blank lines kept. (`wg-quick strip` prints one more
 * newline at the end, from `echo`.) Textual only: the result is validated when
 * parsed in wg mode.
 */
export function stripConfig(text: string): string {
  const all = text.split("\n");
  if (all.length > 1 && all[all.length - 1] === "") all.pop();
  let inInterface = false;
  let out = "";
  for (const raw of all) {
    const l = classify(raw, 0);
    if (l?.kind === "section") inInterface = l.section === "interface";
    else if (l?.kind === "entry" && inInterface && l.hasEquals && QUICK_KEYS.has(l.key!.toLowerCase())) continue;
    out += raw.replace(/^[ \t]+|[ \t]+$/g, "") + "\n";
  }
  return out;
}

/** Whether a config's text sets a private or preshared key (for the file-permission warning). */
export function configHoldsSecrets(config: WgConfig): boolean {
  return config.interface.privateKey !== undefined || config.peers.some((p) => p.presharedKey !== undefined);
}
