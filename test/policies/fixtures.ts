/**
 * Hand-made plan records: the shapes our components produce (v7 bucket + settings resources,
 * SpendFlo's reader in each mode), and a helper to build CrossGuard's arguments by hand.
 */
import type { PolicyResource, StackValidationArgs } from "@pulumi/policy";
import type { PlannedResource } from "../../lib/stack/plannedResource.ts";
import { T } from "../../lib/stack/model.ts";

export const STACK = "urn:pulumi:dev::budget-sync::pulumi:pulumi:Stack::budget-sync-dev";
export const SPENDFLO_ACCOUNT = "999988887777";
export const CUSTOMER_ACCOUNT = "111122223333";
export const BUCKET = "acme-budget-exports";
export const PREFIX = "budgets/";

export function urnOf(type: string, name: string): string {
  return `urn:pulumi:dev::budget-sync::${type}::${name}`;
}

/** One planned resource; `id` defaults to the `bucket`/`name` input or the logical name. */
export function res(
  type: string,
  name: string,
  inputs: Record<string, unknown>,
  outputs: Record<string, unknown> = {},
): PlannedResource {
  const id =
    (typeof inputs["bucket"] === "string" && type === T.Bucket
      ? (inputs["bucket"] as string)
      : undefined) ??
    (typeof inputs["name"] === "string" ? (inputs["name"] as string) : undefined) ??
    name;
  return {
    urn: urnOf(type, name),
    type,
    name,
    id,
    parent: STACK,
    custom: true,
    inputs,
    outputs,
    options: { dependsOn: [] },
  };
}

export const json = (doc: unknown) => JSON.stringify(doc);

export function tlsDeny(bucket = BUCKET) {
  return {
    Sid: "DenyInsecureTransport",
    Effect: "Deny",
    Principal: "*",
    Action: "s3:*",
    Resource: [`arn:aws:s3:::${bucket}`, `arn:aws:s3:::${bucket}/*`],
    Condition: { Bool: { "aws:SecureTransport": "false" } },
  };
}

export function readerStatements(bucket = BUCKET, prefix = PREFIX) {
  return [
    {
      Sid: "ReadBudgetFiles",
      Effect: "Allow",
      Action: "s3:GetObject",
      Resource: `arn:aws:s3:::${bucket}/${prefix}*`,
    },
    {
      Sid: "ListBudgetPrefix",
      Effect: "Allow",
      Action: "s3:ListBucket",
      Resource: `arn:aws:s3:::${bucket}`,
      Condition: { StringLike: { "s3:prefix": `${prefix}*` } },
    },
  ];
}

/** A BudgetBucket as our component builds it: every setting in its own v7 resource. */
export function budgetBucket(
  opts: { name?: string; bucket?: string; kmsKeyArn?: string; extraStatements?: unknown[] } = {},
): PlannedResource[] {
  const name = opts.name ?? "budgets";
  const bucket = opts.bucket ?? BUCKET;
  return [
    res(T.Bucket, name, { bucket, forceDestroy: false }, { arn: `arn:aws:s3:::${bucket}` }),
    res(T.BucketSse, `${name}-encryption`, {
      bucket,
      rules: [
        {
          applyServerSideEncryptionByDefault: opts.kmsKeyArn
            ? { sseAlgorithm: "aws:kms", kmsMasterKeyId: opts.kmsKeyArn }
            : { sseAlgorithm: "AES256" },
          bucketKeyEnabled: true,
        },
      ],
    }),
    res(T.BucketVersioning, `${name}-versioning`, {
      bucket,
      versioningConfiguration: { status: "Enabled" },
    }),
    res(T.BucketLifecycle, `${name}-lifecycle`, {
      bucket,
      rules: [
        {
          id: "expire-budget-files",
          status: "Enabled",
          filter: { prefix: PREFIX },
          expiration: { days: 30 },
          noncurrentVersionExpiration: { noncurrentDays: 7 },
          abortIncompleteMultipartUpload: { daysAfterInitiation: 1 },
        },
        {
          id: "remove-expired-delete-markers",
          status: "Enabled",
          filter: { prefix: PREFIX },
          expiration: { expiredObjectDeleteMarker: true },
        },
      ],
    }),
    res(T.BucketPublicAccessBlock, `${name}-public-access-block`, {
      bucket,
      blockPublicAcls: true,
      blockPublicPolicy: true,
      ignorePublicAcls: true,
      restrictPublicBuckets: true,
    }),
    res("aws:s3/bucketOwnershipControls:BucketOwnershipControls", `${name}-ownership`, {
      bucket,
      rule: { objectOwnership: "BucketOwnerEnforced" },
    }),
    res(T.BucketPolicy, `${name}-policy`, {
      bucket,
      policy: json({
        Version: "2012-10-17",
        Statement: [tlsDeny(bucket), ...(opts.extraStatements ?? [])],
      }),
    }),
  ];
}

/** SpendfloReader, iam-user mode. */
export function iamUserReader(bucket = BUCKET): PlannedResource[] {
  return [
    res(T.User, "spendflo-reader", {
      name: "spendflo-budget-sync-dev",
      tags: { "spendflo:access": "read-only" },
    }),
    res(T.AccessKey, "spendflo-reader-key", { user: "spendflo-budget-sync-dev" }),
    res(T.UserPolicy, "spendflo-reader-policy", {
      user: "spendflo-budget-sync-dev",
      policy: json({ Version: "2012-10-17", Statement: readerStatements(bucket) }),
    }),
  ];
}

/** SpendfloReader, cross-account-role mode. */
export function roleReader(bucket = BUCKET): PlannedResource[] {
  return [
    res(T.Role, "spendflo-role", {
      name: "spendflo-budget-sync-dev",
      tags: { "spendflo:access": "read-only" },
      assumeRolePolicy: json({
        Version: "2012-10-17",
        Statement: [
          {
            Effect: "Allow",
            Principal: { AWS: `arn:aws:iam::${SPENDFLO_ACCOUNT}:root` },
            Action: "sts:AssumeRole",
            Condition: { StringEquals: { "sts:ExternalId": "acme-7f3a" } },
          },
        ],
      }),
    }),
    res(T.RolePolicy, "spendflo-role-policy", {
      role: "spendflo-budget-sync-dev",
      policy: json({ Version: "2012-10-17", Statement: readerStatements(bucket) }),
    }),
  ];
}

/** Cross-account-policy mode: the bucket policy's Allow for SpendFlo's account. */
export function crossAccountStatements(bucket = BUCKET) {
  return readerStatements(bucket).map((s) => ({
    ...s,
    Principal: { AWS: `arn:aws:iam::${SPENDFLO_ACCOUNT}:root` },
  }));
}

export const spendfloConfig = {
  "spendflo-read-only": { spendfloAccountIds: [SPENDFLO_ACCOUNT] },
  "spendflo-scoped": { spendfloAccountIds: [SPENDFLO_ACCOUNT] },
};

/** CrossGuard's StackValidationArgs, built by hand over planned resources. */
/** A planned resource as the policy SDK hands it to a stack policy, with the given properties. */
export function policyResource(r: PlannedResource, props: Record<string, unknown>): PolicyResource {
  return {
    type: r.type,
    props,
    urn: r.urn,
    name: r.name,
    opts: {
      protect: false,
      ignoreChanges: [],
      aliases: [],
      customTimeouts: { createSeconds: 0, updateSeconds: 0, deleteSeconds: 0 },
      additionalSecretOutputs: [],
    },
    dependencies: [],
    propertyDependencies: {},
    isType: () => false,
    asType: () => undefined,
  };
}

export function stackArgs(
  resources: PlannedResource[],
  config: Record<string, unknown> = {},
): StackValidationArgs {
  const list = resources.map((r) => policyResource(r, { ...r.inputs, ...r.outputs }));
  return {
    resources: list,
    stackTags: new Map(),
    getConfig: <T extends object>() => config as T,
    notApplicable: (reason?: string): never => {
      throw new Error(`not applicable: ${reason}`);
    },
  };
}

/** Runs one stack policy over planned resources; returns its messages (and URNs). */
export async function judge(
  policy: {
    validateStack: (
      args: StackValidationArgs,
      report: (m: string, urn?: string) => void,
    ) => unknown;
  },
  resources: PlannedResource[],
  config: Record<string, unknown> = {},
): Promise<{ message: string; urn?: string }[]> {
  const out: { message: string; urn?: string }[] = [];
  await policy.validateStack(stackArgs(resources, config), (message, urn) =>
    out.push({ message, urn }),
  );
  return out;
}

/** The messages only. */
export async function messages(
  policy: Parameters<typeof judge>[0],
  resources: PlannedResource[],
  config: Record<string, unknown> = {},
): Promise<string[]> {
  return (await judge(policy, resources, config)).map((v) => v.message);
}

/** Replaces the resource with the same logical name and type. */
export function replace(list: PlannedResource[], r: PlannedResource): PlannedResource[] {
  return list.map((x) => (x.type === r.type && x.name === r.name ? r : x));
}

/** Drops resources of a type. */
export function without(list: PlannedResource[], type: string): PlannedResource[] {
  return list.filter((x) => x.type !== type);
}
