/**
 * The exporter's code as Pulumi sees it: a file named by the SHA-256 of its content. Pulumi hashes
 * an archive of files by their names and contents only (pulumi/pulumi
 * `sdk/go/common/resource/archive/archive.go`, `EnsureHashWithWD` and `addNextFileToTar`: name,
 * mode 0600, size, bytes), so the same bundle gives the same archive hash, and a new one only
 * when the code changes.
 */
import { execFile } from "node:child_process";
import { cpSync, mkdtempSync, readFileSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import {
  EXPORTER_BUILD_DIR,
  bundleExporterHandler,
  writeContentAddressed,
} from "../../../components/budget-exporter/bundle.ts";
import { REPO } from "../../helpers/cli.ts";

const run = promisify(execFile);

/** A fresh checkout of what the bundle is built from, elsewhere on disk. */
function checkout(): string {
  const dir = mkdtempSync(path.join(tmpdir(), "budget-sync-checkout-"));
  for (const part of ["components", "lib", "package.json", "tsconfig.json"]) {
    cpSync(path.join(REPO, part), path.join(dir, part), { recursive: true });
  }
  symlinkSync(path.join(REPO, "node_modules"), path.join(dir, "node_modules"));
  return dir;
}

/** Bundles in a new process, as `budget-sync plan` or `pulumi up` would: `{ sha256, path }`. */
async function bundleIn(dir: string): Promise<{ sha256: string; path: string; bytes: number }> {
  const script = `import("./components/budget-exporter/bundle.ts").then(({ bundleExporterHandler }) => { const b = bundleExporterHandler(); console.log(JSON.stringify({ sha256: b.sha256, path: b.path, bytes: b.bytes })); })`;
  const { stdout } = await run(process.execPath, ["--import", "tsx", "-e", script], { cwd: dir });
  return JSON.parse(stdout) as { sha256: string; path: string; bytes: number };
}

describe("the exporter's code archive", () => {
  it("is built from a fresh checkout into its gitignored build directory, named by its content", async () => {
    const dir = checkout();
    const built = await bundleIn(dir);
    expect(built.path).toBe(path.join(dir, ".build/exporter", `${built.sha256}.js`));
    expect(statSync(built.path).size).toBe(built.bytes);
    expect(readFileSync(path.join(REPO, ".gitignore"), "utf8")).toMatch(/^\/\.build\/$/m);
    // The same code, built elsewhere and in another process, is the same file: same hash.
    const here = bundleExporterHandler();
    expect(built.sha256).toBe(here.sha256);
    expect(readFileSync(built.path, "utf8")).toBe(here.code);
    expect(here.path).toBe(path.join(EXPORTER_BUILD_DIR, `${here.sha256}.js`));
  });

  it("gives the same hash on a second run, and a new one when the code changes", async () => {
    const dir = checkout();
    const first = await bundleIn(dir);
    const again = await bundleIn(dir);
    expect(again).toEqual(first);
    const handler = path.join(dir, "components/budget-exporter/lambda/handler.ts");
    writeFileSync(
      handler,
      readFileSync(handler, "utf8").replace(
        "return { statusCode: 200, body: `Uploaded: ${key}` }",
        "return { statusCode: 200, body: `Uploaded (v2): ${key}` }",
      ),
    );
    expect(readFileSync(handler, "utf8")).toContain("Uploaded (v2)");
    const changed = await bundleIn(dir);
    expect(changed.sha256).not.toBe(first.sha256);
    expect(changed.path).not.toBe(first.path);
    expect(readFileSync(changed.path, "utf8")).toContain("Uploaded (v2)");
    // The earlier bundle is untouched: a plan of the older code still finds its file.
    expect(statSync(first.path).size).toBe(first.bytes);
  });

  it("writes a file once, rewrites one whose content is not what its name says", () => {
    const dir = mkdtempSync(path.join(tmpdir(), "budget-sync-build-"));
    const file = writeContentAddressed("exports.handler = () => 1;\n", dir);
    expect(path.basename(file)).toMatch(/^[0-9a-f]{64}\.js$/);
    const inode = statSync(file).ino;
    expect(writeContentAddressed("exports.handler = () => 1;\n", dir)).toBe(file);
    expect(statSync(file).ino).toBe(inode);
    expect(writeContentAddressed("exports.handler = () => 2;\n", dir)).not.toBe(file);
    writeFileSync(file, "tampered");
    expect(writeContentAddressed("exports.handler = () => 1;\n", dir)).toBe(file);
    expect(readFileSync(file, "utf8")).toBe("exports.handler = () => 1;\n");
  });
});
