import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { RESOURCE_NAME_RULES } from "../../../lib/aws/names.ts";
import { describeResource } from "../../../cli/plan/render.ts";
import { REPO } from "../../helpers/cli.ts";
import { programProject } from "../../helpers/plan.ts";
import { runInProcess, runPlanInProcess as runCli } from "../../helpers/inProcess.ts";

const EXAMPLE_STACKS = readdirSync(path.join(REPO, "stacks"))
  .map((f) => /^Pulumi\.(.+)\.yaml$/.exec(f)?.[1])
  .filter((s): s is string => !!s);

/** The physical names of each example stack, as they were before any name was fitted. */
const EXAMPLE_NAMES: Record<string, Record<string, string>> = {
  "own-bucket": {
    "budget-bucket.bucket": "acme-budget-exports",
    "spendflo-reader.name": "spendflo-budget-sync-own-bucket",
    "spendflo-reader-read.name": "spendflo-budget-read",
  },
  "cross-account": {
    "budget-bucket.bucket": "acme-budget-exports-eu",
    "budget-bucket-key-alias.name": "alias/budget-sync/acme-budget-exports-eu",
  },
  role: {
    "budget-bucket.bucket": "acme-budget-exports-role",
    "spendflo-reader.name": "spendflo-budget-sync-role",
    "spendflo-reader-read.name": "spendflo-budget-read",
  },
  exporter: {
    "spendflo-reader.name": "spendflo-budget-sync-exporter",
    "sync-monitoring-alerts.name": "budget-sync-exporter-alerts",
    "sync-monitoring-uploads-topic.name": "budget-sync-exporter-uploads",
    "sync-monitoring-uploads.name": "budget-sync-exporter-uploads",
    "budget-bucket.bucket": "acme-budget-exports",
    "audit-trail-logs.bucket": "acme-budget-exports-audit-logs",
    "spendflo-reader-read.name": "spendflo-budget-read",
    "sync-monitoring-uploads-target.targetId": "budget-file-received",
    "sync-monitoring-exporter-errors.name": "budget-sync-exporter-exporter-errors",
    "sync-monitoring-no-upload.name": "budget-sync-exporter-no-upload",
    "audit-trail.name": "budget-sync-audit-exporter",
    "budget-exporter-logs.name": "/aws/lambda/budget-export-to-s3-exporter",
    "budget-exporter-role.name": "budget-export-to-s3-exporter",
    "budget-exporter-scheduler-role.name": "budget-export-to-s3-exporter-sched",
    "budget-exporter-policy.name": "budget-export",
    "budget-exporter-scheduler-policy.name": "invoke-budget-exporter",
    "budget-exporter.name": "budget-export-to-s3-exporter",
    "budget-exporter-schedule.name": "budget-export-to-s3-exporter",
  },
  uploader: {
    "spendflo-reader.name": "spendflo-budget-sync-uploader",
    "sync-monitoring-alerts.name": "budget-sync-uploader-alerts",
    "sync-monitoring-uploads-topic.name": "budget-sync-uploader-uploads",
    "sync-monitoring-uploads.name": "budget-sync-uploader-uploads",
    "budget-uploader.name": "budget-uploader-uploader",
    "budget-bucket.bucket": "acme-eu-budget-exports",
    "audit-trail-logs.bucket": "acme-eu-budget-exports-audit-logs",
    "spendflo-reader-read.name": "spendflo-budget-read",
    "budget-uploader-upload.name": "budget-upload",
    "budget-uploader-profile.name": "budget-uploader-uploader",
    "sync-monitoring-uploads-target.targetId": "budget-file-received",
    "sync-monitoring-no-upload.name": "budget-sync-uploader-no-upload",
    "audit-trail.name": "budget-sync-audit-uploader",
  },
  // The hosted stack's one reader of all of customers/ gave way to a sync role per customer
  // (issue 16): the customers' upload users keep their names.
  hosted: {
    "customer-acme.name": "spendflo-customer-acme",
    "customer-acme-corp.name": "spendflo-customer-acme-corp",
    "customer-globex.name": "spendflo-customer-globex",
    "customer-initech.name": "spendflo-customer-initech",
    "customer-umbrella.name": "spendflo-customer-umbrella",
    "customer-acme-reader.name": "spendflo-reader-acme",
    "customer-acme-corp-reader.name": "spendflo-reader-acme-corp",
    "customer-globex-reader.name": "spendflo-reader-globex",
    "customer-initech-reader.name": "spendflo-reader-initech",
    "customer-umbrella-reader.name": "spendflo-reader-umbrella",
    "customer-acme-reader-access.name": "spendflo-budget-read",
    "customer-acme-corp-reader-access.name": "spendflo-budget-read",
    "customer-globex-reader-access.name": "spendflo-budget-read",
    "customer-initech-reader-access.name": "spendflo-budget-read",
    "customer-umbrella-reader-access.name": "spendflo-budget-read",
    "budget-bucket.bucket": "spendflo-budget-uploads",
    "audit-trail-logs.bucket": "spendflo-budget-uploads-audit-logs",
    "customer-acme-corp-access.name": "spendflo-budget-upload",
    "customer-initech-access.name": "spendflo-budget-upload",
    "customer-acme-access.name": "spendflo-budget-upload",
    "customer-globex-access.name": "spendflo-budget-upload",
    "customer-umbrella-access.name": "spendflo-budget-upload",
    "audit-trail.name": "budget-sync-audit-hosted",
  },
};

/** The mock engine's secret access keys look like this; none may ever be printed. */
const MOCK_SECRET = /offline-placeholder-secret-[0-9a-f]{13}/;

interface PlanJson {
  stack: string;
  resources: {
    urn: string;
    type: string;
    name: string;
    id: string | null;
    parent: string | null;
    inputs: Record<string, unknown>;
  }[];
  outputs: Record<string, unknown>;
  violations: { policy: string; level: string; message: string; urn: string; stage: string }[];
  undecided: { policy: string; level: string; message: string; stage: string }[];
}

function tempDir(): string {
  return mkdtempSync(path.join(tmpdir(), "budget-sync-plan-"));
}

function writeStack(dir: string, yaml: string): string {
  const file = path.join(dir, "Pulumi.test.yaml");
  writeFileSync(file, yaml);
  return file;
}

describe("plan over every example stack", () => {
  it("has the three access-mode examples", () => {
    expect(EXAMPLE_STACKS).toEqual(expect.arrayContaining(["own-bucket", "cross-account", "role"]));
  });

  it.each(EXAMPLE_STACKS)(
    "plans %s as JSON: every resource parented, secrets masked",
    async (stack) => {
      const result = await runCli(["plan", "--stack", stack, "--json"]);
      expect(result.stderr).not.toMatch(MOCK_SECRET);
      expect(result.code, result.stderr).toBe(0);
      expect(result.stdout).not.toMatch(MOCK_SECRET);
      const plan = JSON.parse(result.stdout) as PlanJson;
      expect(plan.stack).toBe(stack);
      expect(plan.violations.filter((v) => (v as { level: string }).level === "mandatory")).toEqual(
        [],
      );
      const urns = new Set(plan.resources.map((r) => r.urn));
      expect(plan.resources.some((r) => r.type === "aws:s3/bucket:Bucket")).toBe(true);
      for (const resource of plan.resources) {
        expect(resource.urn).toBe(
          `urn:pulumi:${stack}::budget-sync::${resource.urn.split("::")[2]}::${resource.name}`,
        );
        if (resource.type.startsWith("aws:")) {
          // Every cloud resource of ours lives under one of our components.
          expect(resource.parent && urns.has(resource.parent), resource.urn).toBe(true);
          expect(resource.urn.split("::")[2]).toMatch(/^budget-sync:index:[A-Za-z]+\$/);
          expect(resource.id, resource.urn).toBeTruthy();
        }
      }
      // Bucket settings resources point at the bucket by its physical id.
      const bucket = plan.resources.find((r) => r.type === "aws:s3/bucket:Bucket")!;
      const versioning = plan.resources.filter(
        (r) => r.type === "aws:s3/bucketVersioning:BucketVersioning",
      );
      expect(versioning.map((v) => v.inputs.bucket)).toContain(bucket.id);
      // A physical name a stack had must never change: renaming an IAM user or role replaces it,
      // which breaks what SpendFlo registered (lib/aws/names.ts changes only names AWS refuses).
      const names: Record<string, string> = {};
      for (const r of plan.resources) {
        for (const [property] of RESOURCE_NAME_RULES[r.type] ?? []) {
          const value = r.inputs[property];
          if (typeof value === "string") names[`${r.name}.${property}`] = value;
        }
      }
      expect(names).toEqual(EXAMPLE_NAMES[stack]);
    },
  );

  it.each(EXAMPLE_STACKS)(
    "plans %s for a human: a tree, the settings, the outputs",
    async (stack) => {
      const result = await runCli(["plan", "--stack", stack]);
      expect(result.code, result.stderr).toBe(0);
      expect(result.stdout).toContain(`Plan of stack ${stack}`);
      expect(result.stdout).toContain("public access block: all four flags on");
      expect(result.stdout).toContain("versioning: Enabled");
      expect(result.stdout).toMatch(/└─ /);
      expect(result.stdout).toContain("Outputs:");
      expect(result.stdout + result.stderr).not.toMatch(MOCK_SECRET);
    },
  );
});

describe("plan in the other AWS partitions", () => {
  it.each([
    ["own-bucket", "us-gov-west-1"],
    ["exporter", "cn-north-1"],
    ["exporter", "eusc-de-east-1"],
  ])(
    "plans %s in %s with the policy pack's verdict of the standard partition",
    async (stack, region) => {
      const dir = tempDir();
      try {
        const yaml = readFileSync(path.join(REPO, "stacks", `Pulumi.${stack}.yaml`), "utf8");
        expect(yaml).toMatch(/aws:region: .*/);
        const file = writeStack(dir, yaml.replace(/aws:region: .*/, `aws:region: "${region}"`));
        const [here, standard] = await Promise.all([
          runCli(["plan", "--config", file, "--json"]),
          runCli(["plan", "--stack", stack, "--json"]),
        ]);
        expect(here.code, here.stderr).toBe(0);
        const policies = (run: { stdout: string }) =>
          (JSON.parse(run.stdout) as PlanJson).violations
            .map((v) => `${v.level} ${v.policy}`)
            .sort();
        // The bucket policy's TLS-only Deny and the trail's data events name arn:aws-us-gov:s3:::...
        expect(policies(here)).toEqual(policies(standard));
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  );
});

describe("plan of the default stack (own-bucket, iam-user)", () => {
  it("shows who may do what, and masks the key's secret everywhere", async () => {
    const text = await runCli(["plan"]);
    expect(text.code).toBe(0);
    expect(text.stdout).toContain("Plan of stack own-bucket");
    expect(text.stdout).toContain(
      "Allow: s3:ListBucket on arn:aws:s3:::acme-budget-exports if s3:prefix StringLike budgets/*",
    );
    expect(text.stdout).toContain(
      "Allow: s3:GetObject on arn:aws:s3:::acme-budget-exports/budgets/*",
    );
    expect(text.stdout).toContain("secretAccessKey: [secret]");
    expect(text.stdout).toContain("syncSourceConfig: [secret]");
    expect(text.stdout).toMatch(/accessKeyId: OFFLINE_PLACEHOLDER_[0-9A-F]{12}\n/);

    const json = JSON.parse((await runCli(["plan", "--json"])).stdout) as PlanJson;
    expect(json.outputs.secretAccessKey).toBe("[secret]");
    expect(json.outputs.syncSourceConfig).toBe("[secret]");
    expect(json.outputs.bucketName).toBe("acme-budget-exports");
    expect(json.outputs.accessMode).toBe("iam-user");
    expect(json.outputs.readerUserName).toBe("spendflo-budget-sync-own-bucket");
  });

  it("pretends to be the account it is told", async () => {
    const result = await runCli([
      "plan",
      "--stack",
      "role",
      "--account-id",
      "210987654321",
      "--json",
    ]);
    expect(result.code).toBe(0);
    expect((JSON.parse(result.stdout) as PlanJson).outputs.roleArn).toBe(
      "arn:aws:iam::210987654321:role/spendflo-budget-sync-role",
    );
  });

  it("warns about a well-formed region it does not know", async () => {
    const file = writeStack(
      tempDir(),
      "config:\n  aws:region: us-north-9\n  budget-sync:bucketName: acme-x\n",
    );
    const result = await runCli(["plan", "--config", file]);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(
      "warning: aws:region us-north-9 is not an AWS region this tool knows",
    );
  });

  it("refuses a region code of no region's shape, exit 2, naming the closest", async () => {
    const file = writeStack(
      tempDir(),
      "config:\n  aws:region: us-eest-1\n  budget-sync:bucketName: acme-x\n",
    );
    const result = await runCli(["plan", "--config", file]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(
      'aws:region: "us-eest-1" is not an AWS region code: did you mean us-east-1 or us-west-1?',
    );
  });

  it("refuses a given KMS key of another region than the bucket, exit 2", async () => {
    const file = writeStack(
      tempDir(),
      [
        "config:",
        "  aws:region: eu-west-1",
        "  budget-sync:bucketName: acme-x",
        '  budget-sync:encryption: { type: sse-kms, kmsKeyArn: "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab" }',
      ].join("\n"),
    );
    const result = await runCli(["plan", "--config", file]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(
      "budget-sync:encryption.kmsKeyArn: the key is in us-east-1 but the bucket in eu-west-1 (aws:region): S3 encrypts only with a key of the bucket's own region",
    );
    expect(result.stderr).not.toMatch(/\n\s+at /);
  });

  it("takes the region from aws:region", async () => {
    const result = await runCli(["plan", "--stack", "cross-account"]);
    expect(result.stdout).toContain("kms:ViaService StringEquals s3.eu-west-1.amazonaws.com");
  });
});

describe("plan --config", () => {
  it("plans any stack config file, masking encrypted values it cannot decrypt", async () => {
    const dir = tempDir();
    const file = writeStack(
      dir,
      [
        "config:",
        "  budget-sync:bucketName: acme-from-file",
        "  budget-sync:access:",
        "    mode: cross-account-role",
        '    spendfloAccountId: "999988887777"',
        "    externalId:",
        "      secure: AAABAKg8Fq0cipherTextThatOnlyPulumiCanOpen",
      ].join("\n"),
    );
    const result = await runCli(["plan", "--config", file, "--json"]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).not.toContain("cipherText");
    expect(result.stdout).not.toContain("offline-placeholder-for-a-secret");
    const plan = JSON.parse(result.stdout) as PlanJson;
    expect(plan.stack).toBe("test");
    expect(plan.outputs.externalId).toBe("[secret]");
    expect(plan.outputs.bucketName).toBe("acme-from-file");
  });

  it("stops on invalid config with one message per problem and exit 2", async () => {
    const file = writeStack(
      tempDir(),
      [
        "config:",
        "  budget-sync:bucketName: Acme_Budgets",
        "  budget-sync:prefix: budgets",
        "  budget-sync:retentionDays: 0",
      ].join("\n"),
    );
    const result = await runCli(["plan", "--config", file]);
    expect(result.code).toBe(2);
    expect(result.stdout).toBe("");
    expect(result.stderr).toContain("budget-sync:bucketName: may contain only lowercase letters");
    expect(result.stderr).toContain('budget-sync:prefix: must end with "/" (try "budgets/")');
    expect(result.stderr).toContain("budget-sync:retentionDays: must be at least 1 day");
    expect(result.stderr).not.toMatch(/\n\s+at /);
  });

  it("counts an adopted bucket as an import, kept on destroy, and refuses forceDestroy with it", async () => {
    const adopt = [
      "config:",
      "  budget-sync:bucketName: acme-hand-made",
      "  budget-sync:adoptExistingBucket: true",
    ];
    const [adopted, created] = await Promise.all([
      runCli(["plan", "--config", writeStack(tempDir(), adopt.join("\n"))]),
      runCli(["plan", "--config", writeStack(tempDir(), adopt.slice(0, 2).join("\n"))]),
    ]);
    expect(adopted.code, adopted.stderr).toBe(0);
    const count = (text: string) => Number(/^(\d+) resources? to create/m.exec(text)?.[1]);
    expect(adopted.stdout).toMatch(/^\d+ resources? to create, 1 to import, in \d+ components$/m);
    expect(count(adopted.stdout)).toBe(count(created.stdout) - 1);
    expect(created.stdout).not.toContain("to import");
    expect(adopted.stdout).toContain(
      "adopts the existing bucket acme-hand-made (imported, not created)",
    );
    expect(adopted.stdout).toContain("kept on pulumi destroy, with its files (retainOnDelete)");
    // Its protections stay too (and the TLS-only policy, which grants nothing): one line each.
    expect(adopted.stdout.match(/^.*kept on pulumi destroy \(retainOnDelete\)$/gm)).toHaveLength(6);
    expect(created.stdout).not.toContain("kept on pulumi destroy");
    expect(adopted.stdout).not.toContain("forceDestroy: ON");

    const both = await runCli([
      "plan",
      "--config",
      writeStack(tempDir(), [...adopt, "  budget-sync:forceDestroy: true"].join("\n")),
    ]);
    expect(both.code).toBe(2);
    expect(both.stdout).toBe("");
    expect(both.stderr).toContain(
      "budget-sync:forceDestroy: cannot be used with adoptExistingBucket: an adopted bucket is kept on pulumi destroy (retainOnDelete), with its files, so forceDestroy would delete nothing; remove forceDestroy",
    );
    expect(both.stderr).not.toMatch(/\n\s+at /);
  });

  it("says which file is missing", async () => {
    const result = await runCli(["plan", "--stack", "nope"]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/no stack config at .*stacks\/Pulumi\.nope\.yaml/);
  });

  it("says when a file is not YAML", async () => {
    const file = writeStack(tempDir(), "config: [unclosed\n");
    const result = await runCli(["plan", "--config", file]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("is not valid YAML");
  });

  it("refuses --stack with --config", async () => {
    const result = await runCli(["plan", "--stack", "role", "--config", "x.yaml"]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("give --stack or --config, not both");
  });

  it("refuses a bad account id and unknown flags", async () => {
    expect((await runCli(["plan", "--account-id", "12"])).stderr).toContain(
      "--account-id: must be a 12-digit AWS account id",
    );
    const unknown = await runCli(["plan", "--stak", "role"]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain("Unknown argument: stak");
  });
});

describe("describeResource of a bucket", () => {
  const bucket = (inputs: Record<string, unknown>, options: Record<string, unknown>) =>
    describeResource({
      urn: "urn:pulumi:dev::x::aws:s3/bucket:Bucket::b",
      type: "aws:s3/bucket:Bucket",
      name: "b",
      id: "x-budgets",
      custom: true,
      inputs,
      outputs: {},
      options: { dependsOn: [], ...options },
    });

  it("says forceDestroy has no effect when the bucket is kept on destroy (another program's adopted bucket)", () => {
    const lines = bucket({ forceDestroy: true }, { importId: "x-budgets", retainOnDelete: true });
    expect(lines).toEqual([
      "bucket x-budgets",
      "adopts the existing bucket x-budgets (imported, not created)",
      "forceDestroy: set, but without effect: the bucket is kept on pulumi destroy",
      "kept on pulumi destroy, with its files (retainOnDelete)",
    ]);
  });

  it("still warns of forceDestroy on a bucket the stack creates", () => {
    expect(bucket({ forceDestroy: true }, {})).toContain(
      "forceDestroy: ON (pulumi destroy deletes every file)",
    );
  });
});

describe("plan --program", () => {
  const project = (program: string, files: Record<string, string> = {}) =>
    programProject("other", program, { config: "config:\n  other:size: 3\n", files });

  it("plans another program, with its own project namespace and named exports", async () => {
    const dir = project(
      [
        'import * as aws from "@pulumi/aws";',
        'import * as pulumi from "@pulumi/pulumi";',
        "const size = new pulumi.Config().requireNumber('size');",
        'const role = new aws.iam.Role("reader", { assumeRolePolicy: "{}" });',
        'new aws.iam.RolePolicyAttachment("admin", { role, policyArn: "arn:aws:iam::aws:policy/AdministratorAccess" });',
        'export const bucket = new aws.s3.Bucket("logs", { tags: { size: String(size) } }).bucket;',
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
    // The pack holds every bucket to the budget bucket's standard: this bare one fails it.
    expect(result.code, result.stderr).toBe(1);
    const plan = JSON.parse(result.stdout) as PlanJson;
    expect(plan.violations).toContainEqual(
      expect.objectContaining({ policy: "budget-bucket-versioned", level: "mandatory" }),
    );
    const bucket = plan.resources.find((r) => r.type === "aws:s3/bucket:Bucket")!;
    expect(bucket.urn).toBe("urn:pulumi:dev::other::aws:s3/bucket:Bucket::logs");
    expect(bucket.inputs.tags).toEqual({ size: "3" });
    expect(bucket.id).toMatch(/^logs-[0-9a-f]{7}$/);
    expect(plan.outputs.bucket).toBe(bucket.id);
    const attachment = plan.resources.find((r) => r.name === "admin")!;
    const role = plan.resources.find((r) => r.name === "reader")!;
    // A resource passed as an input reaches the provider as its id.
    expect(attachment.inputs.role).toBe(role.id);
  });

  it("judges it with the policy pack: a write grant to SpendFlo is a mandatory violation, exit 1", async () => {
    const dir = project(
      [
        'import * as aws from "@pulumi/aws";',
        'const user = new aws.iam.User("reader", { name: "spendflo-reader" });',
        'new aws.iam.UserPolicy("sneaky", { user: user.name, policy: JSON.stringify({ Version: "2012-10-17",',
        '  Statement: [{ Effect: "Allow", Action: ["s3:get*", "S3:*Object"], Resource: "arn:aws:s3:::acme/*" }] }) });',
      ].join("\n"),
    );
    const config = path.join(dir, "Pulumi.dev.yaml");
    const result = await runCli(["plan", "--program", dir, "--config", config, "--json"]);
    expect(result.code, result.stderr).toBe(1);
    const plan = JSON.parse(result.stdout) as PlanJson;
    // Written plainly: refused at preview, by the check that runs on the policy itself.
    const readOnly = plan.violations.find((v) => v.policy === "spendflo-read-only-resource")!;
    expect(readOnly.level).toBe("mandatory");
    expect(readOnly.stage).toBe("preview");
    expect(readOnly.message).toContain("s3:DeleteObject");
    expect(readOnly.message).toContain('aws.iam.User "reader"');
    expect(readOnly.urn).toBe("urn:pulumi:dev::other::aws:iam/userPolicy:UserPolicy::sneaky");

    const text = await runCli(["plan", "--program", dir, "--config", config]);
    expect(text.code).toBe(1);
    expect(text.stdout).toContain("[mandatory, at preview] spendflo-read-only-resource:");

    // spendflo-read-only cannot be configured away.
    const weakened = path.join(dir, "policy.json");
    writeFileSync(weakened, JSON.stringify({ "spendflo-read-only": "advisory" }));
    const refused = await runCli([
      "plan",
      "--program",
      dir,
      "--config",
      config,
      "--policy-config",
      weakened,
    ]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('"spendflo-read-only" cannot be configured below mandatory');
  });

  it("answers aws.iam.getPolicyDocument as the provider does: a write grant written with it is a violation", async () => {
    const dir = project(
      [
        'import * as aws from "@pulumi/aws";',
        // A trust policy through the plain form, a role policy through the Output form.
        "const trust = aws.iam.getPolicyDocument({ statements: [{ actions: ['sts:AssumeRole'],",
        "  principals: [{ type: 'AWS', identifiers: ['arn:aws:iam::999988887777:root'] }],",
        "  conditions: [{ test: 'StringEquals', variable: 'sts:ExternalId', values: ['x-1'] }] }] });",
        'const role = new aws.iam.Role("reader", { name: "spendflo-reader", assumeRolePolicy: trust.then((t) => t.json) });',
        "const doc = aws.iam.getPolicyDocumentOutput({ statements: [",
        "  { sid: 'Read', actions: ['s3:GetObject', 's3:ListBucket'], resources: ['arn:aws:s3:::acme', 'arn:aws:s3:::acme/*'] },",
        "  { actions: ['s3:PutObject'], resources: ['arn:aws:s3:::acme/budgets/*'] }] });",
        'new aws.iam.RolePolicy("access", { role: role.name, policy: doc.json });',
        "export const trustJson = trust.then((t) => t.minifiedJson);",
      ].join("\n"),
    );
    const config = path.join(dir, "Pulumi.dev.yaml");
    const result = await runCli(["plan", "--program", dir, "--config", config, "--json"]);
    expect(result.code, result.stderr).toBe(1);
    const plan = JSON.parse(result.stdout) as PlanJson;
    expect(plan.outputs.trustJson).toBe(
      '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole","Principal":{"AWS":"arn:aws:iam::999988887777:root"},"Condition":{"StringEquals":{"sts:ExternalId":"x-1"}}}]}',
    );
    const policy = plan.resources.find((r) => r.name === "access")!;
    expect(JSON.parse(policy.inputs.policy as string).Statement[1]).toEqual({
      Effect: "Allow",
      Action: "s3:PutObject",
      Resource: "arn:aws:s3:::acme/budgets/*",
    });
    const readOnly = plan.violations.find((v) => v.policy === "spendflo-read-only-resource")!;
    expect(readOnly.level).toBe("mandatory");
    expect(readOnly.stage).toBe("preview");
    expect(readOnly.message).toContain("s3:PutObject");
    expect(readOnly.urn).toBe("urn:pulumi:dev::other::aws:iam/rolePolicy:RolePolicy::access");
  });

  it("follows getPolicyDocument's override documents: a bucket policy whose read for SpendFlo's account is overridden by a write", async () => {
    const dir = project(
      [
        'import * as aws from "@pulumi/aws";',
        'import * as pulumi from "@pulumi/pulumi";',
        'const bucket = new aws.s3.Bucket("budgets", { bucket: "acme-budgets" });',
        "const spendflo = [{ type: 'AWS', identifiers: ['arn:aws:iam::999988887777:root'] }];",
        "const write = aws.iam.getPolicyDocumentOutput({ statements: [{ sid: 'SpendfloRead', principals: spendflo,",
        "  actions: ['s3:PutObject'], resources: [pulumi.interpolate`${bucket.arn}/*`] }] });",
        "const doc = aws.iam.getPolicyDocumentOutput({ overridePolicyDocuments: [write.json], statements: [",
        "  { sid: 'SpendfloRead', principals: spendflo, actions: ['s3:GetObject'], resources: [pulumi.interpolate`${bucket.arn}/*`] }] });",
        'new aws.s3.BucketPolicy("budgets", { bucket: bucket.id, policy: doc.json });',
      ].join("\n"),
    );
    const config = path.join(dir, "Pulumi.dev.yaml");
    const policyConfig = path.join(dir, "policy.json");
    writeFileSync(
      policyConfig,
      JSON.stringify({
        "spendflo-read-only": { spendfloAccountIds: ["999988887777"] },
        "spendflo-read-only-resource": { spendfloAccountIds: ["999988887777"] },
      }),
    );
    const args = ["plan", "--program", dir, "--config", config, "--policy-config", policyConfig];
    const result = await runCli([...args, "--json"]);
    expect(result.code, result.stderr).toBe(1);
    const plan = JSON.parse(result.stdout) as PlanJson;
    // Built from the new bucket's ARN: undecided at preview, refused before the policy exists.
    expect(plan.undecided.map((u) => [u.policy, u.stage])).toContainEqual([
      "spendflo-read-only",
      "preview",
    ]);
    const readOnly = plan.violations.find((v) => v.policy === "spendflo-read-only-resource")!;
    expect(readOnly.level).toBe("mandatory");
    expect(readOnly.stage).toBe("before-create");
    expect(readOnly.message).toContain("s3:PutObject");
    expect(readOnly.urn).toBe("urn:pulumi:dev::other::aws:s3/bucketPolicy:BucketPolicy::budgets");
  });

  it("fails as the provider fails a document it refuses, exit 2, with the provider's reason", async () => {
    const dir = project(
      [
        'import * as aws from "@pulumi/aws";',
        "const doc = aws.iam.getPolicyDocumentOutput({ statements: [",
        "  { sid: 'Same', actions: ['s3:GetObject'], resources: ['*'] },",
        "  { sid: 'Same', actions: ['s3:ListBucket'], resources: ['*'] }] });",
        'new aws.iam.Policy("p", { policy: doc.json });',
      ].join("\n"),
    );
    const result = await runCli([
      "plan",
      "--program",
      dir,
      "--config",
      path.join(dir, "Pulumi.dev.yaml"),
    ]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(
      "invocation of aws:iam/getPolicyDocument:getPolicyDocument returned an error: writing IAM Policy Document: duplicate Sid (Same)",
    );
  });

  it("reports a program that throws, exit 2, without a stack trace", async () => {
    const dir = project('throw new Error("the database password is not configured");\n');
    const result = await runCli([
      "plan",
      "--program",
      dir,
      "--config",
      path.join(dir, "Pulumi.dev.yaml"),
    ]);
    expect(result.code).toBe(2);
    expect(result.stderr.split("the database password is not configured")).toHaveLength(2);
    expect(result.stderr).not.toMatch(/\n\s+at /);
  });

  it('plans the standard CommonJS TypeScript layout (no "type": "module", module commonjs)', async () => {
    const dir = project(
      [
        'import * as aws from "@pulumi/aws";',
        'export const bucket = new aws.s3.Bucket("logs", { bucket: "x-budgets" }).bucket;',
      ].join("\n"),
      {
        "package.json": '{ "name": "x", "main": "index.ts" }',
        "tsconfig.json": '{ "compilerOptions": { "module": "commonjs", "strict": true } }',
        "Pulumi.dev.yaml": "config: {}\n",
      },
    );
    // The only stack file of the project is the stack to plan.
    const result = await runCli(["plan", "--program", dir, "--json"]);
    expect(result.stderr).not.toContain("Cannot require()");
    expect(result.code, result.stderr).toBe(1);
    const plan = JSON.parse(result.stdout) as PlanJson;
    expect(plan.stack).toBe("dev");
    expect(plan.outputs.bucket).toBe("x-budgets");
    const text = await runCli(["plan", "--program", dir]);
    expect(text.stdout).toContain("1 resource to create, in 0 components");
  });

  it("without --stack, names the project's stacks when there is not exactly one", async () => {
    const dir = project("export const x = 1;\n", { "Pulumi.prod.yaml": "config: {}\n" });
    const several = await runCli(["plan", "--program", dir]);
    expect(several.code).toBe(2);
    expect(several.stderr).toContain(`${dir} holds the stacks dev, prod: name one with --stack`);
    expect(several.stderr).not.toContain("own-bucket");
    const picked = await runCli(["plan", "--program", dir, "--stack", "prod", "--json"]);
    expect(picked.code, picked.stderr).toBe(0);
    const none = project("export const x = 1;\n");
    rmSync(path.join(none, "Pulumi.dev.yaml"));
    const missing = await runCli(["plan", "--program", none]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain(`no stack config (Pulumi.<stack>.yaml) in ${none}`);
  });

  it("needs a Pulumi project around the program", async () => {
    const dir = tempDir();
    writeFileSync(path.join(dir, "index.ts"), "export {};\n");
    const result = await runCli(["plan", "--program", path.join(dir, "index.ts")]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("no Pulumi.yaml found");
  });
});

describe("budget-sync --help", () => {
  it("explains plan", async () => {
    const result = await runInProcess(["plan", "--help"]);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain("--program");
    expect(result.stdout).toContain("No AWS account, no Pulumi CLI, no network");
    // --stack reads the project's stack config directory, not stacks/ under --program.
    expect(result.stdout).not.toContain("reads stacks/Pulumi.<NAME>.yaml");
    expect(result.stdout).toContain("stackConfigDir");
  });
});

describe("the command line", () => {
  it("lists every command in --help and corrects a typo", async () => {
    const help = await runInProcess(["--help"]);
    expect(help.code).toBe(0);
    for (const name of [
      "plan",
      "register",
      "test-connection",
      "validate",
      "upload",
      "verify",
      "onboarding-kit",
    ]) {
      expect(help.stdout).toContain(`budget-sync ${name}`);
    }
    const typo = await runInProcess(["valdate", "x.csv"]);
    expect(typo.code).toBe(2);
    expect(typo.stderr).toContain("Did you mean validate?");
  });
});
