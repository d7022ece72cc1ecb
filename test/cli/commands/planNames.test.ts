/**
 * Names AWS accepts, as `budget-sync plan` shows them: every example stack config planned under
 * the longest stack name Pulumi allows, with dots; two stacks `a.b` and `a-b` side by side; a
 * bucket name with dots; and a program that sets a name AWS refuses.
 */
import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { RESOURCE_NAME_RULES, nameProblems } from "../../../lib/aws/names.ts";
import { REPO } from "../../helpers/cli.ts";
import { runPlanInProcess as runCli } from "../../helpers/inProcess.ts";
import { programProject } from "../../helpers/plan.ts";

const EXAMPLE_STACKS = readdirSync(path.join(REPO, "stacks"))
  .map((f) => /^Pulumi\.(.+)\.yaml$/.exec(f)?.[1])
  .filter((s): s is string => !!s);

/** 100 characters, Pulumi's longest, with dots. */
const LONG_STACK = "prod.eu-west.".repeat(8).slice(0, 99) + "x";

interface PlanJson {
  stack: string;
  resources: { urn: string; type: string; name: string; inputs: Record<string, unknown> }[];
  violations: { policy: string; level: string; message: string }[];
}

/** Types our components create that carry no name AWS restricts (ids, policies, settings). */
const UNNAMED_TYPES = new Set([
  "aws:iam/accessKey:AccessKey",
  "aws:kms/key:Key",
  "aws:s3/bucketPolicy:BucketPolicy",
  "aws:s3/bucketVersioning:BucketVersioning",
  "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
  "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration",
  "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock",
  "aws:s3/bucketOwnershipControls:BucketOwnershipControls",
  "aws:s3/bucketNotification:BucketNotification",
  "aws:sns/topicPolicy:TopicPolicy",
  "aws:sns/topicSubscription:TopicSubscription",
  "aws:lambda/functionEventInvokeConfig:FunctionEventInvokeConfig",
]);

async function planConfig(configFile: string): Promise<PlanJson> {
  const result = await runCli(["plan", "--config", configFile, "--json"]);
  expect(result.code, result.stderr).toBe(0);
  return JSON.parse(result.stdout) as PlanJson;
}

/** A copy of an example stack config under another stack name (and, optionally, other text). */
function configAs(example: string, stack: string, edit = (yaml: string) => yaml): string {
  const dir = mkdtempSync(path.join(tmpdir(), "budget-sync-names-"));
  const file = path.join(dir, `Pulumi.${stack}.yaml`);
  writeFileSync(
    file,
    edit(readFileSync(path.join(REPO, "stacks", `Pulumi.${example}.yaml`), "utf8")),
  );
  return file;
}

/** Every name an AWS resource of the plan sets: `logical name -> name`. */
function namesOf(plan: PlanJson): Map<string, string> {
  const names = new Map<string, string>();
  for (const r of plan.resources) {
    for (const [property] of RESOURCE_NAME_RULES[r.type] ?? []) {
      const value = r.inputs[property];
      if (typeof value === "string") names.set(`${r.name}.${property}`, value);
    }
  }
  return names;
}

describe("plan under a 100-character stack name with dots", () => {
  it.each(EXAMPLE_STACKS)("%s plans clean, and every name is one AWS accepts", async (example) => {
    const plan = await planConfig(configAs(example, LONG_STACK));
    expect(plan.stack).toBe(LONG_STACK);
    expect(plan.violations.filter((v) => v.level === "mandatory")).toEqual([]);
    for (const r of plan.resources) {
      if (!r.type.startsWith("aws:")) continue;
      // A new named type must get its rule in lib/aws/names.ts, or be listed here as unnamed.
      expect(RESOURCE_NAME_RULES[r.type] !== undefined || UNNAMED_TYPES.has(r.type), r.type).toBe(
        true,
      );
      for (const [property, rule] of RESOURCE_NAME_RULES[r.type] ?? []) {
        const value = r.inputs[property];
        if (typeof value === "string") expect(nameProblems(rule, value), value).toEqual([]);
      }
    }
  });
});

describe("two stacks a.b and a-b", () => {
  it("never share a name, and a-b keeps the names it always had", async () => {
    const dotted = namesOf(await planConfig(configAs("exporter", "a.b")));
    const dashed = namesOf(await planConfig(configAs("exporter", "a-b")));
    expect(dashed.get("budget-exporter.name")).toBe("budget-export-to-s3-a-b");
    expect(dashed.get("sync-monitoring-alerts.name")).toBe("budget-sync-a-b-alerts");
    expect(dashed.get("spendflo-reader.name")).toBe("spendflo-budget-sync-a-b");
    expect(dotted.get("budget-exporter.name")).toMatch(/^budget-export-to-s3-a-b-[0-9a-f]{8}$/);
    expect(dotted.get("sync-monitoring-alerts.name")).toMatch(
      /^budget-sync-a-b-alerts-[0-9a-f]{8}$/,
    );
    // IAM takes dots: SpendFlo's reader keeps the name the stack always gave it.
    expect(dotted.get("spendflo-reader.name")).toBe("spendflo-budget-sync-a.b");
    // Names of the same account and region (buckets excepted: the configs share one) differ.
    for (const [key, name] of dotted) {
      if (key.endsWith(".bucket") || key.endsWith("-policy.name") || key.endsWith("-read.name"))
        continue;
      if (key === "sync-monitoring-uploads-target.targetId") continue;
      expect(dashed.get(key), key).not.toBe(name);
    }
  });
});

describe("a bucket name with dots", () => {
  it("gets a KMS alias KMS accepts, distinct from the dashed bucket's", async () => {
    const withBucket = (bucket: string) => (yaml: string) =>
      yaml.replace(/budget-sync:bucketName: .*/, `budget-sync:bucketName: ${bucket}`);
    const dotted = namesOf(
      await planConfig(configAs("cross-account", "cross-account", withBucket("acme.budgets.eu"))),
    );
    expect(dotted.get("budget-bucket.bucket")).toBe("acme.budgets.eu");
    expect(dotted.get("budget-bucket-key-alias.name")).toMatch(
      /^alias\/budget-sync\/acme-budgets-eu-[0-9a-f]{8}$/,
    );
  });
});

describe("a program that sets a name AWS refuses", () => {
  it("fails plan with exit 2, naming the resource, the name and the rule", async () => {
    const dir = programProject(
      "badname",
      [
        'import * as aws from "@pulumi/aws";',
        'export const rule = new aws.cloudwatch.EventRule("uploads", {',
        `  name: "budget-sync-${"x".repeat(60)}-uploads",`,
        '  scheduleExpression: "rate(1 day)",',
        "});",
      ].join("\n"),
      { config: "config:\n  aws:region: us-east-1\n" },
    );
    const result = await runCli(["plan", "--program", path.join(dir, "index.ts")]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(
      `aws:cloudwatch/eventRule:EventRule "uploads": name "budget-sync-${"x".repeat(60)}-uploads" is not an EventBridge rule name: it must be 1 to 64 characters long (it has 80) (https://docs.aws.amazon.com/eventbridge/latest/APIReference/API_PutRule.html); AWS would refuse it`,
    );
    expect(result.stderr).not.toMatch(/\n\s+at /);
  });
});
