// `set` argument parsing, key files and endpoint resolution, down to the UAPI
// lines sent; and syncconf's difference computation.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { changeToUapiLines, ZERO_KEY } from "../../bindings/cli/device-change.js";
import { CliError, type CliIo, type HostLookup } from "../../bindings/cli/io.js";
import { resolutionRetries } from "../../bindings/cli/resolve.js";
import { parseSetArgs, readKeyFile } from "../../bindings/cli/set.js";
import { configToChange, syncChange } from "../../bindings/cli/setconf.js";
import { parseEndpoint, parsePrefix } from "../../bindings/net/ip.js";
import { parseConfig } from "../../bindings/uapi/config.js";
import type { DeviceState, PeerState } from "../../bindings/uapi/get-parse.js";
import { keyToBase64, keyToHex } from "../../bindings/uapi/key-encoding.js";

const dir = mkdtempSync(join(tmpdir(), "wasmguard-set-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const key = (b: number) => new Uint8Array(32).fill(b);
const PUB = keyToBase64(key(5));
const PUB_HEX = keyToHex(key(5));

function file(name: string, content: string | Buffer, mode = 0o600): string {
  const p = join(dir, name);
  writeFileSync(p, content, { mode });
  return p;
}

function io(over: Partial<CliIo> = {}): CliIo & { errText: string; sleeps: number[] } {
  const self = {
    errText: "",
    sleeps: [] as number[],
    out: () => {},
    err: (t: string) => {
      self.errText += t;
    },
    env: {},
    stdoutIsTTY: false,
    nowSec: () => 0n,
    socketDir: dir,
    lookup: (async () => {
      throw Object.assign(new Error("no resolver in this test"), { code: "ENOTFOUND" });
    }) as HostLookup,
    sleep: async (ms: number) => {
      self.sleeps.push(ms);
    },
    ...over,
  };
  return self;
}

async function lines(args: string[], cio = io()): Promise<string[]> {
  return changeToUapiLines(await parseSetArgs(args, cio));
}

async function failure(args: string[], cio = io()): Promise<string> {
  try {
    await parseSetArgs(args, cio);
  } catch (e) {
    expect(e).toBeInstanceOf(CliError);
    return (e as Error).message;
  }
  throw new Error("expected a failure");
}

describe("set arguments", () => {
  it("every option, in wg's UAPI order", async () => {
    const priv = file("priv", keyToBase64(key(1)) + "\n");
    const psk = file("psk", keyToBase64(key(2)));
    expect(
      await lines([
        "listen-port", "51820", "fwmark", "0x1f", "private-key", priv,
        "peer", PUB, "preshared-key", psk, "endpoint", "[2001:db8::1]:7", "persistent-keepalive", "25",
        "allowed-ips", "10.0.0.0/24, fd00::/64",
        "peer", keyToBase64(key(6)), "remove", "endpoint", "192.0.2.1:1",
      ]),
    ).toEqual([
      `private_key=${keyToHex(key(1))}`,
      "listen_port=51820",
      "fwmark=31",
      `public_key=${PUB_HEX}`,
      `preshared_key=${keyToHex(key(2))}`,
      "endpoint=[2001:db8::1]:7",
      "persistent_keepalive_interval=25",
      "replace_allowed_ips=true",
      "allowed_ip=10.0.0.0/24",
      "allowed_ip=fd00::/64",
      `public_key=${keyToHex(key(6))}`,
      "remove=true",
    ]);
  });

  it("off and 0 turn keepalive and fwmark off; a bare address is a host route", async () => {
    expect(await lines(["fwmark", "off", "peer", PUB, "persistent-keepalive", "off", "allowed-ips", "10.9.9.9"])).toEqual([
      "fwmark=0",
      `public_key=${PUB_HEX}`,
      "persistent_keepalive_interval=0",
      "replace_allowed_ips=true",
      "allowed_ip=10.9.9.9/32",
    ]);
    expect(await lines(["fwmark", "0", "peer", PUB, "persistent-keepalive", "0"])).toEqual([
      "fwmark=0",
      `public_key=${PUB_HEX}`,
      "persistent_keepalive_interval=0",
    ]);
  });

  it("allowed-ips: no sign replaces, + adds, - removes (and makes the list incremental)", async () => {
    expect(await lines(["peer", PUB, "allowed-ips", "+10.1.0.0/16,-10.2.0.0/16,-fd00::1"])).toEqual([
      `public_key=${PUB_HEX}`,
      "allowed_ip=10.1.0.0/16",
      "allowed_ip=-10.2.0.0/16",
      "allowed_ip=-fd00::1/128",
    ]);
    // Any signed entry makes the whole argument incremental, as in wg.
    expect(await lines(["peer", PUB, "allowed-ips", "10.1.0.0/16,-10.2.0.0/16"])).toEqual([
      `public_key=${PUB_HEX}`,
      "allowed_ip=10.1.0.0/16",
      "allowed_ip=-10.2.0.0/16",
    ]);
    // An empty list clears them all.
    expect(await lines(["peer", PUB, "allowed-ips", ""])).toEqual([`public_key=${PUB_HEX}`, "replace_allowed_ips=true"]);
  });

  it("warns about host bits as wg does", async () => {
    const cio = io();
    await lines(["peer", PUB, "allowed-ips", "10.0.0.1/24"], cio);
    expect(cio.errText).toBe("Warning: AllowedIP has nonzero host part: 10.0.0.1/24\n");
  });

  const errors: [string[], string][] = [
    [["listen-port", "abc"], "Servname not supported for ai_socktype: `abc'"],
    [["listen-port", "65536"], "Port is not in 0-65535: `65536'"],
    [["listen-port", ""], "Unable to parse empty port"],
    [["fwmark", "0X10"], "Fwmark is neither 0/off nor 0-0xffffffff: `0X10'"],
    [["fwmark", "4294967296"], "Fwmark is neither 0/off nor 0-0xffffffff: `4294967296'"],
    [["peer", "abc"], "Key is not the correct length or format: `abc'"],
    [["peer", PUB, "endpoint", "1.2.3.4"], "Unable to find port of endpoint: `1.2.3.4'"],
    [["peer", PUB, "endpoint", "1.2.3.4:"], "Unable to find port of endpoint: `1.2.3.4:'"],
    [["peer", PUB, "endpoint", "[::1:5"], "Unable to find matching brace of endpoint: `[::1:5'"],
    [["peer", PUB, "endpoint", "[::1]5"], "Unable to find port of endpoint: `[::1]5'"],
    [["peer", PUB, "endpoint", ""], "Unable to parse empty endpoint"],
    [["peer", PUB, "endpoint", "host:http"], "Servname not supported for ai_socktype: `host:http'"],
    [["peer", PUB, "endpoint", "1.2.3.4:99999"], "Invalid endpoint: `1.2.3.4:99999': port '99999' is not a number in 1..65535"],
    [["peer", PUB, "endpoint", "2001:db8::1:51820"], "Invalid endpoint: `2001:db8::1:51820': an IPv6 address needs brackets: [address]:port"],
    [["peer", PUB, "endpoint", "nowhere.invalid:5"], "Name or service not known: `nowhere.invalid:5'"],
    [["peer", PUB, "allowed-ips", "10.0.0.0/33"], "AllowedIP is not in the correct format: `10.0.0.0/33'"],
    [["peer", PUB, "allowed-ips", "10.0.0.x"], "Unable to parse IP address: `10.0.0.x'"],
    [["peer", PUB, "allowed-ips", "10.0.0.0/24,,1.2.3.4"], "Unable to parse IP address: `'"],
    [["peer", PUB, "allowed-ips", "-10.0.0.0/"], "AllowedIP is not in the correct format: `10.0.0.0/'"],
    [["peer", PUB, "persistent-keepalive", "65536"], "Persistent keepalive interval is neither 0/off nor 1-65535: `65536'"],
    [["peer", PUB, "foo"], "Invalid argument: foo"],
    [["peer", PUB, "listen-port", "5"], "Invalid argument: listen-port"],
    [["remove"], "Invalid argument: remove"],
    [["peer"], "Invalid argument: peer"],
    [["listen-port"], "Invalid argument: listen-port"],
    [["private-key", "/nonexistent/key"], "fopen: No such file or directory"],
  ];
  for (const [args, message] of errors) it(`rejects ${JSON.stringify(args)}`, async () => expect(await failure(args)).toBe(message));
});

describe("key files", () => {
  it("reads a key with trailing whitespace", () => {
    expect(readKeyFile(file("k1", keyToBase64(key(3)) + " \n\t\n"))).toEqual(key(3));
  });

  it("an empty file or /dev/null means no key (all zeros, which clears it)", async () => {
    expect(readKeyFile(file("empty", ""))).toEqual(ZERO_KEY);
    expect(readKeyFile("/dev/null")).toEqual(ZERO_KEY);
    expect(await lines(["private-key", "/dev/null", "peer", PUB, "preshared-key", "/dev/null"])).toEqual([
      `private_key=${"0".repeat(64)}`,
      `public_key=${PUB_HEX}`,
      `preshared_key=${"0".repeat(64)}`,
    ]);
  });

  it("rejects short, trailing and malformed keys without echoing them", () => {
    expect(() => readKeyFile(file("short", "abc\n"))).toThrow("Invalid length key in key file");
    expect(() => readKeyFile(file("trail", keyToBase64(key(3)) + " x\n"))).toThrow("Found trailing character in key file: `x'");
    const bad = "!" + keyToBase64(key(3)).slice(1);
    let msg = "";
    try {
      readKeyFile(file("bad", bad));
    } catch (e) {
      msg = (e as Error).message;
    }
    expect(msg).toMatch(/^Key is not the correct length or format in key file: `.*bad'$/);
    expect(msg).not.toContain(bad.slice(1, 20));
  });

  it("warns when a key file is readable by group or others", async () => {
    const cio = io();
    await parseSetArgs(["private-key", file("open", keyToBase64(key(1)), 0o644)], cio);
    expect(cio.errText).toMatch(/^Warning: `.*open' is readable by group or others and holds a private key\n$/);
    const quiet = io();
    await parseSetArgs(["private-key", file("closed", keyToBase64(key(1)), 0o600)], quiet);
    expect(quiet.errText).toBe("");
  });
});

describe("endpoint resolution", () => {
  it("resolves names to the resolver's first address", async () => {
    const cio = io({ lookup: async (h) => (h === "vpn.example" ? { address: "2001:db8::7", family: 6 } : Promise.reject(new Error("?"))) });
    expect(await lines(["peer", PUB, "endpoint", "vpn.example:51820"], cio)).toEqual([`public_key=${PUB_HEX}`, "endpoint=[2001:db8::7]:51820"]);
  });

  function flaky(failures: number, code = "EAI_AGAIN") {
    let calls = 0;
    const lookup: HostLookup = async () => {
      if (calls++ < failures) throw Object.assign(new Error("try again"), { code });
      return { address: "192.0.2.9", family: 4 };
    };
    return { lookup, calls: () => calls };
  }

  it("retries temporary failures, waiting 1 s and then 1.2 times longer", async () => {
    const f = flaky(3);
    const cio = io({ lookup: f.lookup });
    expect(await lines(["peer", PUB, "endpoint", "vpn.example:1"], cio)).toContain("endpoint=192.0.2.9:1");
    expect(cio.sleeps).toEqual([1000, 1200, 1440]);
    expect(cio.errText.split("\n")[0]).toBe("Temporary failure in name resolution: `vpn.example:1'. Trying again in 1.00 seconds...");
    expect(cio.errText).toContain("Trying again in 1.44 seconds...");
  });

  it("gives up after WG_ENDPOINT_RESOLUTION_RETRIES retries", async () => {
    const f = flaky(5);
    const cio = io({ lookup: f.lookup, env: { WG_ENDPOINT_RESOLUTION_RETRIES: "2" } });
    expect(await failure(["peer", PUB, "endpoint", "vpn.example:1"], cio)).toBe("Temporary failure in name resolution: `vpn.example:1'");
    expect(f.calls()).toBe(3);
  });

  it("infinity keeps trying, with waits capped at 20 s", async () => {
    const f = flaky(40);
    const cio = io({ lookup: f.lookup, env: { WG_ENDPOINT_RESOLUTION_RETRIES: "infinity" } });
    expect(await lines(["peer", PUB, "endpoint", "vpn.example:1"], cio)).toContain("endpoint=192.0.2.9:1");
    expect(f.calls()).toBe(41);
    expect(Math.max(...cio.sleeps)).toBe(20000);
  });

  it("permanent failures are not retried", async () => {
    const f = flaky(1, "ENOTFOUND");
    const cio = io({ lookup: f.lookup });
    expect(await failure(["peer", PUB, "endpoint", "vpn.example:1"], cio)).toBe("Name or service not known: `vpn.example:1'");
    expect(f.calls()).toBe(1);
  });

  it("parses the retry budget as wg does", () => {
    expect(resolutionRetries({})).toBe(15);
    expect(resolutionRetries({ WG_ENDPOINT_RESOLUTION_RETRIES: "infinity" })).toBe(-1);
    expect(resolutionRetries({ WG_ENDPOINT_RESOLUTION_RETRIES: "0" })).toBe(0);
    expect(() => resolutionRetries({ WG_ENDPOINT_RESOLUTION_RETRIES: "many" })).toThrow(
      "Unable to parse WG_ENDPOINT_RESOLUTION_RETRIES: `many'",
    );
  });
});

describe("setconf / addconf changes", () => {
  const text = `[Interface]\nListenPort = 7\n[Peer]\nPublicKey = ${PUB}\nAllowedIPs = 10.0.0.0/8\nEndpoint = vpn.example:9\n`;
  const cio = io({ lookup: async () => ({ address: "192.0.2.4", family: 4 }) });

  it("setconf resets what the file leaves out and replaces the peers", async () => {
    expect(changeToUapiLines(await configToChange(parseConfig(text), "set", cio))).toEqual([
      `private_key=${"0".repeat(64)}`,
      "listen_port=7",
      "fwmark=0",
      "replace_peers=true",
      `public_key=${PUB_HEX}`,
      "endpoint=192.0.2.4:9",
      "replace_allowed_ips=true",
      "allowed_ip=10.0.0.0/8",
    ]);
  });

  it("addconf sends only what the file sets", async () => {
    expect(changeToUapiLines(await configToChange(parseConfig(text), "add", cio))).toEqual([
      "listen_port=7",
      `public_key=${PUB_HEX}`,
      "endpoint=192.0.2.4:9",
      "replace_allowed_ips=true",
      "allowed_ip=10.0.0.0/8",
    ]);
  });

  it("a resolution failure names the file and line", async () => {
    await expect(configToChange(parseConfig(text), "set", io(), "wg0.conf")).rejects.toThrow(
      "wg0.conf:6: Name or service not known: `vpn.example:9'",
    );
  });
});

describe("syncconf difference", () => {
  function running(peers: Partial<PeerState>[], over: Partial<DeviceState> = {}): DeviceState {
    return {
      privateKey: key(1),
      publicKey: key(2),
      listenPort: 40000,
      fwmark: 0,
      peers: peers.map((p, i) => ({
        publicKey: key(10 + i),
        presharedKey: null,
        endpoint: null,
        lastHandshake: { sec: 0n, nsec: 0 },
        rxBytes: 0n,
        txBytes: 0n,
        persistentKeepalive: 0,
        allowedIps: [],
        ...p,
      })),
      ...over,
    };
  }
  const conf = (body: string) =>
    configToChange(parseConfig(`[Interface]\nPrivateKey = ${keyToBase64(key(1))}\n${body}`), "set", io());

  it("sends nothing when the device already matches (the random port is kept)", async () => {
    const desired = await conf(`[Peer]\nPublicKey = ${keyToBase64(key(10))}\nAllowedIPs = 10.0.0.1/32, 10.0.1.0/24\nEndpoint = 192.0.2.1:5\n`);
    const state = running([{ allowedIps: [parsePrefix("10.0.1.0/24"), parsePrefix("10.0.0.1/32")], endpoint: parseEndpoint("192.0.2.1:5") }]);
    expect(changeToUapiLines(syncChange(desired, state))).toEqual([]);
  });

  it("removes peers not in the file, adds new ones, updates changed fields only", async () => {
    const desired = await conf(
      `ListenPort = 51820\n` +
        `[Peer]\nPublicKey = ${keyToBase64(key(10))}\nAllowedIPs = 10.0.0.1/32, 10.0.2.0/24\nPersistentKeepalive = 25\n` +
        `[Peer]\nPublicKey = ${keyToBase64(key(11))}\nAllowedIPs = 10.0.0.2/32\n` +
        `[Peer]\nPublicKey = ${keyToBase64(key(20))}\nAllowedIPs = 10.0.0.20/32\n`,
    );
    const state = running([
      { allowedIps: [parsePrefix("10.0.0.1/32")], endpoint: parseEndpoint("198.51.100.1:1") },
      { allowedIps: [parsePrefix("10.0.0.2/32"), parsePrefix("10.0.0.3/32")], presharedKey: key(77), persistentKeepalive: 9 },
      { allowedIps: [parsePrefix("10.0.0.9/32")] },
    ]);
    expect(changeToUapiLines(syncChange(desired, state))).toEqual([
      "listen_port=51820",
      `public_key=${keyToHex(key(12))}`,
      "remove=true",
      // Peer 10: only the missing prefix and the keepalive; its roamed endpoint is left alone.
      `public_key=${keyToHex(key(10))}`,
      "persistent_keepalive_interval=25",
      "allowed_ip=10.0.2.0/24",
      // Peer 11: a prefix must go, so the list is replaced; the PSK and keepalive the file lacks are cleared.
      `public_key=${keyToHex(key(11))}`,
      `preshared_key=${"0".repeat(64)}`,
      "persistent_keepalive_interval=0",
      "replace_allowed_ips=true",
      "allowed_ip=10.0.0.2/32",
      // Peer 20 is new.
      `public_key=${keyToHex(key(20))}`,
      "replace_allowed_ips=true",
      "allowed_ip=10.0.0.20/32",
    ]);
  });

  it("clears the private key and fwmark the file does not set", async () => {
    const desired = await configToChange(parseConfig("[Interface]\n"), "set", io());
    expect(changeToUapiLines(syncChange(desired, running([], { fwmark: 5 })))).toEqual([`private_key=${"0".repeat(64)}`, "fwmark=0"]);
  });
});
