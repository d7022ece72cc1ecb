/**
 * `budget-sync plan` as people run it: the real bin in a child process. Its success path, a
 * policy violation (exit 1) and bad config (exit 2), human and --json.
 */
import path from "node:path";
import { describe, expect, it } from "vitest";
import { REPO, runCli } from "../helpers/cli.ts";
import { MOCK_SECRET, programProject, stackFile } from "../helpers/plan.ts";

const STACKS = "cross-account, exporter, hosted, own-bucket, role, uploader";

describe("budget-sync plan, run as a process", () => {
  it("plans the default stack: exit 0, the resource tree, outputs and cost; nothing on stderr", async () => {
    const result = await runCli(["plan"]);
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(
      /^Plan of stack own-bucket \(project budget-sync, account 123456789012, us-east-1\), computed offline\n\d+ resources to create, in \d+ components\n/,
    );
    expect(result.stdout).toContain("secretAccessKey");
    expect(result.stdout).toMatch(/\nEstimated cost: \$[\d.]+ a month\n/);
    expect(result.stdout).not.toMatch(MOCK_SECRET);
  });

  it("fails (exit 1) a program whose hosted customer reads the whole bucket, the violation in --json", async () => {
    const arn = "arn:aws:s3:::spendflo-budget-uploads";
    const dir = programProject(
      "leaky",
      [
        'import * as aws from "@pulumi/aws";',
        'const user = new aws.iam.User("acme", { name: "spendflo-customer-acme", tags: { "spendflo:access": "upload", "spendflo:customer": "acme" } });',
        `new aws.iam.UserPolicy("acme-access", { user: user.name, policy: JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "s3:GetObject", Resource: "${arn}/*" }] }) });`,
      ].join("\n"),
    );
    const result = await runCli([
      "plan",
      "--program",
      dir,
      "--config",
      path.join(dir, "Pulumi.dev.yaml"),
      "--json",
    ]);
    expect(result.code, result.stderr).toBe(1);
    const plan = JSON.parse(result.stdout) as { violations: { policy: string; message: string }[] };
    expect(plan.violations.filter((v) => v.policy === "hosted-customer-isolation")).toEqual([
      expect.objectContaining({
        message: `aws.iam.User "acme" (hosted customer acme) reaches outside customers/acme/budgets/: aws.iam.UserPolicy "acme-access" (statement 1) grants s3:GetObject on ${arn}/*. A hosted customer may only list, upload and read under customers/acme/budgets/.`,
      }),
    ]);
  });

  it("reports every config problem in one pass (exit 2), a missing bucketName among them", async () => {
    const file = stackFile(
      [
        "config:",
        "  budget-sync:retentionDays: soon",
        "  budget-sync:access:",
        "    mode: cross-account-role",
        "",
      ].join("\n"),
      "dev",
    );
    const result = await runCli(["plan", "--config", file]);
    expect(result.code).toBe(2);
    expect(result.stdout).toBe("");
    for (const problem of [
      "budget-sync:bucketName: is required",
      "budget-sync:retentionDays: must be a number of days",
      "budget-sync:access.spendfloAccountId: is required in mode cross-account-role",
      "budget-sync:access.externalId: is required in mode cross-account-role",
    ])
      expect(result.stderr).toContain(problem);
  });

  it("says a stack file has no config: map, rather than that bucketName is missing", async () => {
    const file = stackFile("budget-sync:bucketName: acme-budgets\naws:region: us-east-1\n", "flat");
    const result = await runCli(["plan", "--config", file, "--json"]);
    expect(result.code).toBe(2);
    const message = `${file} has no top-level "config:" map, so Pulumi reads none of its settings (budget-sync:bucketName, aws:region): put them under a first line "config:", indented`;
    expect(result.stderr).toBe(`budget-sync: ${message}\n`);
    expect(JSON.parse(result.stdout)).toEqual({ error: { message, exitCode: 2 } });
  });

  it("names the stacks that exist when --stack or --config names none", async () => {
    const stack = await runCli(["plan", "--stack", "own-bukcet"]);
    expect(stack.code).toBe(2);
    expect(stack.stderr).toBe(
      `budget-sync: no stack config at ${path.join(REPO, "stacks", "Pulumi.own-bukcet.yaml")}: the stacks of this project are ${STACKS} (stacks/Pulumi.<stack>.yaml): name one with --stack, or give an existing file with --config\n`,
    );
    const config = await runCli(["plan", "--config", "stacks/Pulumi.prod.yaml"]);
    expect(config.code).toBe(2);
    expect(config.stderr).toContain(`the stacks of this project are ${STACKS}`);
  });
});

describe("budget-sync plan, as the engine's verdict", () => {
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

  it("exits 1 for a write grant to SpendFlo, refused at preview", async () => {
    const dir = programProject(
      "other",
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
  });

  it("explains itself with --help", async () => {
    const result = await runCli(["plan", "--help"]);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain("No AWS account, no Pulumi CLI, no network");
  });
});
