import { Worker } from "node:worker_threads";
import type { PlannedResource } from "../lib/plannedResource.ts";
import {
  ProgramError,
  type OfflineRunOptions,
  type PassKind,
  type PassMessage,
  type PassResult,
  type SecretPath,
} from "./offlinePass.ts";

export {
  ProgramError,
  type OfflineRunOptions,
  type SecretPath,
  type UnansweredInvoke,
} from "./offlinePass.ts";

/**
 * The offline engine: runs a Pulumi program under Pulumi's own mocks (no Pulumi CLI, no AWS
 * account, no network), twice, each on a worker thread of its own (Pulumi's runtime is global to
 * a thread): once as `pulumi preview` of a new stack sees it, once as `pulumi up` does. The
 * update's records are the plan; the preview's say what the engine cannot know before anything
 * exists. Both start together, so the second costs little time on a machine with two cores.
 */

export interface OfflineRunResult extends Omit<PassResult, "pass"> {
  /** The same resources as `pulumi preview` of a new stack plans them (unknowns as `UNKNOWN`). */
  preview: PlannedResource[];
  /** Secret positions in each previewed resource's inputs, by URN. */
  previewSecretInputPaths: Map<string, SecretPath[]>;
}

export async function runOffline(options: OfflineRunOptions): Promise<OfflineRunResult> {
  const [preview, update] = await Promise.allSettled([
    runOnWorker(options, "preview"),
    runOnWorker(options, "update"),
  ]);
  // The update's failure is the one a user meets first in the real engine's output too.
  if (update.status === "rejected") throw update.reason;
  if (preview.status === "rejected") throw preview.reason;
  const run = update.value;
  return {
    resources: run.resources,
    secretInputPaths: run.secretInputPaths,
    outputs: run.outputs,
    secretOutputPaths: run.secretOutputPaths,
    secretValues: run.secretValues,
    // The passes meet the same invokes; the update's uses are the plan's.
    unansweredInvokes: run.unansweredInvokes,
    preview: preview.value.resources,
    previewSecretInputPaths: preview.value.secretInputPaths,
  };
}

/**
 * One pass on a worker thread, through tsx as the bin runs our TypeScript. The program's own
 * output (console.log, Pulumi's warnings) goes to stderr, once: from the update pass.
 */
function runOnWorker(options: OfflineRunOptions, pass: PassKind): Promise<PassResult> {
  const tsxApi = import.meta.resolve("tsx/esm/api");
  const entry = import.meta.resolve("./offlinePassWorker.ts");
  const worker = new Worker(
    `import(${JSON.stringify(tsxApi)}).then((tsx) => { tsx.register(); return import(${JSON.stringify(entry)}); });`,
    {
      eval: true,
      workerData: { budgetSyncOfflinePass: true, options, pass },
      stdout: true,
      stderr: true,
    },
  );
  if (pass === "update") {
    worker.stdout.pipe(process.stderr, { end: false });
    worker.stderr.pipe(process.stderr, { end: false });
  } else {
    worker.stdout.resume();
    worker.stderr.resume();
  }
  return new Promise((resolve, reject) => {
    let settled = false;
    worker.once("message", (message: PassMessage) => {
      settled = true;
      if (message.type === "result") resolve(message.result);
      else reject(new ProgramError(message.message));
      void worker.terminate();
    });
    worker.once("error", (error) => {
      settled = true;
      reject(error);
    });
    worker.once("exit", (code) => {
      if (!settled)
        reject(new Error(`the offline engine's ${pass} pass stopped (exit code ${code})`));
    });
  });
}
