import { defineConfig } from "vitest/config";

// The interop tests run our commands beside the real AWS CLI v2 (/usr/bin/aws).
export default defineConfig({
  test: {
    include: ["test/interop/**/*.test.ts"],
    testTimeout: 120_000,
    hookTimeout: 120_000,
  },
});
