// The child side of Netns.spawnNode: a Node process inside a namespace that
// answers the test's calls over the IPC channel. Kept apart from netns.ts so
// the child does not load the test runner.

export type CallHandlers = Record<string, (params: never) => unknown>;

/**
 * In a child started by spawnNode: answers calls with `handlers` (sync or
 * async; a thrown error's message and .code go back to the caller).
 * Returns `emit` for events the parent awaits with nextEvent.
 */
export function serveCalls(handlers: CallHandlers): (event: string, data?: unknown) => void {
  const send = process.send?.bind(process);
  if (!send) throw new Error("serveCalls: not started with an IPC channel (use Netns.spawnNode)");
  process.on("message", async (m: { id: number; method: string; params: unknown }) => {
    const h = handlers[m.method];
    try {
      if (!h) throw new Error(`unknown method ${m.method}`);
      const result = await h(m.params as never);
      send({ id: m.id, result: result ?? null });
    } catch (e) {
      const err = e as Error & { code?: string };
      send({ id: m.id, error: { message: err.message ?? String(e), code: err.code } });
    }
  });
  // The parent going away ends the child too.
  process.on("disconnect", () => process.exit(0));
  return (event, data) => send({ event, data });
}
