// IPv6 scope ids: `[fe80::1%eth0]:51820` names an interface, `%3` gives its index.
import { readFileSync } from "node:fs";

export function resolveScopeId(scope: string): number {
  if (/^\d+$/.test(scope)) return Number(scope);
  try {
    return Number(readFileSync(`/sys/class/net/${scope}/ifindex`, "utf8").trim());
  } catch {
    throw new Error(`unknown interface '${scope}' in endpoint scope`);
  }
}
