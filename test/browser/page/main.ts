// The self-test page: runs in the window, or (?in=worker) in a module Web
// Worker, and leaves the report in globalThis.selftestReport for the test.
import { optionsFrom, selftest, type Report } from "./run.js";

function inWorker(search: string): Promise<Report> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(new URL(`./worker.js${search}`, import.meta.url), { type: "module" });
    worker.onmessage = (ev: MessageEvent<{ report?: Report; error?: string }>) => {
      worker.terminate();
      if (ev.data.report) resolve(ev.data.report);
      else reject(new Error(`worker: ${ev.data.error}`));
    };
    worker.onerror = (ev) => reject(new Error(`worker failed to load or threw: ${ev.message}`));
  });
}

const report =
  new URLSearchParams(location.search).get("in") === "worker"
    ? inWorker(location.search)
    : selftest(optionsFrom(location.search), new URL("/vectors/", location.href));

(globalThis as { selftestReport?: Promise<Report> }).selftestReport = report;
report.then(
  (r) => {
    const failed = r.checks.filter((c) => !c.ok);
    document.getElementById("out")!.textContent =
      `${r.scope}, ${r.build} build: ${r.checks.length - failed.length}/${r.checks.length} checks pass\n` +
      failed.map((c) => `FAIL ${c.name}: ${c.detail}`).join("\n");
  },
  (e: unknown) => {
    document.getElementById("out")!.textContent = `error: ${String(e)}`;
  },
);
