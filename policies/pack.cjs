/* global module */
// The entry point the Pulumi CLI loads (PulumiPolicy.yaml `main`, package.json `main`).
// The CLI's policy-pack runner always registers its own ts-node for `require` (pulumi/pulumi#4830),
// which cannot run this ESM TypeScript. So the pack is loaded as ESM through tsx's loader,
// registered here, where ts-node does not reach: the same tsx that runs the program (Pulumi.yaml).
module.exports = import("tsx/esm/api").then(({ register }) => {
  register();
  return import("./index.ts");
});
