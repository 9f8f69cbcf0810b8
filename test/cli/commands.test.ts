// The wg-compatible commands in-process against our own UAPI server (an
// in-memory device behind it) in a scratch socket directory: exit statuses,
// stderr lines, interface discovery, and the features wireguard-go 0.0.20220316
// lacks (allowed_ip=-prefix).
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { CliIo } from "../../bindings/cli/io.js";
import { runWgCommand, type WgCommand } from "../../bindings/cli/wg-commands.js";
import { loadCryptoSync } from "../../bindings/crypto/index.js";
import { formatEndpoint, formatPrefix, maskPrefix, type Endpoint, type Prefix } from "../../bindings/net/ip.js";
import { keyToBase64, keyToHex } from "../../bindings/uapi/key-encoding.js";
import { UapiError, UapiErrno, type UapiDeviceState, type UapiTarget } from "../../bindings/uapi/protocol.js";
import { UapiServer } from "../../bindings/uapi/server.js";
import { hasTool } from "../helpers/tools.js";

/** Just enough of a device for the UAPI: keys, port, fwmark, peers with masked allowed IPs. */
class MemoryDevice implements UapiTarget {
  privateKey: Uint8Array | null = null;
  listenPort = 0;
  fwmark = 0;
  busyPort = -1;
  peers = new Map<string, { pub: Uint8Array; psk: Uint8Array | null; ep: Endpoint | null; ka: number; ips: Prefix[]; hs: bigint; rx: bigint; tx: bigint }>();
  sets: string[][] = [];

  state(): UapiDeviceState {
    return {
      privateKey: this.privateKey,
      listenPort: this.listenPort,
      fwmark: this.fwmark,
      peers: [...this.peers.values()].map((p) => ({
        publicKey: p.pub,
        presharedKey: p.psk,
        endpoint: p.ep ? formatEndpoint(p.ep) : null,
        lastHandshakeNs: p.hs,
        txBytes: p.tx,
        rxBytes: p.rx,
        persistentKeepalive: p.ka,
        allowedIps: p.ips.map(formatPrefix),
      })),
    };
  }
  publicKey() {
    return this.privateKey && loadCryptoSync().x25519PublicKey(this.privateKey);
  }
  setPrivateKey(k: Uint8Array | null) {
    this.privateKey = k && new Uint8Array(k);
  }
  setListenPort(port: number) {
    if (port === this.busyPort) throw new UapiError(UapiErrno.EADDRINUSE, "in use");
    this.listenPort = port;
  }
  setFwmark(mark: number) {
    this.fwmark = mark;
  }
  removeAllPeers() {
    this.peers.clear();
  }
  hasPeer(pub: Uint8Array) {
    return this.peers.has(keyToHex(pub));
  }
  addPeer(pub: Uint8Array) {
    this.peers.set(keyToHex(pub), { pub: new Uint8Array(pub), psk: null, ep: null, ka: 0, ips: [], hs: 0n, rx: 0n, tx: 0n });
  }
  removePeer(pub: Uint8Array) {
    this.peers.delete(keyToHex(pub));
  }
  private peer(pub: Uint8Array) {
    return this.peers.get(keyToHex(pub))!;
  }
  setPresharedKey(pub: Uint8Array, k: Uint8Array | null) {
    this.peer(pub).psk = k && new Uint8Array(k);
  }
  setEndpoint(pub: Uint8Array, ep: Endpoint) {
    this.peer(pub).ep = ep;
  }
  setPersistentKeepalive(pub: Uint8Array, secs: number) {
    const old = this.peer(pub).ka;
    this.peer(pub).ka = secs;
    return old;
  }
  clearAllowedIps(pub: Uint8Array) {
    this.peer(pub).ips = [];
  }
  addAllowedIp(pub: Uint8Array, prefix: Prefix) {
    const m = maskPrefix(prefix);
    const p = this.peer(pub);
    if (!p.ips.some((q) => formatPrefix(q) === formatPrefix(m))) p.ips.push(m);
  }
  removeAllowedIp(pub: Uint8Array, prefix: Prefix) {
    const m = formatPrefix(maskPrefix(prefix));
    this.peer(pub).ips = this.peer(pub).ips.filter((q) => formatPrefix(q) !== m);
  }
  peerConfigured() {}
}

const dir = mkdtempSync(join(tmpdir(), "wasmguard-cli-"));
const devices = new Map<string, MemoryDevice>();
const servers: UapiServer[] = [];

beforeAll(async () => {
  for (const name of ["wgb", "wga"]) {
    const dev = new MemoryDevice();
    devices.set(name, dev);
    servers.push(await UapiServer.listen(name, dev, { dir }));
  }
});
afterAll(async () => {
  for (const s of servers) await s.close();
  rmSync(dir, { recursive: true, force: true });
});

async function run(command: WgCommand, args: string[], env: Record<string, string> = {}, json = false) {
  const r = { status: 0, out: "", err: "" };
  const io: CliIo = {
    out: (t) => void (r.out += t),
    err: (t) => void (r.err += t),
    env,
    stdoutIsTTY: false,
    nowSec: () => 1_700_000_000n,
    socketDir: dir,
    lookup: async (h) => (h === "localhost" ? { address: "127.0.0.1", family: 4 } : Promise.reject(Object.assign(new Error(), { code: "ENOTFOUND" }))),
    sleep: async () => {},
  };
  r.status = await runWgCommand(command, args, io, { json });
  return r;
}

const key = (b: number) => new Uint8Array(32).fill(b);
const PUB = keyToBase64(key(5));

describe("commands against our UAPI server", () => {
  it("set, then show and showconf read it back", async () => {
    const priv = join(dir, "priv");
    writeFileSync(priv, keyToBase64(key(8)), { mode: 0o600 });
    const r = await run("set", ["wga", "private-key", priv, "listen-port", "51000", "fwmark", "0x20", "peer", PUB, "endpoint", "localhost:5", "allowed-ips", "10.0.0.0/24,fd00::/64"]);
    expect(r).toEqual({ status: 0, out: "", err: "" });
    const pub = keyToBase64(loadCryptoSync().x25519PublicKey(key(8)));
    expect((await run("show", ["wga"])).out).toBe(
      `interface: wga\n  public key: ${pub}\n  private key: (hidden)\n  listening port: 51000\n  fwmark: 0x20\n\n` +
        `peer: ${PUB}\n  endpoint: 127.0.0.1:5\n  allowed ips: 10.0.0.0/24, fd00::/64\n`,
    );
    expect((await run("showconf", ["wga"])).out).toBe(
      `[Interface]\nListenPort = 51000\nFwMark = 0x20\nPrivateKey = ${keyToBase64(key(8))}\n\n` +
        `[Peer]\nPublicKey = ${PUB}\nAllowedIPs = 10.0.0.0/24, fd00::/64\nEndpoint = 127.0.0.1:5\n`,
    );
  });

  it("allowed-ips -prefix removes one prefix and +prefix adds one", async () => {
    expect((await run("set", ["wga", "peer", PUB, "allowed-ips", "-10.0.0.0/24,+10.9.0.0/16"])).status).toBe(0);
    expect((await run("show", ["wga", "allowed-ips"])).out).toBe(`${PUB}\tfd00::/64 10.9.0.0/16\n`);
  });

  it("setconf replaces, addconf adds, syncconf converges (the showconf text is the fixed point)", async () => {
    const conf = join(dir, "b.conf");
    const k6 = keyToBase64(key(6));
    writeFileSync(conf, `[Interface]\nListenPort = 52000\n\n[Peer]\nPublicKey = ${PUB}\nAllowedIPs = 10.1.0.0/16\n`, { mode: 0o600 });
    expect((await run("setconf", ["wgb", conf])).status).toBe(0);
    const add = join(dir, "add.conf");
    writeFileSync(add, `[Peer]\nPublicKey = ${k6}\nAllowedIPs = 10.2.0.0/16\nPersistentKeepalive = 25\n`, { mode: 0o600 });
    expect((await run("addconf", ["wgb", add])).status).toBe(0);
    expect((await run("show", ["wgb", "peers"])).out).toBe(`${PUB}\n${k6}\n`);

    // syncconf to the first file drops the added peer.
    const dev = devices.get("wgb")!;
    expect((await run("syncconf", ["wgb", conf])).status).toBe(0);
    expect((await run("show", ["wgb", "peers"])).out).toBe(`${PUB}\n`);
    const shown = (await run("showconf", ["wgb"])).out;
    const again = join(dir, "again.conf");
    writeFileSync(again, shown, { mode: 0o600 });
    expect((await run("syncconf", ["wgb", again])).status).toBe(0);
    expect((await run("showconf", ["wgb"])).out).toBe(shown);
    expect(dev.listenPort).toBe(52000);
  });

  it("show all and show interfaces walk the socket directory", async () => {
    const names = (await run("show", ["interfaces"])).out.trim().split(" ");
    expect(names.sort()).toEqual(["wga", "wgb"]);
    const order = (await run("show", ["interfaces"])).out.trim().split(" ");
    const all = await run("show", ["all", "listen-port"]);
    expect(all.out).toBe(order.map((n) => `${n}\t${devices.get(n)!.listenPort}\n`).join(""));
    const pretty = (await run("show", [])).out;
    expect(pretty.split("\n\ninterface: ")).toHaveLength(2);
    const json = JSON.parse((await run("show", [], {}, true)).out);
    expect(json.map((d: { interface: string }) => d.interface)).toEqual(order);
    expect(JSON.parse((await run("show", ["interfaces"], {}, true)).out)).toEqual(order);
  });

  it("JSON hides secrets unless WG_HIDE_KEYS=never", async () => {
    expect(JSON.parse((await run("show", ["wga"], {}, true)).out).privateKey).toBe("(hidden)");
    expect(JSON.parse((await run("show", ["wga"], { WG_HIDE_KEYS: "never" }, true)).out).privateKey).toBe(keyToBase64(key(8)));
    expect(await run("show", ["wga", "dump"], {}, true)).toMatchObject({ status: 1, err: "--json prints every field: leave out the field name\n" });
  });

  it("reports wg's messages and exit statuses", async () => {
    expect(await run("show", ["nope"])).toEqual({ status: 1, out: "", err: "Unable to access interface: No such file or directory\n" });
    expect(await run("showconf", ["nope"])).toMatchObject({ status: 1, err: "Unable to access interface: No such file or directory\n" });
    expect(await run("set", ["nope", "listen-port", "1"])).toMatchObject({ status: 1, err: "Unable to modify interface: No such file or directory\n" });
    expect(await run("show", ["a/b"])).toMatchObject({ status: 1, err: "Unable to access interface: Invalid argument\n" });
    expect(await run("show", ["wga", "bogus"])).toMatchObject({ status: 1, err: expect.stringMatching(/^Invalid parameter: `bogus'\nUsage: wasmguard show /) });
    expect(await run("show", ["a", "b", "c"])).toMatchObject({ status: 1, err: expect.stringMatching(/^Usage: wasmguard show /) });
    expect(await run("show", ["--help"])).toMatchObject({ status: 0, err: expect.stringMatching(/^Usage: /) });
    expect(await run("show", ["interfaces", "x"])).toMatchObject({ status: 1 });
    expect(await run("showconf", [])).toMatchObject({ status: 1, err: "Usage: wasmguard showconf <interface>\n" });
    expect(await run("set", ["wga"])).toMatchObject({ status: 1, err: expect.stringMatching(/^Usage: wasmguard set <interface> /) });
    expect(await run("setconf", ["wga"])).toMatchObject({ status: 1, err: "Usage: wasmguard setconf <interface> <configuration filename>\n" });
    expect(await run("setconf", ["wga", "/nonexistent.conf"])).toMatchObject({ status: 1, err: "fopen: No such file or directory\n" });
    expect(await run("syncconf", ["nope", join(dir, "b.conf")])).toMatchObject({
      status: 1,
      err: "Unable to retrieve current interface configuration: No such file or directory\n",
    });
  });

  it("passes the daemon's errno on: a port in use", async () => {
    devices.get("wga")!.busyPort = 51999;
    expect(await run("set", ["wga", "listen-port", "51999"])).toMatchObject({ status: 1, err: "Unable to modify interface: Address already in use\n" });
  });

  it("a config error is one line naming file and line, and nothing is sent", async () => {
    const bad = join(dir, "bad.conf");
    writeFileSync(bad, "[Interface]\nListenPort = 1\n[Peer]\nPublicKey = nope\n", { mode: 0o600 });
    const before = devices.get("wga")!.listenPort;
    expect(await run("setconf", ["wga", bad])).toEqual({ status: 1, out: "", err: `${bad}:4: PublicKey is not a valid key (44 characters of base64 for 32 bytes)\n` });
    expect(devices.get("wga")!.listenPort).toBe(before);
  });

  it("warns when a config holding a private key is readable by others", async () => {
    const open = join(dir, "open.conf");
    writeFileSync(open, `[Interface]\nPrivateKey = ${keyToBase64(key(8))}\n`, { mode: 0o644 });
    const r = await run("addconf", ["wga", open]);
    expect(r.status).toBe(0);
    expect(r.err).toBe(`Warning: \`${open}' is readable by group or others and holds keys\n`);
  });

  it("a file that is not a socket is EBADF; a socket nobody listens on is removed", async () => {
    writeFileSync(join(dir, "plain.sock"), "");
    expect(await run("show", ["plain"])).toMatchObject({ status: 1, err: "Unable to access interface: Bad file descriptor\n" });
    expect((await run("show", ["interfaces"])).out.trim().split(" ").sort()).toEqual(["wga", "wgb"]);
  });

  it.runIf(hasTool("python3"))("a stale socket (bound, not listening) is ECONNREFUSED and gets removed", async () => {
    const path = join(dir, "stale.sock");
    const py = spawnSync("python3", ["-c", `import socket; s=socket.socket(socket.AF_UNIX); s.bind(${JSON.stringify(path)})`]);
    expect(py.status).toBe(0);
    expect(await run("show", ["stale"])).toMatchObject({ status: 1, err: "Unable to access interface: Connection refused\n" });
    expect(() => readFileSync(path)).toThrow(/ENOENT/);
    spawnSync("python3", ["-c", `import socket; s=socket.socket(socket.AF_UNIX); s.bind(${JSON.stringify(path)})`]);
    expect((await run("show", ["interfaces"])).out.trim().split(" ").sort()).toEqual(["wga", "wgb"]);
    expect(() => readFileSync(path)).toThrow(/ENOENT/);
  });
});
