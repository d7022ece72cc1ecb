import { defineConfig } from "vitest/config";

// The published policy pack: `npm pack`, `npm install` of the tarball in an empty folder, and the
// analyzer started as the Pulumi CLI starts it (test/pack/). Slow (npm), so not in `npm test`.
export default defineConfig({
  test: {
    include: ["test/pack/**/*.test.ts"],
    testTimeout: 120_000,
    hookTimeout: 600_000,
  },
});
