// UAPI conformance: the same scripts of raw set/get operations go to
// wasmguardd and to wireguard-go, each in its own namespace; the replies must
// be the same, allowing only for the order of peers and of allowed IPs (which
// wireguard-go keeps in a Go map and a trie).
//
// Each operation goes on its own connection, half-closed after the request,
// as wg does. (wireguard-go reads a `set` through a buffered scanner that
// swallows whatever was pipelined after it, so operations queued behind a
// `set` on one connection are lost there; wasmguardd serves them, which the
// unit tests of bindings/uapi check.)
import { afterAll, beforeAll, expect, it } from "vitest";
import { uapiRaw } from "../../bindings/uapi/client.js";
import { describeNetns, Netns } from "../helpers/netns.js";
import { toolsAvailable } from "../helpers/tools.js";
import { socketPath, startDaemon, stopAll, type Implementation } from "../helpers/wg.js";

const hexKey = (byte: string) => byte.repeat(32);
// Private keys and the public key of PRIV1 (X25519 of 0x11..11 clamped), so a script can name "our own" key.
const PRIV1 = hexKey("11");
const PUB_OF_PRIV1 = "7b4e909bbe7ffe44c465a220037d608ee35897d31ef972f07f74892cb0f73f13";
const PEER_A = hexKey("aa");
const PEER_B = hexKey("bb");
const PEER_C = hexKey("cc");
const ZERO = hexKey("00");

/** Each script starts from a clean device: no key, no peers, a fixed port. */
const RESET = `set=1\nprivate_key=${ZERO}\nlisten_port=31000\nfwmark=0\nreplace_peers=true\n\n`;

const scripts: [name: string, request: string][] = [
  ["get on an empty device", "get=1\n\n"],
  ["device keys", `set=1\nprivate_key=${PRIV1}\nlisten_port=31001\nfwmark=4660\n\nget=1\n\n`],
  [
    "peers with every key",
    `set=1\nprivate_key=${PRIV1}\npublic_key=${PEER_A}\npreshared_key=${hexKey("42")}\nendpoint=192.0.2.7:51820\n` +
      `persistent_keepalive_interval=0\nreplace_allowed_ips=true\nallowed_ip=10.0.0.7/24\nallowed_ip=FD00::1/128\n` +
      `allowed_ip=0.0.0.0/0\nprotocol_version=1\npublic_key=${PEER_B}\nendpoint=[2001:db8::5]:1\nallowed_ip=10.1.0.0/16\n\nget=1\n\n`,
  ],
  [
    "replace_allowed_ips and replace_peers",
    `set=1\npublic_key=${PEER_A}\nallowed_ip=10.0.0.0/8\npublic_key=${PEER_B}\nallowed_ip=10.2.0.0/16\n\n` +
      `set=1\npublic_key=${PEER_A}\nreplace_allowed_ips=true\nallowed_ip=10.9.0.0/16\n\nget=1\n\n` +
      `set=1\nreplace_peers=true\npublic_key=${PEER_C}\n\nget=1\n\n`,
  ],
  [
    "an allowed IP moves to the peer that claims it last",
    `set=1\npublic_key=${PEER_A}\nallowed_ip=10.0.0.0/24\npublic_key=${PEER_B}\nallowed_ip=10.0.0.0/24\n\nget=1\n\n`,
  ],
  ["remove=true", `set=1\npublic_key=${PEER_A}\npublic_key=${PEER_B}\n\nset=1\npublic_key=${PEER_A}\nremove=true\n\nget=1\n\n`],
  ["update_only on an absent peer creates nothing", `set=1\npublic_key=${PEER_A}\nupdate_only=true\nendpoint=192.0.2.1:5\n\nget=1\n\n`],
  [
    "update_only on a present peer updates it",
    `set=1\npublic_key=${PEER_A}\n\nset=1\npublic_key=${PEER_A}\nupdate_only=true\nendpoint=192.0.2.1:5\n\nget=1\n\n`,
  ],
  ["a peer with our own public key is ignored", `set=1\nprivate_key=${PRIV1}\npublic_key=${PUB_OF_PRIV1}\nallowed_ip=10.0.0.1/32\n\nget=1\n\n`],
  [
    "a private key equal to a peer's key removes that peer",
    `set=1\npublic_key=${PUB_OF_PRIV1}\npublic_key=${PEER_A}\n\nset=1\nprivate_key=${PRIV1}\n\nget=1\n\n`,
  ],
  ["a zero private key clears it", `set=1\nprivate_key=${PRIV1}\n\nset=1\nprivate_key=${ZERO}\n\nget=1\n\n`],
  ["a zero preshared key clears it", `set=1\npublic_key=${PEER_A}\npreshared_key=${hexKey("42")}\npreshared_key=${ZERO}\n\nget=1\n\n`],
  ["persistent keepalive without an endpoint", `set=1\npublic_key=${PEER_A}\npersistent_keepalive_interval=25\n\nget=1\n\n`],
  ["a get and a set on one connection", `get=1\n\nset=1\nlisten_port=31002\n\n`],
  ["a set ended by EOF", `set=1\nlisten_port=31003\n`],
  // Errors: wireguard-go stops at the bad line, replies, then reads the rest as new operations.
  ["unknown device key", `set=1\nfoo=bar\n\nget=1\n\n`],
  ["unknown peer key", `set=1\npublic_key=${PEER_A}\nallowed_ips=10.0.0.0/8\n\nget=1\n\n`],
  ["a line without =", `set=1\nlisten_port\n\nget=1\n\n`],
  ["a short private key", `set=1\nprivate_key=abcd\n\nget=1\n\n`],
  ["a port above 65535", `set=1\nlisten_port=65536\n\nget=1\n\n`],
  ["a negative port", `set=1\nlisten_port=-1\n\nget=1\n\n`],
  ["a bad fwmark", `set=1\nfwmark=0x10\n\nget=1\n\n`],
  ["replace_peers=false", `set=1\nreplace_peers=false\n\nget=1\n\n`],
  ["a bad public key", `set=1\npublic_key=${"zz".repeat(32)}\n\nget=1\n\n`],
  ["a host name as endpoint", `set=1\npublic_key=${PEER_A}\nendpoint=example.com:51820\n\nget=1\n\n`],
  ["an endpoint without a port", `set=1\npublic_key=${PEER_A}\nendpoint=192.0.2.1\n\nget=1\n\n`],
  ["an IPv6 endpoint without brackets", `set=1\npublic_key=${PEER_A}\nendpoint=2001:db8::1:51820\n\nget=1\n\n`],
  ["a prefix length too long", `set=1\npublic_key=${PEER_A}\nallowed_ip=10.0.0.0/33\n\nget=1\n\n`],
  ["an allowed IP without a length", `set=1\npublic_key=${PEER_A}\nallowed_ip=10.0.0.1\n\nget=1\n\n`],
  ["protocol_version=2", `set=1\npublic_key=${PEER_A}\nprotocol_version=2\n\nget=1\n\n`],
  ["a keepalive above 65535", `set=1\npublic_key=${PEER_A}\npersistent_keepalive_interval=65536\n\nget=1\n\n`],
  ["update_only=false", `set=1\npublic_key=${PEER_A}\nupdate_only=false\n\nget=1\n\n`],
  ["remove=yes", `set=1\npublic_key=${PEER_A}\nremove=yes\n\nget=1\n\n`],
  ["a bad preshared key", `set=1\npublic_key=${PEER_A}\npreshared_key=00\n\nget=1\n\n`],
  ["lines before an error stay applied", `set=1\nlisten_port=31004\npublic_key=${PEER_A}\nallowed_ip=10.0.0.0/8\nendpoint=x\n\nget=1\n\n`],
  ["get followed by a stray character", `get=1\nx\n`],
  ["an unknown operation closes the connection", `hello=1\n\nget=1\n\n`],
];

/** Sorts peer blocks by key and allowed_ip lines within each, so only content is compared. */
function normalize(reply: string): string {
  return reply
    .split(/(?<=errno=-?\d+\n\n)/)
    .map((block) => {
      const lines = block.split("\n");
      const head: string[] = [];
      const peers: string[][] = [];
      for (const l of lines) {
        if (l.startsWith("public_key=")) peers.push([l]);
        else if (peers.length && !l.startsWith("errno=") && l !== "") peers[peers.length - 1].push(l);
        else if (!peers.length) head.push(l);
      }
      const tail = lines.filter((l) => l.startsWith("errno="));
      const sortedPeers = peers
        .map((p) => [...p.filter((l) => !l.startsWith("allowed_ip=")), ...p.filter((l) => l.startsWith("allowed_ip=")).sort()])
        .sort((a, b) => a[0].localeCompare(b[0]));
      return [...head.filter((l) => l !== "" && !l.startsWith("errno=")), ...sortedPeers.flat(), ...tail].join("\n");
    })
    .join("\n--\n");
}

/** One operation per connection; "get, then set" stays together (a get reads no further than its blank line). */
function splitOperations(script: string): string[] {
  if (script.startsWith("get=1\n\nset=1\n")) return [script];
  return script.split(/(?<=\n\n)(?=(?:set|get)=1\n)/);
}

const replyCount = (request: string) => (request.match(/^(get|set)=1$/gm) ?? []).length;

describeNetns(
  "UAPI conformance: wasmguardd and wireguard-go give the same replies",
  () => {
    const have = toolsAvailable("UAPI conformance", "wg", "wireguard-go");
    const tag = String(process.pid % 1000);
    const daemons: [Implementation, string, Netns | null][] = [
      ["wasmguard", `wgu${tag}w`, null],
      ["wireguard-go", `wgu${tag}g`, null],
    ];

    beforeAll(async () => {
      if (!have) return;
      for (const d of daemons) {
        d[2] = Netns.create("uc");
        await startDaemon(d[2], d[0], d[1]);
      }
    });

    afterAll(async () => {
      for (const [, , ns] of daemons) {
        if (!ns) continue;
        await stopAll(ns);
        ns.delete();
      }
    });

    it.runIf(have).each(scripts)("%s", async (_name, script) => {
      const replies: string[] = [];
      for (const [, iface] of daemons) {
        const reset = await uapiRaw(socketPath(iface), RESET, 1);
        expect(reset).toBe("errno=0\n\n");
        const out: string[] = [];
        for (const request of splitOperations(script))
          out.push(normalize(await uapiRaw(socketPath(iface), request, replyCount(request))));
        replies.push(out.join("\n==\n"));
      }
      expect(replies[0]).toBe(replies[1]);
    });
  },
  { tun: true, addon: true },
);
