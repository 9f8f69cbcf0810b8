// The packet-filter rules wg-quick adds with a full-tunnel route, per family:
//   - anti-spoofing: packets for the tunnel's own addresses that arrive on
//     another interface from a non-local source are dropped (otherwise anyone
//     on the LAN could reach services bound to the tunnel address);
//   - connection marks: the daemon's UDP packets carry the fwmark; the mark is
//     saved on the connection and restored on replies, so with
//     src_valid_mark=1 reverse-path filtering accepts them.
// nft is preferred (one table `wasmguard-<iface>`, removed whole); otherwise
// iptables-restore with commented rules (removed one by one). With neither,
// the route still works and `up` says clearly what protection is missing.
// WASMGUARD_FIREWALL=nft|iptables|none forces a choice.
import { CliError } from "../io.js";
import { run, which, type Shell } from "./exec.js";
import type { UndoStep } from "./state.js";

type FirewallStep = Extract<UndoStep, { kind: "nft" } | { kind: "iptables" }>;

export type FirewallBackend = "nft" | "iptables" | "none";

export function firewallBackend(shell: Shell, family: 4 | 6): FirewallBackend {
  const forced = shell.env.WASMGUARD_FIREWALL;
  if (forced === "nft" || forced === "iptables" || forced === "none") return forced;
  if (forced && forced !== "auto") throw new CliError(`WASMGUARD_FIREWALL must be auto, nft, iptables or none, not \`${forced}'`);
  if (which("nft", shell.env)) return "nft";
  if (which(family === 4 ? "iptables-restore" : "ip6tables-restore", shell.env)) return "iptables";
  return "none";
}

export function nftTableName(iface: string): string {
  return `wasmguard-${iface}`;
}

/** The nft script for one family: `addresses` are the interface's own addresses of that family. */
export function nftScript(iface: string, family: 4 | 6, mark: number, addresses: string[]): string {
  const pf = family === 4 ? "ip" : "ip6";
  const t = `${pf} ${nftTableName(iface)}`;
  let s = `add table ${t}\n`;
  s += `add chain ${t} preraw { type filter hook prerouting priority -300; }\n`;
  s += `add chain ${t} premangle { type filter hook prerouting priority -150; }\n`;
  s += `add chain ${t} postmangle { type filter hook postrouting priority -150; }\n`;
  for (const a of addresses) s += `add rule ${t} preraw iifname != "${iface}" ${pf} daddr ${a} fib saddr type != local drop\n`;
  s += `add rule ${t} postmangle meta l4proto udp mark ${mark} ct mark set mark\n`;
  s += `add rule ${t} premangle meta l4proto udp meta mark set ct mark\n`;
  return s;
}

/** The iptables-restore input adding (`-I`) or deleting (`-D`) the same rules. */
export function iptablesRestore(iface: string, mark: number, addresses: string[], op: "-I" | "-D"): string {
  const tag = `-m comment --comment "wasmguard rule for ${iface}"`;
  let s = "*raw\n";
  for (const a of addresses) s += `${op} PREROUTING ! -i ${iface} -d ${a} -m addrtype ! --src-type LOCAL -j DROP ${tag}\n`;
  s += "COMMIT\n*mangle\n";
  s += `${op} POSTROUTING -m mark --mark ${mark} -p udp -j CONNMARK --save-mark ${tag}\n`;
  s += `${op} PREROUTING -p udp -j CONNMARK --restore-mark ${tag}\n`;
  s += "COMMIT\n";
  return s;
}

/** Adds the rules; returns the step that removes them, or null (with a warning) when no tool is there. */
export async function addFirewall(shell: Shell, iface: string, family: 4 | 6, mark: number, addresses: string[]): Promise<FirewallStep | null> {
  const backend = firewallBackend(shell, family);
  if (backend === "nft") {
    await run(shell, ["nft", "-f", "-"], { input: nftScript(iface, family, mark, addresses) });
    return { kind: "nft", family: family === 4 ? "ip" : "ip6", table: nftTableName(iface) };
  }
  if (backend === "iptables") {
    const tool = family === 4 ? "iptables-restore" : "ip6tables-restore";
    await run(shell, [tool, "-n"], { input: iptablesRestore(iface, mark, addresses, "-I") });
    return { kind: "iptables", family, restore: iptablesRestore(iface, mark, addresses, "-D") };
  }
  shell.err(
    `[!] Neither nft nor iptables-restore is installed: the IPv${family} default route goes through ${iface}, but without ` +
      "wg-quick's packet-filter rules (dropping outside packets addressed to the tunnel's own addresses; connection marks " +
      "for reverse-path filtering). Install nftables to have them.\n",
  );
  return null;
}

export async function removeFirewall(shell: Shell, step: FirewallStep): Promise<void> {
  if (step.kind === "nft") await run(shell, ["nft", "delete", "table", step.family, step.table]);
  else await run(shell, [step.family === 4 ? "iptables-restore" : "ip6tables-restore", "-n"], { input: step.restore });
}
