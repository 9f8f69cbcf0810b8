// A TCP transfer with checksums at both ends, for tunnel tests:
//   serve <port>                   prints {"listening":true}, then {"bytes":N,"sha256":"..."} when the sender ends
//   send <host> <port> <bytes>     sends deterministic bytes as fast as it can, prints {"bytes":N,"sha256":"..."}
//   paced <host> <port>            sends about 4 MB/s until SIGTERM (or 60 s), for a transfer that must
//                                  outlast a reconfiguration; prints {"connected":true}, then the same summary
import { createHash } from "node:crypto";
import { connect, createServer } from "node:net";

const [mode, ...args] = process.argv.slice(2);

function chunk(seed: number, size: number): Buffer {
  const b = Buffer.allocUnsafe(size);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < size; i += 4) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    b.writeUInt32LE(x >>> 0, i);
  }
  return b;
}

if (mode === "serve") {
  const server = createServer((sock) => {
    const h = createHash("sha256");
    let bytes = 0;
    sock.on("data", (d) => {
      bytes += d.length;
      h.update(d);
    });
    sock.on("end", () => {
      process.stdout.write(JSON.stringify({ bytes, sha256: h.digest("hex") }) + "\n");
      sock.end();
      server.close();
    });
  });
  server.listen(Number(args[0]), "::", () => process.stdout.write(JSON.stringify({ listening: true }) + "\n"));
} else if (mode === "send") {
  const [host, port, total] = [args[0], Number(args[1]), Number(args[2])];
  const h = createHash("sha256");
  const sock = connect(port, host);
  let sent = 0;
  let seed = 1;
  const pump = () => {
    while (sent < total) {
      const c = chunk(seed++, Math.min(65536, total - sent));
      h.update(c);
      sent += c.length;
      if (!sock.write(c)) return void sock.once("drain", pump);
    }
    sock.end();
  };
  sock.on("connect", pump);
  sock.on("close", () => process.stdout.write(JSON.stringify({ bytes: sent, sha256: h.digest("hex") }) + "\n"));
  sock.on("error", (e) => {
    process.stderr.write(String(e) + "\n");
    process.exit(1);
  });
} else if (mode === "paced") {
  const h = createHash("sha256");
  const sock = connect(Number(args[1]), args[0]);
  let sent = 0;
  let seed = 1;
  let blocked = false;
  let timer: NodeJS.Timeout | undefined;
  const finish = () => {
    clearInterval(timer);
    sock.end();
  };
  sock.on("connect", () => {
    process.stdout.write(JSON.stringify({ connected: true }) + "\n");
    timer = setInterval(() => {
      if (blocked) return;
      const c = chunk(seed++, 40 * 1024);
      h.update(c);
      sent += c.length;
      if (!sock.write(c)) {
        blocked = true;
        sock.once("drain", () => (blocked = false));
      }
    }, 10);
    setTimeout(finish, 60_000).unref();
  });
  process.on("SIGTERM", finish);
  sock.on("close", () => process.stdout.write(JSON.stringify({ bytes: sent, sha256: h.digest("hex") }) + "\n"));
  sock.on("error", (e) => {
    process.stderr.write(String(e) + "\n");
    process.exit(1);
  });
} else {
  process.stderr.write("usage: tcp-transfer serve <port> | send <host> <port> <bytes> | paced <host> <port>\n");
  process.exit(2);
}
