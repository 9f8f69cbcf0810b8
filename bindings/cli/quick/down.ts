// `wasmguard down <name | path.conf>`: PreDown hooks, SaveConfig, then every
// change `up` recorded undone in reverse (the daemon and interface last),
// then PostDown hooks. Nothing stops the teardown: a failing hook or step is
// reported and the rest still runs; the exit status is 1 when anything failed.
// The hooks come from the file as it is now (as wg-quick reads it): the one
// named, or the one `up` read when the name alone was given; or from the copy
// `up` recorded when the file is gone.
import { existsSync } from "node:fs";
import { parseConfig, type WgConfig } from "../../uapi/config.js";
import { CliError } from "../io.js";
import { getDevice, listInterfaces } from "../uapi-access.js";
import { configTarget, readQuickConfig } from "./config-file.js";
import { stopDaemon } from "./daemon.js";
import { runHooks } from "./hooks.js";
import { saveRunningConfig } from "./save.js";
import { readState, removeState } from "./state.js";
import { foreignTeardown, undoSteps } from "./teardown.js";
import type { QuickContext } from "./up.js";

export async function isRunning(ctx: QuickContext, iface: string): Promise<boolean> {
  try {
    return (await listInterfaces(ctx.io.socketDir)).includes(iface);
  } catch {
    return false;
  }
}

export async function quickDown(arg: string, ctx: QuickContext): Promise<void> {
  const { io, shell, stateDir } = ctx;
  let target = configTarget(arg, ctx.configDir);
  const state = readState(target.iface, stateDir);
  // `down wg0` for a tunnel brought up from another path: that file is the config.
  if (!target.exists && state && state.file !== target.file && existsSync(state.file)) target = { ...target, file: state.file, exists: true };
  const { iface, file } = target;
  const running = await isRunning(ctx, iface);
  if (!target.exists && !state) throw new CliError(`\`${file}' does not exist`);
  if (!running && !state) throw new CliError(`\`${iface}' is not a WireGuard interface`);

  let config: WgConfig;
  if (target.exists) {
    try {
      config = readQuickConfig(file, io.err).config;
    } catch (e) {
      if (!state) throw e;
      shell.err(`[!] ${(e as Error).message}; using the configuration \`up' read instead\n`);
      config = parseConfig(state.text, { mode: "wg-quick", file: state.file });
    }
  } else {
    shell.err(`[!] \`${file}' is gone; using the configuration \`up' read from it\n`);
    config = parseConfig(state!.text, { mode: "wg-quick", file: state!.file });
  }
  const i = config.interface;
  const problems: string[] = [];

  if (running) {
    for (const f of await runHooks(shell, i.preDown, iface, false)) problems.push(`PreDown hook failed with exit status ${f.status}: ${f.hook}`);
    if (i.saveConfig && target.exists) {
      try {
        await saveRunningConfig(shell, io, iface, file, config);
      } catch (e) {
        problems.push((e as Error).message);
        shell.err(`[!] ${(e as Error).message}\n`);
      }
    }
  }
  if (state) {
    problems.push(...(await undoSteps(shell, state, io.socketDir, stateDir)));
    // An `up` killed between starting the daemon and recording it: the interface is still ours.
    if (!state.steps.some((s) => s.kind === "daemon")) await stopDaemon(shell, iface, null, io.socketDir, stateDir);
  } else {
    // Brought up without `wasmguard up`: undo what wg-quick would have set, from the running device.
    let fwmark = 0;
    let defaultRoute = false;
    try {
      const dev = await getDevice(iface, io.socketDir);
      fwmark = dev.fwmark;
      defaultRoute = dev.peers.some((p) => p.allowedIps.some((a) => a.bits === 0));
    } catch {
      // Gone meanwhile: only the interface is left to remove.
    }
    const auto = i.table === undefined || i.table.toLowerCase() === "auto";
    await foreignTeardown(shell, iface, fwmark, auto && defaultRoute, i.dns, io.socketDir, stateDir);
  }
  for (const f of await runHooks(shell, i.postDown, iface, false)) problems.push(`PostDown hook failed with exit status ${f.status}: ${f.hook}`);
  removeState(iface, stateDir);
  if (problems.length) {
    const n = problems.length;
    throw new CliError(`\`${iface}' is down, but ${n} step${n === 1 ? "" : "s"} failed:\n  ${problems.join("\n  ")}`);
  }
}
