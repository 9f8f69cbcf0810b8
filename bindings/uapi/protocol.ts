// The cross-platform userspace API (https://www.wireguard.com/xplatform/):
// `get=1` and `set=1` over a stream, replies ending in `errno=N` and a blank
// line. Behaviour follows wireguard-go's device/uapi.go: each set line takes
// effect at once, an error stops the operation midway (earlier lines stay
// applied), and an unknown operation closes the connection without a reply.
import { parseEndpoint, parsePrefix, type Endpoint, type Prefix } from "../net/ip.js";
import { isZeroKey, keyFromHex, keyToHex } from "./key-encoding.js";

export const UapiErrno = {
  EIO: -5,
  EPROTO: -71,
  EINVAL: -22,
  EADDRINUSE: -98,
  ENOANO: -55,
} as const;

export class UapiError extends Error {
  constructor(
    readonly errno: number,
    message: string,
  ) {
    super(message);
    this.name = "UapiError";
  }
}

export interface UapiPeerState {
  publicKey: Uint8Array;
  presharedKey: Uint8Array | null;
  endpoint: string | null;
  /** Wall-clock time of the last handshake in nanoseconds since the Unix epoch; 0n for never. */
  lastHandshakeNs: bigint;
  txBytes: bigint;
  rxBytes: bigint;
  persistentKeepalive: number;
  allowedIps: string[];
}

export interface UapiDeviceState {
  privateKey: Uint8Array | null;
  listenPort: number;
  fwmark: number;
  peers: UapiPeerState[];
}

/** What the UAPI needs from a device. Methods may throw UapiError (e.g. EADDRINUSE). */
export interface UapiTarget {
  state(): UapiDeviceState;
  /** The device's own public key, or null without a private key. */
  publicKey(): Uint8Array | null;
  setPrivateKey(key: Uint8Array | null): void;
  setListenPort(port: number): void | Promise<void>;
  setFwmark(mark: number): void | Promise<void>;
  removeAllPeers(): void;
  hasPeer(publicKey: Uint8Array): boolean;
  addPeer(publicKey: Uint8Array): void;
  removePeer(publicKey: Uint8Array): void;
  setPresharedKey(publicKey: Uint8Array, key: Uint8Array | null): void;
  setEndpoint(publicKey: Uint8Array, endpoint: Endpoint): void;
  /** Returns the previous interval in seconds. */
  setPersistentKeepalive(publicKey: Uint8Array, seconds: number): number;
  clearAllowedIps(publicKey: Uint8Array): void;
  addAllowedIp(publicKey: Uint8Array, prefix: Prefix): void;
  removeAllowedIp(publicKey: Uint8Array, prefix: Prefix): void;
  /** The peer's lines are done: start it, send a keepalive if one was just turned on, flush staged packets. */
  peerConfigured(publicKey: Uint8Array, keepaliveTurnedOn: boolean): void;
}

/** Serializes a `get` reply body (without the trailing errno line). */
export function formatGet(state: UapiDeviceState): string {
  const lines: string[] = [];
  if (state.privateKey && !isZeroKey(state.privateKey)) lines.push(`private_key=${keyToHex(state.privateKey)}`);
  if (state.listenPort !== 0) lines.push(`listen_port=${state.listenPort}`);
  if (state.fwmark !== 0) lines.push(`fwmark=${state.fwmark}`);
  for (const p of state.peers) {
    lines.push(`public_key=${keyToHex(p.publicKey)}`);
    lines.push(`preshared_key=${keyToHex(p.presharedKey ?? new Uint8Array(32))}`);
    lines.push("protocol_version=1");
    if (p.endpoint) lines.push(`endpoint=${p.endpoint}`);
    lines.push(`last_handshake_time_sec=${p.lastHandshakeNs / 1_000_000_000n}`);
    lines.push(`last_handshake_time_nsec=${p.lastHandshakeNs % 1_000_000_000n}`);
    lines.push(`tx_bytes=${p.txBytes}`);
    lines.push(`rx_bytes=${p.rxBytes}`);
    lines.push(`persistent_keepalive_interval=${p.persistentKeepalive}`);
    for (const ip of p.allowedIps) lines.push(`allowed_ip=${ip}`);
  }
  return lines.map((l) => l + "\n").join("");
}

function parseUint(value: string, max: number, what: string): number {
  if (!/^[0-9]+$/.test(value)) throw new UapiError(UapiErrno.EINVAL, `invalid ${what}: ${JSON.stringify(value)}`);
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n > max) throw new UapiError(UapiErrno.EINVAL, `${what} out of range: ${value}`);
  return n;
}

function hexKey(value: string, what: string): Uint8Array {
  const key = keyFromHex(value);
  if (!key) throw new UapiError(UapiErrno.EINVAL, `invalid ${what}`);
  return key;
}

function trueOnly(value: string, what: string): void {
  if (value !== "true") throw new UapiError(UapiErrno.EINVAL, `invalid value for ${what}: ${JSON.stringify(value)}`);
}

/** State of one `set` operation: which peer the following lines apply to. */
class SetOperation {
  private inDevice = true;
  private peer: Uint8Array | null = null;
  /** A placeholder: our own key, a removed peer, or update_only on an absent peer. */
  private dummy = false;
  private created = false;
  private keepaliveOn = false;

  constructor(private readonly target: UapiTarget) {}

  async line(key: string, value: string): Promise<void> {
    if (key === "public_key") {
      this.inDevice = false;
      this.finishPeer();
      this.selectPeer(hexKey(value, "public_key"));
      return;
    }
    if (this.inDevice) await this.deviceLine(key, value);
    else this.peerLine(key, value);
  }

  finish(): void {
    this.finishPeer();
  }

  private async deviceLine(key: string, value: string): Promise<void> {
    const t = this.target;
    switch (key) {
      case "private_key": {
        const k = hexKey(value, "private_key");
        t.setPrivateKey(isZeroKey(k) ? null : k);
        k.fill(0);
        return;
      }
      case "listen_port":
        await t.setListenPort(parseUint(value, 0xffff, "listen_port"));
        return;
      case "fwmark":
        await t.setFwmark(parseUint(value, 0xffffffff, "fwmark"));
        return;
      case "replace_peers":
        trueOnly(value, key);
        t.removeAllPeers();
        return;
      default:
        throw new UapiError(UapiErrno.EINVAL, `invalid UAPI device key: ${key}`);
    }
  }

  private selectPeer(publicKey: Uint8Array): void {
    const own = this.target.publicKey();
    this.peer = publicKey;
    this.keepaliveOn = false;
    this.dummy = own !== null && equalBytes(own, publicKey);
    this.created = false;
    if (!this.dummy && !this.target.hasPeer(publicKey)) {
      this.target.addPeer(publicKey);
      this.created = true;
    }
  }

  private finishPeer(): void {
    if (this.peer && !this.dummy) this.target.peerConfigured(this.peer, this.keepaliveOn);
    this.peer = null;
  }

  private peerLine(key: string, value: string): void {
    const t = this.target;
    const pub = this.peer!;
    switch (key) {
      case "update_only":
        trueOnly(value, key);
        if (this.created && !this.dummy) {
          t.removePeer(pub);
          this.dummy = true;
        }
        return;
      case "remove":
        trueOnly(value, key);
        if (!this.dummy) t.removePeer(pub);
        this.dummy = true;
        return;
      case "preshared_key": {
        const k = hexKey(value, "preshared_key");
        if (!this.dummy) t.setPresharedKey(pub, isZeroKey(k) ? null : k);
        k.fill(0);
        return;
      }
      case "endpoint": {
        let ep: Endpoint;
        try {
          ep = parseEndpoint(value);
        } catch (e) {
          throw new UapiError(UapiErrno.EINVAL, `failed to set endpoint ${value}: ${(e as Error).message}`);
        }
        if (!this.dummy) t.setEndpoint(pub, ep);
        return;
      }
      case "persistent_keepalive_interval": {
        const secs = parseUint(value, 0xffff, "persistent_keepalive_interval");
        if (!this.dummy) {
          const old = t.setPersistentKeepalive(pub, secs);
          this.keepaliveOn = old === 0 && secs !== 0;
        }
        return;
      }
      case "replace_allowed_ips":
        trueOnly(value, key);
        if (!this.dummy) t.clearAllowedIps(pub);
        return;
      case "allowed_ip": {
        const remove = value.startsWith("-");
        let prefix: Prefix;
        try {
          prefix = parsePrefix(remove ? value.slice(1) : value);
        } catch (e) {
          throw new UapiError(UapiErrno.EINVAL, `failed to set allowed ip: ${(e as Error).message}`);
        }
        if (this.dummy) return;
        if (remove) t.removeAllowedIp(pub, prefix);
        else t.addAllowedIp(pub, prefix);
        return;
      }
      case "protocol_version":
        if (value !== "1") throw new UapiError(UapiErrno.EINVAL, `invalid protocol version: ${value}`);
        return;
      default:
        throw new UapiError(UapiErrno.EINVAL, `invalid UAPI peer key: ${key}`);
    }
  }
}

function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let d = 0;
  for (let i = 0; i < a.length; i++) d |= a[i] ^ b[i];
  return d === 0;
}

export interface UapiLogger {
  error(message: string): void;
}

/**
 * One UAPI connection: feed it the bytes read from the socket; it writes replies
 * through `write` and calls `close` when the peer sent an unknown operation.
 * Operations run one after another, in order.
 */
export class UapiConnection {
  private buffer = "";
  private mode: "op" | "set" | "get" = "op";
  private set: SetOperation | null = null;
  private failed: UapiError | null = null;
  private chain: Promise<void> = Promise.resolve();
  private closed = false;

  constructor(
    private readonly target: UapiTarget,
    private readonly write: (text: string) => void,
    private readonly close: () => void,
    private readonly log?: UapiLogger,
  ) {}

  /** Queues bytes from the socket. The returned promise settles when they are processed. */
  feed(text: string): Promise<void> {
    this.chain = this.chain.then(() => this.process(text));
    return this.chain;
  }

  /** The peer closed its end: a `set` without its blank line still takes effect, as in wireguard-go. */
  end(): Promise<void> {
    this.chain = this.chain.then(async () => {
      if (this.closed) return;
      if (this.buffer.length > 0 && this.mode === "set") await this.process("\n");
      if (this.mode === "set") await this.finishSet();
    });
    return this.chain;
  }

  private async process(text: string): Promise<void> {
    if (this.closed) return;
    this.buffer += text;
    for (;;) {
      if (this.closed) return;
      if (this.mode === "get") {
        if (this.buffer.length === 0) return;
        const next = this.buffer[0];
        this.buffer = this.buffer.slice(1);
        this.mode = "op";
        if (next !== "\n") this.reply(new UapiError(UapiErrno.EINVAL, "trailing character in UAPI get"));
        else this.replyGet();
        continue;
      }
      const nl = this.buffer.indexOf("\n");
      if (nl < 0) return;
      const line = this.buffer.slice(0, nl);
      this.buffer = this.buffer.slice(nl + 1);
      if (this.mode === "op") {
        if (line === "set=1") {
          this.mode = "set";
          this.set = new SetOperation(this.target);
          this.failed = null;
        } else if (line === "get=1") {
          this.mode = "get";
        } else {
          this.log?.error(`invalid UAPI operation: ${JSON.stringify(line)}`);
          this.closed = true;
          this.close();
          return;
        }
        continue;
      }
      // mode === "set"
      if (line === "") {
        await this.finishSet();
        continue;
      }
      await this.setLine(line);
    }
  }

  private async setLine(line: string): Promise<void> {
    const eq = line.indexOf("=");
    try {
      if (eq < 0) throw new UapiError(UapiErrno.EPROTO, `failed to parse line ${JSON.stringify(line)}`);
      await this.set!.line(line.slice(0, eq), line.slice(eq + 1));
    } catch (e) {
      // The operation stops here; wireguard-go then reads the rest of the stream as new operations.
      this.failed = e instanceof UapiError ? e : new UapiError(UapiErrno.ENOANO, `other UAPI error: ${String(e)}`);
      this.mode = "op";
      this.set = null;
      this.reply(this.failed);
    }
  }

  private async finishSet(): Promise<void> {
    try {
      this.set?.finish();
      this.reply(null);
    } catch (e) {
      this.reply(e instanceof UapiError ? e : new UapiError(UapiErrno.ENOANO, String(e)));
    }
    this.set = null;
    this.mode = "op";
  }

  private replyGet(): void {
    let body: string;
    try {
      body = formatGet(this.target.state());
    } catch (e) {
      this.reply(new UapiError(UapiErrno.EIO, String(e)));
      return;
    }
    this.write(body + "errno=0\n\n");
  }

  private reply(err: UapiError | null): void {
    if (err) this.log?.error(`UAPI: ${err.message}`);
    this.write(`errno=${err ? err.errno : 0}\n\n`);
  }
}
