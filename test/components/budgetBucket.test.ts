import { beforeAll, describe, expect, it } from "vitest";
import {
  MOCK_ACCOUNT,
  childrenOf,
  installMocks,
  ofType,
  parsePolicy,
  promiseOf,
  settle,
  type MockedResource,
} from "../helpers/componentMocks.ts";

const resources: MockedResource[] = installMocks();
// Components are imported after the mocks are in place, as Pulumi's testing guide says.
const { BudgetBucket, budgetBucketArgsProblems, lifecycleRules } =
  await import("../../components/budget-bucket/index.ts");

type Bucket = InstanceType<typeof BudgetBucket>;

async function built(bucket: Bucket) {
  await settle(bucket.policy.urn, bucket.bucketArn);
  return childrenOf(resources, (bucket as unknown as { __name: string }).__name);
}

const find = (list: MockedResource[], type: string) => {
  const found = ofType(list, type);
  expect(found).toHaveLength(1);
  return found[0]!.inputs;
};

describe("BudgetBucket with defaults", () => {
  let children: MockedResource[];
  beforeAll(async () => {
    children = await built(
      new BudgetBucket("defaults", { bucketName: "acme-budget-exports", accountId: MOCK_ACCOUNT }),
    );
  });

  it("names the bucket as asked and keeps files on destroy", () => {
    const bucket = find(children, "aws:s3/bucket:Bucket");
    expect(bucket.bucket).toBe("acme-budget-exports");
    expect(bucket.forceDestroy).toBe(false);
  });

  it("encrypts with SSE-S3 and refuses customer-provided keys", () => {
    const sse = find(
      children,
      "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
    );
    expect(sse.bucket).toBe("acme-budget-exports");
    expect(sse.rules).toEqual([
      {
        applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" },
        bucketKeyEnabled: false,
        blockedEncryptionTypes: ["SSE-C"],
      },
    ]);
    expect(ofType(children, "aws:kms/key:Key")).toHaveLength(0);
  });

  it("turns versioning on", () => {
    expect(
      find(children, "aws:s3/bucketVersioning:BucketVersioning").versioningConfiguration,
    ).toEqual({
      status: "Enabled",
    });
  });

  it("expires current files, noncurrent versions, delete markers and stale multipart uploads under the prefix", () => {
    const rules = find(children, "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration")
      .rules as Record<string, unknown>[];
    expect(rules).toEqual([
      {
        id: "expire-budget-files",
        status: "Enabled",
        filter: { prefix: "budgets/" },
        expiration: { days: 30 },
        noncurrentVersionExpiration: { noncurrentDays: 30 },
        abortIncompleteMultipartUpload: { daysAfterInitiation: 1 },
      },
      {
        id: "remove-expired-delete-markers",
        status: "Enabled",
        filter: { prefix: "budgets/" },
        expiration: { expiredObjectDeleteMarker: true },
      },
    ]);
  });

  it("blocks public access with all four flags and enforces bucket-owner ownership", () => {
    const pab = find(children, "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock");
    for (const flag of [
      "blockPublicAcls",
      "blockPublicPolicy",
      "ignorePublicAcls",
      "restrictPublicBuckets",
    ]) {
      expect(pab[flag]).toBe(true);
    }
    expect(find(children, "aws:s3/bucketOwnershipControls:BucketOwnershipControls").rule).toEqual({
      objectOwnership: "BucketOwnerEnforced",
    });
  });

  it("has exactly one bucket policy, denying every request without TLS", () => {
    const policy = parsePolicy(find(children, "aws:s3/bucketPolicy:BucketPolicy").policy);
    expect(policy.Statement).toEqual([
      {
        Sid: "DenyInsecureTransport",
        Effect: "Deny",
        Principal: "*",
        Action: "s3:*",
        Resource: ["arn:aws:s3:::acme-budget-exports", "arn:aws:s3:::acme-budget-exports/*"],
        Condition: { Bool: { "aws:SecureTransport": "false" } },
      },
    ]);
  });
});

describe("BudgetBucket options", () => {
  it("creates a rotating KMS key whose policy carries the statements it is given", async () => {
    const extra = {
      Sid: "ReaderDecrypts",
      Effect: "Allow" as const,
      Principal: { AWS: "arn:aws:iam::999988887777:root" },
      Action: "kms:Decrypt",
      Resource: "*",
    };
    const bucket = new BudgetBucket("kms", {
      bucketName: "acme-kms-budgets",
      accountId: MOCK_ACCOUNT,
      encryption: { type: "sse-kms" },
      kmsKeyPolicyStatements: [extra],
    });
    const children = await built(bucket);
    const key = find(children, "aws:kms/key:Key");
    expect(key.enableKeyRotation).toBe(true);
    const statements = parsePolicy(key.policy).Statement;
    expect(statements[0]).toMatchObject({
      Principal: { AWS: `arn:aws:iam::${MOCK_ACCOUNT}:root` },
    });
    expect(statements[1]).toEqual(extra);
    const keyArn = await promiseOf(bucket.kmsKeyArn);
    expect(keyArn).toMatch(/^arn:aws:kms:eu-west-1:111122223333:key\//);
    const sse = find(
      children,
      "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
    );
    expect(sse.rules).toEqual([
      {
        applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms", kmsMasterKeyId: keyArn },
        bucketKeyEnabled: true,
        blockedEncryptionTypes: ["SSE-C"],
      },
    ]);
  });

  it("uses a given KMS key without creating one", async () => {
    const given = "arn:aws:kms:eu-west-1:111122223333:key/0b1c2d3e-4f50-6172-8394-a5b6c7d8e9f0";
    const children = await built(
      new BudgetBucket("given-kms", {
        bucketName: "acme-given-kms",
        accountId: MOCK_ACCOUNT,
        encryption: { type: "sse-kms", kmsKeyArn: given },
      }),
    );
    expect(ofType(children, "aws:kms/key:Key")).toHaveLength(0);
    const sse = find(
      children,
      "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
    );
    expect(
      (sse.rules as Record<string, Record<string, unknown>>[])[0]!
        .applyServerSideEncryptionByDefault,
    ).toEqual({
      sseAlgorithm: "aws:kms",
      kmsMasterKeyId: given,
    });
  });

  it("merges extra statements into its one bucket policy after the TLS deny", async () => {
    const grant = {
      Effect: "Allow" as const,
      Principal: { AWS: "arn:aws:iam::999988887777:root" },
      Action: "s3:GetObject",
      Resource: "arn:aws:s3:::acme-merged/budgets/*",
    };
    const children = await built(
      new BudgetBucket("merged", {
        bucketName: "acme-merged",
        accountId: MOCK_ACCOUNT,
        policyStatements: [grant],
      }),
    );
    const policies = ofType(children, "aws:s3/bucketPolicy:BucketPolicy");
    expect(policies).toHaveLength(1);
    const statements = parsePolicy(policies[0]!.inputs.policy).Statement;
    expect(statements.map((s) => s.Effect)).toEqual(["Deny", "Allow"]);
    expect(statements[1]).toEqual(grant);
  });

  it("adopts an existing bucket by importing it, with its tags (CLI 3.174+ updates after the import)", async () => {
    const children = await built(
      new BudgetBucket("adopted", {
        bucketName: "acme-hand-made",
        accountId: MOCK_ACCOUNT,
        adoptExisting: true,
        tags: { owner: "it" },
      }),
    );
    const bucket = ofType(children, "aws:s3/bucket:Bucket")[0]!;
    expect(bucket.importId).toBe("acme-hand-made");
    expect(bucket.inputs.tags).toEqual({ owner: "it" });
  });

  it("refuses forceDestroy with adoptExisting: an adopted bucket is kept on destroy", () => {
    expect(
      budgetBucketArgsProblems({
        bucketName: "acme-hand-made",
        accountId: MOCK_ACCOUNT,
        adoptExisting: true,
        forceDestroy: true,
      }),
    ).toEqual([
      "forceDestroy cannot be used with adoptExisting: an adopted bucket is kept on pulumi destroy (retainOnDelete), with its files",
    ]);
  });

  it("applies retention settings and a custom prefix", async () => {
    const children = await built(
      new BudgetBucket("custom", {
        bucketName: "acme-custom",
        accountId: MOCK_ACCOUNT,
        prefix: "exports/budgets/",
        retentionDays: 90,
        noncurrentRetentionDays: 7,
      }),
    );
    const rules = find(children, "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration")
      .rules as Record<string, Record<string, unknown>>[];
    expect(rules[0]).toMatchObject({
      filter: { prefix: "exports/budgets/" },
      expiration: { days: 90 },
      noncurrentVersionExpiration: { noncurrentDays: 7 },
    });
  });

  it("lets two buckets live in one program without colliding", async () => {
    const a = await built(
      new BudgetBucket("team-a", { bucketName: "acme-team-a", accountId: MOCK_ACCOUNT }),
    );
    const b = await built(
      new BudgetBucket("team-b", { bucketName: "acme-team-b", accountId: MOCK_ACCOUNT }),
    );
    const names = [...a, ...b].map((r) => `${r.type}::${r.name}`);
    expect(new Set(names).size).toBe(names.length);
    expect(ofType(a, "aws:s3/bucket:Bucket")[0]!.inputs.bucket).toBe("acme-team-a");
    expect(ofType(b, "aws:s3/bucket:Bucket")[0]!.inputs.bucket).toBe("acme-team-b");
  });

  it("refuses a bucket name S3 would refuse, before declaring anything", () => {
    const before = resources.length;
    expect(
      () => new BudgetBucket("bad", { bucketName: "Acme_Budgets", accountId: MOCK_ACCOUNT }),
    ).toThrow(/bucket name may contain only lowercase letters/);
    expect(resources.length).toBe(before);
  });
});

describe("budgetBucketArgsProblems", () => {
  it("names every problem", () => {
    expect(
      budgetBucketArgsProblems({
        bucketName: "ab",
        accountId: MOCK_ACCOUNT,
        prefix: "budgets",
        retentionDays: 0,
      }),
    ).toEqual([
      "bucket name must be 3 to 63 characters long (it has 2)",
      'prefix must end with "/" (try "budgets/")',
      "retentionDays must be a whole number of days, at least 1",
    ]);
  });

  it("keeps delete-marker removal out of the rule that has Days, as S3 requires", () => {
    for (const rule of lifecycleRules("p/", 10, 5)) {
      const expiration = rule.expiration as Record<string, unknown>;
      expect("days" in expiration && "expiredObjectDeleteMarker" in expiration).toBe(false);
    }
  });
});
