// The published pack's code: `npm pack` (which `pulumi policy publish` runs in this folder) packs
// only this folder, never ../lib, so `prepack` bundles index.ts with the lib code it imports into
// pack.bundle.cjs, and `postpack` removes it again. Packages stay outside the bundle, required
// from the pack's own node_modules; each must be a declared dependency (package.json), or the
// build fails: a published pack that cannot start fails every stack of its policy group.
//
//   node --import tsx bundle.ts          build pack.bundle.cjs
//   node --import tsx bundle.ts clean    remove it
import { build } from "esbuild";
import { readFileSync, rmSync } from "node:fs";
import { builtinModules } from "node:module";
import { fileURLToPath } from "node:url";

const here = (file: string) => fileURLToPath(new URL(file, import.meta.url));
export const BUNDLE = here("pack.bundle.cjs");

/** The package a bare import names: `@scope/name` or `name`, without a subpath. */
export function packageOf(specifier: string): string {
  const parts = specifier.split("/");
  return specifier.startsWith("@") ? parts.slice(0, 2).join("/") : parts[0]!;
}

/**
 * Bundles the pack (written to pack.bundle.cjs unless `write` is false) and returns the packages
 * the bundle requires at run time, sorted.
 */
export async function bundlePack({ write = true } = {}): Promise<string[]> {
  const result = await build({
    entryPoints: [here("index.ts")],
    bundle: true,
    platform: "node",
    format: "cjs",
    target: "node20",
    packages: "external",
    outfile: BUNDLE,
    write,
    metafile: true,
    logLevel: "warning",
    banner: { js: "// The budget-sync policy pack, bundled by bundle.ts at `npm pack`." },
  });
  const builtins = new Set(builtinModules);
  const required = new Set<string>();
  for (const output of Object.values(result.metafile.outputs)) {
    for (const { path, external } of output.imports) {
      if (external && !path.startsWith("node:") && !builtins.has(path)) {
        required.add(packageOf(path));
      }
    }
  }
  return [...required].sort();
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  if (process.argv[2] === "clean") {
    rmSync(BUNDLE, { force: true });
  } else {
    const required = await bundlePack();
    const manifest = JSON.parse(readFileSync(here("package.json"), "utf8")) as {
      dependencies?: Record<string, string>;
    };
    const missing = required.filter((p) => !manifest.dependencies?.[p]);
    if (missing.length) {
      rmSync(BUNDLE, { force: true });
      console.error(
        `policies/bundle.ts: the pack requires ${missing.join(", ")}, not declared in policies/package.json "dependencies": declare it, or the published pack cannot start.`,
      );
      process.exit(1);
    }
  }
}
