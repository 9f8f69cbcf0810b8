import { mkdtempSync, statSync, writeFileSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { uapiGet, uapiRaw, uapiSet } from "../../bindings/uapi/client.js";
import { UapiServer } from "../../bindings/uapi/server.js";
import type { UapiDeviceState, UapiTarget } from "../../bindings/uapi/protocol.js";

function target(): UapiTarget & { port: number } {
  const t = {
    port: 0,
    state: (): UapiDeviceState => ({ privateKey: null, listenPort: t.port, fwmark: 0, peers: [] }),
    publicKey: () => null,
    setPrivateKey() {},
    setListenPort(p: number) {
      t.port = p;
    },
    setFwmark() {},
    removeAllPeers() {},
    hasPeer: () => false,
    addPeer() {},
    removePeer() {},
    setPresharedKey() {},
    setEndpoint() {},
    setPersistentKeepalive: () => 0,
    clearAllowedIps() {},
    addAllowedIp() {},
    removeAllowedIp() {},
    peerConfigured() {},
  };
  return t;
}

describe("UAPI socket server", () => {
  it("listens with mode 0600, serves get and set, and removes its socket on close", async () => {
    const dir = mkdtempSync(join(tmpdir(), "uapi-"));
    const t = target();
    const server = await UapiServer.listen("wgx", t, { dir });
    expect(statSync(join(dir, "wgx.sock")).mode & 0o777).toBe(0o600);
    await uapiSet("wgx", ["listen_port=4242"], dir);
    expect(await uapiGet("wgx", dir)).toBe("listen_port=4242\n");
    // A set ended by EOF (the client half-closes) still gets its reply.
    expect(await uapiRaw(join(dir, "wgx.sock"), "set=1\nlisten_port=7", 1)).toBe("errno=0\n\n");
    expect(t.port).toBe(7);
    await server.close();
    expect(existsSync(join(dir, "wgx.sock"))).toBe(false);
  });

  it("replaces a stale file at the socket path but refuses a socket a live process serves", async () => {
    const dir = mkdtempSync(join(tmpdir(), "uapi-"));
    writeFileSync(join(dir, "wgy.sock"), "");
    const server = await UapiServer.listen("wgy", target(), { dir });
    await expect(UapiServer.listen("wgy", target(), { dir })).rejects.toThrow(/in use/);
    await server.close();
  });
});
