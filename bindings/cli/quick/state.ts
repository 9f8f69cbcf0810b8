// What `up` changed on the machine, written down step by step in
// /run/wasmguard/<iface>.json as it goes, so `down` (or `up`'s own rollback,
// or a later `down` after a crash) undoes exactly that, in reverse order, and
// nothing else. /run is a tmpfs: the record goes away with a reboot, as do the
// interface, routes and rules it describes.
import { mkdirSync, readdirSync, readFileSync, readlinkSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";

export const STATE_DIR = "/run/wasmguard";

export type UndoStep =
  /** The daemon serving the interface; undone by deleting the link and ending the process. */
  | { kind: "daemon"; pid: number; startTime: string; command: string; log?: string }
  | { kind: "dns"; via: "resolvconf" | "resolvectl"; name: string }
  /** `ip -<family> rule add <args>`; undone by `rule del <args>`. */
  | { kind: "rule"; family: 4 | 6; args: string[] }
  | { kind: "nft"; family: "ip" | "ip6"; table: string }
  /** Undone by feeding `restore` (the rules with -D) to `<family>tables-restore -n`. */
  | { kind: "iptables"; family: 4 | 6; restore: string }
  | { kind: "sysctl"; key: string; previous: string };

export interface QuickState {
  version: 1;
  iface: string;
  /** The config file `up` read. */
  file: string;
  /** The network namespace `up` ran in (its /proc/self/ns/net link), since /run is shared by all of them. */
  netns: string;
  /** The file's text as `up` read it: `down` uses it when the file is gone. */
  text: string;
  /** `starting` until PostUp has run; a record left in that state comes from an interrupted `up`. */
  phase: "starting" | "up";
  steps: UndoStep[];
}

export function currentNetns(): string {
  try {
    return readlinkSync("/proc/self/ns/net");
  } catch {
    return "unknown";
  }
}

export function statePath(iface: string, dir = STATE_DIR): string {
  return join(dir, `${iface}.json`);
}

/** The record for an interface, or null when there is none (or it is unreadable). */
export function readState(iface: string, dir = STATE_DIR): QuickState | null {
  try {
    const s = JSON.parse(readFileSync(statePath(iface, dir), "utf8")) as QuickState;
    return s.version === 1 && s.iface === iface && Array.isArray(s.steps) ? s : null;
  } catch {
    return null;
  }
}

/** Every record in the directory (for steps shared between interfaces, such as the src_valid_mark sysctl). */
export function allStates(dir = STATE_DIR): QuickState[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  const out: QuickState[] = [];
  for (const n of names) {
    if (!n.endsWith(".json")) continue;
    const s = readState(n.slice(0, -".json".length), dir);
    if (s) out.push(s);
  }
  return out;
}

/** Writes the record atomically (a reader never sees half a file), readable by root only. */
export function writeState(state: QuickState, dir = STATE_DIR): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const path = statePath(state.iface, dir);
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, JSON.stringify(state, null, 1) + "\n", { mode: 0o600 });
  renameSync(tmp, path);
}

export function removeState(iface: string, dir = STATE_DIR): void {
  rmSync(statePath(iface, dir), { force: true });
}

/** A record being built by `up`: every step is on disk before the next one starts. */
export class StateRecorder {
  readonly state: QuickState;

  constructor(
    iface: string,
    file: string,
    text: string,
    readonly dir = STATE_DIR,
  ) {
    this.state = { version: 1, iface, file, netns: currentNetns(), text, phase: "starting", steps: [] };
    writeState(this.state, dir);
  }

  add(step: UndoStep): void {
    this.state.steps.push(step);
    writeState(this.state, this.dir);
  }

  markUp(): void {
    this.state.phase = "up";
    writeState(this.state, this.dir);
  }
}
