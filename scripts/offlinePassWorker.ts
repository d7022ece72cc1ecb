/**
 * The worker-thread entry of one offline-engine pass (scripts/offlineEngine.ts starts it): runs
 * the pass and posts its records, or the program's failure, as its one message.
 */
import { parentPort, workerData } from "node:worker_threads";
import {
  ProgramError,
  runPass,
  type OfflineRunOptions,
  type PassKind,
  type PassMessage,
} from "./offlinePass.ts";

const data = workerData as { options: OfflineRunOptions; pass: PassKind };
const port = parentPort!;
try {
  const result = await runPass(data.options, data.pass);
  port.postMessage({ type: "result", result } satisfies PassMessage);
} catch (error) {
  if (!(error instanceof ProgramError)) throw error;
  port.postMessage({ type: "program-error", message: error.message } satisfies PassMessage);
}
