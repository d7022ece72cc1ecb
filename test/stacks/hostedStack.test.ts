import { beforeAll, describe, expect, it } from "vitest";
import {
  HOSTED_POLLER as POLLER,
  MOCK_SECRET,
  ofType,
  planInProcess,
  statements,
  type PlanJson,
} from "../helpers/plan.ts";

interface TrustStatement {
  Principal: unknown;
  Condition: { StringEquals: Record<string, string> };
}

const named = (p: PlanJson, name: string) =>
  p.resources.find((r) => r.name === name && r.type.startsWith("aws:"))!;

describe("the hosted example stack (stacks/Pulumi.hosted.yaml)", () => {
  let example: PlanJson;
  beforeAll(async () => {
    example = (await planInProcess({ stack: "hosted" })) as PlanJson;
    expect(JSON.stringify(example)).not.toMatch(MOCK_SECRET);
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
