#!/usr/bin/env node
import { main } from "../bindings/cli/program.js";

main(process.argv).catch((err: unknown) => {
  process.stderr.write(`wasmguard: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
