// Endpoint host names are resolved by the CLI (the UAPI takes only
// addresses), with wg's retry policy: permanent failures (no such name, no
// address) fail at once; temporary ones are retried WG_ENDPOINT_RESOLUTION_RETRIES
// times (default 15, or `infinity`), waiting 1 s, then 1.2 times longer each
// time up to 20 s, as wg's config.c does.
import type { Endpoint } from "../net/ip.js";
import { parseAddress } from "../net/ip.js";
import type { ConfigEndpoint } from "../uapi/config.js";
import { CliError, type CliIo } from "./io.js";

/** The retry budget from the environment: a count, or -1 for infinity. */
export function resolutionRetries(env: Record<string, string | undefined>): number {
  const v = env.WG_ENDPOINT_RESOLUTION_RETRIES;
  if (v === undefined) return 15;
  if (v === "infinity") return -1;
  if (!/^[0-9]*$/.test(v) || Number(v) > 0x7fffffff)
    throw new CliError(`Unable to parse WG_ENDPOINT_RESOLUTION_RETRIES: \`${v}'`);
  return Number(v);
}

// gai_strerror() texts, by the codes Node gives lookup errors.
const PERMANENT: Record<string, string> = {
  ENOTFOUND: "Name or service not known",
  EAI_NONAME: "Name or service not known",
  EAI_FAIL: "Non-recoverable failure in name resolution",
  ENODATA: "No address associated with hostname",
  EAI_NODATA: "No address associated with hostname",
};
const TRANSIENT: Record<string, string> = {
  EAI_AGAIN: "Temporary failure in name resolution",
  EAI_MEMORY: "Memory allocation failure",
  EAI_SYSTEM: "System error",
};

/**
 * The endpoint's address: the literal as is, or the first address the
 * resolver gives for the host name. `text` is how the user wrote it (for messages).
 */
export async function resolveEndpoint(ep: ConfigEndpoint, text: string, io: CliIo): Promise<Endpoint> {
  if (ep.literal) return ep.literal;
  let retries = resolutionRetries(io.env);
  for (let timeout = 1_000_000; ; timeout = Math.min(20_000_000, Math.floor((timeout * 6) / 5))) {
    try {
      const r = await io.lookup(ep.host);
      const pct = r.address.indexOf("%");
      if (pct === -1) return { address: parseAddress(r.address), port: ep.port };
      return { address: parseAddress(r.address.slice(0, pct)), port: ep.port, scope: r.address.slice(pct + 1) };
    } catch (e) {
      const code = String((e as NodeJS.ErrnoException).code ?? "");
      const permanent = PERMANENT[code];
      const reason = permanent ?? TRANSIENT[code] ?? (e instanceof Error ? e.message : String(e));
      if (permanent || (retries >= 0 && retries-- === 0)) throw new CliError(`${reason}: \`${text}'`);
      io.err(`${reason}: \`${text}'. Trying again in ${(timeout / 1_000_000).toFixed(2)} seconds...\n`);
      await io.sleep(timeout / 1000);
    }
  }
}
