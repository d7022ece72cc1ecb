import { defineConfig } from "vitest/config";

// The unit suite (`npm test`): in-process tests. The process-level tests (test/process, the real
// bin in child processes), the interop tests (the real AWS CLI), the published policy pack
// (test/pack) and the browser tests (test/browser) have configs of their own.

/**
 * Test files that set Pulumi's mocks in this process (`plan` runs its programs on worker threads
 * instead). Pulumi's runtime is global to a process, so they share a project of their own, one
 * file after another on the same worker: each file's `setMocks` starts the runtime afresh (new
 * options, monitor and root stack), as cli/plan/offlinePass.ts does for each pass of a reused
 * worker. Shuffled (`--sequence.shuffle`), they pass in any order.
 */
const PULUMI_RUNTIME = ["test/components/**/*.test.ts", "test/components/hostedCustomer.test.ts"];
const ELSEWHERE = [
  "test/interop/**",
  "test/process/**",
  "test/pack/**",
  "test/browser/**",
  "node_modules/**",
];

export default defineConfig({
  test: {
    testTimeout: 60_000,
    hookTimeout: 60_000,
    projects: [
      {
        extends: true,
        test: { name: "pulumi", include: PULUMI_RUNTIME, exclude: ELSEWHERE, isolate: false },
      },
      {
        // Everything else shares its workers' loaded modules (the AWS SDK, exceljs, zod, the
        // components' @pulumi/aws) rather than loading them again for every file.
        extends: true,
        test: {
          name: "unit",
          include: ["test/**/*.test.ts"],
          exclude: [...ELSEWHERE, ...PULUMI_RUNTIME],
          isolate: false,
        },
      },
    ],
  },
});
