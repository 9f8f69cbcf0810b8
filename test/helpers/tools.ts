// Suites that need system tools (wg, wireguard-go, iperf3) skip locally with a
// printed reason when a tool is missing, and fail instead when CI sets
// WASMGUARD_REQUIRE_NETNS=1.
import { spawnSync } from "node:child_process";

export const requireSystem = process.env.WASMGUARD_REQUIRE_NETNS === "1";

export function hasTool(cmd: string): boolean {
  return spawnSync("sh", ["-c", `command -v ${cmd}`], { stdio: "ignore" }).status === 0;
}

/**
 * Returns true when every tool is present. Otherwise prints why the suite is skipped and
 * returns false, or throws when the environment requires the suite to run.
 */
export function toolsAvailable(suite: string, ...cmds: string[]): boolean {
  const missing = cmds.filter((c) => !hasTool(c));
  if (missing.length === 0) return true;
  const reason = `${suite}: skipped, missing ${missing.join(", ")} (apt-get install -y --no-install-recommends wireguard-tools wireguard-go iperf3 iputils-ping)`;
  if (requireSystem) throw new Error(`${reason}; WASMGUARD_REQUIRE_NETNS=1 makes this a failure`);
  console.warn(reason);
  return false;
}
