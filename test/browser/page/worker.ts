// Web Worker entry of the self-test page: same checks, posted back to the page.
import { optionsFrom, selftest } from "./run.js";

const scope = globalThis as unknown as { postMessage(message: unknown): void };
selftest(optionsFrom(location.search), new URL("/vectors/", location.href)).then(
  (report) => scope.postMessage({ report }),
  (e: unknown) => scope.postMessage({ error: e instanceof Error ? `${e.message}\n${e.stack}` : String(e) }),
);
