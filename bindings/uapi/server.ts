// The UAPI socket: /var/run/wireguard/<iface>.sock, mode 0600, a stale socket
// replaced, removed on close. WG_UAPI_FD hands us an already listening socket.
import { chmodSync, existsSync, mkdirSync, unlinkSync } from "node:fs";
import { createConnection, createServer, type Server, type Socket } from "node:net";
import { join } from "node:path";
import { UapiConnection, type UapiLogger, type UapiTarget } from "./protocol.js";

export const DEFAULT_SOCKET_DIR = "/var/run/wireguard";

export function socketPath(iface: string, dir = DEFAULT_SOCKET_DIR): string {
  return join(dir, `${iface}.sock`);
}

export interface UapiServerOptions {
  dir?: string;
  /** An inherited, already listening socket (WG_UAPI_FD). */
  fd?: number;
  log?: UapiLogger;
}

function isAlive(path: string): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createConnection(path);
    s.once("connect", () => {
      s.destroy();
      resolve(true);
    });
    s.once("error", () => resolve(false));
  });
}

function listenOn(server: Server, where: { fd: number } | { path: string }): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(where, () => {
      server.off("error", reject);
      resolve();
    });
  });
}

export class UapiServer {
  private readonly sockets = new Set<Socket>();

  private constructor(
    private readonly server: Server,
    readonly path: string | null,
  ) {}

  static async listen(iface: string, target: UapiTarget, opts: UapiServerOptions = {}): Promise<UapiServer> {
    // allowHalfOpen: a client may half-close after a `set` without its blank line and still read the reply.
    const server = createServer({ allowHalfOpen: true });
    let path: string | null = null;
    if (opts.fd !== undefined) {
      await listenOn(server, { fd: opts.fd });
    } else {
      const dir = opts.dir ?? DEFAULT_SOCKET_DIR;
      mkdirSync(dir, { recursive: true, mode: 0o755 });
      path = socketPath(iface, dir);
      if (existsSync(path)) {
        if (await isAlive(path))
          throw Object.assign(new Error(`UAPI socket ${path} is in use by another process`), { code: "EADDRINUSE" });
        unlinkSync(path);
      }
      const oldMask = process.umask(0o077);
      try {
        await listenOn(server, { path });
      } finally {
        process.umask(oldMask);
      }
      chmodSync(path, 0o600);
    }
    const self = new UapiServer(server, path);
    server.on("connection", (sock) => self.accept(sock, target, opts.log));
    return self;
  }

  private accept(sock: Socket, target: UapiTarget, log?: UapiLogger): void {
    this.sockets.add(sock);
    sock.setEncoding("latin1");
    const conn = new UapiConnection(
      target,
      (text) => {
        if (!sock.destroyed) sock.write(text);
      },
      () => sock.end(),
      log,
    );
    sock.on("data", (chunk: string) => void conn.feed(chunk));
    sock.on("end", () => {
      void conn.end().then(() => sock.end());
    });
    sock.on("error", () => sock.destroy());
    sock.on("close", () => this.sockets.delete(sock));
  }

  /** Stops listening, drops connections and removes the socket file. */
  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
    if (this.path) {
      try {
        unlinkSync(this.path);
      } catch {
        // Already gone.
      }
    }
  }

  /** Whether our socket file still exists (wireguard-go exits when it is deleted). */
  socketFilePresent(): boolean {
    return this.path === null || existsSync(this.path);
  }
}
