import { runSimulation } from "@cloud-copilot/iam-simulate";
import { beforeAll, describe, expect, it } from "vitest";
import { planInProcess } from "./helpers/plan.ts";

/**
 * The promise of the SpendFlo-provided bucket, checked with an IAM policy simulator over the
 * policies the hosted example stack really generates: every customer against every customer's
 * prefix. acme and acme-corp are both in the example: one id being the start of another must
 * grant nothing.
 */

const ACCOUNT = "123456789012";
const BUCKET = "spendflo-budget-uploads";
const BUCKET_ARN = `arn:aws:s3:::${BUCKET}`;

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Doc = any;
interface Principal {
  user: string;
  policies: Doc[];
}

let customers: Map<string, Principal>;
let reader: Principal;
let bucketPolicy: Doc;

beforeAll(async () => {
  // A policy violation, which hostedStack.test.ts reports, does not matter here: the simulator
  // judges the generated policies on its own, independently of the pack.
  const plan = await planInProcess({ stack: "hosted" });
  const users = plan.resources.filter((r) => r.type === "aws:iam/user:User");
  const policiesOf = (user: string) =>
    plan.resources
      .filter((r) => r.type === "aws:iam/userPolicy:UserPolicy" && r.inputs.user === user)
      .map((r) => JSON.parse(String(r.inputs.policy)) as Doc);
  customers = new Map();
  for (const u of users) {
    const tags = u.inputs.tags as Record<string, string>;
    const name = String(u.inputs.name);
    if (tags["spendflo:customer"]) {
      customers.set(tags["spendflo:customer"], { user: name, policies: policiesOf(name) });
    } else if (tags["spendflo:access"] === "read-only") {
      reader = { user: name, policies: policiesOf(name) };
    }
  }
  const policy = plan.resources.find(
    (r) => r.type === "aws:s3/bucketPolicy:BucketPolicy" && r.name === "budget-bucket-policy",
  )!;
  bucketPolicy = JSON.parse(String(policy.inputs.policy));
});

async function decide(
  who: Principal,
  action: string,
  resource: string,
  context: Record<string, string> = {},
): Promise<string> {
  const result = await runSimulation(
    {
      identityPolicies: who.policies.map((policy, i) => ({ name: `inline-${i}`, policy })),
      serviceControlPolicies: [],
      resourceControlPolicies: [],
      resourcePolicy: bucketPolicy,
      request: {
        action,
        principal: `arn:aws:iam::${ACCOUNT}:user/${who.user}`,
        resource: { accountId: ACCOUNT, resource },
        contextVariables: { "aws:SecureTransport": "true", ...context },
      },
    },
    {},
  );
  if (result.resultType !== "single") throw new Error(JSON.stringify(result).slice(0, 500));
  return result.overallResult;
}

const prefixOf = (id: string) => `customers/${id}/budgets/`;
const file = (id: string) => `${BUCKET_ARN}/${prefixOf(id)}budget_20260105.csv`;

describe("hosted customers are isolated from each other (iam-simulate)", () => {
  it("finds every example customer's generated policy", () => {
    expect([...customers.keys()].sort()).toEqual([
      "acme",
      "acme-corp",
      "globex",
      "initech",
      "umbrella",
    ]);
    for (const c of customers.values()) expect(c.policies).toHaveLength(1);
  });

  it("lets each customer list, upload (aborting its own multipart uploads) and read back its own prefix and nobody else's", async () => {
    const outcomes: string[] = [];
    const expected: string[] = [];
    for (const [id, who] of customers) {
      for (const target of customers.keys()) {
        const own = id === target;
        const checks: [string, string, Record<string, string>][] = [
          ["s3:ListBucket", BUCKET_ARN, { "s3:prefix": prefixOf(target) }],
          ["s3:ListBucket", BUCKET_ARN, { "s3:prefix": `${prefixOf(target)}2026/` }],
          ["s3:PutObject", file(target), {}],
          ["s3:AbortMultipartUpload", file(target), {}],
          ["s3:GetObject", file(target), {}],
        ];
        for (const [action, resource, context] of checks) {
          const line = `${id} ${action} ${resource} ${JSON.stringify(context)}`;
          outcomes.push(`${line} => ${await decide(who, action, resource, context)}`);
          expected.push(`${line} => ${own ? "Allowed" : "ImplicitlyDenied"}`);
        }
      }
    }
    expect(outcomes).toEqual(expected);
  });

  it("denies delete everywhere, its own prefix included", async () => {
    for (const [id, who] of customers) {
      for (const target of customers.keys()) {
        for (const action of ["s3:DeleteObject", "s3:DeleteObjectVersion", "s3:PutObjectAcl"]) {
          expect(await decide(who, action, file(target)), `${id} ${action} ${target}`).not.toBe(
            "Allowed",
          );
        }
      }
    }
  });

  it("denies listing outside the prefix: no prefix, the whole customers/, an id without its slash", async () => {
    for (const [id, who] of customers) {
      const contexts: Record<string, string>[] = [
        {},
        { "s3:prefix": "" },
        { "s3:prefix": "customers/" },
        { "s3:prefix": `customers/${id}` },
        { "s3:prefix": `customers/${id}/` },
      ];
      for (const context of contexts) {
        expect(
          await decide(who, "s3:ListBucket", BUCKET_ARN, context),
          `${id} ${JSON.stringify(context)}`,
        ).toBe("ImplicitlyDenied");
      }
    }
  });

  it("denies reading beside the budgets folder and anything at bucket level", async () => {
    const acme = customers.get("acme")!;
    expect(await decide(acme, "s3:GetObject", `${BUCKET_ARN}/customers/acme/notes.txt`)).toBe(
      "ImplicitlyDenied",
    );
    expect(await decide(acme, "s3:GetObject", `${BUCKET_ARN}/customers/acme-corp/budgets/x`)).toBe(
      "ImplicitlyDenied",
    );
    expect(
      await decide(acme, "s3:AbortMultipartUpload", `${BUCKET_ARN}/customers/acme/notes.txt`),
    ).toBe("ImplicitlyDenied");
    expect(await decide(acme, "s3:ListMultipartUploadParts", file("acme"))).toBe(
      "ImplicitlyDenied",
    );
    expect(
      await decide(acme, "s3:ListBucketMultipartUploads", BUCKET_ARN, {
        "s3:prefix": prefixOf("acme"),
      }),
    ).toBe("ImplicitlyDenied");
    expect(await decide(acme, "s3:GetBucketPolicy", BUCKET_ARN)).toBe("ImplicitlyDenied");
    expect(await decide(acme, "s3:PutBucketPolicy", BUCKET_ARN)).toBe("ImplicitlyDenied");
  });

  it("refuses even a customer's own upload over plain HTTP (the bucket policy's TLS deny)", async () => {
    const acme = customers.get("acme")!;
    expect(
      await decide(acme, "s3:PutObject", file("acme"), { "aws:SecureTransport": "false" }),
    ).toBe("ExplicitlyDenied");
  });
});

describe("SpendFlo's own reader of customers/", () => {
  it("reads and lists every customer's prefix and writes none", async () => {
    for (const id of customers.keys()) {
      expect(await decide(reader, "s3:GetObject", file(id))).toBe("Allowed");
      expect(await decide(reader, "s3:ListBucket", BUCKET_ARN, { "s3:prefix": prefixOf(id) })).toBe(
        "Allowed",
      );
      expect(await decide(reader, "s3:PutObject", file(id))).toBe("ImplicitlyDenied");
      expect(await decide(reader, "s3:DeleteObject", file(id))).toBe("ImplicitlyDenied");
      expect(await decide(reader, "s3:AbortMultipartUpload", file(id))).toBe("ImplicitlyDenied");
    }
  });
});
