// A small static HTTP server on 127.0.0.1 (random port) for the browser tests,
// the browser example and the browser benchmark. URL prefixes map to
// directories; a request for `x.js` that only exists as `x.ts` gets the
// TypeScript transpiled to an ES module on the fly, the same per-file output
// tsc writes to dist/, so the pages load the sources under test unbundled.
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { readFile, stat } from "node:fs/promises";
import { extname, join, normalize, resolve, sep } from "node:path";
import type { AddressInfo } from "node:net";
import ts from "typescript";

export interface Mount {
  /** URL path prefix, starting and ending with "/". */
  url: string;
  /** Directory served under it. */
  dir: string;
}

export interface StaticServer {
  /** http://127.0.0.1:PORT */
  origin: string;
  /** Every path answered with 200, in order, for checks on what a page loaded. */
  served: string[];
  close(): Promise<void>;
}

const TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".json": "application/json",
  ".wasm": "application/wasm",
  ".css": "text/css",
};

async function isFile(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile();
  } catch {
    return false;
  }
}

const transpiled = new Map<string, { mtimeMs: number; code: string }>();

async function transpile(path: string): Promise<string> {
  const { mtimeMs } = await stat(path);
  const hit = transpiled.get(path);
  if (hit && hit.mtimeMs === mtimeMs) return hit.code;
  const out = ts.transpileModule(await readFile(path, "utf8"), {
    fileName: path,
    compilerOptions: { target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.ESNext },
  });
  transpiled.set(path, { mtimeMs, code: out.outputText });
  return out.outputText;
}

/** The file a URL path names under the mounts (with .js falling back to .ts), or null. */
async function locate(mounts: Mount[], path: string): Promise<{ file: string; ts: boolean } | null> {
  for (const m of mounts) {
    if (!path.startsWith(m.url)) continue;
    const root = resolve(m.dir);
    const rest = path.slice(m.url.length);
    const file = normalize(join(root, rest === "" || rest.endsWith("/") ? `${rest}index.html` : rest));
    if (file !== root && !file.startsWith(root + sep)) return null;
    if (await isFile(file)) return { file, ts: false };
    if (file.endsWith(".js") && (await isFile(file.slice(0, -3) + ".ts"))) return { file: file.slice(0, -3) + ".ts", ts: true };
  }
  return null;
}

export async function startServer(mounts: Mount[]): Promise<StaticServer> {
  const served: string[] = [];
  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const path = decodeURIComponent(new URL(req.url ?? "/", "http://x").pathname);
    const found = req.method === "GET" ? await locate(mounts, path) : null;
    if (!found) {
      res.writeHead(404, { "content-type": "text/plain" }).end(`not found: ${path}`);
      return;
    }
    const body = found.ts ? await transpile(found.file) : await readFile(found.file);
    served.push(path);
    res
      .writeHead(200, {
        "content-type": found.ts ? TYPES[".js"] : (TYPES[extname(found.file)] ?? "application/octet-stream"),
        "cache-control": "no-store",
      })
      .end(body);
  };
  const server = createServer((req, res) => {
    handle(req, res).catch((e: unknown) => {
      res.writeHead(500, { "content-type": "text/plain" }).end(String(e));
    });
  });
  await new Promise<void>((ok, fail) => {
    server.once("error", fail);
    server.listen(0, "127.0.0.1", ok);
  });
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    served,
    close: () =>
      new Promise<void>((ok) => {
        server.closeAllConnections();
        server.close(() => ok());
      }),
  };
}
