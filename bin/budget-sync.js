#!/usr/bin/env node
// The command line runs its TypeScript sources directly through tsx: no build step after `npm ci`.
import { register } from "tsx/esm/api";

register();
const { main } = await import("../scripts/cli.ts");
process.exitCode = await main(process.argv.slice(2));
