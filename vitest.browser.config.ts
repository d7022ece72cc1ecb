import { defineConfig } from "vitest/config";

// The browser suite: the review page opened in Debian's chromium (/usr/bin/chromium) through
// playwright-core, as a person sees it. Screenshots and PDFs go to test-results/browser/.
export default defineConfig({
  test: {
    include: ["test/browser/**/*.test.ts"],
    testTimeout: 180_000,
    hookTimeout: 180_000,
  },
});
