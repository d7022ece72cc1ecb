import { defineConfig } from "vitest/config";

// The unit suite (`npm test`): in-process tests. The process-level tests (test/process, the real
// bin in child processes) and the interop tests (the real AWS CLI) have configs of their own.

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    exclude: ["test/interop/**", "test/process/**", "node_modules/**"],
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
