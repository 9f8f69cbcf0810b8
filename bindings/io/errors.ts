// Errors shaped like the addon's (a .code holding the errno name), for
// conditions detected in TypeScript such as a poll error or a fake's failure.
export type IoError = Error & { code: string };

export function ioError(code: string, message: string): IoError {
  return Object.assign(new Error(`${message}: ${code}`), { code });
}

/** The errno name an error carries, if any. */
export function errorCode(e: unknown): string | undefined {
  const c = (e as { code?: unknown } | null)?.code;
  return typeof c === "string" ? c : undefined;
}
