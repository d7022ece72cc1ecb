/**
 * What `pulumi destroy` leaves of an adopted bucket, read from the options each child resource is
 * registered with: the protections that grant nothing stay, no grant to SpendFlo stays, and the
 * kept encryption never names a key the destroy deletes.
 */
import { describe, expect, it } from "vitest";
import type { PolicyStatement } from "../../lib/iam/policyDocument.ts";
import {
  MOCK_ACCOUNT,
  childrenOf,
  installMocks,
  settle,
  type MockedResource,
} from "../helpers/componentMocks.ts";

const resources: MockedResource[] = installMocks("prod");
const { BudgetBucket, keptOnDestroy } = await import("../../components/budget-bucket/index.ts");
type BucketArgs = ConstructorParameters<typeof BudgetBucket>[1];

const T = {
  bucket: "aws:s3/bucket:Bucket",
  sse: "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
  versioning: "aws:s3/bucketVersioning:BucketVersioning",
  lifecycle: "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration",
  publicAccessBlock: "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock",
  ownership: "aws:s3/bucketOwnershipControls:BucketOwnershipControls",
  policy: "aws:s3/bucketPolicy:BucketPolicy",
  key: "aws:kms/key:Key",
  alias: "aws:kms/alias:Alias",
};
/** The protections that grant nothing. */
const PROTECTIONS = [T.sse, T.versioning, T.lifecycle, T.publicAccessBlock, T.ownership];

/** SpendFlo's cross-account read, as SpendfloReader hands it to the bucket policy. */
const SPENDFLO_READ: PolicyStatement = {
  Sid: "SpendfloReadBudgetFiles",
  Effect: "Allow",
  Principal: { AWS: "arn:aws:iam::999988887777:root" },
  Action: "s3:GetObject",
  Resource: "arn:aws:s3:::acme-hand-made/budgets/*",
};

async function build(name: string, args: Partial<BucketArgs>) {
  const bucket = new BudgetBucket(name, {
    bucketName: `acme-${name}`,
    accountId: MOCK_ACCOUNT,
    ...args,
  });
  await settle(bucket.bucketArn, bucket.policy.urn, bucket.kmsKeyArn);
  const made = childrenOf(resources, name);
  const one = (type: string) => {
    const found = made.filter((r) => r.type === type);
    expect(found, type).toHaveLength(1);
    return found[0]!;
  };
  return { made, one };
}

describe("an adopted bucket on pulumi destroy", () => {
  it("keeps the bucket and every protection that grants nothing; the TLS-only policy too", async () => {
    const { one } = await build("kept", { adoptExisting: true, tags: { owner: "it" } });
    const bucket = one(T.bucket);
    expect(bucket.importId).toBe("acme-kept");
    expect(bucket.retainOnDelete).toBe(true);
    // Tags are applied: Pulumi CLI 3.174+ imports, then updates, in the same up.
    expect(bucket.inputs.tags).toEqual({ owner: "it" });
    for (const type of PROTECTIONS) expect(one(type).retainOnDelete, type).toBe(true);
    const policy = one(T.policy);
    expect(policy.retainOnDelete).toBe(true);
    // What stays grants nothing: the one statement is the TLS-only deny.
    const statements = JSON.parse(String(policy.inputs.policy)).Statement;
    expect(statements.map((s: { Sid: string; Effect: string }) => [s.Sid, s.Effect])).toEqual([
      ["DenyInsecureTransport", "Deny"],
    ]);
  });

  it("deletes a bucket policy that grants SpendFlo anything: no grant outlives the stack", async () => {
    const { one } = await build("shared", {
      adoptExisting: true,
      policyStatements: [SPENDFLO_READ],
      tags: {},
    });
    // No tags configured: the bucket's own are left alone.
    expect(one(T.bucket).inputs.tags).toBeUndefined();
    expect(one(T.policy).retainOnDelete).toBe(false);
    expect(JSON.parse(String(one(T.policy).inputs.policy)).Statement[1]).toEqual(SPENDFLO_READ);
    for (const type of PROTECTIONS) expect(one(type).retainOnDelete, type).toBe(true);
    expect(one(T.bucket).retainOnDelete).toBe(true);
  });

  it("keeps a key the stack created, which the kept encryption names; its alias goes", async () => {
    const { one } = await build("sealed", {
      adoptExisting: true,
      encryption: { type: "sse-kms" },
    });
    const key = one(T.key);
    expect(key.retainOnDelete).toBe(true);
    const sse = one(T.sse);
    expect(sse.retainOnDelete).toBe(true);
    expect(sse.dependencies).toContain(key.urn);
    expect(one(T.alias).retainOnDelete).toBe(false);
  });

  it("with a given key, keeps the encryption and creates no key to keep", async () => {
    const given = "arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab";
    const { made, one } = await build("given", {
      adoptExisting: true,
      encryption: { type: "sse-kms", kmsKeyArn: given },
    });
    expect(made.filter((r) => r.type === T.key)).toEqual([]);
    expect(one(T.sse).retainOnDelete).toBe(true);
  });
});

describe("a bucket the stack created", () => {
  it("keeps nothing on destroy (it is deleted, or destroy stops on its files)", async () => {
    const { made } = await build("created", {
      encryption: { type: "sse-kms" },
      tags: { owner: "it" },
    });
    const custom = made.filter((r) => r.type.startsWith("aws:"));
    expect(custom.length).toBeGreaterThanOrEqual(9);
    for (const r of custom) expect(r.retainOnDelete, r.type).toBe(false);
    expect(made.find((r) => r.type === T.bucket)!.importId).toBeUndefined();
  });
});

describe("keptOnDestroy", () => {
  it("keeps a policy only when it is known now to hold nothing but the TLS-only deny", () => {
    expect(keptOnDestroy({ adoptExisting: true })).toEqual({
      bucket: true,
      settings: true,
      policy: true,
      kmsKey: false,
    });
    expect(keptOnDestroy({ adoptExisting: true, policyStatements: [] }).policy).toBe(true);
    expect(keptOnDestroy({ adoptExisting: true, policyStatements: [SPENDFLO_READ] }).policy).toBe(
      false,
    );
    expect(keptOnDestroy({ adoptExisting: false })).toEqual({
      bucket: false,
      settings: false,
      policy: false,
      kmsKey: false,
    });
  });
});
