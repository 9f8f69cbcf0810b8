// `DNS =` while the interface is up: name servers and search domains handed
// to resolvconf exactly as wg-quick does (`resolvconf -a <iface> -m 0 -x`,
// undone with `resolvconf -d <iface> -f`), or, where only systemd-resolved is
// present, to resolvectl for the link (servers, the search domains and `~.`
// so every query goes through the tunnel, undone with `resolvectl revert`).
// With neither installed, `up` fails before changing anything else that DNS
// would depend on, as wg-quick does.
import { readFileSync } from "node:fs";
import { CliError } from "../io.js";
import { run, which, type Shell } from "./exec.js";
import type { UndoStep } from "./state.js";

type DnsStep = Extract<UndoStep, { kind: "dns" }>;

/** wg-quick's split: digits and dots, or anything with a colon, is a server; the rest are search domains. */
export function splitDns(entries: string[]): { servers: string[]; search: string[] } {
  const servers: string[] = [];
  const search: string[] = [];
  for (const e of entries) (/^[0-9.]+$/.test(e) || e.includes(":") ? servers : search).push(e);
  return { servers, search };
}

/** The prefix Debian's resolvconf wants for a tunnel (`tun.` when interface-order lists `tun*`). */
function resolvconfPrefix(): string {
  let order: string;
  try {
    order = readFileSync("/etc/resolvconf/interface-order", "utf8");
  } catch {
    return "";
  }
  for (const line of order.split("\n")) {
    const m = /^([A-Za-z0-9-]+)\*$/.exec(line.trim());
    if (m) return `${m[1]}.`;
  }
  return "";
}

/** Which tool would be used, for the check `up` makes before it starts. */
export function dnsTool(shell: Shell): "resolvconf" | "resolvectl" | null {
  if (which("resolvconf", shell.env)) return "resolvconf";
  if (which("resolvectl", shell.env)) return "resolvectl";
  return null;
}

/** Sets the DNS; returns the step that undoes it, or null when nothing was set. */
export async function setDns(shell: Shell, iface: string, entries: string[], file: string): Promise<DnsStep | null> {
  const { servers, search } = splitDns(entries);
  if (servers.length === 0) {
    if (search.length) shell.err(`[!] ${file}: DNS lists search domains but no server; wg-quick ignores them, and so do we\n`);
    return null;
  }
  const tool = dnsTool(shell);
  if (tool === "resolvconf") {
    const name = resolvconfPrefix() + iface;
    let input = servers.map((s) => `nameserver ${s}\n`).join("");
    if (search.length) input += `search ${search.join(" ")}\n`;
    await run(shell, ["resolvconf", "-a", name, "-m", "0", "-x"], { input });
    return { kind: "dns", via: "resolvconf", name };
  }
  if (tool === "resolvectl") {
    await run(shell, ["resolvectl", "dns", iface, ...servers]);
    const step: DnsStep = { kind: "dns", via: "resolvectl", name: iface };
    await run(shell, ["resolvectl", "domain", iface, ...search, "~."]);
    return step;
  }
  throw new CliError(
    `${file} sets DNS, but neither resolvconf nor resolvectl is installed: install openresolv (or systemd-resolved), or remove the DNS line`,
  );
}

export async function unsetDns(shell: Shell, step: DnsStep): Promise<void> {
  if (step.via === "resolvconf") await run(shell, ["resolvconf", "-d", step.name, "-f"]);
  else await run(shell, ["resolvectl", "revert", step.name]);
}
