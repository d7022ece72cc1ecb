/**
 * Budget-file validation on a worker thread. For `upload`, the whole file, so that it is checked
 * on one core while the upload streams on another: `{ type: "invalid" }` at the first error,
 * `{ type: "report", report }` at the end. For a large CSV file checked in two parts
 * (`validateOpenFile`), its rest from `rest.start`: `{ type: "part", part }`. The worker reads
 * the file itself, by positional reads of the descriptor the starting thread opened (`fd`).
 */
import { parentPort, Worker, workerData } from "node:worker_threads";
import type { CsvPart } from "../lib/budgetFileCsv.ts";
import type { BudgetFileReport, ValidateBudgetOptions } from "../lib/budgetFile.ts";
import { validateCsvRest, validateOpenFile } from "./budgetReport.ts";

export type WorkerMessage =
  | { type: "invalid" }
  | { type: "report"; report: BudgetFileReport }
  | { type: "part"; part: CsvPart | undefined };

/** What the worker is started with. */
export interface ValidationWorkerData extends Omit<ValidateBudgetOptions, "onInvalid"> {
  budgetSyncValidation: true;
  fd: number;
  /** Only the rest of a CSV file, from this byte offset (a line start). */
  rest?: { start: number };
}

/** Starts the worker; it runs our TypeScript as the bin does: through tsx, registered first. */
export function startValidationWorker(data: ValidationWorkerData): Worker {
  const tsxApi = import.meta.resolve("tsx/esm/api");
  const entry = import.meta.url;
  return new Worker(
    `import(${JSON.stringify(tsxApi)}).then((tsx) => { tsx.register(); return import(${JSON.stringify(entry)}); });`,
    { eval: true, workerData: data },
  );
}

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
      onInvalid: () => port.postMessage({ type: "invalid" } satisfies WorkerMessage),
    });
    port.postMessage({ type: "report", report } satisfies WorkerMessage);
  }
}
