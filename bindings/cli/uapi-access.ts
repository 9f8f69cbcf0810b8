// Reaching a daemon's UAPI socket the way wg does (ipc-uapi-unix.h): the name
// may not contain '/', the path must be a socket, a socket nobody listens on
// (ECONNREFUSED) is removed as stale, and failures carry an errno so the
// caller can print wg's "Unable to access interface: No such file or directory".
import { opendirSync, statSync, unlinkSync } from "node:fs";
import { connect } from "node:net";
import { loadCryptoSync } from "../crypto/index.js";
import { UapiClientError, uapiGet, uapiSet } from "../uapi/client.js";
import { parseGetReply, type DeviceState } from "../uapi/get-parse.js";
import { socketPath } from "../uapi/server.js";
import { errnoName } from "./io.js";

/** A failed UAPI exchange, with the errno name wg would report (ENOENT, ECONNREFUSED, EINVAL…). */
export class UapiAccessError extends Error {
  constructor(readonly errno: string) {
    super(errno);
    this.name = "UapiAccessError";
  }
}

const NEGATIVE_ERRNO: Record<number, string> = {
  [-1]: "EPERM",
  [-2]: "ENOENT",
  [-5]: "EIO",
  [-12]: "ENOMEM",
  [-22]: "EINVAL",
  [-55]: "ENOANO",
  [-71]: "EPROTO",
  [-98]: "EADDRINUSE",
  [-101]: "ENETUNREACH",
};

/** Checks the socket file as wg does before connecting; throws UapiAccessError. */
function checkSocket(iface: string, dir: string): string {
  if (iface.includes("/")) throw new UapiAccessError("EINVAL");
  const path = socketPath(iface, dir);
  let st;
  try {
    st = statSync(path);
  } catch (e) {
    throw new UapiAccessError(errnoName(e));
  }
  if (!st.isSocket()) throw new UapiAccessError("EBADF");
  return path;
}

function mapError(e: unknown, path: string): UapiAccessError {
  if (e instanceof UapiAccessError) return e;
  if (e instanceof UapiClientError) return new UapiAccessError(NEGATIVE_ERRNO[e.errno] ?? "EPROTO");
  const code = (e as NodeJS.ErrnoException).code;
  if (code === "ECONNREFUSED") {
    // Nobody listens: the daemon died without cleaning up. wg removes the file too.
    try {
      unlinkSync(path);
    } catch {
      // Someone else removed it.
    }
    return new UapiAccessError("ECONNREFUSED");
  }
  // "closed without a reply" and the like: the daemon does not speak the protocol.
  return new UapiAccessError(code ? errnoName(e) : "EPROTO");
}

/** Runs `get=1` on the interface and parses the reply (public key derived from the private key). */
export async function getDevice(iface: string, dir: string): Promise<DeviceState> {
  const path = checkSocket(iface, dir);
  let reply: string;
  try {
    reply = await uapiGet(iface, dir);
  } catch (e) {
    throw mapError(e, path);
  }
  try {
    return parseGetReply(reply, { derivePublicKey: (k) => loadCryptoSync().x25519PublicKey(k) });
  } catch {
    throw new UapiAccessError("EPROTO");
  }
}

/** Sends `set=1` with the lines; throws UapiAccessError with the daemon's errno on failure. */
export async function setDevice(iface: string, lines: string[], dir: string): Promise<void> {
  const path = checkSocket(iface, dir);
  try {
    await uapiSet(iface, lines, dir);
  } catch (e) {
    throw mapError(e, path);
  }
}

function probe(path: string): Promise<"alive" | "refused" | "other"> {
  return new Promise((resolve) => {
    const s = connect(path);
    s.once("connect", () => {
      s.destroy();
      resolve("alive");
    });
    s.once("error", (e: NodeJS.ErrnoException) => resolve(e.code === "ECONNREFUSED" ? "refused" : "other"));
  });
}

/**
 * The userspace interfaces: `<name>.sock` sockets in the directory, in directory
 * order (as wg's readdir loop sees them). Stale sockets are removed and skipped.
 */
export async function listInterfaces(dir: string): Promise<string[]> {
  let handle;
  try {
    handle = opendirSync(dir);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return [];
    throw new UapiAccessError(errnoName(e));
  }
  const names: string[] = [];
  try {
    for (let ent = handle.readSync(); ent; ent = handle.readSync()) {
      if (ent.name.length <= ".sock".length || !ent.name.endsWith(".sock")) continue;
      names.push(ent.name.slice(0, -".sock".length));
    }
  } finally {
    handle.closeSync();
  }
  const out: string[] = [];
  for (const name of names) {
    const path = socketPath(name, dir);
    try {
      if (!statSync(path).isSocket()) continue;
    } catch {
      continue;
    }
    const state = await probe(path);
    if (state === "refused") {
      try {
        unlinkSync(path);
      } catch {
        // Already gone.
      }
      continue;
    }
    out.push(name);
  }
  return out;
}
