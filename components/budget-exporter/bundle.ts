/**
 * Bundles the exporter's handler with esbuild when the Pulumi program runs: one CommonJS file
 * holding the handler, the budget-file validator and the AWS SDK clients it uses, so the deployed
 * code is exactly what the tests ran, whatever SDK version the Lambda runtime ships.
 *
 * The bundle is written to a file named by the SHA-256 of its content (`.build/exporter/`, not
 * committed), and the function's code is a Pulumi archive of that file: Pulumi keeps the file's
 * path and the archive's hash in the state, never the 600 KB of code, and sees a change only when
 * the code changes.
 */
import { createHash } from "node:crypto";
import { mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
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
  /** The file holding `code`, named by its SHA-256 (absolute). */
  path: string;
}

/** Where bundles are written: `.build/exporter/` at the repository's root (gitignored). */
export const EXPORTER_BUILD_DIR = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  "../../.build/exporter",
);

/**
 * Writes `code` to `<dir>/<sha256 of code>.js` and returns that path; a file already there with
 * the same content is kept as it is. Written under a temporary name and renamed, so a reader (a
 * second plan, the Pulumi engine) never sees half a file.
 */
export function writeContentAddressed(code: string, dir: string = EXPORTER_BUILD_DIR): string {
  const sha256 = createHash("sha256").update(code).digest("hex");
  const file = path.join(dir, `${sha256}.js`);
  try {
    if (readFileSync(file, "utf8") === code) return file;
  } catch {
    // Not there yet.
  }
  mkdirSync(dir, { recursive: true });
  const temporary = `${file}.${process.pid}.tmp`;
  writeFileSync(temporary, code);
  renameSync(temporary, file);
  return file;
}

let cached: ExporterBundle | undefined;

/**
 * The handler, bundled once per process and written to its content-addressed file. Throws if
 * esbuild fails, the bundle is too large or the file cannot be written.
 */
export function bundleExporterHandler(): ExporterBundle {
  if (cached) return cached;
  const entry = path.join(path.dirname(fileURLToPath(import.meta.url)), "lambda", "handler.ts");
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
  cached = {
    code,
    bytes,
    sha256: createHash("sha256").update(code).digest("hex"),
    path: writeContentAddressed(code),
  };
  return cached;
}
