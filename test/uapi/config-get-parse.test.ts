// The `get` reply parser, against replies written by our own server's
// formatGet and by hand in wireguard-go's form.
import { describe, expect, it } from "vitest";
import { formatEndpoint, formatPrefix, parseEndpoint } from "../../bindings/net/ip.js";
import { GetParseError, parseGetReply } from "../../bindings/uapi/get-parse.js";
import { keyToHex } from "../../bindings/uapi/key-encoding.js";
import { formatGet } from "../../bindings/uapi/protocol.js";

const k = (b: number) => new Uint8Array(32).fill(b);

const WIREGUARD_GO_REPLY = [
  "private_key=e84b4f6b5f2a5c2b1c0e1d3a8b5a4d9c7b8e2f1a0c3d4e5f6a7b8c9d0e1f2a60",
  "listen_port=51820",
  "fwmark=51820",
  "public_key=b85996fecc9c7f1fc6d2572a76eda11d59bcd20be8e543b15ce4bd85ff51ac1d",
  "preshared_key=0000000000000000000000000000000000000000000000000000000000000000",
  "protocol_version=1",
  "endpoint=[abcd:23::33%2]:51820",
  "last_handshake_time_sec=1700000000",
  "last_handshake_time_nsec=123456789",
  "tx_bytes=18446744073709551615",
  "rx_bytes=1152",
  "persistent_keepalive_interval=25",
  "allowed_ip=192.168.4.4/32",
  "allowed_ip=::/0",
  "public_key=58402e695ba1772b1cc9309755f043251ea77fdcf10fbe63989ceb7e19321376",
  "preshared_key=188515093e952f5f22e865cef3012e72f8b5f0b598ac0309d5dacce3b70fcf52",
  "protocol_version=1",
  "last_handshake_time_sec=0",
  "last_handshake_time_nsec=0",
  "tx_bytes=0",
  "rx_bytes=0",
  "persistent_keepalive_interval=0",
  "errno=0",
  "",
  "",
].join("\n");

describe("parseGetReply", () => {
  it("reads every field of a wireguard-go reply", () => {
    const dev = parseGetReply(WIREGUARD_GO_REPLY, { derivePublicKey: () => k(7) });
    expect(keyToHex(dev.privateKey!)).toBe("e84b4f6b5f2a5c2b1c0e1d3a8b5a4d9c7b8e2f1a0c3d4e5f6a7b8c9d0e1f2a60");
    expect(dev.publicKey).toEqual(k(7));
    expect(dev.listenPort).toBe(51820);
    expect(dev.fwmark).toBe(51820);
    expect(dev.peers).toHaveLength(2);
    const [a, b] = dev.peers;
    expect(a.presharedKey).toBeNull(); // zeros mean none
    expect(formatEndpoint(a.endpoint!)).toBe("[abcd:23::33%2]:51820");
    expect(a.lastHandshake).toEqual({ sec: 1_700_000_000n, nsec: 123456789 });
    expect(a.txBytes).toBe(18446744073709551615n);
    expect(a.rxBytes).toBe(1152n);
    expect(a.persistentKeepalive).toBe(25);
    expect(a.allowedIps.map(formatPrefix)).toEqual(["192.168.4.4/32", "::/0"]);
    expect(keyToHex(b.presharedKey!)).toBe("188515093e952f5f22e865cef3012e72f8b5f0b598ac0309d5dacce3b70fcf52");
    expect(b.endpoint).toBeNull();
    expect(b.lastHandshake).toEqual({ sec: 0n, nsec: 0 });
  });

  it("reads what our own server writes", () => {
    const text = formatGet({
      privateKey: k(1),
      listenPort: 0,
      fwmark: 0,
      peers: [
        {
          publicKey: k(2),
          presharedKey: k(3),
          endpoint: "192.0.2.1:7",
          lastHandshakeNs: 5_000_000_001n,
          txBytes: 1n,
          rxBytes: 2n,
          persistentKeepalive: 0,
          allowedIps: ["10.0.0.0/8"],
        },
      ],
    });
    const dev = parseGetReply(text);
    expect(dev.publicKey).toBeNull(); // no deriver given
    expect(dev.listenPort).toBe(0);
    expect(dev.peers[0]).toMatchObject({ presharedKey: k(3), lastHandshake: { sec: 5n, nsec: 1 }, txBytes: 1n, rxBytes: 2n });
    expect(dev.peers[0].endpoint).toEqual(parseEndpoint("192.0.2.1:7"));
  });

  it("skips unknown keys, and peer keys before any peer, as wg does", () => {
    const dev = parseGetReply(
      ["listen_port=1", "future_device_key=x", "tx_bytes=9", "public_key=" + keyToHex(k(4)), "future_peer_key=y", "rx_bytes=3", ""].join("\n"),
    );
    expect(dev.listenPort).toBe(1);
    expect(dev.peers).toHaveLength(1);
    expect(dev.peers[0].rxBytes).toBe(3n);
    expect(dev.peers[0].txBytes).toBe(0n);
  });

  it("device keys after the first peer are not device keys", () => {
    const dev = parseGetReply(["public_key=" + keyToHex(k(4)), "listen_port=5", "private_key=" + keyToHex(k(1))].join("\n"));
    expect(dev.listenPort).toBe(0);
    expect(dev.privateKey).toBeNull();
  });

  it("stops at the blank line that ends the reply", () => {
    const dev = parseGetReply("listen_port=1\n\nlisten_port=2\n");
    expect(dev.listenPort).toBe(1);
  });

  it("an empty reply is an empty device", () => {
    expect(parseGetReply("")).toEqual({ privateKey: null, publicKey: null, listenPort: 0, fwmark: 0, peers: [] });
  });

  const bad: [string, string][] = [
    ["a line without '='", "listen_port\n"],
    ["a short key", "private_key=abcd\n"],
    ["a port above 65535", "listen_port=65536\n"],
    ["a negative fwmark", "fwmark=-1\n"],
    ["a byte count above 2^64-1", `public_key=${keyToHex(k(1))}\nrx_bytes=18446744073709551616\n`],
    ["a bad allowed IP", `public_key=${keyToHex(k(1))}\nallowed_ip=10.0.0.0/33\n`],
    ["an allowed IP without a length", `public_key=${keyToHex(k(1))}\nallowed_ip=10.0.0.1\n`],
    ["a bad endpoint", `public_key=${keyToHex(k(1))}\nendpoint=1.2.3.4\n`],
    ["a keepalive above 65535", `public_key=${keyToHex(k(1))}\npersistent_keepalive_interval=65536\n`],
    ["a non-numeric handshake time", `public_key=${keyToHex(k(1))}\nlast_handshake_time_sec=x\n`],
  ];
  for (const [what, text] of bad) it(`rejects ${what}`, () => expect(() => parseGetReply(text)).toThrow(GetParseError));
});
