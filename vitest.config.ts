import { defineConfig } from "vitest/config";

// The unit suite (`npm test`): in-process tests. The process-level tests (test/process, the real
// bin in child processes) and the interop tests (the real AWS CLI) have configs of their own.

/**
 * Test files that run a Pulumi program or set Pulumi's mocks: Pulumi's runtime is global to a
 * process, so each of these files gets a process of its own.
 */
const PULUMI_RUNTIME = [
  "test/components/**/*.test.ts",
  "test/hostedCustomer.test.ts",
  "test/hostedStack.test.ts",
  "test/hostedShard.test.ts",
  "test/hostedIsolation.test.ts",
  "test/costEstimate.test.ts",
  "test/plan.test.ts",
  "test/planGivenKmsKey.test.ts",
];
const ELSEWHERE = ["test/interop/**", "test/process/**", "node_modules/**"];

export default defineConfig({
  test: {
    testTimeout: 60_000,
    hookTimeout: 60_000,
    projects: [
      {
        extends: true,
        test: { name: "pulumi", include: PULUMI_RUNTIME, exclude: ELSEWHERE },
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
