import { Worker } from "node:worker_threads";
import type { PlannedResource } from "../../lib/stack/plannedResource.ts";
import {
  ProgramError,
  reusableFor,
  type OfflineRunOptions,
  type PassKind,
  type PassMessage,
  type PassResult,
  type SecretPath,
} from "./offlinePass.ts";
import type { PassRequest } from "./offlinePassWorker.ts";

export {
  OUR_PROGRAM,
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
 * Our own program's workers are kept for the next plan (see `idleWorkers`).
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
 * Idle workers that may run another pass of our own stacks' program (`reusableFor`): a process
 * that plans again (the test suites, `npm run bench`) skips loading the SDK and the program each
 * time. Unreferenced while idle, so they never keep a process alive.
 */
const idleWorkers: PassWorker[] = [];
/** Two passes run at once: two idle workers serve the next plan. */
const MAX_IDLE_WORKERS = 2;

/** A worker, and the pass it is running: told of the worker's errors and exit. */
interface PassWorker {
  worker: Worker;
  reusable: boolean;
  running?: { pass: PassKind; resolve(r: PassResult): void; reject(e: Error): void };
}

/**
 * One pass on a worker thread, through tsx as the bin runs our TypeScript. The program's own
 * output (console.log, Pulumi's warnings) goes to stderr, once: from the update pass.
 */
function runOnWorker(options: OfflineRunOptions, pass: PassKind): Promise<PassResult> {
  const reusable = reusableFor(options.programPath);
  const passWorker =
    (reusable && idleWorkers.pop()) ||
    startWorker(reusable ? { reusable } : { reusable, options, pass });
  const { worker } = passWorker;
  worker.ref();
  // A reusable worker sends what the program printed with each pass; its own streams are never
  // read (a worker whose streams are read keeps the process alive, unreferenced or not).
  if (!reusable && pass === "update") {
    worker.stdout.pipe(process.stderr, { end: false });
    worker.stderr.pipe(process.stderr, { end: false });
  } else if (!reusable) {
    worker.stdout.resume();
    worker.stderr.resume();
  }
  return new Promise<PassResult>((resolve, reject) => {
    passWorker.running = { pass, resolve, reject };
    if (reusable) worker.postMessage({ options, pass } satisfies PassRequest);
  });
}

function startWorker(data: { reusable: boolean } & Partial<PassRequest>): PassWorker {
  const tsxApi = import.meta.resolve("tsx/esm/api");
  const entry = import.meta.resolve("./offlinePassWorker.ts");
  const worker = new Worker(
    `import(${JSON.stringify(tsxApi)}).then((tsx) => { tsx.register(); return import(${JSON.stringify(entry)}); });`,
    {
      eval: true,
      workerData: { budgetSyncOfflinePass: true, ...data },
      stdout: true,
      stderr: true,
    },
  );
  const passWorker: PassWorker = { worker, reusable: data.reusable };
  const done = () => {
    const running = passWorker.running;
    passWorker.running = undefined;
    return running;
  };
  worker.on("message", (message: PassMessage) => {
    const running = done();
    if (!running) return;
    if (message.output && running.pass === "update") process.stderr.write(message.output);
    // A worker whose program failed may hold what the failure left: never reused.
    if (passWorker.reusable && message.type === "result" && idleWorkers.length < MAX_IDLE_WORKERS) {
      worker.unref();
      idleWorkers.push(passWorker);
    } else {
      void worker.terminate();
    }
    if (message.type === "result") running.resolve(message.result);
    else running.reject(new ProgramError(message.message));
  });
  // An error after the pass's answer (a rejection the failed program left) ends the worker only.
  worker.on("error", (error) => done()?.reject(error));
  worker.on("exit", (code) => {
    const idle = idleWorkers.indexOf(passWorker);
    if (idle >= 0) idleWorkers.splice(idle, 1);
    const running = done();
    running?.reject(
      new Error(`the offline engine's ${running.pass} pass stopped (exit code ${code})`),
    );
  });
  return passWorker;
}
