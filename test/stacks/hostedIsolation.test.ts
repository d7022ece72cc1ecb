import { runSimulation } from "@cloud-copilot/iam-simulate";
import { beforeAll, describe, expect, it } from "vitest";
import { s3WriteActions } from "../../cli/aws/permissionCheck.ts";
import { planInProcess } from "../helpers/plan.ts";

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
  /** `user/<name>` or `role/<name>` */
  user: string;
  policies: Doc[];
}
interface Reader extends Principal {
  trust: Doc;
}

/** SpendFlo's poller, as the example stack names it in hosted.pollerRoleArn. */
const POLLER = "arn:aws:iam::999988887777:role/spendflo-budget-poller";

let customers: Map<string, Principal>;
let readers: Map<string, Reader>;
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
      customers.set(tags["spendflo:customer"], {
        user: `user/${name}`,
        policies: policiesOf(name),
      });
    }
  }
  readers = new Map();
  for (const r of plan.resources.filter((r) => r.type === "aws:iam/role:Role")) {
    const tags = r.inputs.tags as Record<string, string>;
    const name = String(r.inputs.name);
    readers.set(tags["spendflo:customer"]!, {
      user: `role/${name}`,
      policies: plan.resources
        .filter((p) => p.type === "aws:iam/rolePolicy:RolePolicy" && p.inputs.role === name)
        .map((p) => JSON.parse(String(p.inputs.policy)) as Doc),
      trust: JSON.parse(String(r.inputs.assumeRolePolicy)) as Doc,
    });
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
        principal: `arn:aws:iam::${ACCOUNT}:${who.user}`,
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

/** The external id in a reader's trust policy, as the stack outputs give it to register. */
const externalIdOf = (reader: Reader): string =>
  reader.trust.Statement[0].Condition.StringEquals["sts:ExternalId"] as string;

/**
 * May `principal` assume the reader, presenting `externalId`? The trust policy is the resource
 * policy; the caller's own identity policy allows sts:AssumeRole on anything, as the poller's does.
 */
async function mayAssume(
  reader: Reader,
  principal: string,
  externalId: string | undefined,
): Promise<string> {
  const result = await runSimulation(
    {
      identityPolicies: [
        {
          name: "caller",
          policy: {
            Version: "2012-10-17",
            Statement: [{ Effect: "Allow", Action: "sts:AssumeRole", Resource: "*" }],
          },
        },
      ],
      serviceControlPolicies: [],
      resourceControlPolicies: [],
      resourcePolicy: reader.trust,
      request: {
        action: "sts:AssumeRole",
        principal,
        resource: { accountId: ACCOUNT, resource: `arn:aws:iam::${ACCOUNT}:${reader.user}` },
        contextVariables: externalId === undefined ? {} : { "sts:ExternalId": externalId },
      },
    },
    {},
  );
  if (result.resultType !== "single") throw new Error(JSON.stringify(result).slice(0, 500));
  return result.overallResult;
}

describe("SpendFlo's read-only sync role of each customer (iam-simulate)", () => {
  it("is made for every customer, one role each", () => {
    expect([...readers.keys()].sort()).toEqual([...customers.keys()].sort());
    for (const r of readers.values()) expect(r.policies).toHaveLength(1);
  });

  it("lists and reads its customer's prefix, and no other customer's, acme beside acme-corp", async () => {
    const outcomes: string[] = [];
    const expected: string[] = [];
    for (const [id, reader] of readers) {
      for (const target of readers.keys()) {
        const own = id === target;
        const checks: [string, string, Record<string, string>][] = [
          ["s3:ListBucket", BUCKET_ARN, { "s3:prefix": prefixOf(target) }],
          ["s3:ListBucket", BUCKET_ARN, { "s3:prefix": `${prefixOf(target)}2026/` }],
          ["s3:GetObject", file(target), {}],
        ];
        for (const [action, resource, context] of checks) {
          const line = `${id} ${action} ${resource} ${JSON.stringify(context)}`;
          outcomes.push(`${line} => ${await decide(reader, action, resource, context)}`);
          expected.push(`${line} => ${own ? "Allowed" : "ImplicitlyDenied"}`);
        }
      }
    }
    expect(outcomes).toEqual(expected);
  });

  it("lists nothing outside its prefix: no prefix, customers/, the id without its slash", async () => {
    for (const [id, reader] of readers) {
      const contexts: Record<string, string>[] = [
        {},
        { "s3:prefix": "" },
        { "s3:prefix": "customers/" },
        { "s3:prefix": `customers/${id}` },
        { "s3:prefix": `customers/${id}/` },
      ];
      for (const context of contexts) {
        expect(
          await decide(reader, "s3:ListBucket", BUCKET_ARN, context),
          `${id} ${JSON.stringify(context)}`,
        ).toBe("ImplicitlyDenied");
      }
      expect(await decide(reader, "s3:GetObject", `${BUCKET_ARN}/customers/${id}/notes.txt`)).toBe(
        "ImplicitlyDenied",
      );
    }
  });

  it("can write, delete or abort nothing anywhere: every S3 write of the catalogue, on every prefix and the bucket", async () => {
    const writes = await s3WriteActions();
    expect(writes.object).toEqual(
      expect.arrayContaining(["s3:PutObject", "s3:DeleteObject", "s3:AbortMultipartUpload"]),
    );
    const allowed: string[] = [];
    for (const [id, reader] of readers) {
      for (const target of readers.keys()) {
        for (const action of writes.object) {
          if ((await decide(reader, action, file(target))) === "Allowed")
            allowed.push(`${id} ${action} ${target}`);
        }
      }
      for (const action of writes.bucket) {
        if ((await decide(reader, action, BUCKET_ARN)) === "Allowed")
          allowed.push(`${id} ${action} bucket`);
      }
    }
    expect(allowed).toEqual([]);
  });

  it("may be assumed only by the configured poller, with its own customer's external id", async () => {
    const outcomes: string[] = [];
    const expected: string[] = [];
    const pollerSession = "arn:aws:sts::999988887777:assumed-role/spendflo-budget-poller/sync-1";
    for (const [id, reader] of readers) {
      const check = async (
        who: string,
        principal: string,
        externalId: string | undefined,
        ok: boolean,
      ) => {
        outcomes.push(`${id} by ${who} => ${await mayAssume(reader, principal, externalId)}`);
        expected.push(`${id} by ${who} => ${ok ? "Allowed" : "ImplicitlyDenied"}`);
      };
      await check("the poller with the external id", POLLER, externalIdOf(reader), true);
      await check(
        "a poller session with the external id",
        pollerSession,
        externalIdOf(reader),
        true,
      );
      await check("the poller without an external id", POLLER, undefined, false);
      for (const [other, otherReader] of readers) {
        if (other !== id)
          await check(
            `the poller with ${other}'s external id`,
            POLLER,
            externalIdOf(otherReader),
            false,
          );
      }
      await check(
        "another role of the poller's account",
        "arn:aws:iam::999988887777:role/someone-else",
        externalIdOf(reader),
        false,
      );
      await check(
        "the poller's account root",
        "arn:aws:iam::999988887777:root",
        externalIdOf(reader),
        false,
      );
      await check(
        "its own customer's upload user",
        `arn:aws:iam::${ACCOUNT}:${customers.get(id)!.user}`,
        externalIdOf(reader),
        false,
      );
    }
    expect(outcomes).toEqual(expected);
  });
});
