// `show` text on fixed device states with a fixed clock. The expected strings
// follow wg's show.c formats; the live suite checks the same functions against
// the real `wg show`.
import { spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import {
  ago,
  colorEnabled,
  deviceJson,
  formatBytes,
  formatDump,
  formatField,
  formatPretty,
  keysShown,
  prettyTime,
  SHOW_FIELDS,
  sortPeersForShow,
  stripAnsi,
  toJson,
} from "../../bindings/cli/format.js";
import { parseEndpoint, parsePrefix } from "../../bindings/net/ip.js";
import type { DeviceState, PeerState } from "../../bindings/uapi/get-parse.js";
import { keyToBase64 } from "../../bindings/uapi/key-encoding.js";
import { hasTool } from "../helpers/tools.js";

const NOW = 1_700_000_000n;
const key = (b: number) => new Uint8Array(32).fill(b);
const b64 = (b: number) => keyToBase64(key(b));

function peer(id: number, over: Partial<PeerState> = {}): PeerState {
  return {
    publicKey: key(id),
    presharedKey: null,
    endpoint: null,
    lastHandshake: { sec: 0n, nsec: 0 },
    rxBytes: 0n,
    txBytes: 0n,
    persistentKeepalive: 0,
    allowedIps: [],
    ...over,
  };
}

// Peers in daemon order; the pretty form sorts them by handshake.
const STATE: DeviceState = {
  privateKey: key(1),
  publicKey: key(2),
  listenPort: 51820,
  fwmark: 0xca6c,
  peers: [
    peer(10, { persistentKeepalive: 25 }),
    peer(11, {
      presharedKey: key(99),
      endpoint: parseEndpoint("[2001:db8::1]:51820"),
      lastHandshake: { sec: NOW - 63n, nsec: 5 },
      rxBytes: 1152n,
      txBytes: 1179648n,
      allowedIps: [parsePrefix("10.0.0.2/32"), parsePrefix("::0.2.0.3/128")],
      persistentKeepalive: 3725,
    }),
    peer(12, {
      endpoint: parseEndpoint("192.0.2.7:1234"),
      lastHandshake: { sec: NOW - (365n * 86400n + 2n * 86400n + 3n * 3600n + 1n), nsec: 0 },
      allowedIps: [parsePrefix("0.0.0.0/0")],
    }),
    peer(13, { lastHandshake: { sec: NOW + 10n, nsec: 0 }, txBytes: 1n }),
    peer(14, { lastHandshake: { sec: NOW, nsec: 0 }, rxBytes: 1023n }),
  ],
};

const PRETTY = `interface: wg0
  public key: ${b64(2)}
  private key: (hidden)
  listening port: 51820
  fwmark: 0xca6c

peer: ${b64(13)}
  allowed ips: (none)
  latest handshake: (System clock wound backward; connection problems may ensue.)
  transfer: 0 B received, 1 B sent

peer: ${b64(14)}
  allowed ips: (none)
  latest handshake: Now
  transfer: 1023 B received, 0 B sent

peer: ${b64(11)}
  preshared key: (hidden)
  endpoint: [2001:db8::1]:51820
  allowed ips: 10.0.0.2/32, ::0.2.0.3/128
  latest handshake: 1 minute, 3 seconds ago
  transfer: 1.12 KiB received, 1.12 MiB sent
  persistent keepalive: every 1 hour, 2 minutes, 5 seconds

peer: ${b64(12)}
  endpoint: 192.0.2.7:1234
  allowed ips: 0.0.0.0/0
  latest handshake: 1 year, 2 days, 3 hours, 1 second ago

peer: ${b64(10)}
  allowed ips: (none)
  persistent keepalive: every 25 seconds
`;

describe("pretty form", () => {
  it("prints wg's blocks, sorted by latest handshake, never-handshaken last", () => {
    expect(formatPretty("wg0", STATE, { color: false, showKeys: false, nowSec: NOW })).toBe(PRETTY);
  });

  it("shows keys only under WG_HIDE_KEYS=never", () => {
    const out = formatPretty("wg0", STATE, { color: false, showKeys: true, nowSec: NOW });
    expect(out).toContain(`  private key: ${b64(1)}\n`);
    expect(out).toContain(`  preshared key: ${b64(99)}\n`);
    expect(keysShown({ WG_HIDE_KEYS: "never" })).toBe(true);
    expect(keysShown({ WG_HIDE_KEYS: "always" })).toBe(false);
    expect(keysShown({})).toBe(false);
  });

  it("uses wg's escape codes when colour is on", () => {
    const dev: DeviceState = {
      privateKey: null,
      publicKey: null,
      listenPort: 7,
      fwmark: 0,
      peers: [peer(11, { allowedIps: [parsePrefix("10.0.0.0/8")], lastHandshake: { sec: NOW - 61n, nsec: 0 }, rxBytes: 2048n })],
    };
    const R = "\x1b[0m";
    const B = "\x1b[1m";
    const C = "\x1b[36m";
    expect(formatPretty("wg1", dev, { color: true, showKeys: false, nowSec: NOW })).toBe(
      `${R}\x1b[32m${B}interface${R}: \x1b[32mwg1${R}\n` +
        `  ${B}listening port${R}: 7\n\n` +
        `\x1b[33m${B}peer${R}: \x1b[33m${b64(11)}${R}\n` +
        `  ${B}allowed ips${R}: 10.0.0.0${C}/${R}8\n` +
        `  ${B}latest handshake${R}: 1 ${C}minute${R}, 1 ${C}second${R} ago\n` +
        `  ${B}transfer${R}: 2.00 ${C}KiB${R} received, 0 ${C}B${R} sent\n`,
    );
  });

  it("an interface without peers or keys is one line", () => {
    const dev: DeviceState = { privateKey: null, publicKey: null, listenPort: 0, fwmark: 0, peers: [] };
    expect(formatPretty("wg9", dev, { color: false, showKeys: false, nowSec: NOW })).toBe("interface: wg9\n");
  });

  it("colour follows WG_COLOR_MODE, else whether stdout is a terminal", () => {
    expect(colorEnabled({ WG_COLOR_MODE: "always" }, false)).toBe(true);
    expect(colorEnabled({ WG_COLOR_MODE: "never" }, true)).toBe(false);
    expect(colorEnabled({ WG_COLOR_MODE: "auto" }, true)).toBe(true);
    expect(colorEnabled({}, false)).toBe(false);
  });

  it("stripAnsi removes a sequence up to its final letter, as wg's filter does", () => {
    expect(stripAnsi("a\x1b[1;31mb\x1b[0mc")).toBe("abc");
    expect(stripAnsi("tail\x1b[12")).toBe("tail");
  });

  it("sorts stably and by nanoseconds within a second", () => {
    const peers = [
      peer(1),
      peer(2, { lastHandshake: { sec: 5n, nsec: 1 } }),
      peer(3),
      peer(4, { lastHandshake: { sec: 5n, nsec: 2 } }),
      peer(5, { lastHandshake: { sec: 0n, nsec: 7 } }),
    ];
    expect(sortPeersForShow(peers).map((p) => p.publicKey[0])).toEqual([4, 2, 5, 1, 3]);
  });
});

describe("durations and sizes", () => {
  const plain = (s: string) => stripAnsi(s);
  it("prettyTime", () => {
    expect(plain(prettyTime(1n))).toBe("1 second");
    expect(plain(prettyTime(60n))).toBe("1 minute");
    expect(plain(prettyTime(3600n + 1n))).toBe("1 hour, 1 second");
    expect(plain(prettyTime(2n * 365n * 86400n + 86400n))).toBe("2 years, 1 day");
    expect(plain(prettyTime(0n))).toBe("");
  });

  it("ago", () => {
    expect(plain(ago(NOW, NOW))).toBe("Now");
    expect(plain(ago(NOW - 135n, NOW))).toBe("2 minutes, 15 seconds ago");
    expect(plain(ago(NOW + 1n, NOW))).toBe("(System clock wound backward; connection problems may ensue.)");
  });

  it("formatBytes rounds halves to even, as printf does", () => {
    const cases: [bigint, string][] = [
      [0n, "0 B"],
      [1023n, "1023 B"],
      [1024n, "1.00 KiB"],
      [1152n, "1.12 KiB"], // exactly 1.125
      [1408n, "1.38 KiB"], // exactly 1.375
      [1048575n, "1024.00 KiB"],
      [1048576n, "1.00 MiB"],
      [1179648n, "1.12 MiB"],
      [5n << 30n, "5.00 GiB"],
      [(1n << 40n) * 3n + (1n << 37n), "3.12 TiB"], // exactly 3.125
      [18446744073709551615n, "16777216.00 TiB"],
    ];
    for (const [b, s] of cases) expect(plain(formatBytes(b)), `${b}`).toBe(s);
  });

  it.runIf(hasTool("python3"))("formatBytes agrees with C's %.2f on random sizes", () => {
    const values: bigint[] = [];
    for (let i = 0; i < 400; i++) {
      const bits = 10 + Math.floor(Math.random() * 54);
      let v = 0n;
      for (let j = 0; j < bits; j += 16) v = (v << 16n) | BigInt(Math.floor(Math.random() * 65536));
      v &= (1n << BigInt(bits)) - 1n;
      // Make exact halves common: clear low bits.
      if (i % 3 === 0) v &= ~((1n << BigInt(Math.max(0, bits - 12))) - 1n);
      values.push(v < 1024n ? v + 1024n : v);
    }
    const py = spawnSync(
      "python3",
      [
        "-c",
        "import sys\nfor l in sys.stdin.read().split():\n b=int(l)\n for u,s in ((1024**4,'TiB'),(1024**3,'GiB'),(1024**2,'MiB'),(1024,'KiB')):\n  if b>=u or s=='KiB':\n   print('%.2f %s'%(float(b)/u,s)); break",
      ],
      { input: values.join("\n"), encoding: "utf8" },
    );
    expect(py.status, py.stderr).toBe(0);
    expect(values.map((v) => plain(formatBytes(v)))).toEqual(py.stdout.trim().split("\n"));
  });
});

describe("dump and field forms", () => {
  const DUMP = [
    `${b64(1)}\t${b64(2)}\t51820\t0xca6c`,
    `${b64(10)}\t(none)\t(none)\t(none)\t0\t0\t0\t25`,
    `${b64(11)}\t${b64(99)}\t[2001:db8::1]:51820\t10.0.0.2/32,::0.2.0.3/128\t${NOW - 63n}\t1152\t1179648\t3725`,
    `${b64(12)}\t(none)\t192.0.2.7:1234\t0.0.0.0/0\t${NOW - 31_719_601n}\t0\t0\toff`,
    `${b64(13)}\t(none)\t(none)\t(none)\t${NOW + 10n}\t0\t1\toff`,
    `${b64(14)}\t(none)\t(none)\t(none)\t${NOW}\t1023\t0\toff`,
  ];

  it("dump: interface line then one line per peer in daemon order, keys in full", () => {
    expect(formatDump("wg0", STATE, false)).toBe(DUMP.join("\n") + "\n");
    expect(formatDump("wg0", STATE, true)).toBe(DUMP.map((l) => `wg0\t${l}`).join("\n") + "\n");
  });

  it("dump of a device without a private key", () => {
    const dev: DeviceState = { privateKey: null, publicKey: null, listenPort: 0, fwmark: 0, peers: [] };
    expect(formatDump("x", dev, false)).toBe("(none)\t(none)\t0\toff\n");
  });

  const FIELDS: Record<string, string[]> = {
    "public-key": [b64(2)],
    "private-key": [b64(1)],
    "listen-port": ["51820"],
    fwmark: ["0xca6c"],
    peers: [10, 11, 12, 13, 14].map(b64),
    "preshared-keys": [`${b64(10)}\t(none)`, `${b64(11)}\t${b64(99)}`, `${b64(12)}\t(none)`, `${b64(13)}\t(none)`, `${b64(14)}\t(none)`],
    endpoints: [`${b64(10)}\t(none)`, `${b64(11)}\t[2001:db8::1]:51820`, `${b64(12)}\t192.0.2.7:1234`, `${b64(13)}\t(none)`, `${b64(14)}\t(none)`],
    "allowed-ips": [`${b64(10)}\t(none)`, `${b64(11)}\t10.0.0.2/32 ::0.2.0.3/128`, `${b64(12)}\t0.0.0.0/0`, `${b64(13)}\t(none)`, `${b64(14)}\t(none)`],
    "latest-handshakes": [`${b64(10)}\t0`, `${b64(11)}\t${NOW - 63n}`, `${b64(12)}\t${NOW - 31_719_601n}`, `${b64(13)}\t${NOW + 10n}`, `${b64(14)}\t${NOW}`],
    transfer: [`${b64(10)}\t0\t0`, `${b64(11)}\t1152\t1179648`, `${b64(12)}\t0\t0`, `${b64(13)}\t0\t1`, `${b64(14)}\t1023\t0`],
    "persistent-keepalive": [`${b64(10)}\t25`, `${b64(11)}\t3725`, `${b64(12)}\toff`, `${b64(13)}\toff`, `${b64(14)}\toff`],
  };

  for (const field of SHOW_FIELDS.filter((f) => f !== "dump")) {
    it(`${field}`, () => {
      const lines = FIELDS[field];
      expect(formatField("wg0", STATE, field, false)).toBe(lines.join("\n") + "\n");
      expect(formatField("wg0", STATE, field, true)).toBe(lines.map((l) => `wg0\t${l}`).join("\n") + "\n");
    });
  }

  it("fwmark off and no peers", () => {
    const dev: DeviceState = { privateKey: null, publicKey: null, listenPort: 0, fwmark: 0, peers: [] };
    expect(formatField("x", dev, "fwmark", false)).toBe("off\n");
    expect(formatField("x", dev, "peers", true)).toBe("");
    expect(formatField("x", dev, "private-key", true)).toBe("x\t(none)\n");
  });
});

describe("JSON", () => {
  it("hides secrets unless asked, writes exact integers", () => {
    const dev: DeviceState = {
      ...STATE,
      peers: [peer(11, { presharedKey: key(99), rxBytes: 18446744073709551615n, lastHandshake: { sec: 5n, nsec: 6 } })],
    };
    const text = toJson(deviceJson("wg0", dev, false));
    expect(text).toContain('"transferRx": 18446744073709551615');
    expect(JSON.parse(text)).toEqual({
      interface: "wg0",
      publicKey: b64(2),
      privateKey: "(hidden)",
      listenPort: 51820,
      fwmark: 0xca6c,
      peers: [
        {
          publicKey: b64(11),
          presharedKey: "(hidden)",
          endpoint: null,
          allowedIps: [],
          latestHandshake: 5,
          latestHandshakeNsec: 6,
          transferRx: 18446744073709552000, // JSON.parse's double; the text above is exact
          transferTx: 0,
          persistentKeepalive: 0,
        },
      ],
    });
    const shown = JSON.parse(toJson(deviceJson("wg0", dev, true)));
    expect(shown.privateKey).toBe(b64(1));
    expect(shown.peers[0].presharedKey).toBe(b64(99));
  });
});
