// Undoing what `up` recorded, newest first: DNS, packet-filter rules, policy
// rules, the sysctl, and last the interface and its daemon (routes go with
// the interface). Every step is tried even when an earlier one fails, so a
// half-broken tunnel (daemon killed, a rule already deleted by hand) still
// ends with nothing of ours left; problems are printed, not fatal.
import { CliError } from "../io.js";
import { run, tryRun, which, type Shell } from "./exec.js";
import { stopDaemon } from "./daemon.js";
import { splitDns, unsetDns } from "./dns.js";
import { nftTableName, removeFirewall } from "./firewall.js";
import { writeSysctl, readSysctl } from "./network.js";
import { allStates, writeState, type QuickState, type UndoStep } from "./state.js";

const message = (e: unknown) => (e instanceof CliError || e instanceof Error ? e.message : String(e));

async function undoStep(shell: Shell, state: QuickState, step: UndoStep, socketDir: string, stateDir: string): Promise<void> {
  switch (step.kind) {
    case "dns":
      return unsetDns(shell, step);
    case "rule":
      await run(shell, ["ip", step.family === 4 ? "-4" : "-6", "rule", "delete", ...step.args]);
      return;
    case "nft":
    case "iptables":
      return removeFirewall(shell, step);
    case "sysctl": {
      // Another full tunnel in the same namespace still needs it: hand the step over.
      const heir = allStates(stateDir).find(
        (s) => s.iface !== state.iface && s.netns === state.netns && s.steps.some((x) => x.kind === "rule"),
      );
      if (heir) {
        heir.steps.unshift(step);
        writeState(heir, stateDir);
        return;
      }
      if (readSysctl(step.key) !== step.previous) {
        shell.err(`[#] sysctl -q ${step.key}=${step.previous}\n`);
        writeSysctl(step.key, step.previous);
      }
      return;
    }
    case "daemon":
      return stopDaemon(shell, state.iface, step, socketDir, stateDir);
  }
}

/** Undoes every recorded step; returns the problems met (already printed). */
export async function undoSteps(shell: Shell, state: QuickState, socketDir: string, stateDir: string): Promise<string[]> {
  const problems: string[] = [];
  for (const step of [...state.steps].reverse()) {
    try {
      await undoStep(shell, state, step, socketDir, stateDir);
    } catch (e) {
      problems.push(message(e));
      shell.err(`[!] ${message(e)}\n`);
    }
  }
  return problems;
}

/**
 * Teardown for an interface `up` has no record of (brought up by hand with
 * wasmguardd, or the record was lost): what wg-quick's down does, from the
 * running device and the config: the fwmark table's rules, our nft table,
 * the DNS, then the interface.
 */
export async function foreignTeardown(
  shell: Shell,
  iface: string,
  fwmark: number,
  hasDefaultRoute: boolean,
  dns: string[],
  socketDir: string,
  stateDir: string,
): Promise<void> {
  if (splitDns(dns).servers.length && which("resolvconf", shell.env))
    await tryRun(shell, ["resolvconf", "-d", iface, "-f"]);
  if (which("nft", shell.env)) {
    const tables = await tryRun(shell, ["nft", "list", "tables"], { quiet: true });
    for (const m of tables.stdout.matchAll(/^table (ip6?) (\S+)$/gm))
      if (m[2] === nftTableName(iface)) await tryRun(shell, ["nft", "delete", "table", m[1], m[2]]);
  }
  if (fwmark && hasDefaultRoute) {
    for (const f of ["-4", "-6"]) {
      for (let i = 0; i < 100; i++) {
        const rules = (await tryRun(shell, ["ip", f, "rule", "show"], { quiet: true })).stdout;
        if (rules.includes(`lookup ${fwmark}`)) await tryRun(shell, ["ip", f, "rule", "delete", "table", String(fwmark)]);
        else if (rules.includes("from all lookup main suppress_prefixlength 0"))
          await tryRun(shell, ["ip", f, "rule", "delete", "table", "main", "suppress_prefixlength", "0"]);
        else break;
      }
    }
  }
  await stopDaemon(shell, iface, null, socketDir, stateDir);
}
