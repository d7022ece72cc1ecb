/**
 * `budget-sync review` as people and CI run it: the real bin in a child process (exit code,
 * stdout, stderr, --json, the files --out writes). What the review holds is tested in process
 * (test/cli/review/accessReview.test.ts, test/cli/review/diff.test.ts, test/cli/review/escaping.test.ts).
 */
import { existsSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { REVIEW_FORMAT, reviewSchema } from "../../cli/review/contract.ts";
import { REPO, runCli } from "../helpers/cli.ts";

const dir = mkdtempSync(path.join(tmpdir(), "budget-sync-review-"));

/** The offline engine's secret access keys look like this; none may ever be printed. */
const MOCK_SECRET = /offline-placeholder-secret-[0-9a-f]{13}/;

describe("budget-sync review, as a process", () => {
  it("prints the summary of the default stack, exit 0, nothing on stderr", async () => {
    const result = await runCli(["review"]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain("Access review of stack own-bucket");
    expect(result.stdout).toContain(
      "  SpendFlo: list and read under budgets/, as IAM user spendflo-budget-sync-own-bucket with an access key; no write",
    );
    expect(result.stdout).toContain("IAM Access Analyzer");
    expect(result.stdout + result.stderr).not.toMatch(MOCK_SECRET);
    expect(result.stderr).toBe("");
  });

  it("--json prints the contract; --out writes the page and the Markdown, whole", async () => {
    const page = path.join(dir, "review.html");
    const json = await runCli([
      "review",
      "--stack",
      "role",
      "--json",
      "--account-id",
      "111122223333",
      "--out",
      page,
    ]);
    expect(json.code, json.stderr).toBe(0);
    const review = reviewSchema.parse(JSON.parse(json.stdout));
    expect(review).toMatchObject({
      format: REVIEW_FORMAT,
      stack: "role",
      accountId: "111122223333",
    });
    expect(review.accountIdIsPlaceholder).toBe(false);
    const html = readFileSync(page, "utf8");
    expect(html).toMatch(/^<!doctype html>/);
    expect(html).toContain('http-equiv="Content-Security-Policy"');
    expect(html).toContain("<code>111122223333</code>");
    expect(html).not.toContain("offline placeholder");

    const md = path.join(dir, "review.md");
    const result = await runCli(["review", "--stack", "role", "--out", md]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toBe(
      `Wrote ${md}: 1 principal on 1 budget bucket; 0 can change something.\n`,
    );
    expect(readFileSync(md, "utf8")).toMatch(/^# Access review of stack `role`/);
    // Written whole: no temporary file is left beside them.
    expect(readdirSync(dir).filter((f) => f.endsWith(".tmp"))).toEqual([]);
  });

  it("--against: a pull request that adds an uploader fails with the new Write on top; no change passes", async () => {
    const base = path.join(dir, "base.json");
    const before = await runCli(["review", "--stack", "own-bucket", "--out", base]);
    expect(before.code, before.stderr).toBe(0);
    expect(reviewSchema.parse(JSON.parse(readFileSync(base, "utf8"))).stack).toBe("own-bucket");

    // The pull request: the same stack, now with an uploader.
    const pr = mkdtempSync(path.join(dir, "pr-"));
    const config = readFileSync(path.join(REPO, "stacks/Pulumi.own-bucket.yaml"), "utf8").replace(
      "  budget-sync:tags:",
      "  budget-sync:uploader:\n    kind: instance-role\n  budget-sync:tags:",
    );
    writeFileSync(path.join(pr, "Pulumi.own-bucket.yaml"), config);
    const diffFile = path.join(dir, "diff.md");
    const after = await runCli([
      "review",
      "--config",
      path.join(pr, "Pulumi.own-bucket.yaml"),
      "--against",
      base,
      "--out",
      diffFile,
    ]);
    expect(after.code, after.stderr).toBe(1);
    expect(after.stdout).toContain(
      "+ [new Write] uploader budget-uploader-own-bucket: Write s3:PutObject",
    );
    const markdown = readFileSync(diffFile, "utf8");
    expect(markdown).toContain("**⚠️ A reviewer must approve this change:**");
    expect(markdown.split("\n").find((l) => l.startsWith("| ➕"))).toContain("new Write");

    const json = await runCli(["review", "--stack", "own-bucket", "--against", base, "--json"]);
    expect(json.code, json.stderr).toBe(0);
    expect(JSON.parse(json.stdout)).toMatchObject({
      failing: false,
      added: 0,
      removed: 0,
      changes: [],
    });
  });

  it("exits 1 when the pack has a mandatory finding", async () => {
    const program = path.join(REPO, "test/fixtures/programs/spendflo-writes");
    const result = await runCli([
      "review",
      "--program",
      program,
      "--policy-config",
      path.join(program, "policy-config.json"),
    ]);
    expect(result.code, result.stderr).toBe(1);
    expect(result.stdout).toMatch(/^! SpendFlo: .*WRITES: /m);
    expect(result.stdout).toContain("[mandatory] spendflo-read-only");
  });

  it("refuses bad input with exit 2 and says what to do, as JSON under --json; writes nothing", async () => {
    const format = await runCli(["review", "--out", path.join(dir, "review.txt")]);
    expect(format.code).toBe(2);
    expect(format.stderr).toContain("--out: must end in .html, .md or .json (the format to write)");

    const notReview = path.join(dir, "plan.json");
    writeFileSync(notReview, '{ "stack": "own-bucket", "resources": [] }');
    const against = await runCli(["review", "--against", notReview, "--json"]);
    expect(against.code).toBe(2);
    expect(against.stderr).toContain(`--against ${notReview}: not a review of this version`);
    expect(JSON.parse(against.stdout).error).toMatchObject({ exitCode: 2 });

    const nowhere = path.join(dir, "missing-dir", "review.html");
    const unwritable = await runCli(["review", "--stack", "role", "--out", nowhere]);
    expect(unwritable.code).toBe(2);
    expect(unwritable.stderr).toContain(`--out ${nowhere}: cannot write it (ENOENT`);
    expect(existsSync(path.dirname(nowhere))).toBe(false);
  });

  it("explains itself with --help", async () => {
    const result = await runCli(["review", "--help"]);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain("--against");
    expect(result.stdout).toContain("IAM Access Analyzer covers them once deployed");
    expect(result.stdout).toContain("budget-sync review --against base.json --out");
  });
});
