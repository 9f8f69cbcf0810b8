// The demo's throughput probe when iperf3 is not installed: a TCP sender and
// receiver run inside the demo's namespaces.
//   demo-tcp serve <address> <port>     prints {"listening":true}, then {"bytes":N,"seconds":S}
//                                       (first byte to end of stream) and exits
//   demo-tcp send <address> <port> <s>  sends for s seconds as fast as TCP takes it, then ends
import { connect, createServer } from "node:net";

const [mode, host, portText, secondsText] = process.argv.slice(2);
const port = Number(portText);

if (mode === "serve") {
  const server = createServer((sock) => {
    let bytes = 0;
    let first = 0n;
    sock.on("data", (d) => {
      if (bytes === 0) first = process.hrtime.bigint();
      bytes += d.length;
    });
    sock.on("end", () => {
      const seconds = bytes ? Number(process.hrtime.bigint() - first) / 1e9 : 0;
      process.stdout.write(JSON.stringify({ bytes, seconds }) + "\n");
      sock.end();
      server.close();
    });
  });
  server.listen(port, host, () => process.stdout.write(JSON.stringify({ listening: true }) + "\n"));
  setTimeout(() => process.exit(1), 60_000).unref();
} else if (mode === "send") {
  const block = Buffer.alloc(64 * 1024, 0x5a);
  const sock = connect(port, host);
  const end = Date.now() + Number(secondsText) * 1000;
  const pump = () => {
    while (Date.now() < end) if (!sock.write(block)) return void sock.once("drain", pump);
    sock.end();
  };
  sock.on("connect", pump);
  sock.on("error", (e) => {
    process.stderr.write(`${e.message}\n`);
    process.exit(1);
  });
} else {
  process.stderr.write("usage: demo-tcp serve <address> <port> | send <address> <port> <seconds>\n");
  process.exit(2);
}
