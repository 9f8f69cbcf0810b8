// What the tunnel benchmark needs from the host, checked up front so that a
// missing piece is named (with the command that installs it) instead of
// failing halfway through.
import { spawnSync } from "node:child_process";
import { netnsAvailable } from "../../test/helpers/netns-core.js";

export const INSTALL_HINT = "apt-get install wireguard-go wireguard-tools iperf3 iputils-ping iproute2";

/** Which system command each tool name stands for, and the Debian package that has it. */
const TOOLS: Record<string, string> = {
  ip: "iproute2",
  wg: "wireguard-tools",
  iperf3: "iperf3",
  ping: "iputils-ping",
  "wireguard-go": "wireguard-go",
};

export function hasCommand(cmd: string): boolean {
  return spawnSync("sh", ["-c", `command -v "${cmd}"`], { stdio: "ignore" }).status === 0;
}

export interface HostCheck {
  /** Nothing at all can run (no root, no namespaces, or a core tool missing): every reason. */
  blockers: string[];
  /** Missing optional pieces, each with its consequence, e.g. "wireguard-go: pairs with it are skipped". */
  notes: string[];
  /** Packages to install for what is missing. */
  packages: string[];
  wireguardGo: boolean;
  wasmguard: { ok: boolean; reason?: string };
}

/** Checks root, namespaces, TUN, the I/O addon and the tools; cheap (no traffic). */
export function checkHost(): HostCheck {
  const blockers: string[] = [];
  const notes: string[] = [];
  const packages = new Set<string>();
  for (const tool of ["ip", "wg", "iperf3", "ping"]) {
    if (!hasCommand(tool)) {
      blockers.push(`the ${tool} command is missing (package ${TOOLS[tool]})`);
      packages.add(TOOLS[tool]);
    }
  }
  if (process.platform !== "linux") blockers.unshift(`network namespaces need Linux, not ${process.platform}`);
  else if (process.getuid?.() !== 0) blockers.unshift("it must run as root (it creates network namespaces and interfaces)");
  else if (hasCommand("ip")) {
    const ns = netnsAvailable();
    if (!ns.ok) blockers.push(ns.reason!);
  }
  const wireguardGo = hasCommand("wireguard-go");
  if (!wireguardGo) {
    notes.push("wireguard-go is missing (package wireguard-go): the pairs with it are skipped");
    packages.add("wireguard-go");
  }
  // wasmguardd needs /dev/net/tun and the native I/O addon (npm run build:native).
  const wasmguard = netnsAvailable({ netns: false, tun: true, addon: true });
  if (!wasmguard.ok) notes.push(`wasmguardd cannot run here: ${wasmguard.reason}; the pairs with it are skipped`);
  return { blockers, notes, packages: [...packages], wireguardGo, wasmguard };
}

let kernelProbe: { ok: boolean; reason?: string } | undefined;

/**
 * Whether `ip link add ... type wireguard` works: tried in a scratch namespace
 * so that nothing is left on the host.
 */
export function kernelWireguard(): { ok: boolean; reason?: string } {
  if (kernelProbe) return kernelProbe;
  const ns = `wgb-kprobe-${process.pid}`;
  const add = spawnSync("ip", ["netns", "add", ns], { encoding: "utf8" });
  if (add.status !== 0) return (kernelProbe = { ok: false, reason: `cannot create a namespace to probe it: ${add.stderr.trim()}` });
  try {
    const r = spawnSync("ip", ["-n", ns, "link", "add", "wgprobe", "type", "wireguard"], { encoding: "utf8" });
    if (r.status === 0) return (kernelProbe = { ok: true });
    const why = /unknown device type|not supported/i.test(r.stderr) ? "no wireguard module" : r.stderr.trim();
    return (kernelProbe = { ok: false, reason: why });
  } finally {
    spawnSync("ip", ["netns", "del", ns]);
  }
}
