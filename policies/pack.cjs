/* global module, require, __dirname */
/* eslint-disable @typescript-eslint/no-require-imports -- a CommonJS file: the CLI require()s it */
// The entry point the Pulumi CLI loads (PulumiPolicy.yaml `main`, package.json `main`).
//
// In the repository (index.ts beside this file) the pack runs from its TypeScript sources. The
// CLI's policy-pack runner always registers its own ts-node for `require` (pulumi/pulumi#4830),
// which cannot run this ESM TypeScript; so the sources are loaded as ESM through tsx's loader,
// registered here, where ts-node does not reach: the same tsx that runs the program (Pulumi.yaml).
//
// In a published pack (`npm pack`, which `pulumi policy publish` runs) the sources and ../lib are
// not there: bundle.ts built pack.bundle.cjs at pack time, and that runs, with the packages it
// requires from the pack's own node_modules. A bundle left in the repository is never used.
const { existsSync } = require("node:fs");
const path = require("node:path");

const bundle = path.join(__dirname, "pack.bundle.cjs");
if (existsSync(path.join(__dirname, "index.ts"))) {
  module.exports = import("tsx/esm/api").then(({ register }) => {
    register();
    return import("./index.ts");
  });
} else if (existsSync(bundle)) {
  module.exports = require(bundle);
} else {
  throw new Error(
    "the budget-sync policy pack has no pack.bundle.cjs: it was packed without its prepack script " +
      "(npm pack --ignore-scripts, or ignore-scripts=true in an npmrc). Pack and publish it again with scripts on.",
  );
}
