// The wg(8)-compatible subcommands behind one entry point, so the commander
// program and in-process tests run exactly the same code: a CliError becomes
// its one-line message on stderr and exit status 1.
import { CliError, PROG_NAME, type CliIo } from "./io.js";
import { setCommand } from "./set.js";
import { setconfCommand } from "./setconf.js";
import { showCommand, showconfCommand } from "./show.js";

export type WgCommand = "show" | "showconf" | "set" | "setconf" | "addconf" | "syncconf";

export interface RunOptions {
  /** `show --json`. */
  json?: boolean;
}

/** Runs a subcommand with its arguments (after the subcommand name); resolves to the exit status. */
export async function runWgCommand(command: WgCommand, args: string[], io: CliIo, options: RunOptions = {}): Promise<number> {
  try {
    switch (command) {
      case "show":
        return await showCommand(args, io, { json: options.json });
      case "showconf":
        return await showconfCommand(args, io);
      case "set":
        return await setCommand(args, io);
      case "setconf":
      case "addconf":
      case "syncconf":
        return await setconfCommand(command, args, io);
    }
  } catch (e) {
    if (e instanceof CliError) {
      io.err(`${e.message}\n`);
      return e.exitCode;
    }
    io.err(`${PROG_NAME}: ${e instanceof Error ? e.message : String(e)}\n`);
    return 1;
  }
}
