#!/usr/bin/env node
// The command line runs its TypeScript sources directly through tsx: no build step after `npm ci`.
import { register } from "tsx/esm/api";

register();
// A program under `plan` can fail after its promise settled; report it like any other failure.
process.on("uncaughtException", (error) => {
  // Already reported by the command (a failed program rethrows its error): exit as it said.
  if (process.exitCode) process.exit(process.exitCode);
  const message = error instanceof Error ? error.message : String(error);
  process.stderr.write(`budget-sync: ${message}\n`);
  // A script that asked for JSON reads stdout: it gets the failure there too.
  if (process.argv.includes("--json") || process.argv.includes("--json=true"))
    process.stdout.write(`${JSON.stringify({ error: { message, exitCode: 2 } }, null, 2)}\n`);
  process.exit(2);
});
const { main } = await import("../cli/main.ts");
process.exitCode = await main(process.argv.slice(2));
