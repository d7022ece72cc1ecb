/**
 * Budget-file validation on a worker thread, so that `upload` checks the file on one core while
 * the upload streams on another. The main thread posts byte chunks (and `null` at the end);
 * the worker acknowledges each chunk as it takes it (the sender's back-pressure), posts
 * `{ type: "invalid" }` at the first error and `{ type: "report", report }` at the end.
 */
import { parentPort, workerData } from "node:worker_threads";
import { validateBudgetStream, type ValidateBudgetOptions } from "../lib/budgetFile.ts";

export type WorkerMessage =
  | { type: "ack" }
  | { type: "invalid" }
  | { type: "report"; report: import("../lib/budgetFile.ts").BudgetFileReport };

if (parentPort) {
  const port = parentPort;
  const queue: Uint8Array[] = [];
  let ended = false;
  let wake: (() => void) | undefined;
  port.on("message", (message: Uint8Array | null) => {
    if (message === null) ended = true;
    else queue.push(message);
    wake?.();
  });
  async function* chunks(): AsyncGenerator<Uint8Array> {
    for (;;) {
      const chunk = queue.shift();
      if (chunk !== undefined) {
        port.postMessage({ type: "ack" } satisfies WorkerMessage);
        yield chunk;
      } else if (ended) {
        return;
      } else {
        await new Promise<void>((resolve) => (wake = resolve));
      }
    }
  }
  const options = workerData as Omit<ValidateBudgetOptions, "onInvalid">;
  const report = await validateBudgetStream(chunks(), {
    ...options,
    onInvalid: () => port.postMessage({ type: "invalid" } satisfies WorkerMessage),
  });
  port.postMessage({ type: "report", report } satisfies WorkerMessage);
}
