// Two Devices over the in-memory fake TUN and UDP network, configured only
// through UAPI text, as wireguard-go's device_test.go pairs its devices.
import { afterEach, describe, expect, it } from "vitest";
import { loadCryptoSync } from "../../bindings/crypto/index.js";
import { Device } from "../../bindings/device/device.js";
import { createFakeBindPair, FakeTun, type FakeNetwork, type FakeUdpBind } from "../../bindings/io/fake.js";
import { keyToHex } from "../../bindings/uapi/key-encoding.js";
import { UapiConnection } from "../../bindings/uapi/protocol.js";
import { echoInfo, icmp4Echo, icmp6Echo } from "../io/packets.js";

async function uapi(device: Device, request: string): Promise<string> {
  let out = "";
  const conn = new UapiConnection(device, (t) => (out += t), () => {});
  await conn.feed(request);
  return out;
}

interface Pair {
  a: Device;
  b: Device;
  tunA: FakeTun;
  tunB: FakeTun;
  bindA: FakeUdpBind;
  bindB: FakeUdpBind;
  net: FakeNetwork;
  keys: { a: Uint8Array; b: Uint8Array; pubA: Uint8Array; pubB: Uint8Array };
}

const devices: Device[] = [];
afterEach(() => {
  while (devices.length) devices.pop()!.close();
});

async function pair(opts: { psk?: boolean; endpointOnBoth?: boolean } = {}): Promise<Pair> {
  const c = loadCryptoSync();
  const a = c.generatePrivateKey();
  const b = c.generatePrivateKey();
  const keys = { a, b, pubA: c.x25519PublicKey(a), pubB: c.x25519PublicKey(b) };
  const [bindA, bindB, net] = createFakeBindPair();
  const tunA = new FakeTun({ name: "wga" });
  const tunB = new FakeTun({ name: "wgb" });
  const devA = new Device({ tun: tunA, bind: bindA });
  const devB = new Device({ tun: tunB, bind: bindB });
  devices.push(devA, devB);
  const psk = opts.psk ? `preshared_key=${"42".repeat(32)}\n` : "";
  expect(await uapi(devA, `set=1\nprivate_key=${keyToHex(a)}\nlisten_port=0\n\n`)).toBe("errno=0\n\n");
  expect(await uapi(devB, `set=1\nprivate_key=${keyToHex(b)}\nlisten_port=0\n\n`)).toBe("errno=0\n\n");
  devA.start();
  devB.start();
  const epB = bindB.endpoint(4).toString();
  const epA = bindA.endpoint(4).toString();
  expect(
    await uapi(devA, `set=1\npublic_key=${keyToHex(keys.pubB)}\n${psk}endpoint=${epB}\nallowed_ip=10.0.0.2/32\nallowed_ip=fd00::2/128\n\n`),
  ).toBe("errno=0\n\n");
  expect(
    await uapi(
      devB,
      `set=1\npublic_key=${keyToHex(keys.pubA)}\n${psk}${opts.endpointOnBoth ? `endpoint=${epA}\n` : ""}allowed_ip=10.0.0.1/32\nallowed_ip=fd00::1/128\n\n`,
    ),
  ).toBe("errno=0\n\n");
  return { a: devA, b: devB, tunA, tunB, bindA, bindB, net, keys };
}

/** Exact comparison of packet lists (vitest's deep equality is slow on big typed arrays). */
function sameBytes(a: Uint8Array[], b: Uint8Array[]): boolean {
  return a.length === b.length && a.every((x, i) => Buffer.from(x).equals(Buffer.from(b[i])));
}

const ping4 = (src: string, dst: string, seq: number, payload = new Uint8Array(56).fill(seq & 0xff)) =>
  icmp4Echo({ src, dst, id: 7, seq, payload });

describe("two devices over fakes", () => {
  it("complete a handshake and carry pings both ways, byte for byte", async () => {
    const p = await pair();
    const req = ping4("10.0.0.1", "10.0.0.2", 1);
    p.tunA.inject(req);
    const [got] = await p.tunB.waitWritten(1);
    expect(got).toEqual(req);
    // B learned A's endpoint from the handshake (roaming) and can answer.
    const reply = icmp4Echo({ src: "10.0.0.2", dst: "10.0.0.1", id: 7, seq: 1, payload: new Uint8Array(56).fill(1), type: 0 });
    p.tunB.inject(reply);
    const [back] = await p.tunA.waitWritten(1);
    expect(back).toEqual(reply);
    const v6 = icmp6Echo({ src: "fd00::1", dst: "fd00::2", id: 9, seq: 2, payload: new Uint8Array(100).fill(9) });
    p.tunA.inject(v6);
    expect((await p.tunB.waitWritten(2))[1]).toEqual(v6);
    expect(echoInfo(v6)?.family).toBe(6);
  });

  it("works with a preshared key and reports counters and the handshake over get", async () => {
    const p = await pair({ psk: true });
    p.tunA.inject(ping4("10.0.0.1", "10.0.0.2", 1));
    await p.tunB.waitWritten(1);
    const get = await uapi(p.a, "get=1\n\n");
    expect(get).toMatch(new RegExp(`public_key=${keyToHex(p.keys.pubB)}\npreshared_key=${"42".repeat(32)}\n`));
    const sec = Number(/last_handshake_time_sec=(\d+)/.exec(get)![1]);
    expect(Math.abs(sec - Date.now() / 1000)).toBeLessThan(5);
    // 148 (initiation) + 32 + 84 rounded to 96 (data) sent; 92 (response) received.
    expect(get).toContain("tx_bytes=276\n");
    expect(get).toContain("rx_bytes=92\n");
    expect(get).toContain("allowed_ip=10.0.0.2/32\nallowed_ip=fd00::2/128\n");
  });

  it("moves a large payload in both directions exactly", async () => {
    const p = await pair({ endpointOnBoth: true });
    const packets: Uint8Array[] = [];
    for (let i = 0; i < 400; i++) {
      const payload = new Uint8Array(1372);
      for (let j = 0; j < payload.length; j++) payload[j] = (i * 31 + j) & 0xff;
      packets.push(ping4("10.0.0.1", "10.0.0.2", i, payload));
    }
    for (let i = 0; i < packets.length; i += 50) p.tunA.inject(...packets.slice(i, i + 50));
    const got = await p.tunB.waitWritten(packets.length, 10_000);
    expect(sameBytes(got, packets)).toBe(true);
    const back = packets.map((x, i) => ping4("10.0.0.2", "10.0.0.1", i, x.slice(28)));
    p.tunB.inject(...back);
    expect(sameBytes(await p.tunA.waitWritten(back.length, 10_000), back)).toBe(true);
  });

  it("drops inbound packets whose source is not the sending peer's AllowedIPs", async () => {
    const p = await pair();
    p.tunA.inject(ping4("10.0.0.1", "10.0.0.2", 1));
    await p.tunB.waitWritten(1);
    // A routes 10.0.0.99 to B, but B does not allow A to use source 10.0.0.99... so send from a spoofed source:
    await uapi(p.a, `set=1\npublic_key=${keyToHex(p.keys.pubB)}\nallowed_ip=10.9.0.0/16\n\n`);
    p.tunA.inject(ping4("10.0.0.66", "10.9.0.1", 2));
    await new Promise((r) => setTimeout(r, 50));
    expect(p.tunB.takeWritten()).toHaveLength(1);
    expect(p.b.noise.drops.allowedIpsMismatch).toBe(1);
  });

  it("drops outbound packets with no route and counts them", async () => {
    const p = await pair();
    p.tunA.inject(ping4("10.0.0.1", "192.0.2.200", 1), new Uint8Array([0x00, 1, 2]));
    await new Promise((r) => setTimeout(r, 20));
    expect(p.a.drops.noRoute).toBe(1);
    expect(p.a.drops.badPacket).toBe(1);
  });

  it("stops traffic when the peer is removed and resumes when it is re-added", async () => {
    const p = await pair();
    p.tunA.inject(ping4("10.0.0.1", "10.0.0.2", 1));
    await p.tunB.waitWritten(1);
    p.tunB.takeWritten();
    await uapi(p.a, `set=1\npublic_key=${keyToHex(p.keys.pubB)}\nremove=true\n\n`);
    p.tunA.inject(ping4("10.0.0.1", "10.0.0.2", 2));
    await new Promise((r) => setTimeout(r, 50));
    expect(p.tunB.takeWritten()).toHaveLength(0);
    await uapi(p.a, `set=1\npublic_key=${keyToHex(p.keys.pubB)}\nendpoint=${p.bindB.endpoint(4)}\nallowed_ip=10.0.0.2/32\n\n`);
    p.tunA.inject(ping4("10.0.0.1", "10.0.0.2", 3));
    expect((await p.tunB.waitWritten(1))[0]).toEqual(ping4("10.0.0.1", "10.0.0.2", 3));
  });

  it("persistent keepalive turned on sends a keepalive that completes a handshake", async () => {
    const p = await pair();
    await uapi(p.a, `set=1\npublic_key=${keyToHex(p.keys.pubB)}\npersistent_keepalive_interval=25\n\n`);
    for (let i = 0; i < 100 && p.b.state().peers[0].lastHandshakeNs === 0n; i++) await new Promise((r) => setTimeout(r, 10));
    expect(p.b.state().peers[0].lastHandshakeNs).not.toBe(0n);
    expect(p.b.state().peers[0].endpoint).toBe(p.bindA.endpoint(4).toString());
  });

  it("replies errno=-98 for a taken port and keeps listening on the old one", async () => {
    const p = await pair();
    const old = p.bindA.port;
    // Another socket on A's own address holds a port.
    const other = p.net.createBind({ v4: "192.0.2.1", v6: null });
    const taken = other.open(0);
    expect(await uapi(p.a, `set=1\nlisten_port=${taken}\n\n`)).toBe("errno=-98\n\n");
    expect(p.bindA.port).toBe(old);
    // Traffic still flows on the old port.
    p.tunA.inject(ping4("10.0.0.1", "10.0.0.2", 1));
    await p.tunB.waitWritten(1);
    other.close();
  });
});
