// The wg-quick(8) half of the CLI: `up`, `down`, `save`, `strip`, each on
// `<name | path.conf>`. Errors are one line on stderr, `wasmguard: …`, and
// exit status 1.
import { CliError, type CliIo } from "../io.js";
import { stripConfig } from "../../uapi/config.js";
import { loadQuickConfig, loadQuickText } from "./config-file.js";
import { isRunning, quickDown } from "./down.js";
import { saveRunningConfig } from "./save.js";
import { STATE_DIR } from "./state.js";
import { quickUp, type QuickContext } from "./up.js";

export type QuickCommand = "up" | "down" | "save" | "strip";

let stderrGuard = false;

export function quickContext(io: CliIo): QuickContext {
  if (!stderrGuard) {
    stderrGuard = true;
    // A closed stderr (`wasmguard up … 2>&1 | head`) must not kill us halfway through `up` or `down`.
    process.stderr.on("error", () => {});
  }
  return { io, shell: { env: io.env, err: io.err }, stateDir: STATE_DIR };
}

function requireRoot(command: QuickCommand): void {
  if (typeof process.getuid === "function" && process.getuid() !== 0)
    throw new CliError(`\`${command}' must be run as root (it changes interfaces and routes): sudo wasmguard ${command} …`);
}

async function save(arg: string, ctx: QuickContext): Promise<void> {
  const { iface, file, config } = loadQuickConfig(arg, ctx.io.err, ctx.configDir);
  if (!(await isRunning(ctx, iface))) throw new CliError(`\`${iface}' is not a WireGuard interface`);
  await saveRunningConfig(ctx.shell, ctx.io, iface, file, config);
}

/** `wasmguard strip`: the wg(8) part of the file, exactly as `wg-quick strip` prints it. */
function strip(arg: string, ctx: QuickContext): void {
  const { text } = loadQuickText(arg, ctx.io.err, ctx.configDir);
  ctx.io.out(stripConfig(text) + "\n");
}

/** Runs a wg-quick command; resolves to the exit status. */
export async function runQuickCommand(command: QuickCommand, arg: string, ctx: QuickContext): Promise<number> {
  try {
    switch (command) {
      case "up":
        requireRoot(command);
        await quickUp(arg, ctx);
        break;
      case "down":
        requireRoot(command);
        await quickDown(arg, ctx);
        break;
      case "save":
        requireRoot(command);
        await save(arg, ctx);
        break;
      case "strip":
        strip(arg, ctx);
        break;
    }
    return 0;
  } catch (e) {
    ctx.io.err(`wasmguard: ${e instanceof Error ? e.message : String(e)}\n`);
    return 1;
  }
}
