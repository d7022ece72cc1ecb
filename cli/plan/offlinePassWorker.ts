/**
 * The worker-thread entry of offline-engine passes (cli/plan/offlineEngine.ts starts it). A
 * one-pass worker runs the pass its `workerData` names, its program's output streaming to its
 * stdout and stderr, and posts its records (or the program's failure) as its one message. A
 * reusable worker (our own stacks' program, see `reusableFor`) waits for passes to run, one at
 * a time, and posts each one's records with the output the program printed during it.
 */
import { parentPort, workerData } from "node:worker_threads";
import {
  ProgramError,
  runPass,
  type OfflineRunOptions,
  type PassKind,
  type PassMessage,
} from "./offlinePass.ts";

/** A pass to run: what a worker is started with, or sent. */
export interface PassRequest {
  options: OfflineRunOptions;
  pass: PassKind;
}

const data = workerData as { reusable: boolean } & Partial<PassRequest>;
const port = parentPort!;

async function run(request: PassRequest): Promise<PassMessage> {
  try {
    return { type: "result", result: await runPass(request.options, request.pass) };
  } catch (error) {
    if (!(error instanceof ProgramError)) throw error;
    return { type: "program-error", message: error.message };
  }
}

if (!data.reusable) {
  port.postMessage(await run(data as PassRequest));
} else {
  port.on("message", (request: PassRequest) => {
    const output: string[] = [];
    const writes = { out: process.stdout.write, err: process.stderr.write };
    const capture = ((chunk: string | Uint8Array) => {
      output.push(typeof chunk === "string" ? chunk : Buffer.from(chunk).toString("utf8"));
      return true;
    }) as typeof process.stdout.write;
    process.stdout.write = capture;
    process.stderr.write = capture;
    void run(request)
      .finally(() => {
        process.stdout.write = writes.out;
        process.stderr.write = writes.err;
      })
      .then((message) => port.postMessage({ ...message, output: output.join("") }));
  });
}
