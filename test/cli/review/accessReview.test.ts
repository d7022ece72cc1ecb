/**
 * The review's JSON for every grant path the pack knows, from the plans of adversarial programs
 * (test/fixtures/programs/review-paths: two budget buckets and their keys; spendflo-writes: the
 * engine-conformance program), and the clean example stacks. Each program is planned once.
 */
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { computeReview } from "../../../cli/commands/review.ts";
import {
  reviewSchema,
  type Review,
  type ReviewGrant,
  type ReviewPrincipal,
} from "../../../cli/review/contract.ts";
import { REPO } from "../../helpers/cli.ts";

const PATHS = path.join(REPO, "test/fixtures/programs/review-paths");
const WRITES = path.join(REPO, "test/fixtures/programs/spendflo-writes");

const reviews = new Map<string, Promise<{ review: Review; exitCode: number }>>();
function reviewOnce(key: string, options: Parameters<typeof computeReview>[0]) {
  let r = reviews.get(key);
  if (!r) {
    r = computeReview(options, new Date("2026-01-02T03:04:05Z"));
    reviews.set(key, r);
  }
  return r;
}

function principal(review: Review, name: string): ReviewPrincipal {
  const p = review.principals.find((x) => x.name === name);
  if (!p)
    throw new Error(`no principal ${name} in ${review.principals.map((x) => x.name).join(", ")}`);
  return p;
}

function grants(p: ReviewPrincipal, test: (g: ReviewGrant) => boolean): ReviewGrant[] {
  return p.grants.filter(test);
}

describe("access review of the review-paths program", () => {
  let review: Review;
  let exitCode: number;
  beforeAll(async () => {
    ({ review, exitCode } = await reviewOnce("paths", {
      program: PATHS,
      policyConfig: path.join(PATHS, "policy-config.json"),
    }));
  }, 120_000);

  it("is a review of the contract, dated, with the placeholder account labelled", () => {
    expect(reviewSchema.parse(review)).toEqual(review);
    expect(review).toMatchObject({
      format: "budget-sync-review/1",
      stack: "dev",
      project: "review-paths",
      accountId: "123456789012",
      accountIdIsPlaceholder: true,
      region: "us-east-1",
      generatedAt: "2026-01-02T03:04:05.000Z",
    });
    // The pack finds mandatory violations here: plan's exit code.
    expect(exitCode).toBe(1);
  });

  it("lists each budget bucket with the key that encrypts it", () => {
    expect(review.buckets.map((b) => [b.name, b.encryption, b.kmsKeys.map((k) => k.name)])).toEqual(
      [
        ["acme-review-a", "sse-kms", ["key-a"]],
        ["acme-review-b", "sse-kms", ["key-b"]],
      ],
    );
    expect(review.buckets[0]!.kmsKeys[0]!.aliases).toEqual(["alias/review-a"]);
  });

  it("classifies every party, the exporter by the function that runs as its role", () => {
    const parties = Object.fromEntries(review.principals.map((p) => [p.name, p.party]));
    expect(parties).toMatchObject({
      "account 999988887777": "spendflo",
      "spendflo-reader": "spendflo",
      "budget-trusting": "spendflo",
      "spendflo-reader-acme": "sync-reader",
      "nightly-job": "exporter",
      "budget-uploader": "uploader",
      "spendflo-customer-acme": "hosted-customer",
      "account 123456789012": "account",
      "account 444455556666": "account",
      "account 777788889999": "account",
      "arn:aws:iam::444455556666:role/auditor": "account",
      "cloudtrail.amazonaws.com": "service",
      "logs.amazonaws.com": "service",
      "anyone (public)": "public",
      analyst: "other",
    });
    // SpendFlo as the pack counts it, with the pack's reason.
    expect(principal(review, "budget-trusting").spendfloReason).toBe(
      "its trust policy admits account 999988887777",
    );
    expect(principal(review, "spendflo-reader-acme").tags).toEqual({
      "spendflo:access": "read-only",
      "spendflo:customer": "acme",
    });
  });

  it("identity path: an inline role policy, with its conditions and Sid", () => {
    const reader = principal(review, "spendflo-reader");
    const list = grants(reader, (g) => g.action === "s3:ListBucket");
    expect(list).toEqual([
      {
        action: "s3:ListBucket",
        level: "List",
        resource: "arn:aws:s3:::acme-review-a",
        where: { bucket: "acme-review-a" },
        conditions: [{ operator: "StringLike", key: "s3:prefix", values: ["budgets/*"] }],
        source: expect.objectContaining({
          type: "aws:iam/rolePolicy:RolePolicy",
          name: "reader-read",
          sid: "ListBudgets",
          statement: 1,
          path: "identity",
        }),
      },
    ]);
    expect(grants(reader, (g) => g.action === "s3:GetObject")[0]).toMatchObject({
      level: "Read",
      where: { bucket: "acme-review-a", prefix: "budgets/", key: "*" },
    });
  });

  it("kms:Decrypt is a Read, as the pack counts it, on the key that encrypts the bucket", () => {
    const reader = principal(review, "spendflo-reader");
    const decrypt = grants(reader, (g) => g.action === "kms:Decrypt");
    expect(decrypt).toHaveLength(1);
    expect(decrypt[0]).toMatchObject({
      level: "Read",
      where: { kmsKey: review.buckets[0]!.kmsKeys[0]!.arn },
      source: { sid: "DecryptThroughS3", path: "identity" },
    });
    const spendfloAccount = principal(review, "account 999988887777");
    expect(grants(spendfloAccount, (g) => g.action === "kms:Decrypt")[0]).toMatchObject({
      level: "Read",
      source: { type: "aws:kms/key:Key", sid: "SpendfloDecrypts", path: "key-policy" },
    });
  });

  it("identity paths: a role's inlinePolicies, and its managedPolicyArns unread but known read-only", () => {
    const trusting = principal(review, "budget-trusting");
    expect(grants(trusting, (g) => g.source.sid === "InlineRead")[0]).toMatchObject({
      action: "s3:GetObject",
      source: { type: "aws:iam/role:Role", name: "trusting", path: "identity" },
    });
    expect(trusting.unresolved).toContainEqual(
      expect.objectContaining({
        kind: "managed-policy",
        policyArn: "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess",
        readOnly: true,
      }),
    );
    expect(trusting.assumedBy).toEqual([
      expect.objectContaining({ principal: "arn:aws:iam::999988887777:root", party: "spendflo" }),
    ]);
  });

  it("identity paths: a group's policy and a managed policy attached to the group", () => {
    const analyst = principal(review, "analyst");
    expect(grants(analyst, (g) => g.action === "s3:PutObjectTagging")[0]).toMatchObject({
      level: "Tagging",
      source: { type: "aws:iam/groupPolicy:GroupPolicy", via: 'through group "analysts"' },
    });
    expect(grants(analyst, (g) => g.action === "s3:GetObject")[0]).toMatchObject({
      level: "Read",
      where: { bucket: "acme-review-b", prefix: "reports/", key: "*" },
      source: {
        type: "aws:iam/policy:Policy",
        name: "analysts-read",
        via: 'through group "analysts", attached by aws.iam.GroupPolicyAttachment "analysts-read"',
      },
    });
  });

  it("resource paths: the bucket policy to SpendFlo's account, another account's role, a service, the public", () => {
    const spendflo = principal(review, "account 999988887777");
    expect(spendflo.grants.map((g) => [g.action, g.level, g.source.sid])).toEqual(
      expect.arrayContaining([
        ["s3:GetObject", "Read", "SpendfloRead"],
        ["s3:ListBucket", "List", "SpendfloList"],
      ]),
    );
    expect(principal(review, "arn:aws:iam::444455556666:role/auditor")).toMatchObject({
      kind: "role",
      grants: [
        expect.objectContaining({
          action: "s3:GetObject",
          source: expect.objectContaining({ sid: "AuditorReads" }),
        }),
      ],
    });
    expect(principal(review, "cloudtrail.amazonaws.com").grants[0]).toMatchObject({
      action: "s3:PutObject",
      level: "Write",
      where: { prefix: "trail/" },
      conditions: [{ key: "aws:SourceAccount", values: ["123456789012"] }],
    });
    const narrowed = review.principals.find((p) => p.party === "other" && !p.urn)!;
    expect(narrowed.grants[0]).toMatchObject({
      source: { sid: "OrganizationReads" },
      conditions: [{ key: "aws:PrincipalOrgID", values: ["o-abc123"] }],
    });
  });

  it("resource paths: an inline bucket policy, an access point policy, a public ACL", () => {
    expect(principal(review, "account 777788889999").grants).toEqual([
      expect.objectContaining({
        action: "s3:ListBucket",
        where: { bucket: "acme-review-b" },
        source: expect.objectContaining({ type: "aws:s3/bucket:Bucket", sid: "PartnerLists" }),
      }),
    ]);
    expect(principal(review, "account 444455556666").grants).toEqual([
      expect.objectContaining({
        action: "s3:PutObject",
        level: "Write",
        where: { bucket: "acme-review-a", prefix: "uploads/", key: "*" },
        source: expect.objectContaining({
          type: "aws:s3control/accessPointPolicy:AccessPointPolicy",
        }),
      }),
    ]);
    const pub = principal(review, "anyone (public)");
    expect(
      grants(pub, (g) => g.source.type === "aws:s3/bucketAcl:BucketAcl")
        .map((g) => g.action)
        .sort(),
    ).toEqual(["s3:DeleteObject", "s3:PutObject"]);
    expect(grants(pub, (g) => g.source.sid === "PublicReadsPublic")[0]).toMatchObject({
      where: { bucket: "acme-review-a", prefix: "public/" },
    });
  });

  it("an S3 access grant of the default location reaches every bucket, for its grantee only", () => {
    const sync = principal(review, "spendflo-reader-acme");
    const viaGrant = grants(sync, (g) => g.source.type === "aws:s3control/accessGrant:AccessGrant");
    expect(new Set(viaGrant.map((g) => g.where.bucket))).toEqual(
      new Set(["acme-review-a", "acme-review-b"]),
    );
    expect(viaGrant.every((g) => g.level === "Read" || g.level === "List")).toBe(true);
    // Not the whole account's: the grantee is one role.
    expect(
      principal(review, "account 123456789012").grants.some((g) =>
        g.source.type.includes("accessGrant"),
      ),
    ).toBe(false);
  });

  it("key paths: the key's own policy, a KeyPolicy resource, a KMS grant", () => {
    const root = principal(review, "account 123456789012");
    expect(new Set(root.grants.map((g) => g.level))).toEqual(
      new Set(["List", "Read", "Write", "Permissions management", "Tagging"]),
    );
    expect(root.grants.every((g) => g.source.sid === "EnableIamPolicies")).toBe(true);
    expect(principal(review, "logs.amazonaws.com").grants.map((g) => g.action)).toContain(
      "kms:Encrypt",
    );
    const reader = principal(review, "spendflo-reader");
    expect(grants(reader, (g) => g.source.type === "aws:kms/keyPolicy:KeyPolicy")).toEqual([
      expect.objectContaining({
        action: "kms:DescribeKey",
        level: "Read",
        where: { kmsKey: review.buckets[1]!.kmsKeys[0]!.arn },
        source: expect.objectContaining({ path: "key-policy", sid: "ReaderDescribes" }),
      }),
    ]);
    const uploader = principal(review, "budget-uploader");
    expect(
      grants(uploader, (g) => g.source.path === "kms-grant").map((g) => [g.action, g.level]),
    ).toEqual(
      expect.arrayContaining([
        ["kms:Encrypt", "Write"],
        ["kms:GenerateDataKey", "Write"],
      ]),
    );
  });

  it("explicit denies: a resource policy's deny applies to everyone, an identity deny to its principal", () => {
    const tls = review.denies.find((d) => d.source.sid === "DenyInsecureTransport")!;
    expect(tls).toMatchObject({
      principals: ["*"],
      actions: ["s3:*"],
      conditions: [{ operator: "Bool", key: "aws:SecureTransport", values: ["false"] }],
    });
    expect(tls.appliesTo).toHaveLength(review.principals.length);
    const never = review.denies.find((d) => d.source.sid === "NeverDelete")!;
    expect(never).toMatchObject({
      actions: ["s3:DeleteObject", "s3:DeleteObjectVersion"],
      appliesTo: ["budget-uploader"],
      source: { path: "identity", name: "uploader-put" },
    });
    expect(principal(review, "budget-uploader").denies.map((d) => d.source.sid)).toContain(
      "NeverDelete",
    );
    expect(principal(review, "nightly-job").denies.map((d) => d.source.sid)).not.toContain(
      "NeverDelete",
    );
    expect(review.denies.find((d) => d.source.sid === "NoKeyDeletion")).toMatchObject({
      source: { path: "key-policy" },
    });
  });

  it("an unreadable document and an unknown one are shown as such, never as a clean grant", () => {
    expect(principal(review, "broken-user").unresolved).toEqual([
      expect.objectContaining({
        kind: "unreadable-document",
        source: expect.objectContaining({ name: "broken-policy" }),
      }),
    ]);
    expect(principal(review, "budget-trusting").unresolved).toContainEqual(
      expect.objectContaining({
        kind: "unknown-document",
        source: expect.objectContaining({ name: "trusting-from-invoke" }),
      }),
    );
    expect(review.unknowns.join("\n")).toContain(
      'aws.iam.RolePolicy "trusting-from-invoke" .policy is not known offline',
    );
    const line = review.summary.find((l) => l.principal === "budget-trusting")!;
    expect(line.writes).toBe(true);
    expect(line.text).toContain("MAY DO MORE");
  });

  it("summary lines say in plain words who may write", () => {
    const byName = Object.fromEntries(review.summary.map((l) => [l.principal, l]));
    expect(byName["spendflo-reader"]).toMatchObject({ party: "spendflo", writes: false });
    expect(byName["spendflo-reader"]!.text).toBe(
      "SpendFlo: list and read under budgets/ of acme-review-a, read the KMS key key-b, decrypt with the KMS key alias/review-a, through role spendflo-reader, assumed by account 999988887777 with external id; no write",
    );
    expect(byName["nightly-job"]!.text).toBe(
      "The exporter Lambda: write under budgets/ of acme-review-a, through role nightly-job, assumed by lambda.amazonaws.com; WRITES: s3:PutObject",
    );
    expect(byName["spendflo-customer-acme"]!.text).toMatch(
      /^Hosted customer acme: read and write under customers\/acme\/budgets\/ of acme-review-a, as IAM user spendflo-customer-acme with an access key; WRITES: s3:PutObject$/,
    );
    // SpendFlo first.
    expect(review.summary[0]!.party).toBe("spendflo");
  });

  it("carries the pack's verdicts, one per policy", () => {
    expect(review.verdicts.map((v) => v.policy)).toContain("spendflo-read-only");
    const readOnly = review.verdicts.find((v) => v.policy === "budget-bucket-no-public-grants")!;
    expect(readOnly.status).toBe("violation");
    expect(readOnly.findings.map((f) => f.message).join("\n")).toContain("PublicReadsPublic");
  });
});

describe("access review of spendflo-writes (the engine-conformance program)", () => {
  let review: Review;
  beforeAll(async () => {
    ({ review } = await reviewOnce("writes", {
      program: WRITES,
      policyConfig: path.join(WRITES, "policy-config.json"),
    }));
  }, 120_000);

  it("shows every write the pack refuses SpendFlo, each at its path, marked", () => {
    const spendfloWrites = review.principals
      .filter((p) => p.party === "spendflo")
      .flatMap((p) =>
        p.grants
          .filter((g) => g.level !== "List" && g.level !== "Read")
          .map((g) => [p.name, g.source.name, g.action]),
      );
    expect(spendfloWrites).toEqual(
      expect.arrayContaining([
        ["account 999988887777", "bucket-policy", "s3:PutObject"],
        ["account 999988887777", "point-policy", "s3:PutObject"],
        ["account 999988887777", "inline", "s3:PutObject"],
        ["budget-reader", "reader-delete", "s3:DeleteObject"],
        ["budget-reader", "writer", "s3:PutObjectAcl"],
        ["budget-reader", "reader-invoke", "s3:DeleteObjectVersion"],
        ["budget-reader", "plain-writer", "s3:PutObject"],
        ["budget-trusting", "trusting", "s3:PutObject"],
        ["spendflo-sync", "writers-put", "s3:PutObject"],
        ["spendflo-sync", "plain-writer", "s3:PutObject"],
      ]),
    );
    for (const name of ["spendflo-exclusive", "spendflo-managed"]) {
      expect(principal(review, name).unresolved[0]).toMatchObject({
        kind: "managed-policy",
        policyArn: "arn:aws:iam::aws:policy/AmazonS3FullAccess",
        readOnly: false,
      });
    }
    const spendfloLines = review.summary.filter((l) => l.party === "spendflo");
    expect(spendfloLines.length).toBeGreaterThan(3);
    expect(spendfloLines.every((l) => l.writes)).toBe(true);
    // The stack's own account does not get the role's access grant.
    expect(review.principals.find((p) => p.name === "account 123456789012")).toBeUndefined();
  });
});

describe("access review of the example stacks", () => {
  it("own-bucket: SpendFlo lists and reads budgets/ and nothing else; the TLS deny applies", async () => {
    const { review, exitCode } = await reviewOnce("own-bucket", { stack: "own-bucket" });
    expect(exitCode).toBe(0);
    expect(review.summary.map((l) => l.text)).toEqual([
      "SpendFlo: list and read under budgets/, as IAM user spendflo-budget-sync-own-bucket with an access key; no write",
    ]);
    expect(review.principals).toHaveLength(1);
    expect(review.denies.map((d) => d.source.sid)).toEqual(["DenyInsecureTransport"]);
  });

  it("role: through the role, assumed by SpendFlo's account with an external id", async () => {
    const { review } = await reviewOnce("role", { stack: "role", accountId: "111122223333" });
    expect(review.accountIdIsPlaceholder).toBe(false);
    expect(review.accountId).toBe("111122223333");
    expect(review.summary.map((l) => l.text)).toEqual([
      "SpendFlo: list and read under budgets/, through role spendflo-budget-sync-role, assumed by account 999988887777 with external id; no write",
    ]);
    expect(review.principals[0]!.assumedBy![0]!.conditions).toEqual([
      { operator: "StringEquals", key: "sts:ExternalId", values: ["spendflo-acme-7f3c9e21"] },
    ]);
  });
});
