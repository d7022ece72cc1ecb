import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { runCli } from "./helpers/cli.ts";

/** The mock engine's secret access keys look like this; none may ever be printed. */
const MOCK_SECRET = /offline-placeholder-secret-[0-9a-f]{13}/;

interface PlannedJson {
  urn: string;
  type: string;
  name: string;
  id: string | null;
  parent: string | null;
  inputs: Record<string, unknown>;
}
interface PlanJson {
  resources: PlannedJson[];
  outputs: Record<string, unknown>;
  violations: { level: string }[];
}

async function plan(args: string[]): Promise<PlanJson> {
  const result = await runCli(["plan", ...args, "--json"]);
  expect(result.code, result.stderr).toBe(0);
  expect(result.stdout).not.toMatch(MOCK_SECRET);
  expect(result.stderr).not.toMatch(MOCK_SECRET);
  return JSON.parse(result.stdout) as PlanJson;
}

function stackFile(yaml: string): string {
  const dir = mkdtempSync(path.join(tmpdir(), "budget-sync-hosted-"));
  const file = path.join(dir, "Pulumi.hosted.yaml");
  writeFileSync(file, yaml);
  return file;
}

const head = `config:
  aws:region: us-east-1
  budget-sync:bucketName: spendflo-budget-uploads
`;
const POLLER = "arn:aws:iam::999988887777:role/spendflo-budget-poller";
interface TrustStatement {
  Principal: unknown;
  Condition: { StringEquals: Record<string, string> };
}
/** One customer's line, with the external id every customer needs. */
const line = (id: string) => `    - { id: ${id}, externalId: ${id}-5f0c8e2a9d31b7c4 }`;

const ofType = (p: PlanJson, type: string) => p.resources.filter((r) => r.type === type);
const named = (p: PlanJson, name: string) =>
  p.resources.find((r) => r.name === name && r.type.startsWith("aws:"))!;
const statements = (r: PlannedJson) =>
  (JSON.parse(String(r.inputs.policy)) as { Statement: Record<string, unknown>[] }).Statement;
/** Every resource that would survive a change, by URN, with its inputs. */
const byUrn = (p: PlanJson) => new Map(p.resources.map((r) => [r.urn, JSON.stringify(r.inputs)]));

describe("the hosted example stack (stacks/Pulumi.hosted.yaml)", () => {
  let example: PlanJson;
  beforeAll(async () => {
    example = await plan(["--stack", "hosted"]);
  });

  it("makes one user, inline policy and key, and one sync role with its policy, per customer, each under its component", () => {
    const components = ofType(example, "budget-sync:index:HostedCustomer");
    expect(components.map((c) => c.name)).toEqual([
      "customer-acme",
      "customer-acme-corp",
      "customer-globex",
      "customer-initech",
      "customer-umbrella",
    ]);
    for (const c of components) {
      const kids = example.resources.filter((r) => r.parent === c.urn);
      expect(kids.map((k) => k.type).sort(), c.name).toEqual([
        "aws:iam/accessKey:AccessKey",
        "aws:iam/role:Role",
        "aws:iam/rolePolicy:RolePolicy",
        "aws:iam/user:User",
        "aws:iam/userPolicy:UserPolicy",
      ]);
    }
    const users = ofType(example, "aws:iam/user:User").filter((u) =>
      String(u.inputs.name).startsWith("spendflo-customer-"),
    );
    expect(
      users.map((u) => (u.inputs.tags as Record<string, string>)["spendflo:customer"]),
    ).toEqual(["acme", "acme-corp", "globex", "initech", "umbrella"]);
    for (const u of users) {
      expect((u.inputs.tags as Record<string, string>)["spendflo:access"]).toBe("upload");
    }
  });

  it("keeps customers out of the bucket policy: TLS only, one statement however many customers", () => {
    const policy = named(example, "budget-bucket-policy");
    expect(statements(policy).map((s) => s.Sid)).toEqual(["DenyInsecureTransport"]);
  });

  it("has one lifecycle for customers/ and a bucket that is never force-destroyed", () => {
    const lifecycle = named(example, "budget-bucket-lifecycle");
    const rules = lifecycle.inputs.rules as { filter: { prefix: string } }[];
    expect(rules.map((r) => r.filter.prefix)).toEqual(["customers/", "customers/"]);
    const bucket = named(example, "budget-bucket");
    expect(bucket.inputs.bucket).toBe("spendflo-budget-uploads");
    expect(bucket.inputs.forceDestroy).toBe(false);
  });

  it("gives SpendFlo's sync one read-only role per customer, on that customer's prefix, and no reader of all customers/", () => {
    const roles = ofType(example, "aws:iam/role:Role");
    expect(roles.map((r) => r.inputs.name)).toEqual([
      "spendflo-reader-acme",
      "spendflo-reader-acme-corp",
      "spendflo-reader-globex",
      "spendflo-reader-initech",
      "spendflo-reader-umbrella",
    ]);
    const externalIds = new Set<string>();
    for (const role of roles) {
      const id = (role.inputs.tags as Record<string, string>)["spendflo:customer"]!;
      expect((role.inputs.tags as Record<string, string>)["spendflo:access"]).toBe("read-only");
      const [trust] = (
        JSON.parse(String(role.inputs.assumeRolePolicy)) as { Statement: TrustStatement[] }
      ).Statement;
      expect(trust!.Principal).toEqual({ AWS: POLLER });
      externalIds.add(trust!.Condition.StringEquals["sts:ExternalId"]);
      const policy = ofType(example, "aws:iam/rolePolicy:RolePolicy").find(
        (p) => p.inputs.role === role.inputs.name,
      )!;
      expect(statements(policy)).toEqual([
        {
          Sid: "ListOwnPrefix",
          Effect: "Allow",
          Action: "s3:ListBucket",
          Resource: "arn:aws:s3:::spendflo-budget-uploads",
          Condition: { StringLike: { "s3:prefix": [`customers/${id}/budgets/*`] } },
        },
        {
          Sid: "ReadOwnFiles",
          Effect: "Allow",
          Action: "s3:GetObject",
          Resource: `arn:aws:s3:::spendflo-budget-uploads/customers/${id}/budgets/*`,
        },
      ]);
    }
    expect(externalIds.size).toBe(roles.length);
    // Nothing reads the whole of customers/: every principal is a customer's.
    const principals = [...ofType(example, "aws:iam/user:User"), ...roles];
    for (const p of principals) {
      expect((p.inputs.tags as Record<string, string>)["spendflo:customer"], p.name).toBeDefined();
    }
    expect(JSON.stringify(example.resources)).not.toContain("customers/*");
  });

  it("records every customer's reads and writes in one trail on customers/", () => {
    const trail = named(example, "audit-trail");
    expect(JSON.stringify(trail.inputs)).toContain(
      "arn:aws:s3:::spendflo-budget-uploads/customers/",
    );
    expect(example.violations.map((v) => (v as { policy?: string }).policy)).not.toContain(
      "audit-data-events",
    );
  });

  it("outputs the hosted shape with every secret masked", () => {
    expect(example.outputs).toMatchObject({
      bucketName: "spendflo-budget-uploads",
      region: "us-east-1",
      prefix: "customers/",
      manageBucket: true,
    });
    expect(example.outputs.customers).toBe("[secret]");
    // Who is onboarded where, readable without --show-secrets.
    expect(example.outputs.customerPrefixes).toEqual({
      acme: "customers/acme/budgets/",
      "acme-corp": "customers/acme-corp/budgets/",
      globex: "customers/globex/budgets/",
      initech: "customers/initech/budgets/",
      umbrella: "customers/umbrella/budgets/",
    });
    expect(example.violations.filter((v) => v.level === "mandatory")).toEqual([]);
  });
});

describe("onboarding and offboarding change only the customer concerned", () => {
  const customers = ["acme", "globex", "initech"];
  const config = (ids: string[]) =>
    `${head}  budget-sync:hosted:\n    pollerRoleArn: ${POLLER}\n  budget-sync:customers:\n${ids.map(line).join("\n")}\n`;
  let all: PlanJson;
  let reordered: PlanJson;
  let withoutGlobex: PlanJson;
  beforeAll(async () => {
    [all, reordered, withoutGlobex] = await Promise.all([
      plan(["--config", stackFile(config(customers))]),
      plan(["--config", stackFile(config(["initech", "acme", "globex"]))]),
      plan(["--config", stackFile(config(["acme", "initech"]))]),
    ]);
  });

  it("names resources by customer id, so reordering the list changes nothing", () => {
    const a = byUrn(all);
    const b = byUrn(reordered);
    expect([...b.keys()].sort()).toEqual([...a.keys()].sort());
    for (const [urn, inputs] of b) {
      if (!urn.includes("aws:iam/accessKey")) expect(inputs, urn).toBe(a.get(urn));
    }
  });

  it("removing a customer removes its user, role, policies and key, and touches nothing else", () => {
    const before = byUrn(all);
    const after = byUrn(withoutGlobex);
    const removed = [...before.keys()].filter((urn) => !after.has(urn));
    expect(removed.map((urn) => urn.split("::").pop()).sort()).toEqual([
      "customer-globex",
      "customer-globex",
      "customer-globex-access",
      "customer-globex-key",
      "customer-globex-reader",
      "customer-globex-reader-access",
    ]);
    for (const [urn, inputs] of after) expect(before.get(urn), urn).toBe(inputs);
    // The files stay: the bucket is untouched and never force-destroyed.
    const [bucket] = ofType(withoutGlobex, "aws:s3/bucket:Bucket");
    expect(bucket!.inputs.forceDestroy).toBe(false);
  });
});

describe("a shard stack (hosted.manageBucket: false)", () => {
  it("makes customers' principals for the base stack's bucket and nothing else", async () => {
    const shard = await plan([
      "--config",
      stackFile(
        `${head}  budget-sync:hosted:\n    manageBucket: false\n    pollerRoleArn: ${POLLER}\n  budget-sync:customers:\n${line("wayne")}\n${line("stark")}\n`,
      ),
    ]);
    expect([...new Set(shard.resources.map((r) => r.type))].sort()).toEqual([
      "aws:iam/accessKey:AccessKey",
      "aws:iam/role:Role",
      "aws:iam/rolePolicy:RolePolicy",
      "aws:iam/user:User",
      "aws:iam/userPolicy:UserPolicy",
      "budget-sync:index:HostedCustomer",
    ]);
    const policy = ofType(shard, "aws:iam/userPolicy:UserPolicy").find(
      (p) => p.inputs.user === "spendflo-customer-stark",
    )!;
    expect(statements(policy)[1]!.Resource).toBe(
      "arn:aws:s3:::spendflo-budget-uploads/customers/stark/budgets/*",
    );
    expect(shard.outputs).toMatchObject({ manageBucket: false, prefix: "customers/" });
  });
});

describe("a hosted config with a mistake", () => {
  it("stops before planning anything, naming the key (exit 2)", async () => {
    const result = await runCli([
      "plan",
      "--config",
      stackFile(
        `${head}  budget-sync:hosted:\n    pollerRoleArn: ${POLLER}\n  budget-sync:customers:\n    - { id: acme, externalId: acme-5f0c8e2a9d31b7c4 }\n    - { id: acme, externalId: acme-6e1d9f3b0e42c8d5 }\n`,
      ),
    ]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(
      'budget-sync:customers.1.id: "acme" is listed twice (first as customers.0)',
    );
    expect(result.stdout).toBe("");
  });
});
