/**
 * Budget-file validation on a worker thread (cli/files/validationWorker.ts is the worker's
 * entry), for every caller (`validate`'s two-part check of a large CSV file, `upload`'s check
 * beside the transfer): what it is started with, the messages it posts, its end and its stop, and
 * the bundle it runs.
 */
import { createHash } from "node:crypto";
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
} from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { threadId, Worker } from "node:worker_threads";
import type { CsvPart } from "../../lib/budget-file/csv.ts";
import type { BudgetFileReport, ValidateBudgetOptions } from "../../lib/budget-file/budgetFile.ts";

/** The worker's entry: a leaf, which only the worker thread imports. */
const WORKER_ENTRY = "validationWorker.ts";

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
  /** The whole file: CSV files this large are checked in two parts (default 64 MiB). */
  splitMinBytes?: number;
}

/** A validation worker at work. */
export interface ValidationWorkerRun {
  /** Calls `listener` with each message the worker posts. */
  onMessage(listener: (message: WorkerMessage) => void): void;
  /** Calls `listener` once, when the worker fails (with its error) or exits (without one). */
  onEnd(listener: (error?: Error) => void): void;
  /** Ends the worker if it still runs; resolves once it has exited, so no longer reads the file. */
  stop(): Promise<void>;
}

/**
 * Starts a validation on a worker thread; undefined when no worker can start (the caller then
 * checks the file in its own thread).
 */
export function runValidationWorker(data: ValidationWorkerData): ValidationWorkerRun | undefined {
  let worker: Worker;
  try {
    worker = startValidationWorker(data);
  } catch {
    return undefined;
  }
  let exited = false;
  const exit = new Promise<void>((resolve) =>
    worker.once("exit", () => {
      exited = true;
      resolve();
    }),
  );
  return {
    onMessage: (listener) => void worker.on("message", listener),
    onEnd: (listener) => {
      let ended = false;
      const end = (error?: Error): void => {
        if (ended) return;
        ended = true;
        listener(error);
      };
      worker.on("error", end);
      void exit.then(() => end());
    },
    stop: async () => {
      if (!exited) await worker.terminate();
      await exit;
    },
  };
}

/**
 * Starts the worker. It runs the worker's code bundled into one JavaScript file (see
 * `workerBundle`): a worker that ran our TypeScript through tsx, as the bin does, would first
 * start tsx's own loader thread and wait on it for every module, about half a second of CPU.
 * Where no bundle can be had, it does just that.
 */
function startValidationWorker(data: ValidationWorkerData): Worker {
  const bundle = workerBundle();
  if (bundle !== undefined) return new Worker(bundle, { workerData: data });
  const tsxApi = import.meta.resolve("tsx/esm/api");
  const entry = new URL(`./${WORKER_ENTRY}`, import.meta.url).href;
  return new Worker(
    `import(${JSON.stringify(tsxApi)}).then((tsx) => { tsx.register(); return import(${JSON.stringify(entry)}); });`,
    { eval: true, workerData: data },
  );
}

/** The bundle's path once known (or undefined once known to be unavailable), per process. */
let bundled: { file: string | undefined } | undefined;

/**
 * This module and what it imports of ours, bundled by esbuild into one ES module, kept under the
 * package's `node_modules/.cache/budget-sync/` (so that its package imports resolve as ours do)
 * and named for the sources it was built from (their names, sizes and modification times): built
 * once, in about 0.1 s, then reused. Undefined when it cannot be built or written.
 */
function workerBundle(): string | undefined {
  if (bundled) return bundled.file;
  bundled = { file: undefined };
  try {
    // This file's package: cli/files/ in the sources, or the cache directory in a bundle.
    let root = path.dirname(fileURLToPath(import.meta.url));
    while (!isOurPackage(root)) {
      const parent = path.dirname(root);
      if (parent === root) return undefined;
      root = parent;
    }
    const sources = createHash("sha256");
    for (const dir of ["lib", "cli"]) {
      for (const name of readdirSync(path.join(root, dir), {
        recursive: true,
        encoding: "utf8",
      }).sort()) {
        if (!name.endsWith(".ts")) continue;
        const stats = statSync(path.join(root, dir, name));
        sources.update(`${dir}/${name}:${stats.size}:${stats.mtimeMs}\n`);
      }
    }
    const cache = path.join(root, "node_modules", ".cache", "budget-sync");
    const file = path.join(cache, `validationWorker-${sources.digest("hex").slice(0, 16)}.mjs`);
    if (!existsSync(file)) {
      const esbuild = createRequire(import.meta.url)("esbuild") as typeof import("esbuild");
      mkdirSync(cache, { recursive: true });
      // Built aside, then renamed: another process may be building the same bundle.
      const building = `${file}.${process.pid}.${threadId}.tmp`;
      esbuild.buildSync({
        entryPoints: [path.join(root, "cli", "files", WORKER_ENTRY)],
        bundle: true,
        platform: "node",
        format: "esm",
        packages: "external",
        outfile: building,
        logLevel: "silent",
      });
      renameSync(building, file);
      // Bundles of sources since changed are of no more use.
      for (const name of readdirSync(cache)) {
        if (/^validationWorker-.*\.mjs$/.test(name) && path.join(cache, name) !== file)
          rmSync(path.join(cache, name), { force: true });
      }
    }
    bundled = { file };
  } catch {
    // Read-only install, no esbuild: tsx it is.
  }
  return bundled.file;
}

function isOurPackage(dir: string): boolean {
  try {
    const manifest = JSON.parse(readFileSync(path.join(dir, "package.json"), "utf8")) as {
      name?: string;
    };
    return manifest.name === "budget-sync" && existsSync(path.join(dir, "cli"));
  } catch {
    return false;
  }
}
