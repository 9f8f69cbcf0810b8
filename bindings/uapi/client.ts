// A UAPI client: what the CLI uses to talk to wasmguardd (or wireguard-go).
import { connect } from "node:net";
import { socketPath, DEFAULT_SOCKET_DIR } from "./server.js";

export class UapiClientError extends Error {
  constructor(
    readonly errno: number,
    message: string,
  ) {
    super(message);
    this.name = "UapiClientError";
  }
}

function exchange(path: string, request: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const sock = connect(path);
    let data = "";
    sock.setEncoding("latin1");
    sock.on("connect", () => sock.write(request));
    sock.on("data", (chunk: string) => {
      data += chunk;
      if (data.endsWith("\n\n") && /(^|\n)errno=-?\d+\n\n$/.test(data)) {
        sock.end();
        resolve(data);
      }
    });
    sock.on("error", reject);
    sock.on("close", () => reject(new Error(`UAPI socket ${path} closed without a reply`)));
  });
}

function errnoOf(reply: string): number {
  const m = /errno=(-?\d+)\n\n$/.exec(reply);
  return m ? Number(m[1]) : -5;
}

/** Sends `get=1` and returns the key=value lines (without the errno line). */
export async function uapiGet(iface: string, dir = DEFAULT_SOCKET_DIR): Promise<string> {
  const reply = await exchange(socketPath(iface, dir), "get=1\n\n");
  const errno = errnoOf(reply);
  if (errno !== 0) throw new UapiClientError(errno, `get on ${iface} failed: errno=${errno}`);
  return reply.slice(0, reply.lastIndexOf("errno="));
}

/** Sends `set=1` with the given lines (each `key=value`). Throws with the errno on failure. */
export async function uapiSet(iface: string, lines: string[], dir = DEFAULT_SOCKET_DIR): Promise<void> {
  const reply = await exchange(socketPath(iface, dir), "set=1\n" + lines.map((l) => l + "\n").join("") + "\n");
  const errno = errnoOf(reply);
  if (errno !== 0) throw new UapiClientError(errno, `set on ${iface} failed: errno=${errno}`);
}

/** Sends raw bytes and collects every reply until the server closes or `replies` replies arrived. */
export function uapiRaw(path: string, request: string, replies: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const sock = connect(path);
    let data = "";
    sock.setEncoding("latin1");
    const done = () => {
      sock.destroy();
      resolve(data);
    };
    // Half-close after the request: a `set` without its blank line ends at EOF.
    sock.on("connect", () => sock.end(request));
    sock.on("data", (chunk: string) => {
      data += chunk;
      if ((data.match(/errno=-?\d+\n\n/g) ?? []).length >= replies) done();
    });
    sock.on("error", reject);
    sock.on("end", done);
    sock.on("close", done);
  });
}
