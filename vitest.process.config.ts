import { defineConfig } from "vitest/config";

// The process-level tests: every command as people run it, `bin/budget-sync.js` in a child
// process (exit code, stdout, stderr, --json), against s3rver and local HTTP servers.
export default defineConfig({
  test: {
    include: ["test/process/**/*.test.ts"],
    // Two files at a time: much of their time is spent waiting on the processes they start.
    maxWorkers: 2,
    testTimeout: 120_000,
    hookTimeout: 120_000,
  },
});
