// The `wasmguard` command line: wg(8)- and wg-quick(8)-compatible subcommands.
import { Command } from "commander";
import { readFileSync } from "node:fs";
import { genkey, genpsk, pubkey, type KeyIo } from "./keys.js";

const stdio: KeyIo = {
  out: (t) => process.stdout.write(t),
  err: (t) => process.stderr.write(t),
  stdoutFd: 1,
};

function readStdin(): string {
  try {
    return readFileSync(0, "latin1");
  } catch {
    return "";
  }
}

export function buildProgram(): Command {
  const program = new Command("wasmguard")
    .description("userspace WireGuard: wg and wg-quick compatible commands")
    .showHelpAfterError();

  program
    .command("genkey")
    .description("generates a new private key and writes it to stdout")
    .action(() => {
      process.exitCode = genkey(stdio);
    });
  program
    .command("genpsk")
    .description("generates a new preshared key and writes it to stdout")
    .action(() => {
      process.exitCode = genpsk(stdio);
    });
  program
    .command("pubkey")
    .description("reads a private key from stdin and writes a public key to stdout")
    .action(() => {
      process.exitCode = pubkey(readStdin(), stdio);
    });
  return program;
}

export async function main(argv: string[]): Promise<void> {
  await buildProgram().parseAsync(argv);
}
