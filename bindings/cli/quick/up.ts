// `wasmguard up <name | path.conf>`, in wg-quick's order: PreUp hooks, the
// daemon, the wg(8) part of the config through the UAPI, addresses, MTU and
// link up, DNS, routes, PostUp hooks. Every change is recorded (state.ts)
// before the next begins. `up` is all or nothing: if any step fails, or
// SIGINT/SIGTERM arrives, what was done is undone, and when PostUp had begun,
// the PreDown and PostDown hooks run too, so a PostUp that failed halfway
// (an iptables rule added, the next command failing) leaves nothing behind.
import type { DeviceState } from "../../uapi/get-parse.js";
import { CliError, type CliIo } from "../io.js";
import { applyConfig } from "../setconf.js";
import { getDevice } from "../uapi-access.js";
import { loadQuickConfig } from "./config-file.js";
import { linkExists, startDaemon } from "./daemon.js";
import { dnsTool, setDns, splitDns } from "./dns.js";
import type { Shell } from "./exec.js";
import { runHooks, type HookFailure } from "./hooks.js";
import { addAddresses, addRoutes, automaticMtu, routePrefixes, setMtuAndUp } from "./network.js";
import { readState, removeState, StateRecorder } from "./state.js";
import { undoSteps } from "./teardown.js";

export interface QuickContext {
  io: CliIo;
  shell: Shell;
  stateDir: string;
  configDir?: string;
}

export function hookError(kind: string, f: HookFailure): CliError {
  return new CliError(`${kind} hook failed with exit status ${f.status}: ${f.hook}`);
}

export async function quickUp(arg: string, ctx: QuickContext): Promise<void> {
  const { io, shell, stateDir } = ctx;
  const { iface, file, text, config } = loadQuickConfig(arg, io.err, ctx.configDir);
  const i = config.interface;
  if (await linkExists(shell, iface)) throw new CliError(`\`${iface}' already exists`);
  if (splitDns(i.dns).servers.length && !dnsTool(shell))
    throw new CliError(`${file} sets DNS, but neither resolvconf nor resolvectl is installed: install openresolv (or systemd-resolved), or remove the DNS line`);

  const stale = readState(iface, stateDir);
  if (stale) {
    shell.err(`[!] An earlier \`up' of ${iface} left changes behind; undoing them first\n`);
    await undoSteps(shell, stale, io.socketDir, stateDir);
    removeState(iface, stateDir);
  }

  const rec = new StateRecorder(iface, file, text, stateDir);
  let interrupted: string | null = null;
  const checkpoint = () => {
    if (interrupted) throw new CliError(`interrupted by ${interrupted}`);
  };
  const onSignal = (sig: NodeJS.Signals) => (interrupted = sig);
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  // Endpoint resolution may retry for long (WG_ENDPOINT_RESOLUTION_RETRIES=infinity): a signal ends it.
  const stepIo: CliIo = {
    ...io,
    sleep: async (ms) => {
      await io.sleep(ms);
      checkpoint();
    },
  };
  let postUpStarted = false;
  try {
    const pre = await runHooks(shell, i.preUp, iface, true);
    if (pre.length) throw hookError("PreUp", pre[0]);
    checkpoint();
    await startDaemon(shell, iface, io.socketDir, stateDir, (step) => rec.add(step));
    checkpoint();
    shell.err(`[#] wasmguard setconf ${iface} <(wasmguard strip ${file})\n`);
    await applyConfig(iface, config, "set", stepIo, file);
    checkpoint();
    await addAddresses(shell, iface, i.addresses);
    const dev: DeviceState = await getDevice(iface, io.socketDir);
    const mtu = i.mtu ?? (await automaticMtu(shell, dev.peers.flatMap((p) => (p.endpoint ? [p.endpoint.address] : []))));
    await setMtuAndUp(shell, iface, mtu, i.addresses.some((a) => a.family === 6));
    checkpoint();
    const dns = await setDns(shell, iface, i.dns, file);
    if (dns) rec.add(dns);
    checkpoint();
    await addRoutes({ shell, io, iface, table: i.table, record: (s) => rec.add(s) }, routePrefixes(dev.peers.flatMap((p) => p.allowedIps)));
    checkpoint();
    postUpStarted = true;
    const post = await runHooks(shell, i.postUp, iface, true);
    if (post.length) throw hookError("PostUp", post[0]);
    checkpoint();
    rec.markUp();
  } catch (e) {
    // Say what went wrong first, then undo.
    io.err(`${PROG}: ${e instanceof Error ? e.message : String(e)}\n`);
    if (postUpStarted) await runHooks(shell, i.preDown, iface, false);
    await undoSteps(shell, rec.state, io.socketDir, stateDir);
    if (postUpStarted) await runHooks(shell, i.postDown, iface, false);
    removeState(iface, stateDir);
    throw new CliError(`\`${iface}' was not brought up; everything \`up' had changed is undone`);
  } finally {
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
  }
}

const PROG = "wasmguard";
