// `wasmguard systemd-unit [--install]`: the wasmguard@.service template unit
// (the file systemd/wasmguard@.service, kept identical by a test), with
// `wasmguard` replaced by absolute paths to this node and this package, so the
// unit works whatever PATH systemd gives it (a per-user node install, nvm, a
// clone). --install writes it to /etc/systemd/system and reloads systemd.
import { existsSync, writeFileSync } from "node:fs";
import { CliError, type CliIo } from "../io.js";
import { tryRun } from "./exec.js";
import { packageCommand } from "./daemon.js";

export const UNIT_FILE = "wasmguard@.service";
export const UNIT_DIR = "/etc/systemd/system";

export const UNIT_TEMPLATE = `# wasmguard@<iface>: the tunnel /etc/wireguard/<iface>.conf, like wg-quick@<iface>.
#   systemctl enable --now wasmguard@wg0     bring it up now and at every boot
#   systemctl reload wasmguard@wg0           apply peer changes without dropping sessions
# \`wasmguard up\` starts the wasmguardd daemon and returns; the daemon stays in
# this unit's control group (RemainAfterExit keeps the unit active), and
# \`wasmguard down\` stops it. Install with \`wasmguard systemd-unit --install\`,
# which writes this unit with absolute paths to node and to this package.
[Unit]
Description=WireGuard tunnel %I (wasmguard, userspace)
After=network-online.target nss-lookup.target
Wants=network-online.target nss-lookup.target
Documentation=man:wg-quick(8)

[Service]
Type=oneshot
RemainAfterExit=yes
ExecStart=wasmguard up %i
ExecStop=wasmguard down %i
ExecReload=/bin/bash -c 'exec wasmguard syncconf %i <(exec wasmguard strip %i)'
Environment=WG_ENDPOINT_RESOLUTION_RETRIES=infinity

[Install]
WantedBy=multi-user.target
`;

/** One argument as systemd's command-line syntax (and bash, inside the single-quoted -c) reads it. */
function unitArg(arg: string): string {
  if (/['"\\$`\n]/.test(arg)) throw new CliError(`cannot write a unit for a path holding quotes or backslashes: ${arg}`);
  const escaped = arg.replaceAll("%", "%%");
  return /\s/.test(escaped) ? `"${escaped}"` : escaped;
}

/** The unit with `wasmguard` replaced by `command` (default: this node running this package's CLI). */
export function unitText(command: string[] = packageCommand("wasmguard")): string {
  const cli = command.map(unitArg).join(" ");
  return UNIT_TEMPLATE.replace(/^(Exec\w+=.*)$/gm, (line) => line.replace(/\bwasmguard (?=up|down|syncconf|strip)/g, `${cli} `));
}

export async function systemdUnitCommand(install: boolean, io: CliIo): Promise<number> {
  const text = unitText();
  if (!install) {
    io.out(text);
    return 0;
  }
  const path = `${UNIT_DIR}/${UNIT_FILE}`;
  try {
    writeFileSync(path, text, { mode: 0o644 });
  } catch (e) {
    throw new CliError(`Could not write ${path}: ${(e as Error).message}${(e as NodeJS.ErrnoException).code === "EACCES" ? " (run as root)" : ""}`);
  }
  io.err(`Wrote ${path}\n`);
  if (existsSync("/run/systemd/system")) {
    const shell = { env: io.env, err: io.err };
    const r = await tryRun(shell, ["systemctl", "daemon-reload"]);
    if (r.status !== 0) io.err(`[!] systemctl daemon-reload failed: ${r.stderr.trim()}\n`);
  }
  io.err("Now: systemctl enable --now wasmguard@<iface>   (for /etc/wireguard/<iface>.conf)\n");
  return 0;
}
