/**
 * The docs tell the truth about the code: the generated references in docs/ are up to date, no
 * comment or document names a repository path that does not exist, and every relative link in
 * README.md and docs/ resolves (all three are `npm run docs:check`, run here as CI runs it).
 */
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { REPO, SDK_NOTICE_OFF } from "./helpers/cli.ts";

function docsCheck(): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--import", "tsx", "tools/docs.ts", "--check"], {
      cwd: REPO,
      env: { ...process.env, ...SDK_NOTICE_OFF },
      stdio: ["ignore", "ignore", "pipe"],
    });
    let stderr = "";
    child.stderr.on("data", (d) => (stderr += d));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stderr }));
  });
}

describe("docs", () => {
  it("the generated references are current, every cited path exists, every link resolves", async () => {
    const { code, stderr } = await docsCheck();
    expect(stderr).toBe("");
    expect(code).toBe(0);
  }, 180_000);

  it("docs/policy-pack.md shows the example policy config as it is", () => {
    const example = readFileSync(path.join(REPO, "policies/policy-config.example.json"), "utf8");
    const doc = readFileSync(path.join(REPO, "docs/policy-pack.md"), "utf8");
    expect(doc).toContain(`\`\`\`json\n${example.trimEnd()}\n\`\`\``);
  });
});
