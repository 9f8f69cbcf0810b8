// Which file `up`/`down`/`save`/`strip` read and which interface it names,
// with wg-quick's rules: a bare interface name means
// /etc/wireguard/<name>.conf; a path must end in `<interface name>.conf`; the
// interface is named after the file.
import { existsSync, readFileSync, realpathSync, statSync } from "node:fs";
import { dirname } from "node:path";
import { ConfigError, parseConfig, type WgConfig } from "../../uapi/config.js";
import { CliError, describeSystemError } from "../io.js";

export const CONFIG_DIR = "/etc/wireguard";

/** Interface names wg-quick accepts: 1 to 15 of these characters. */
const IFACE = /^[a-zA-Z0-9_=+.-]{1,15}$/;
const CONF_PATH = /(?:^|\/)([a-zA-Z0-9_=+.-]{1,15})\.conf$/;

export interface ConfigTarget {
  /** The interface the file names. */
  iface: string;
  /** The file as given (or /etc/wireguard/<name>.conf), resolved through symlinks when it exists. */
  file: string;
  exists: boolean;
}

/** Works out the file and interface from `<name | path.conf>` without reading it. */
export function configTarget(arg: string, configDir = CONFIG_DIR): ConfigTarget {
  const path = IFACE.test(arg) ? `${configDir}/${arg}.conf` : arg;
  const m = CONF_PATH.exec(path);
  if (!m) throw new CliError("The config file must be a valid interface name, followed by .conf");
  const exists = existsSync(path);
  return { iface: m[1], file: exists ? realpathSync(path) : path, exists };
}

export interface QuickConfig extends ConfigTarget {
  text: string;
  config: WgConfig;
}

/** Warns as wg-quick does when others may read the file (it holds a private key). */
function warnIfWorldAccessible(file: string, err: (t: string) => void): void {
  try {
    if ((statSync(file).mode & statSync(dirname(file)).mode & 0o007) !== 0) err(`Warning: \`${file}' is world accessible\n`);
  } catch {
    // Reading fails below with the real reason.
  }
}

/** Reads and parses the wg-quick config named by `arg`; one-line CliErrors for every problem. */
export function loadQuickConfig(arg: string, err: (t: string) => void, configDir = CONFIG_DIR): QuickConfig {
  const target = configTarget(arg, configDir);
  if (!target.exists) throw new CliError(`\`${target.file}' does not exist`);
  return { ...target, ...readQuickConfig(target.file, err) };
}

/** The text of the file named by `arg`, unparsed (for `strip`, which is textual as in wg-quick). */
export function loadQuickText(arg: string, err: (t: string) => void, configDir = CONFIG_DIR): ConfigTarget & { text: string } {
  const target = configTarget(arg, configDir);
  if (!target.exists) throw new CliError(`\`${target.file}' does not exist`);
  warnIfWorldAccessible(target.file, err);
  return { ...target, text: readText(target.file) };
}

function readText(file: string): string {
  try {
    return readFileSync(file, "latin1");
  } catch (e) {
    throw new CliError(`Unable to read \`${file}': ${describeSystemError(e)}`);
  }
}

/** Reads and parses a wg-quick config file. */
export function readQuickConfig(file: string, err: (t: string) => void): { text: string; config: WgConfig } {
  warnIfWorldAccessible(file, err);
  const text = readText(file);
  try {
    return { text, config: parseConfig(text, { mode: "wg-quick", file, onWarning: (w) => err(`${w}\n`) }) };
  } catch (e) {
    if (e instanceof ConfigError) throw new CliError(e.message);
    throw e;
  }
}
