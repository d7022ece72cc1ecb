/**
 * Budget-file validation on a worker thread. For `upload`, the whole file, so that it is checked
 * on one core while the upload streams on another: `{ type: "invalid" }` at the first error,
 * `{ type: "report", report }` at the end. For a large CSV file checked in two parts
 * (`validateOpenFile`), its rest from `rest.start`: `{ type: "part", part }`. The worker reads
 * the file itself, by positional reads of the descriptor the starting thread opened (`fd`).
 */
import { parentPort, workerData } from "node:worker_threads";
import { validateCsvRest, validateOpenFile } from "./budgetReport.ts";
import type { ValidationWorkerData, WorkerMessage } from "./validationWorkerClient.ts";

const data = workerData as ValidationWorkerData | null;
// Only as the worker of a validation: importing this module anywhere else does nothing.
if (parentPort && data?.budgetSyncValidation === true) {
  const port = parentPort;
  if (data.rest !== undefined) {
    const part = await validateCsvRest(data.fd, data.rest.start, { maxIssues: data.maxIssues });
    const keys = part?.checker?.keys;
    port.postMessage(
      { type: "part", part } satisfies WorkerMessage,
      keys ? [keys.buffer as ArrayBuffer] : [],
    );
  } else {
    const report = await validateOpenFile(data.fd, {
      format: data.format,
      sheet: data.sheet,
      maxIssues: data.maxIssues,
      sizeHint: data.sizeHint,
      splitMinBytes: data.splitMinBytes,
      onInvalid: () => port.postMessage({ type: "invalid" } satisfies WorkerMessage),
    });
    port.postMessage({ type: "report", report } satisfies WorkerMessage);
  }
}
