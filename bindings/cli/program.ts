// The `wasmguard` command line: wg(8)- and wg-quick(8)-compatible subcommands.
import { Command } from "commander";
import { readFileSync } from "node:fs";
import { processIo, type CliIo } from "./io.js";
import { genkey, genpsk, pubkey, type KeyIo } from "./keys.js";
import { runWgCommand, type WgCommand } from "./wg-commands.js";
import { quickContext, runQuickCommand, type QuickCommand } from "./quick/commands.js";
import { systemdUnitCommand } from "./quick/systemd-unit.js";
import { demoCommand } from "./demo.js";

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

/** A wg subcommand that takes its arguments as wg does (so `allowed-ips -10.0.0.0/8` is not an option). */
function wgSubcommand(program: Command, io: CliIo, name: WgCommand, usage: string, description: string): Command {
  return program
    .command(name)
    .usage(usage)
    .description(description)
    .helpOption(false)
    .allowUnknownOption()
    .allowExcessArguments()
    .argument("[args...]")
    .action(async (args: string[]) => {
      process.exitCode = await runWgCommand(name, args, io);
    });
}

export function buildProgram(io: CliIo = processIo()): Command {
  const program = new Command("wasmguard")
    .description("userspace WireGuard: wg and wg-quick compatible commands")
    .showHelpAfterError();

  program
    .command("show")
    .usage("[<interface> | all | interfaces] [public-key | private-key | listen-port | fwmark | peers | preshared-keys | endpoints | allowed-ips | latest-handshakes | transfer | persistent-keepalive | dump] [--json]")
    .description("shows the current configuration and device information")
    .helpOption(false)
    .allowUnknownOption()
    .allowExcessArguments()
    .option("--json", "print the interfaces as JSON (for scripts)")
    .argument("[args...]")
    .action(async (args: string[], opts: { json?: boolean }) => {
      process.exitCode = await runWgCommand("show", args, io, { json: opts.json });
    });
  wgSubcommand(program, io, "showconf", "<interface>", "shows the current configuration of an interface, for use with `setconf'");
  wgSubcommand(
    program,
    io,
    "set",
    "<interface> [listen-port <port>] [fwmark <mark>] [private-key <file path>] [peer <base64 public key> [remove] [preshared-key <file path>] [endpoint <ip>:<port>] [persistent-keepalive <interval seconds>] [allowed-ips [+|-]<ip1>/<cidr1>[,[+|-]<ip2>/<cidr2>]...] ]...",
    "changes the current configuration, adds peers, removes peers, or changes peers",
  );
  wgSubcommand(program, io, "setconf", "<interface> <configuration filename>", "applies a configuration file to an interface");
  wgSubcommand(program, io, "addconf", "<interface> <configuration filename>", "appends a configuration file to an interface");
  wgSubcommand(
    program,
    io,
    "syncconf",
    "<interface> <configuration filename>",
    "synchronizes an interface with a configuration file, changing only what differs",
  );

  const quick: [QuickCommand, string][] = [
    ["up", "creates the interface from a wg-quick config: daemon, keys and peers, addresses, MTU, DNS, routes, hooks"],
    ["down", "removes the interface and everything `up' added (routes, rules, DNS, firewall), running the hooks"],
    ["save", "writes the running configuration back to the config file"],
    ["strip", "prints the config without its wg-quick keys, for `syncconf'"],
  ];
  for (const [name, description] of quick) {
    program
      .command(name)
      .argument("<interface|file.conf>", "a name for /etc/wireguard/<name>.conf, or a path ending in <interface>.conf")
      .description(description)
      .action(async (arg: string) => {
        process.exitCode = await runQuickCommand(name, arg, quickContext(io));
      });
  }

  program
    .command("demo")
    .description("shows a tunnel at work between two temporary network namespaces (needs root), then removes everything")
    .action(async () => {
      process.exitCode = await demoCommand(io);
    });

  program
    .command("systemd-unit")
    .description("prints the wasmguard@.service unit for this installation (--install: writes it to /etc/systemd/system)")
    .option("--install", "write /etc/systemd/system/wasmguard@.service and reload systemd")
    .action(async (opts: { install?: boolean }) => {
      try {
        process.exitCode = await systemdUnitCommand(opts.install === true, io);
      } catch (e) {
        io.err(`wasmguard: ${e instanceof Error ? e.message : String(e)}\n`);
        process.exitCode = 1;
      }
    });

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
