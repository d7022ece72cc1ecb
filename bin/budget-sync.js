#!/usr/bin/env node
// The command line runs its TypeScript sources directly through tsx: no build step after `npm ci`.
import { register } from "tsx/esm/api";

register();
// A program under `plan` can fail after its promise settled; report it like any other failure.
process.on("uncaughtException", (error) => {
  // Already reported by the command (a failed program rethrows its error): exit as it said.
  if (process.exitCode) process.exit(process.exitCode);
  process.stderr.write(`budget-sync: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(2);
});
const { main } = await import("../scripts/cli.ts");
process.exitCode = await main(process.argv.slice(2));
