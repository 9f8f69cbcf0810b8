// Our CLI against a live wireguard-go (the same UAPI socket wasmguardd will
// serve), checked with the real `wg` tool: what we set, wg reads back; what
// wg shows, we show identically; configs pass between our showconf/setconf
// and wg's. Two daemons in two namespaces joined by a veth pair complete a
// real handshake so the handshake and transfer fields carry values.
//
//   nsA: wgA 10.77.0.1/24, listens 51820 ── veth 192.168.77.1/24
//   nsB: wgB 10.77.0.2/24, listens 51821 ── veth 192.168.77.2/24
import { spawnSync, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SHOW_FIELDS, stripAnsi } from "../../bindings/cli/format.js";
import { systemLookup, type CliIo } from "../../bindings/cli/io.js";
import { runWgCommand, type WgCommand } from "../../bindings/cli/wg-commands.js";
import { loadCryptoSync } from "../../bindings/crypto/index.js";
import { parseConfig, serializeConfig, stripConfig } from "../../bindings/uapi/config.js";
import { keyToBase64 } from "../../bindings/uapi/key-encoding.js";
import { DEFAULT_SOCKET_DIR, socketPath } from "../../bindings/uapi/server.js";
import { createVethPair, describeNetns, Netns, repoRoot } from "../helpers/netns.js";
import { toolsAvailable } from "../helpers/tools.js";

const FIXTURES = join(repoRoot, "test", "fixtures", "configs");
const haveTools = toolsAvailable("CLI against wireguard-go", "wg", "wireguard-go", "ping");
const tag = String(process.pid % 100000);
const A = `wgc${tag}a`;
const B = `wgc${tag}b`;

const scratch = mkdtempSync(join(tmpdir(), "wasmguard-live-"));
const crypto = loadCryptoSync();

function keypair() {
  const priv = crypto.generatePrivateKey();
  return { priv, privB64: keyToBase64(priv), pubB64: keyToBase64(crypto.x25519PublicKey(priv)) };
}
const randomPub = () => keypair().pubB64;

function secretFile(name: string, text: string): string {
  const p = join(scratch, name);
  writeFileSync(p, text, { mode: 0o600 });
  return p;
}

/** The real wg, run on the host (the UAPI socket directory is not per namespace). */
function wg(args: string[], env: Record<string, string> = {}) {
  const r = spawnSync("wg", args, { encoding: "latin1", env: { ...process.env, WG_COLOR_MODE: "never", ...env } });
  return { status: r.status, out: r.stdout, err: r.stderr };
}

/** Our CLI, in-process. */
async function ours(command: WgCommand, args: string[], env: Record<string, string> = {}) {
  const r = { status: 0, out: "", err: "" };
  const io: CliIo = {
    out: (t) => void (r.out += t),
    err: (t) => void (r.err += t),
    env: { WG_COLOR_MODE: "never", ...env },
    stdoutIsTTY: false,
    nowSec: () => BigInt(Math.floor(Date.now() / 1000)),
    socketDir: DEFAULT_SOCKET_DIR,
    lookup: systemLookup,
    sleep: (ms) => new Promise((res) => setTimeout(res, ms)),
  };
  r.status = await runWgCommand(command, args, io);
  return r;
}

// wireguard-go keeps peers in a Go map, so each `get` lists them in a new
// order; wg prints them in that order (and the pretty form keeps it among
// peers that never completed a handshake). Comparisons therefore put peers
// in a canonical order first, leaving everything else where it was.

/** A config with its [Peer] sections sorted. */
function canonicalConf(text: string): string {
  const [head, ...peers] = text.replace(/\n$/, "").split("\n\n[Peer]\n");
  return [head, ...peers.sort()].join("\n\n[Peer]\n");
}

/** `wg show` output with peers sorted where the daemon's order shows through. */
function canonicalShow(args: string[], text: string): string {
  if (args[0] === "interfaces") return text;
  const field = args[1];
  if (field === undefined) {
    // Pretty: blocks separated by blank lines; each interface block is followed by its peers,
    // those with a handshake first (sorted by wg), then the rest in daemon order.
    const blocks = text.split("\n\n").map((b) => b.replace(/\n$/, ""));
    const out: string[] = [];
    let tail: string[] = [];
    const flush = () => {
      out.push(...tail.sort());
      tail = [];
    };
    for (const b of blocks) {
      const plain = stripAnsi(b);
      if (plain.startsWith("interface: ")) flush(), out.push(b);
      else if (plain.includes("latest handshake: ")) flush(), out.push(b);
      else tail.push(b);
    }
    flush();
    return out.join("\n\n");
  }
  // Field forms: group lines by interface (the first column under `all`); dump keeps its interface line first.
  const withInterface = args[0] === "all";
  const lines = text.split("\n").filter((l) => l !== "");
  const groups = new Map<string, string[]>();
  for (const l of lines) {
    const name = withInterface ? l.slice(0, l.indexOf("\t")) : "";
    groups.set(name, [...(groups.get(name) ?? []), l]);
  }
  return [...groups.values()]
    .map((g) => (field === "dump" ? [g[0], ...g.slice(1).sort()] : g.sort()).join("\n"))
    .join("\n");
}

/** Our `show args` prints what wg prints; retried while the state moves under us (clock, traffic, other interfaces). */
async function expectSameShow(args: string[], env: Record<string, string> = {}) {
  for (let attempt = 0; attempt < 8; attempt++) {
    const before = wg(["show", ...args], env);
    const mine = await ours("show", args, env);
    const after = wg(["show", ...args], env);
    const want = canonicalShow(args, before.out);
    if (want !== canonicalShow(args, after.out) || before.status !== after.status) {
      await new Promise((r) => setTimeout(r, 150));
      continue;
    }
    expect(canonicalShow(args, mine.out), `show ${args.join(" ")}`).toBe(want);
    expect(mine.status).toBe(before.status);
    expect(mine.err).toBe(before.err);
    return;
  }
  throw new Error(`show ${args.join(" ")}: wg's own output kept changing`);
}

function startDaemon(ns: Netns, name: string): ChildProcess {
  const child = ns.spawn("wireguard-go", ["-f", name]);
  return child;
}

async function waitFor(cond: () => boolean, what: string, ms = 5000) {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

async function stopDaemon(child: ChildProcess | undefined, name: string) {
  if (child && child.exitCode === null && child.signalCode === null) {
    const gone = new Promise<void>((r) => child.once("exit", () => r()));
    child.kill("SIGTERM");
    await Promise.race([gone, new Promise((r) => setTimeout(r, 3000))]);
  }
  rmSync(socketPath(name), { force: true });
}

(haveTools ? describeNetns : describe.skip)(
  "CLI against wireguard-go",
  () => {
    let nsA: Netns;
    let nsB: Netns;
    let daemonA: ChildProcess | undefined;
    let daemonB: ChildProcess | undefined;

    beforeAll(async () => {
      nsA = Netns.create("cli");
      nsB = Netns.create("cli");
      createVethPair(nsA, nsB, { nameA: `vc${tag}a`, nameB: `vc${tag}b`, addrA: ["192.168.77.1/24"], addrB: ["192.168.77.2/24"] });
      daemonA = startDaemon(nsA, A);
      daemonB = startDaemon(nsB, B);
      await waitFor(() => existsSync(socketPath(A)) && existsSync(socketPath(B)), "wireguard-go's sockets");
      nsA.ip("address", "add", "10.77.0.1/24", "dev", A);
      nsA.ip("link", "set", A, "up");
      nsB.ip("address", "add", "10.77.0.2/24", "dev", B);
      nsB.ip("link", "set", B, "up");
    });

    afterAll(async () => {
      await stopDaemon(daemonA, A);
      await stopDaemon(daemonB, B);
      nsA?.delete();
      nsB?.delete();
      rmSync(scratch, { recursive: true, force: true });
    });

    it("our set writes what we meant: wg showconf and wg show dump read it back", async () => {
      const me = keypair();
      const [p1, p2, p3] = [randomPub(), randomPub(), randomPub()];
      const psk = keyToBase64(crypto.generatePrivateKey());
      const r = await ours("set", [
        A, "private-key", secretFile("a.key", me.privB64 + "\n"), "listen-port", "51820", "fwmark", "0x1234",
        "peer", p1, "preshared-key", secretFile("p1.psk", psk), "endpoint", "192.168.77.99:51820", "allowed-ips", "10.10.0.0/24, fd00:10::/64",
        "peer", p2, "persistent-keepalive", "25", "allowed-ips", "10.20.0.1/32",
        "peer", p3, "endpoint", "[fd00:77::9]:7", "allowed-ips", "10.30.0.7/24",
      ]);
      expect(r).toEqual({ status: 0, out: "", err: "Warning: AllowedIP has nonzero host part: 10.30.0.7/24\n" });
      const conf = canonicalConf(wg(["showconf", A]).out);
      expect(conf).toBe(canonicalConf(
        `[Interface]\nListenPort = 51820\nFwMark = 0x1234\nPrivateKey = ${me.privB64}\n\n` +
          `[Peer]\nPublicKey = ${p1}\nPresharedKey = ${psk}\nAllowedIPs = 10.10.0.0/24, fd00:10::/64\nEndpoint = 192.168.77.99:51820\n\n` +
          `[Peer]\nPublicKey = ${p2}\nAllowedIPs = 10.20.0.1/32\nPersistentKeepalive = 25\n\n` +
          `[Peer]\nPublicKey = ${p3}\nAllowedIPs = 10.30.0.0/24\nEndpoint = [fd00:77::9]:7\n`,
      ));
      expect(wg(["show", A, "dump"]).out.split("\n")[0]).toBe(`${me.privB64}\t${me.pubB64}\t51820\t0x1234`);

      // Change a few things: keepalive off, fwmark off, endpoint by name, replace a list, remove a peer.
      expect((await ours("set", [A, "fwmark", "off", "peer", p2, "persistent-keepalive", "off", "endpoint", "localhost:9", "allowed-ips", "10.21.0.0/16,10.22.0.0/16", "peer", p3, "remove"])).status).toBe(0);
      const dump = wg(["show", A, "dump"]).out.split("\n");
      expect(dump[0]).toBe(`${me.privB64}\t${me.pubB64}\t51820\toff`);
      expect(dump).toContain(`${p2}\t(none)\t127.0.0.1:9\t10.21.0.0/16,10.22.0.0/16\t0\t0\t0\toff`);
      expect(dump).toHaveLength(4); // interface, p1, p2, and the final newline

      // An empty key file clears the preshared key.
      expect((await ours("set", [A, "peer", p1, "preshared-key", "/dev/null"])).status).toBe(0);
      expect(canonicalShow([A, "preshared-keys"], wg(["show", A, "preshared-keys"]).out)).toBe([`${p1}\t(none)`, `${p2}\t(none)`].sort().join("\n"));
    });

    it("incremental +prefix works; -prefix is refused by wireguard-go 0.0.20220316 with wg's message", async () => {
      const p = randomPub();
      expect((await ours("set", [A, "peer", p, "allowed-ips", "10.40.0.0/16"])).status).toBe(0);
      expect((await ours("set", [A, "peer", p, "allowed-ips", "+10.41.0.0/16"])).status).toBe(0);
      expect(wg(["show", A, "allowed-ips"]).out).toContain(`${p}\t10.40.0.0/16 10.41.0.0/16\n`);
      const r = await ours("set", [A, "peer", p, "allowed-ips", "-10.40.0.0/16"]);
      // The daemon predates `allowed_ip=-prefix` (wg v1.0.20250521); newer daemons and ours accept it.
      expect(r).toEqual({ status: 1, out: "", err: "Unable to modify interface: Invalid argument\n" });
      expect((await ours("set", [A, "peer", p, "remove"])).status).toBe(0);
    });

    it("our show prints what wg show prints: every field form, dump, pretty (colour and keys too)", async () => {
      for (const field of SHOW_FIELDS) await expectSameShow([A, field]);
      await expectSameShow([A]);
      await expectSameShow([A], { WG_COLOR_MODE: "always" });
      await expectSameShow([A], { WG_HIDE_KEYS: "never" });
      await expectSameShow(["all", "dump"]);
      // (`all endpoints` is left out: wg v1.0.20210914 prints the interface name once per
      // interface instead of on every line, a bug later wg versions fixed; we print it per line.)
      await expectSameShow(["all"]);
      await expectSameShow(["interfaces"]);
      await expectSameShow([]);
    });

    it("configs pass both ways: our setconf = wg setconf, our showconf = wg showconf", async () => {
      const files = [
        join(FIXTURES, "wg", "showconf-form.conf"),
        ...["hub-vps1.conf", "vps3-saveconfig.conf", "mobile2.conf"].map((f) =>
          secretFile(`stripped-${f}`, stripConfig(readFileSync(join(FIXTURES, "quick", f), "latin1"))),
        ),
        secretFile("localhost.conf", `[Peer]\nPublicKey = ${randomPub()}\nEndpoint = localhost:51820\nAllowedIPs = 10.99.0.0/16\n`),
      ];
      // Without ListenPort, setconf asks for a random port: leave that line out of the comparison.
      const comparable = (text: string, file: string) =>
        canonicalConf(parseConfig(readFileSync(file, "latin1")).interface.listenPort ? text : text.replace(/^ListenPort = \d+\n/m, ""));
      for (const file of files) {
        expect(wg(["setconf", B, file]).status, file).toBe(0);
        const byWg = comparable(wg(["showconf", B]).out, file);
        expect((await ours("setconf", [B, file])).status, file).toBe(0);
        const shown = wg(["showconf", B]).out;
        expect(comparable(shown, file), file).toBe(byWg);
        // Our showconf of the same state: compare with one get each, so the peer order may differ only by the map.
        expect(canonicalConf((await ours("showconf", [B])).out), file).toBe(canonicalConf(wg(["showconf", B]).out));
      }
      // The fixture in showconf's form comes back as written (peers aside, in the daemon's order).
      const form = readFileSync(files[0], "latin1");
      expect((await ours("setconf", [B, files[0]])).status).toBe(0);
      expect(canonicalConf((await ours("showconf", [B])).out)).toBe(canonicalConf(form));
      // wg setconf reads what our showconf wrote, and our setconf reads what wg showconf wrote.
      const mine = secretFile("ours.conf", (await ours("showconf", [B])).out);
      expect(wg(["setconf", B, mine]).status).toBe(0);
      expect(canonicalConf(wg(["showconf", B]).out)).toBe(canonicalConf(form));
      const theirs = secretFile("theirs.conf", wg(["showconf", B]).out);
      expect((await ours("setconf", [B, theirs])).status).toBe(0);
      expect(canonicalConf(wg(["showconf", B]).out)).toBe(canonicalConf(form));

      // With a single peer there is only one order: byte for byte.
      const one = secretFile("one.conf", serializeConfig({ ...parseConfig(form), peers: parseConfig(form).peers.slice(0, 1) }));
      expect((await ours("setconf", [B, one])).status).toBe(0);
      expect(wg(["showconf", B]).out).toBe(readFileSync(one, "latin1"));
      expect((await ours("showconf", [B])).out).toBe(readFileSync(one, "latin1"));
    });

    it("addconf and syncconf against the daemon", async () => {
      const [p1, p2, p3] = [randomPub(), randomPub(), randomPub()];
      const base = secretFile("base.conf", `[Interface]\nListenPort = 51821\n\n[Peer]\nPublicKey = ${p1}\nAllowedIPs = 10.1.0.0/16\n`);
      expect((await ours("setconf", [B, base])).status).toBe(0);
      const extra = secretFile("extra.conf", `[Peer]\nPublicKey = ${p2}\nAllowedIPs = 10.2.0.0/16\nPersistentKeepalive = 30\n`);
      expect((await ours("addconf", [B, extra])).status).toBe(0);
      expect(wg(["show", B, "peers"]).out.split("\n").sort()).toEqual(["", p1, p2].sort());
      expect(wg(["show", B, "listen-port"]).out).toBe("51821\n");

      const target = secretFile(
        "target.conf",
        `[Peer]\nPublicKey = ${p1}\nAllowedIPs = 10.1.0.0/16, 10.11.0.0/16\n\n[Peer]\nPublicKey = ${p3}\nAllowedIPs = 10.3.0.0/16\n`,
      );
      expect((await ours("syncconf", [B, target])).status).toBe(0);
      const dump = wg(["show", B, "dump"]).out.trim().split("\n");
      expect(dump[0]).toBe("(none)\t(none)\t51821\toff"); // no ListenPort in the file: the port stays
      expect(dump.slice(1).map((l) => l.split("\t").slice(0, 4).join(" ")).sort()).toEqual(
        [`${p1} (none) (none) 10.1.0.0/16,10.11.0.0/16`, `${p3} (none) (none) 10.3.0.0/16`].sort(),
      );
      // Converged: a second syncconf changes nothing.
      const first = canonicalConf(wg(["showconf", B]).out);
      expect((await ours("syncconf", [B, target])).status).toBe(0);
      expect(canonicalConf(wg(["showconf", B]).out)).toBe(first);
    });

    it("a real handshake: handshake and transfer fields match wg, and syncconf leaves the session alone", async () => {
      const a = keypair();
      const b = keypair();
      const confA = secretFile(
        "hs-a.conf",
        `[Interface]\nPrivateKey = ${a.privB64}\nListenPort = 51820\n\n[Peer]\nPublicKey = ${b.pubB64}\nAllowedIPs = 10.77.0.2/32\nEndpoint = 192.168.77.2:51821\n`,
      );
      const confB = secretFile(
        "hs-b.conf",
        `[Interface]\nPrivateKey = ${b.privB64}\nListenPort = 51821\n\n[Peer]\nPublicKey = ${a.pubB64}\nAllowedIPs = 10.77.0.1/32\n`,
      );
      expect((await ours("setconf", [A, confA])).status).toBe(0);
      expect((await ours("setconf", [B, confB])).status).toBe(0);
      const ping = nsA.tryExec("ping", "-c", "2", "-i", "0.2", "-W", "3", "10.77.0.2");
      expect(ping.status, ping.stdout + ping.stderr).toBe(0);

      const hs = wg(["show", A, "latest-handshakes"]).out;
      expect(hs).toMatch(new RegExp(`^${b.pubB64.replace(/[+/]/g, "\\$&")}\\t[1-9][0-9]+\\n$`));
      expect(wg(["show", B, "endpoints"]).out).toMatch(/\t192\.168\.77\.1:51820\n$/); // learnt by roaming
      for (const field of ["dump", "latest-handshakes", "transfer", "endpoints"]) {
        await expectSameShow([A, field]);
        await expectSameShow([B, field]);
      }
      await expectSameShow([A]);
      await expectSameShow([B], { WG_COLOR_MODE: "always" });

      // syncconf with the same files: nothing is sent, so B keeps the endpoint it learnt and the session.
      const beforeB = wg(["show", B, "dump"]).out;
      expect((await ours("syncconf", [B, confB])).status).toBe(0);
      expect((await ours("syncconf", [A, confA])).status).toBe(0);
      expect(wg(["show", B, "dump"]).out).toBe(beforeB);
      const again = nsA.tryExec("ping", "-c", "1", "-W", "3", "10.77.0.2");
      expect(again.status).toBe(0);
      expect(wg(["show", A, "latest-handshakes"]).out).toBe(hs);
    });

    it("the wasmguard binary itself: output, stderr and exit status", () => {
      const cli = (args: string[]) =>
        spawnSync(process.execPath, ["--import", "tsx", join(repoRoot, "bin", "wasmguard.ts"), ...args], {
          encoding: "latin1",
          env: { ...process.env, WG_COLOR_MODE: "never" },
        });
      const dump = cli(["show", A, "dump"]);
      expect(dump.status).toBe(0);
      expect(dump.stdout).toBe(wg(["show", A, "dump"]).out);
      const missing = cli(["show", `${A}x`]);
      expect([missing.status, missing.stdout, missing.stderr]).toEqual([1, "", "Unable to access interface: No such file or directory\n"]);
      const bad = cli(["set", A, "peer", "nope"]);
      expect([bad.status, bad.stderr]).toEqual([1, "Key is not the correct length or format: `nope'\n"]);
      // A leading '-' is an allowed-ips entry, not an option: it reaches the daemon (which is too old for it).
      const minus = cli(["set", A, "peer", randomPub(), "allowed-ips", "-10.40.0.0/16"]);
      expect([minus.status, minus.stderr]).toEqual([1, "Unable to modify interface: Invalid argument\n"]);
    });
  },
  { tun: true },
);
