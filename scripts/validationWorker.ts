/**
 * Budget-file validation on a worker thread, so that `upload` checks the file on one core while
 * the upload streams on another. The worker reads the file itself, by positional reads of the
 * descriptor the main thread opened (`workerData.fd`), posts `{ type: "invalid" }` at the first
 * error and `{ type: "report", report }` at the end.
 */
import { parentPort, workerData } from "node:worker_threads";
import type { BudgetFileReport, ValidateBudgetOptions } from "../lib/budgetFile.ts";
import { validateOpenFile } from "./budgetReport.ts";

export type WorkerMessage = { type: "invalid" } | { type: "report"; report: BudgetFileReport };

/** What the worker is started with. */
export interface ValidationWorkerData extends Omit<ValidateBudgetOptions, "onInvalid"> {
  budgetSyncValidation: true;
  fd: number;
}

const data = workerData as ValidationWorkerData | null;
// Only as the worker `upload` starts: importing this module anywhere else does nothing.
if (parentPort && data?.budgetSyncValidation === true) {
  const port = parentPort;
  const report = await validateOpenFile(data.fd, {
    format: data.format,
    sheet: data.sheet,
    maxIssues: data.maxIssues,
    sizeHint: data.sizeHint,
    onInvalid: () => port.postMessage({ type: "invalid" } satisfies WorkerMessage),
  });
  port.postMessage({ type: "report", report } satisfies WorkerMessage);
}
