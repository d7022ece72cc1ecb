/**
 * Bundles the exporter's handler with esbuild when the Pulumi program runs: one CommonJS file
 * holding the handler, the budget-file validator and the AWS SDK clients it uses, so the deployed
 * code is exactly what the tests ran, whatever SDK version the Lambda runtime ships.
 */
import { createHash } from "node:crypto";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { buildSync } from "esbuild";

/** Lambda runs Node 22 at the oldest (nodejs20.x reached its end of life in 2026). */
export const EXPORTER_RUNTIME = "nodejs22.x";
/** The bundle must stay well under Lambda's limits and quick to cold-start. */
export const MAX_BUNDLE_BYTES = 1024 * 1024;

export interface ExporterBundle {
  /** The bundled JavaScript (CommonJS), exporting `handler`. */
  code: string;
  bytes: number;
  sha256: string;
}

let cached: ExporterBundle | undefined;

/** The handler, bundled once per process. Throws if esbuild fails or the bundle is too large. */
export function bundleExporterHandler(): ExporterBundle {
  if (cached) return cached;
  const entry = path.join(path.dirname(fileURLToPath(import.meta.url)), "handler.ts");
  const result = buildSync({
    entryPoints: [entry],
    bundle: true,
    platform: "node",
    target: "node22",
    format: "cjs",
    minify: true,
    write: false,
    legalComments: "none",
    // The validator loads its XLSX reader (and exceljs) only for workbooks; the exporter writes
    // CSV, so that path is never taken and its 1 MB of code stays out of the bundle.
    external: ["exceljs"],
    // The SDK's ES module builds tree-shake: 0.58 MB against 0.89 MB from their CommonJS builds.
    mainFields: ["module", "main"],
    logLevel: "silent",
  });
  const code = result.outputFiles[0]!.text;
  const bytes = Buffer.byteLength(code);
  if (bytes > MAX_BUNDLE_BYTES) {
    throw new Error(
      `the exporter bundle is ${bytes} bytes, over the ${MAX_BUNDLE_BYTES}-byte budget: check what esbuild pulled in`,
    );
  }
  cached = { code, bytes, sha256: createHash("sha256").update(code).digest("hex") };
  return cached;
}
