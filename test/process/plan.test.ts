/**
 * `budget-sync plan` as people run it: the real bin in a child process. (What it prints for each
 * stack and program is tested in process, in test/plan.test.ts.)
 */
import { mkdtempSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { REPO, runCli } from "../helpers/cli.ts";

/** The offline engine's secret access keys look like this; none may ever be printed. */
const MOCK_SECRET = /offline[0-9a-f]{33}/;

describe("budget-sync plan, as a process", () => {
  it("plans the default stack for a human, exit 0, its secrets masked", async () => {
    const result = await runCli(["plan"]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain("Plan of stack own-bucket");
    expect(result.stdout).toContain("secretAccessKey: [secret]");
    expect(result.stdout + result.stderr).not.toMatch(MOCK_SECRET);
    // Nothing but the plan: no runtime warning, no program output on stdout.
    expect(result.stderr).toBe("");
  });

  it("prints JSON with --json, every finding with its stage", async () => {
    const result = await runCli(["plan", "--stack", "role", "--json"]);
    expect(result.code, result.stderr).toBe(0);
    const plan = JSON.parse(result.stdout) as {
      stack: string;
      violations: { stage: string }[];
      undecided: unknown[];
    };
    expect(plan.stack).toBe("role");
    expect(plan.undecided).toEqual([]);
    for (const v of plan.violations) expect(v.stage).toBe("preview");
  });

  it("exits 1 for a write grant to SpendFlo, 2 for bad config, with the error as JSON under --json", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "budget-sync-plan-"));
    writeFileSync(path.join(dir, "Pulumi.yaml"), "name: other\nruntime: nodejs\n");
    writeFileSync(path.join(dir, "package.json"), '{ "name": "other", "type": "module" }');
    symlinkSync(path.join(REPO, "node_modules"), path.join(dir, "node_modules"));
    writeFileSync(path.join(dir, "Pulumi.dev.yaml"), "config: {}\n");
    writeFileSync(
      path.join(dir, "index.ts"),
      [
        'import * as aws from "@pulumi/aws";',
        'const user = new aws.iam.User("reader", { name: "spendflo-reader" });',
        'new aws.iam.UserPolicy("w", { user: user.name, policy: JSON.stringify({ Version: "2012-10-17",',
        '  Statement: [{ Effect: "Allow", Action: "s3:PutObject", Resource: "arn:aws:s3:::acme/*" }] }) });',
      ].join("\n"),
    );
    const found = await runCli(["plan", "--program", dir]);
    expect(found.code, found.stderr).toBe(1);
    expect(found.stdout).toContain("[mandatory, at preview] spendflo-read-only-resource:");

    const bad = path.join(dir, "Pulumi.bad.yaml");
    writeFileSync(bad, "config:\n  budget-sync:bucketName: Acme_Budgets\n");
    const refused = await runCli(["plan", "--config", bad, "--json"]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain("budget-sync:bucketName: may contain only lowercase letters");
    expect(JSON.parse(refused.stdout).error.exitCode).toBe(2);
  });

  it("explains itself with --help", async () => {
    const result = await runCli(["plan", "--help"]);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain("No AWS account, no Pulumi CLI, no network");
  });
});
