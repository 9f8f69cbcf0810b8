#!/usr/bin/env node
import { daemonMain } from "../bindings/cli/daemon.js";

daemonMain(process.argv.slice(2)).then(
  (status) => {
    process.exitCode = status;
  },
  (err: unknown) => {
    process.stderr.write(`wasmguardd: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  },
);
