import { spawnSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { formatPrefix } from "../../bindings/net/ip.js";
import {
  ConfigError,
  formatConfigEndpoint,
  inetNtop,
  parseConfig,
  serializeConfig,
  stripConfig,
  type ConfigMode,
  type WgConfig,
} from "../../bindings/uapi/config.js";
import { keyToBase64 } from "../../bindings/uapi/key-encoding.js";
import { hasTool } from "../helpers/tools.js";

const FIXTURES = join(__dirname, "..", "fixtures", "configs");
const read = (rel: string) => readFileSync(join(FIXTURES, rel), "latin1");

/**
 * The config without line numbers (they differ between a file and its
 * re-serialization), and with explicit zeros and `false` read as "not set":
 * showconf and wg-quick save leave those out, and they mean the same in a full config.
 */
function shape(c: WgConfig): unknown {
  return {
    interface: {
      ...c.interface,
      listenPort: c.interface.listenPort || undefined,
      fwmark: c.interface.fwmark || undefined,
      saveConfig: c.interface.saveConfig || undefined,
      privateKey: c.interface.privateKey && keyToBase64(c.interface.privateKey),
      addresses: c.interface.addresses.map(formatPrefix),
    },
    peers: c.peers.map((p) => ({
      publicKey: keyToBase64(p.publicKey),
      presharedKey: p.presharedKey && keyToBase64(p.presharedKey),
      allowedIps: p.allowedIps.map(formatPrefix),
      endpoint: p.endpoint && formatConfigEndpoint(p.endpoint),
      persistentKeepalive: p.persistentKeepalive || undefined,
    })),
  };
}

const corpus: [string, ConfigMode][] = [
  ...readdirSync(join(FIXTURES, "wg")).map((f): [string, ConfigMode] => [`wg/${f}`, "wg"]),
  ...readdirSync(join(FIXTURES, "quick")).map((f): [string, ConfigMode] => [`quick/${f}`, "wg-quick"]),
];

describe("config corpus", () => {
  it("has wg and wg-quick fixtures", () => {
    expect(corpus.filter(([, m]) => m === "wg").length).toBeGreaterThanOrEqual(3);
    expect(corpus.filter(([, m]) => m === "wg-quick").length).toBeGreaterThanOrEqual(4);
  });

  for (const [file, mode] of corpus) {
    it(`${file}: parse -> serialize -> parse keeps every field`, () => {
      const first = parseConfig(read(file), { mode, file });
      const text = serializeConfig(first, { mode });
      const second = parseConfig(text, { mode, file: "reserialized" });
      expect(shape(second)).toEqual(shape(first));
      // Serializing is a fixed point after one round.
      expect(serializeConfig(second, { mode })).toBe(text);
    });
  }

  it("the wg(8) man page example", () => {
    const c = parseConfig(read("wg/man-example.conf"), { file: "man-example.conf" });
    expect(keyToBase64(c.interface.privateKey!)).toBe("yAnz5TF+lXXJte14tji3zlMNq+hd2rYUIgJBgB3fBmk=");
    expect(c.interface.listenPort).toBe(51820);
    expect(c.peers.map((p) => keyToBase64(p.publicKey))).toEqual([
      "xTIBA5rboUvnH4htodjb6e697QjLERt1NAB4mZqp8Dg=",
      "TrMvSoP4jYQlY6RIzBgbssQqY3vxI2Pi+y71lOWWXX0=",
      "gN65BkIKy1eCE9pP1wdc8ROUtkHLF2PfAqYdyYBz6EA=",
    ]);
    expect(c.peers[0].allowedIps.map(formatPrefix)).toEqual(["10.192.122.3/32", "10.192.124.1/24"]);
    expect(formatConfigEndpoint(c.peers[1].endpoint!)).toBe("[2607:5300:60:6b0::c05f:543]:2468");
    // A host name stays a name until the config is applied.
    expect(c.peers[2].endpoint).toMatchObject({ host: "test.wireguard.com", port: 18981, line: 17 });
    expect(c.peers[2].endpoint!.literal).toBeUndefined();
  });

  it("the hub: repeated Address, PostUp/PostDown commands kept whole, two peers", () => {
    const c = parseConfig(read("quick/hub-vps1.conf"), { mode: "wg-quick" });
    expect(c.interface.addresses.map(formatPrefix)).toEqual(["10.10.0.1/24", "fd86:ea04:1111::1/64"]);
    expect(c.interface.listenPort).toBe(51820);
    expect(c.interface.privateKey).toBeUndefined();
    expect(c.interface.postUp).toEqual([
      "iptables -A FORWARD -i %i -j ACCEPT; iptables -t nat -A POSTROUTING -o e+ -j MASQUERADE; ip6tables -A FORWARD -i %i -j ACCEPT; ip6tables -t nat -A POSTROUTING -o e+ -j MASQUERADE",
      "wg set %i private-key <(cat /etc/wireguard/privatekey)",
    ]);
    expect(c.interface.postDown).toHaveLength(1);
    expect(c.interface.postDown[0]).toMatch(/^iptables -D FORWARD -i %i -j ACCEPT; .* -j MASQUERADE$/);
    expect(c.peers).toHaveLength(2);
    expect(c.peers[0].endpoint).toBeUndefined();
    expect(c.peers[1].allowedIps.map(formatPrefix)).toEqual(["10.10.0.3/32", "fd86:ea04:1111::3/128"]);
    expect(formatConfigEndpoint(c.peers[1].endpoint!)).toBe("198.51.100.123:51820");
  });

  it("the mobile client: comma list of addresses, default route and keepalive in any case", () => {
    const c = parseConfig(read("quick/mobile2.conf"), { mode: "wg-quick" });
    expect(c.interface.addresses.map(formatPrefix)).toEqual(["10.10.0.2/32", "fd86:ea04:1111::2/128"]);
    expect(c.peers[0].allowedIps.map(formatPrefix)).toEqual(["::/0", "10.10.0.0/24"]);
    expect(c.peers[0].persistentKeepalive).toBe(25); // written "PersistentKeepAlive"
  });

  it("the roaming laptop: DNS servers and search domains, MTU, Table, SaveConfig, PSK", () => {
    const c = parseConfig(read("quick/roaming-laptop.conf"), { mode: "wg-quick" });
    expect(c.interface.dns).toEqual(["10.0.0.1", "fd00:77::1", "home.arpa"]);
    expect(c.interface.mtu).toBe(1380);
    expect(c.interface.table).toBe("auto");
    expect(c.interface.saveConfig).toBe(false);
    expect(c.interface.preUp).toEqual(['logger -t wg "bringing up %i"']);
    expect(c.peers[0].allowedIps.map(formatPrefix)).toEqual(["0.0.0.0/0", "::/0"]);
    expect(keyToBase64(c.peers[0].presharedKey!)).toBe("9f7LaO7rfQNU3kpB/179lEQtudrnv5JvHTGTPHZ768E=");
    expect(c.peers[0].endpoint).toMatchObject({ host: "home.example.net", port: 51820 });
  });

  it("reads CRLF, tabs, inline comments, odd key case and spaces inside keys as wg does", () => {
    const c = parseConfig(read("wg/formatting.conf"), { file: "formatting.conf" });
    expect(keyToBase64(c.interface.privateKey!)).toBe("CPS717aFGWg+EIyyzqweR/qJOtLsfnKu4rpleKcyDm4=");
    expect(c.interface.listenPort).toBe(51820);
    expect(c.interface.fwmark).toBe(0x10);
    expect(keyToBase64(c.peers[0].publicKey)).toBe("gQuFU1KwShhtGYaFAI4ZgGMOU8WHlUr0VKb3zaJIp3I=");
    expect(c.peers[0].allowedIps.map(formatPrefix)).toEqual(["10.1.0.0/16", "10.2.0.1/32", "fd00::/8", "::ffff:192.0.2.0/120"]);
    expect(formatConfigEndpoint(c.peers[0].endpoint!)).toBe("[fe80::1%eth0]:51820");
    expect(c.peers[0].persistentKeepalive).toBe(0);
  });

  it("serializes byte for byte in showconf's form", () => {
    const text = read("wg/showconf-form.conf");
    expect(serializeConfig(parseConfig(text))).toBe(text);
  });

  it("serializes the wg-quick superset in wg-quick save's order", () => {
    const c = parseConfig(read("quick/vps3-saveconfig.conf"), { mode: "wg-quick" });
    expect(serializeConfig(c, { mode: "wg-quick" })).toBe(
      [
        "[Interface]",
        "Address = 10.10.0.3/24",
        "Address = fd86:ea04:1111::3/64",
        "Table = off",
        "SaveConfig = true",
        "ListenPort = 51820",
        "FwMark = 0xca6c",
        "PrivateKey = 6AwvZpoahM08DKxO+NmChY5w+THnL59l9vcYwtho3Fs=",
        "",
        "[Peer]",
        "PublicKey = 4TBu1wBKSvH/Bl14hyxSTq1AEx3mOTxiR5e7Vpd13ng=",
        "AllowedIPs = 10.10.0.0/24, fd86:ea04:1111::/64",
        "Endpoint = [2001:db8:1::1]:51820",
        "",
      ].join("\n"),
    );
    // In wg mode the wg-quick fields are left out.
    expect(serializeConfig(c)).not.toMatch(/Address|Table|SaveConfig/);
  });

  it("an empty config serializes as showconf prints an unconfigured interface", () => {
    expect(serializeConfig(parseConfig(""))).toBe("[Interface]\n\n");
  });
});

describe("config errors", () => {
  const expected: Record<string, { mode: ConfigMode; message: string }> = JSON.parse(read("broken/expected.json"));
  const files = readdirSync(join(FIXTURES, "broken")).filter((f) => f.endsWith(".conf"));

  it("every broken fixture has an expected message", () => {
    expect(Object.keys(expected).sort()).toEqual(files.map((f) => f.replace(/\.conf$/, "")).sort());
  });

  for (const [name, { mode, message }] of Object.entries(expected)) {
    it(`${name}: ${message.replace(/^[^:]*:\d+: /, "")}`, () => {
      const text = read(`broken/${name}.conf`);
      let err: unknown;
      try {
        parseConfig(text, { mode, file: `${name}.conf` });
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(ConfigError);
      expect((err as Error).message).toBe(message);
      // No message repeats a private or preshared key from the file.
      for (const m of text.matchAll(/(?:PrivateKey|PresharedKey)\s*=?\s*([A-Za-z0-9+/]{40,}=?)/gi))
        expect((err as Error).message).not.toContain(m[1].slice(0, 20));
    });
  }

  it("wg-quick keys are rejected in wg mode and accepted in wg-quick mode", () => {
    const text = "[Interface]\nAddress = 10.0.0.1/24\nDNS = 1.1.1.1\nMTU = 1420\n";
    expect(() => parseConfig(text, { file: "x.conf" })).toThrow("x.conf:2: 'Address' is a wg-quick key");
    expect(parseConfig(text, { mode: "wg-quick" }).interface.mtu).toBe(1420);
  });

  it("warns about AllowedIPs with host bits but keeps them as written", () => {
    const warnings: string[] = [];
    const c = parseConfig("[Peer]\nPublicKey = vl3u1BH7ak8yhCiH9NcBWac18SuTC/LZeMcldHmqBV4=\nAllowedIPs = 10.0.0.7/24, 10.1.0.0/16\n", {
      file: "w.conf",
      onWarning: (w) => warnings.push(w),
    });
    expect(warnings).toEqual(["w.conf:3: warning: AllowedIPs entry '10.0.0.7/24' has a nonzero host part"]);
    expect(c.peers[0].allowedIps.map(formatPrefix)).toEqual(["10.0.0.7/24", "10.1.0.0/16"]);
  });

  it("accepts the range limits and off", () => {
    const c = parseConfig(
      "[Interface]\nListenPort = 65535\nFwMark = 0xffffffff\n[Peer]\nPublicKey = vl3u1BH7ak8yhCiH9NcBWac18SuTC/LZeMcldHmqBV4=\nPersistentKeepalive = 65535\n" +
        "[Peer]\nPublicKey = S8xfVqBO+qXxqS2IVlulsYaLvxZVznPa3+g1ciuyxXo=\nPersistentKeepalive = Off\n",
    );
    expect([c.interface.listenPort, c.interface.fwmark]).toEqual([65535, 0xffffffff]);
    expect(c.peers.map((p) => p.persistentKeepalive)).toEqual([65535, 0]);
    expect(parseConfig("[Interface]\nFwMark = off\n").interface.fwmark).toBe(0);
    expect(parseConfig("[Interface]\nFwMark = 4294967295\n").interface.fwmark).toBe(0xffffffff);
  });
});

describe("stripConfig", () => {
  it("drops the wg-quick keys of [Interface] only, keeping comments and the rest", () => {
    const out = stripConfig(read("quick/hub-vps1.conf"));
    expect(out).not.toMatch(/^(Address|PostUp|PostDown)/m);
    expect(out).toMatch(/^# Mobile 2: no fixed endpoint, it connects first\.$/m);
    const c = parseConfig(out, { file: "stripped" });
    expect(c.interface.listenPort).toBe(51820);
    expect(c.peers).toHaveLength(2);
  });

  it("makes every wg-quick fixture a valid wg config with the same wg fields", () => {
    for (const f of readdirSync(join(FIXTURES, "quick"))) {
      const text = read(`quick/${f}`);
      const full = parseConfig(text, { mode: "wg-quick" });
      const stripped = parseConfig(stripConfig(text), { file: f });
      expect(serializeConfig(stripped)).toBe(serializeConfig(full));
    }
  });

  it.runIf(hasTool("wg-quick") && process.getuid?.() === 0)("matches `wg-quick strip` (which echoes one more newline)", () => {
    for (const f of readdirSync(join(FIXTURES, "quick"))) {
      const r = spawnSync("wg-quick", ["strip", join(FIXTURES, "quick", f)], { encoding: "latin1" });
      expect(r.status, r.stderr).toBe(0);
      expect(stripConfig(read(`quick/${f}`)) + "\n").toBe(r.stdout);
    }
  });
});

describe("inetNtop (glibc's text form, as wg prints addresses)", () => {
  const v6 = (hex: string) => Uint8Array.from(Buffer.from(hex.padStart(32, "0"), "hex"));
  // Expected strings are what glibc 2.36 inet_ntop prints for these addresses.
  const table: [string, string][] = [
    ["00000000000000000000000000000000", "::"],
    ["00000000000000000000000000000001", "::1"],
    ["20010db8000000000000000000000001", "2001:db8::1"],
    ["20010db8000100000000000100000001", "2001:db8:1::1:0:1"],
    ["20010db8000000010000000000000001", "2001:db8:0:1::1"],
    ["20010db8000000000001000000000001", "2001:db8::1:0:0:1"],
    ["00000000000000000000ffffc0000201", "::ffff:192.0.2.1"],
    ["00000000000000000000000000020003", "::0.2.0.3"],
    ["0000000000000000000000000a000001", "::10.0.0.1"],
    ["000000000000000000000000ffff0001", "::255.255.0.1"],
    ["00000000000000000001000000000000", "::1:0:0:0"],
    ["20010db8000000000000000000000000", "2001:db8::"],
    ["fe800000000000000000000000000000", "fe80::"],
    ["00010002000300040005000600070008", "1:2:3:4:5:6:7:8"],
    ["00010000000300040005000600070008", "1:0:3:4:5:6:7:8"],
    ["000000000000000000000000000000ff", "::ff"],
    ["000000000000000000ff000000000000", "::ff:0:0:0"],
  ];
  for (const [hex, text] of table) it(`${text}`, () => expect(inetNtop(v6(hex))).toBe(text));

  it.runIf(hasTool("python3"))("agrees with the C library on random and zero-heavy addresses", () => {
    const samples: string[] = [];
    for (let i = 0; i < 300; i++) {
      const b = new Uint8Array(16);
      crypto.getRandomValues(b);
      // Zero out random words so that runs and the dotted forms come up often.
      for (let w = 0; w < 8; w++) if (Math.random() < 0.6) b[2 * w] = b[2 * w + 1] = 0;
      if (i % 7 === 0) b.fill(0, 0, 10), (b[10] = b[11] = 0xff);
      samples.push(Buffer.from(b).toString("hex"));
    }
    const py = spawnSync(
      "python3",
      ["-c", "import socket,sys\nfor l in sys.stdin.read().split():\n print(socket.inet_ntop(socket.AF_INET6, bytes.fromhex(l)))"],
      { input: samples.join("\n"), encoding: "utf8" },
    );
    expect(py.status, py.stderr).toBe(0);
    const want = py.stdout.trim().split("\n");
    expect(samples.map((h) => inetNtop(v6(h)))).toEqual(want);
  });
});
