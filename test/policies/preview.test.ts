/**
 * The pack as `pulumi preview` feeds it: props behind the SDK's unknown-checking proxy, every
 * provider-assigned value (arn, id) unknown for new resources, references to them unknown too,
 * with the property dependencies the engine sends. Secure shapes must pass cleanly (no "can't run
 * during preview"), and an unknown document SpendFlo could use must not pass silently.
 */
import { createRequire } from "node:module";
import {
  unknownCheckingProxy,
  type PolicyResource,
  type StackValidationArgs,
} from "@pulumi/policy";
import { describe, expect, it } from "vitest";
import type { PlannedResource } from "../../lib/stack/plannedResource.ts";
import { T } from "../../lib/stack/model.ts";
import { policies } from "../../policies/all.ts";
import {
  SPENDFLO_ACCOUNT,
  budgetBucket,
  crossAccountStatements,
  iamUserReader,
  json,
  policyResource,
  res,
  roleReader,
  spendfloConfig,
} from "./fixtures.ts";

const require = createRequire(import.meta.url);
const { unknownStringValue } = require("@pulumi/policy/proxy.js");

type Ref = { prop: string; to: string; value?: "unknown" };

/** Builds preview-time stack args: `refs` make a prop depend on (and, if unknown, come from) a resource. */
function previewArgs(
  resources: PlannedResource[],
  refs: Record<string, Ref[]>,
  config: Record<string, unknown>,
) {
  const list: PolicyResource[] = resources.map((r) => {
    const raw: Record<string, unknown> = {
      ...r.inputs,
      arn: unknownStringValue,
      id: unknownStringValue,
    };
    for (const ref of refs[r.name] ?? [])
      if (ref.value === "unknown") setPath(raw, ref.prop, unknownStringValue);
    return policyResource(r, unknownCheckingProxy(raw));
  });
  const byName = new Map(list.map((p) => [p.name, p]));
  for (const [name, rs] of Object.entries(refs)) {
    const from = byName.get(name)!;
    for (const ref of rs) {
      const top = ref.prop.split(".")[0];
      (from.propertyDependencies[top] ??= []).push(byName.get(ref.to)!);
    }
  }
  const args: StackValidationArgs = {
    resources: list,
    stackTags: new Map(),
    getConfig: <C extends object>() => config as C,
    notApplicable: (): never => {
      throw new Error("n/a");
    },
  };
  return args;
}

function setPath(obj: Record<string, unknown>, path: string, value: unknown) {
  const parts = path.split(".");
  let cur: Record<string, unknown> = obj;
  for (const p of parts.slice(0, -1)) cur = cur[p] as Record<string, unknown>;
  cur[parts[parts.length - 1]] = value;
}

async function runAll(args: StackValidationArgs, config: Record<string, Record<string, unknown>>) {
  const found: string[] = [];
  const errors: string[] = [];
  for (const p of policies) {
    if (!("validateStack" in p)) continue;
    const policyArgs = { ...args, getConfig: <C extends object>() => (config[p.name] ?? {}) as C };
    try {
      await p.validateStack(policyArgs, (m) => found.push(`${p.name}: ${m}`));
    } catch (e) {
      errors.push(`${p.name}: ${(e as Error).message}`);
    }
  }
  return { found, errors };
}

/** Every settings resource's bucket is `bucket.id`, unknown for a new bucket. */
const bucketRefs = (bucket = "budgets") =>
  Object.fromEntries(
    ["encryption", "versioning", "lifecycle", "public-access-block", "ownership", "policy"].map(
      (s) => [`${bucket}-${s}`, [{ prop: "bucket", to: bucket, value: "unknown" as const }]],
    ),
  );

describe("during preview", () => {
  it("the component shapes, with ids and ARNs unknown, pass every policy cleanly", async () => {
    const resources = [
      ...budgetBucket({ extraStatements: crossAccountStatements() }),
      ...roleReader(),
    ];
    const refs = {
      ...bucketRefs(),
      "spendflo-role-policy": [{ prop: "role", to: "spendflo-role" }],
    };
    const { found, errors } = await runAll(previewArgs(resources, refs, {}), spendfloConfig);
    expect(errors).toEqual([]);
    expect(found.filter((f) => !f.startsWith("audit-data-events"))).toEqual([]);
  });

  it("KMS mode: the SSE key id is the new key's ARN, unknown; kms:Decrypt through S3 still decides", async () => {
    const key = res(T.KmsKey, "budget-key", {
      policy: json({
        Statement: [
          {
            Effect: "Allow",
            Principal: { AWS: `arn:aws:iam::${SPENDFLO_ACCOUNT}:root` },
            Action: "kms:Decrypt",
            Resource: "*",
            Condition: { StringEquals: { "kms:ViaService": "s3.us-east-1.amazonaws.com" } },
          },
        ],
      }),
    });
    const resources = [
      ...budgetBucket({ kmsKeyArn: "placeholder", extraStatements: crossAccountStatements() }),
      key,
    ];
    const refs = {
      ...bucketRefs(),
      "budgets-encryption": [
        { prop: "bucket", to: "budgets", value: "unknown" as const },
        {
          prop: "rules.0.applyServerSideEncryptionByDefault.kmsMasterKeyId",
          to: "budget-key",
          value: "unknown" as const,
        },
      ],
    };
    const { found, errors } = await runAll(previewArgs(resources, refs, {}), spendfloConfig);
    expect(errors).toEqual([]);
    expect(found.filter((f) => !f.startsWith("audit-data-events"))).toEqual([]);
  });

  it("a managed policy attached by its unknown ARN is still followed through the dependency", async () => {
    const writer = res(T.Policy, "writer", {
      policy: json({ Statement: [{ Effect: "Allow", Action: "s3:DeleteObject", Resource: "*" }] }),
    });
    const attach = res(T.UserPolicyAttachment, "attach", {
      user: "spendflo-budget-sync-dev",
      policyArn: "x",
    });
    const resources = [...iamUserReader(), writer, attach];
    const refs = { attach: [{ prop: "policyArn", to: "writer", value: "unknown" as const }] };
    const { found, errors } = await runAll(previewArgs(resources, refs, {}), spendfloConfig);
    expect(errors).toEqual([]);
    expect(found.filter((f) => f.startsWith("spendflo-read-only"))).toEqual([
      'spendflo-read-only: SpendFlo principal aws.iam.User "spendflo-reader" (tagged spendflo:access = read-only) may write: aws.iam.Policy "writer" (statement 1) attached by aws.iam.UserPolicyAttachment "attach" grants s3:DeleteObject on *. SpendFlo must only be granted List and Read actions.',
    ]);
  });

  it("an unknown document reaching SpendFlo is reported to the SDK, after what is known", async () => {
    const resources = [
      ...iamUserReader(),
      res(T.UserPolicy, "later", { user: "spendflo-budget-sync-dev", policy: "x" }),
      res(T.UserPolicy, "known", {
        user: "spendflo-budget-sync-dev",
        policy: json({ Statement: [{ Effect: "Allow", Action: "s3:PutObject", Resource: "*" }] }),
      }),
    ];
    const refs = { later: [{ prop: "policy", to: "spendflo-reader", value: "unknown" as const }] };
    const { found, errors } = await runAll(previewArgs(resources, refs, {}), spendfloConfig);
    expect(found.filter((f) => f.startsWith("spendflo-read-only"))).toHaveLength(1);
    expect(errors).toContain(
      'spendflo-read-only: aws.iam.UserPolicy "later" .policy is not known before the resources it comes from exist',
    );
  });
});
