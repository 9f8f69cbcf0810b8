import { spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { genkey, genpsk, pubkey, type KeyIo } from "../../bindings/cli/keys.js";
import { keyFromBase64 } from "../../bindings/uapi/key-encoding.js";
import { toolsAvailable } from "../helpers/tools.js";

function capture(): KeyIo & { stdout: string; stderr: string } {
  const io = {
    stdout: "",
    stderr: "",
    out(t: string) {
      io.stdout += t;
    },
    err(t: string) {
      io.stderr += t;
    },
  };
  return io;
}

const KEY_LINE = /^[A-Za-z0-9+/]{42}[AEIMQUYcgkosw048]=\n$/;

function cli(args: string[], input?: string) {
  return spawnSync(process.execPath, ["--import", "tsx", "bin/wasmguard.ts", ...args], {
    input,
    encoding: "latin1",
  });
}

describe("genkey / genpsk / pubkey", () => {
  it("genkey prints a clamped 32-byte key as 44 base64 characters and a newline", () => {
    for (let i = 0; i < 20; i++) {
      const io = capture();
      expect(genkey(io)).toBe(0);
      expect(io.stdout).toMatch(KEY_LINE);
      const k = keyFromBase64(io.stdout.trim())!;
      expect(k[0] & 7).toBe(0);
      expect(k[31] & 0x80).toBe(0);
      expect(k[31] & 0x40).toBe(0x40);
    }
  });

  it("genpsk prints unclamped random keys", () => {
    const seen = new Set<string>();
    let lowBitsSet = 0;
    for (let i = 0; i < 64; i++) {
      const io = capture();
      expect(genpsk(io)).toBe(0);
      expect(io.stdout).toMatch(KEY_LINE);
      seen.add(io.stdout);
      if (keyFromBase64(io.stdout.trim())![0] & 7) lowBitsSet++;
    }
    expect(seen.size).toBe(64);
    expect(lowBitsSet).toBeGreaterThan(0);
  });

  it("pubkey derives the RFC 7748 §6.1 public keys", () => {
    // Alice's and Bob's private keys and public keys from RFC 7748 §6.1, in base64.
    const cases = [
      ["dwdtCnMYpX08FsFyUbJmRd9ML4frwJkqsXf7pR25LCo=", "hSDwCYkwp1R0i33ctD73Wg2/Og0mOBr066SpjqqbTmo="],
      ["XasIfmJKikt54X+Lg4AO5m87sSkmGLb9HC+LJ/+I4Os=", "3p7bfXt9wbTTW2HC7OQ1Nz+DQ8hbeGdNrfx+FG+IK08="],
    ];
    for (const [priv, pub] of cases) {
      const io = capture();
      expect(pubkey(priv + "\n", io)).toBe(0);
      expect(io.stdout).toBe(pub + "\n");
    }
  });

  it("pubkey rejects short, malformed and trailing input with wg's messages", () => {
    const bad: [string, RegExp][] = [
      ["", /Key is not the correct length or format/],
      ["abc\n", /Key is not the correct length or format/],
      ["dwdtCnMYpX08FsFyUbJmRd9ML4frwJkqsXf7pR25LC!=\n", /Key is not the correct length or format/],
      ["dwdtCnMYpX08FsFyUbJmRd9ML4frwJkqsXf7pR25LCp=\n", /Key is not the correct length or format/], // non-zero pad bits
      ["dwdtCnMYpX08FsFyUbJmRd9ML4frwJkqsXf7pR25LCo= x\n", /Trailing characters found after key/],
    ];
    for (const [input, msg] of bad) {
      const io = capture();
      expect(pubkey(input, io)).toBe(1);
      expect(io.stdout).toBe("");
      expect(io.stderr).toMatch(msg);
      expect(io.stderr.split("\n").filter(Boolean)).toHaveLength(1);
    }
  });

  it("the CLI pipes genkey into pubkey and exits 1 on bad input", () => {
    const priv = cli(["genkey"]);
    expect(priv.status).toBe(0);
    expect(priv.stdout).toMatch(KEY_LINE);
    const pub = cli(["pubkey"], priv.stdout);
    expect(pub.status).toBe(0);
    expect(pub.stdout).toMatch(KEY_LINE);
    const bad = cli(["pubkey"], "not a key\n");
    expect(bad.status).toBe(1);
    expect(bad.stderr).toBe("wasmguard: Key is not the correct length or format\n");
  });
});

describe("against the real wg", () => {
  const haveWg = toolsAvailable("wg cross-check", "wg");
  it.runIf(haveWg)("wasmguard pubkey matches wg pubkey for wg's and our own keys", () => {
    for (let i = 0; i < 5; i++) {
      const wgKey = spawnSync("wg", ["genkey"], { encoding: "latin1" }).stdout;
      const io = capture();
      genkey(io);
      for (const priv of [wgKey, io.stdout]) {
        const ours = capture();
        expect(pubkey(priv, ours)).toBe(0);
        const theirs = spawnSync("wg", ["pubkey"], { input: priv, encoding: "latin1" }).stdout;
        expect(ours.stdout).toBe(theirs);
      }
    }
  });

  it.runIf(haveWg)("wg accepts keys from wasmguard genkey and genpsk", () => {
    const io = capture();
    genpsk(io);
    const r = spawnSync("wg", ["pubkey"], { input: io.stdout, encoding: "latin1" });
    expect(r.status).toBe(0);
  });
});
