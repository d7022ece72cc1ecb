/**
 * Loading `@pulumi/pulumi` costs about 1.6 s of CPU, two thirds of it for two packages only its
 * closure serialization uses (turning a JavaScript function into a Lambda's code, which none of
 * our components and few programs do): `typescript` and `@npmcli/arborist`. They are loaded
 * eagerly, with the runtime. Here each is put in Node's module cache as a stand-in that loads the
 * real package on first use, so a plan that never serializes a closure never loads them, and one
 * that does gets the real package, unchanged. Measured on `plan` of the default stack: see
 * bench/plan.ts.
 */
import { createRequire, Module } from "node:module";
import path from "node:path";

/** The packages deferred, each with the file of @pulumi/pulumi that requires it. */
const DEFERRED: [string, string][] = [
  ["typescript", "typescript-shim.js"],
  ["@npmcli/arborist", "runtime/closure/codePaths.js"],
];

const ES_MODULE = "__esModule";

// Node's CommonJS module cache (what `require.cache` is).
const cache = (Module as unknown as { _cache: Record<string, unknown> })._cache;

/** Defers the heavy packages of the `@pulumi/pulumi` at `pulumiEntry` (its resolved main file). */
export function deferClosureTooling(pulumiEntry: string): void {
  const pulumiDir = path.dirname(pulumiEntry);
  for (const [name, from] of DEFERRED) {
    const requireFrom = createRequire(path.join(pulumiDir, from));
    let resolved: string;
    try {
      resolved = requireFrom.resolve(name);
    } catch {
      continue;
    }
    if (cache[resolved]) continue;
    let real: Record<string | symbol, unknown> | undefined;
    const load = (): Record<string | symbol, unknown> => {
      if (!real) {
        delete cache[resolved];
        real = requireFrom(name) as Record<string | symbol, unknown>;
        cache[resolved] = stub;
      }
      return real;
    };
    const stub = new Module(resolved) as Module & { filename: string; loaded: boolean };
    stub.filename = resolved;
    stub.loaded = true;
    // `__esModule` keeps TypeScript's `__importStar` from copying (and so loading) it up front.
    stub.exports = new Proxy(
      {},
      {
        get: (_, key) => (key === ES_MODULE ? true : load()[key]),
        has: (_, key) => key === ES_MODULE || key in load(),
        ownKeys: () => Reflect.ownKeys(load()),
        // A loader's interop checks (tsx reads a descriptor of every module it loads) are
        // answered without loading; once the keys are asked for, the package is loaded.
        getOwnPropertyDescriptor: (_, key) => {
          if (key === ES_MODULE) return { value: true, configurable: true, enumerable: false };
          const d = real && Reflect.getOwnPropertyDescriptor(real, key);
          return d ? { ...d, configurable: true } : undefined;
        },
      },
    );
    cache[resolved] = stub;
  }
}

/** Defers them for the `@pulumi/pulumi` this package itself uses (the policy pack's, in `plan`). */
export function deferOwnClosureTooling(): void {
  try {
    deferClosureTooling(createRequire(import.meta.url).resolve("@pulumi/pulumi"));
  } catch {
    // not installed next to us: nothing to defer
  }
}
