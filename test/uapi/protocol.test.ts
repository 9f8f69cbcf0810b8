import { describe, expect, it } from "vitest";
import { formatEndpoint, formatPrefix, maskPrefix, type Endpoint, type Prefix } from "../../bindings/net/ip.js";
import { keyToHex } from "../../bindings/uapi/key-encoding.js";
import { UapiConnection, UapiError, UapiErrno, type UapiDeviceState, type UapiTarget } from "../../bindings/uapi/protocol.js";

/** A device model that records every call, enough to check the protocol layer. */
class FakeTarget implements UapiTarget {
  privateKey: Uint8Array | null = null;
  ownPublic: Uint8Array | null = null;
  listenPort = 0;
  fwmark = 0;
  takenPorts = new Set<number>();
  peers = new Map<string, { psk: Uint8Array | null; endpoint: Endpoint | null; keepalive: number; ips: Prefix[] }>();
  calls: string[] = [];

  state(): UapiDeviceState {
    return {
      privateKey: this.privateKey,
      listenPort: this.listenPort,
      fwmark: this.fwmark,
      peers: [...this.peers].map(([hex, p]) => ({
        publicKey: Uint8Array.from(Buffer.from(hex, "hex")),
        presharedKey: p.psk,
        endpoint: p.endpoint ? formatEndpoint(p.endpoint) : null,
        lastHandshakeNs: 1_700_000_000_123_456_789n,
        txBytes: 10n,
        rxBytes: 20n,
        persistentKeepalive: p.keepalive,
        allowedIps: p.ips.map(formatPrefix),
      })),
    };
  }
  publicKey() {
    return this.ownPublic;
  }
  setPrivateKey(key: Uint8Array | null) {
    this.privateKey = key && new Uint8Array(key);
    this.calls.push(`private_key ${key ? "set" : "cleared"}`);
  }
  setListenPort(port: number) {
    if (this.takenPorts.has(port)) throw new UapiError(UapiErrno.EADDRINUSE, "port in use");
    this.listenPort = port;
  }
  setFwmark(mark: number) {
    this.fwmark = mark;
  }
  removeAllPeers() {
    this.peers.clear();
    this.calls.push("replace_peers");
  }
  hasPeer(pub: Uint8Array) {
    return this.peers.has(keyToHex(pub));
  }
  addPeer(pub: Uint8Array) {
    this.peers.set(keyToHex(pub), { psk: null, endpoint: null, keepalive: 0, ips: [] });
    this.calls.push(`add ${keyToHex(pub).slice(0, 4)}`);
  }
  removePeer(pub: Uint8Array) {
    this.peers.delete(keyToHex(pub));
    this.calls.push(`remove ${keyToHex(pub).slice(0, 4)}`);
  }
  private p(pub: Uint8Array) {
    return this.peers.get(keyToHex(pub))!;
  }
  setPresharedKey(pub: Uint8Array, key: Uint8Array | null) {
    this.p(pub).psk = key && new Uint8Array(key);
  }
  setEndpoint(pub: Uint8Array, ep: Endpoint) {
    this.p(pub).endpoint = ep;
  }
  setPersistentKeepalive(pub: Uint8Array, secs: number) {
    const old = this.p(pub).keepalive;
    this.p(pub).keepalive = secs;
    return old;
  }
  clearAllowedIps(pub: Uint8Array) {
    this.p(pub).ips = [];
  }
  addAllowedIp(pub: Uint8Array, prefix: Prefix) {
    this.p(pub).ips.push(maskPrefix(prefix));
  }
  removeAllowedIp(pub: Uint8Array, prefix: Prefix) {
    const m = formatPrefix(maskPrefix(prefix));
    this.p(pub).ips = this.p(pub).ips.filter((x) => formatPrefix(x) !== m);
  }
  peerConfigured(pub: Uint8Array, keepaliveOn: boolean) {
    this.calls.push(`configured ${keyToHex(pub).slice(0, 4)}${keepaliveOn ? " +keepalive" : ""}`);
  }
}

async function run(target: UapiTarget, input: string, end = false) {
  let out = "";
  let closed = false;
  const conn = new UapiConnection(
    target,
    (t) => (out += t),
    () => (closed = true),
  );
  await conn.feed(input);
  if (end) await conn.end();
  return { out, closed };
}

const A = "aa".repeat(32);
const B = "bb".repeat(32);
const PRIV = "e8".repeat(31) + "48";

describe("UAPI set", () => {
  it("applies device and peer keys and replies errno=0", async () => {
    const t = new FakeTarget();
    const { out } = await run(
      t,
      [
        "set=1",
        `private_key=${PRIV}`,
        "listen_port=51820",
        "fwmark=0",
        `public_key=${A}`,
        `preshared_key=${"11".repeat(32)}`,
        "endpoint=[fd00::2]:51821",
        "persistent_keepalive_interval=25",
        "replace_allowed_ips=true",
        "allowed_ip=10.0.0.7/24",
        "allowed_ip=fd00::/64",
        "protocol_version=1",
        `public_key=${B}`,
        "endpoint=192.0.2.1:1",
        "",
        "",
      ].join("\n"),
    );
    expect(out).toBe("errno=0\n\n");
    expect(t.listenPort).toBe(51820);
    const a = t.peers.get(A)!;
    expect(a.ips.map(formatPrefix)).toEqual(["10.0.0.0/24", "fd00::/64"]);
    expect(a.keepalive).toBe(25);
    expect(formatEndpoint(a.endpoint!)).toBe("[fd00::2]:51821");
    expect(t.calls).toEqual(["private_key set", "add aaaa", "configured aaaa +keepalive", "add bbbb", "configured bbbb"]);
  });

  it("removes an allowed IP with the '-' form and peers with remove=true", async () => {
    const t = new FakeTarget();
    await run(t, `set=1\npublic_key=${A}\nallowed_ip=10.0.0.0/24\nallowed_ip=10.1.0.0/16\n\n`);
    await run(t, `set=1\npublic_key=${A}\nallowed_ip=-10.0.0.9/24\n\n`);
    expect(t.peers.get(A)!.ips.map(formatPrefix)).toEqual(["10.1.0.0/16"]);
    const { out } = await run(t, `set=1\npublic_key=${A}\nremove=true\nallowed_ip=1.2.3.4/32\n\n`);
    expect(out).toBe("errno=0\n\n");
    expect(t.peers.size).toBe(0);
  });

  it("update_only does not create a peer; a peer equal to our own key is ignored", async () => {
    const t = new FakeTarget();
    t.ownPublic = Uint8Array.from(Buffer.from(B, "hex"));
    const { out } = await run(t, `set=1\npublic_key=${A}\nupdate_only=true\nendpoint=1.2.3.4:5\npublic_key=${B}\nallowed_ip=1.1.1.1/32\n\n`);
    expect(out).toBe("errno=0\n\n");
    expect(t.peers.size).toBe(0);
  });

  it("a private key of zeros clears it", async () => {
    const t = new FakeTarget();
    await run(t, `set=1\nprivate_key=${PRIV}\n\n`);
    await run(t, `set=1\nprivate_key=${"00".repeat(32)}\n\n`);
    expect(t.privateKey).toBeNull();
  });

  const invalid: [string, string, number][] = [
    ["bad device key", "foo=bar", UapiErrno.EINVAL],
    ["line without =", "listen_port", UapiErrno.EPROTO],
    ["port above 65535", "listen_port=65536", UapiErrno.EINVAL],
    ["negative port", "listen_port=-1", UapiErrno.EINVAL],
    ["port in use", "listen_port=4444", UapiErrno.EADDRINUSE],
    ["fwmark above u32", "fwmark=4294967296", UapiErrno.EINVAL],
    ["hex fwmark", "fwmark=0x10", UapiErrno.EINVAL],
    ["short private key", "private_key=abcd", UapiErrno.EINVAL],
    ["replace_peers=false", "replace_peers=false", UapiErrno.EINVAL],
    ["bad public key", "public_key=zz", UapiErrno.EINVAL],
    ["peer key before public_key", "endpoint=1.2.3.4:5", UapiErrno.EINVAL],
    ["bad endpoint", `public_key=${A}\nendpoint=1.2.3.4`, UapiErrno.EINVAL],
    ["hostname endpoint", `public_key=${A}\nendpoint=example.com:51820`, UapiErrno.EINVAL],
    ["bad allowed ip", `public_key=${A}\nallowed_ip=10.0.0.0/33`, UapiErrno.EINVAL],
    ["allowed ip without length", `public_key=${A}\nallowed_ip=10.0.0.1`, UapiErrno.EINVAL],
    ["protocol_version=2", `public_key=${A}\nprotocol_version=2`, UapiErrno.EINVAL],
    ["keepalive above u16", `public_key=${A}\npersistent_keepalive_interval=65536`, UapiErrno.EINVAL],
    ["bad psk", `public_key=${A}\npreshared_key=00`, UapiErrno.EINVAL],
    ["unknown peer key", `public_key=${A}\nallowed_ips=10.0.0.0/8`, UapiErrno.EINVAL],
    ["remove=false", `public_key=${A}\nremove=false`, UapiErrno.EINVAL],
  ];
  it.each(invalid)("%s replies errno=%#", async (_name, body, errno) => {
    const t = new FakeTarget();
    t.takenPorts.add(4444);
    const { out } = await run(t, `set=1\n${body}\n\n`);
    expect(out.startsWith(`errno=${errno}\n\n`)).toBe(true);
  });

  it("keeps lines applied before an error", async () => {
    const t = new FakeTarget();
    const { out } = await run(t, `set=1\nlisten_port=1000\nfwmark=x\n\n`);
    expect(out).toBe(`errno=${UapiErrno.EINVAL}\n\n`);
    expect(t.listenPort).toBe(1000);
  });

  it("accepts a set ended by EOF without the blank line", async () => {
    const t = new FakeTarget();
    const { out } = await run(t, `set=1\nlisten_port=7`, true);
    expect(out).toBe("errno=0\n\n");
    expect(t.listenPort).toBe(7);
  });
});

describe("UAPI get and framing", () => {
  it("serializes the device and its peers", async () => {
    const t = new FakeTarget();
    await run(t, `set=1\nprivate_key=${PRIV}\nlisten_port=51820\npublic_key=${A}\nendpoint=10.0.0.1:5\nallowed_ip=10.9.0.0/16\n\n`);
    const { out } = await run(t, "get=1\n\n");
    expect(out).toBe(
      [
        `private_key=${PRIV}`,
        "listen_port=51820",
        `public_key=${A}`,
        `preshared_key=${"00".repeat(32)}`,
        "protocol_version=1",
        "endpoint=10.0.0.1:5",
        "last_handshake_time_sec=1700000000",
        "last_handshake_time_nsec=123456789",
        "tx_bytes=10",
        "rx_bytes=20",
        "persistent_keepalive_interval=0",
        "allowed_ip=10.9.0.0/16",
        "errno=0",
        "",
        "",
      ].join("\n"),
    );
  });

  it("omits zero private key, port and fwmark", async () => {
    const { out } = await run(new FakeTarget(), "get=1\n\n");
    expect(out).toBe("errno=0\n\n");
  });

  it("rejects a get followed by anything but a blank line", async () => {
    const { out } = await run(new FakeTarget(), "get=1\nx");
    expect(out).toBe(`errno=${UapiErrno.EINVAL}\n\n`);
  });

  it("serves several operations on one connection, split across chunks", async () => {
    const t = new FakeTarget();
    let out = "";
    const conn = new UapiConnection(t, (s) => (out += s), () => {});
    const input = `set=1\nlisten_port=9\n\nget=1\n\nset=1\nfwmark=3\n\n`;
    for (const ch of input) await conn.feed(ch);
    expect(out).toBe("errno=0\n\nlisten_port=9\nerrno=0\n\nerrno=0\n\n");
  });

  it("closes the connection on an unknown operation without replying", async () => {
    const { out, closed } = await run(new FakeTarget(), "hello=1\n");
    expect(out).toBe("");
    expect(closed).toBe(true);
  });
});
