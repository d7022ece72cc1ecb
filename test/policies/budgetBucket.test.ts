import { describe, expect, it } from "vitest";
import { T } from "../../lib/stack/model.ts";
import { budgetBucketEncrypted } from "../../policies/rules/bucket/budgetBucketEncrypted.ts";
import { budgetBucketLifecycle } from "../../policies/rules/bucket/budgetBucketLifecycle.ts";
import { budgetBucketNoPublicGrants } from "../../policies/rules/bucket/budgetBucketNoPublicGrants.ts";
import { budgetBucketPublicAccessBlocked } from "../../policies/rules/bucket/budgetBucketPublicAccessBlocked.ts";
import { budgetBucketTlsOnly } from "../../policies/rules/bucket/budgetBucketTlsOnly.ts";
import { budgetBucketVersioned } from "../../policies/rules/bucket/budgetBucketVersioned.ts";
import {
  BUCKET,
  CUSTOMER_ACCOUNT,
  budgetBucket,
  crossAccountStatements,
  json,
  messages,
  res,
  tlsDeny,
  without,
} from "./fixtures.ts";

const B = `Bucket aws.s3.Bucket "budgets" (${BUCKET})`;
const all = [
  budgetBucketEncrypted,
  budgetBucketVersioned,
  budgetBucketPublicAccessBlocked,
  budgetBucketTlsOnly,
  budgetBucketLifecycle,
  budgetBucketNoPublicGrants,
];
const base = () => budgetBucket({ extraStatements: crossAccountStatements() });
const mutate = (type: string, inputs: Record<string, unknown>) =>
  base().map((r) => (r.type === type ? { ...r, inputs: { ...r.inputs, ...inputs } } : r));
const policyWith = (...statements: unknown[]) =>
  mutate(T.BucketPolicy, { policy: json({ Version: "2012-10-17", Statement: statements }) });

describe("budget-bucket-*: the component's v7 bucket passes every policy", () => {
  it.each(all.map((p) => [p.name, p] as const))("%s: no violation", async (_, policy) => {
    expect(await messages(policy, base())).toEqual([]);
  });

  it.each(all.map((p) => [p.name, p] as const))(
    "%s: an inline-only (deprecated) BucketV2 with every setting passes too",
    async (_, policy) => {
      const legacy = res(T.BucketV2, "legacy", {
        bucket: "legacy-budgets",
        serverSideEncryptionConfiguration: {
          rule: { applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms" } },
        },
        versioning: { enabled: true },
        lifecycleRules: [
          { enabled: true, expiration: { days: 30 }, noncurrentVersionExpiration: { days: 7 } },
        ],
        policy: json({ Version: "2012-10-17", Statement: [tlsDeny("legacy-budgets")] }),
      });
      const pab = res(T.BucketPublicAccessBlock, "legacy-pab", {
        bucket: "legacy-budgets",
        blockPublicAcls: true,
        blockPublicPolicy: true,
        ignorePublicAcls: true,
        restrictPublicBuckets: true,
      });
      expect(await messages(policy, [legacy, pab])).toEqual([]);
    },
  );

  it("a bucket named in exemptBuckets is not checked", async () => {
    const bare = [res(T.Bucket, "logs", { bucket: "acme-audit-logs" })];
    expect(
      await messages(budgetBucketVersioned, bare, { exemptBuckets: ["acme-audit-logs"] }),
    ).toEqual([]);
    expect(await messages(budgetBucketVersioned, bare)).toHaveLength(1);
  });
});

describe("budget-bucket-encrypted", () => {
  it("no encryption resource", async () => {
    expect(await messages(budgetBucketEncrypted, without(base(), T.BucketSse))).toEqual([
      `${B} must be encrypted by default: add an aws.s3.BucketServerSideEncryptionConfiguration with sseAlgorithm AES256 or aws:kms.`,
    ]);
  });
  it("an unknown algorithm", async () => {
    const r = mutate(T.BucketSse, {
      rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "none" } }],
    });
    expect(await messages(budgetBucketEncrypted, r)).toEqual([
      `${B} must be encrypted by default with AES256 or aws:kms, not none.`,
    ]);
  });
  it("the encryption resource of another bucket does not count (the v4-era gap)", async () => {
    const r = mutate(T.BucketSse, { bucket: "some-other-bucket" });
    expect(await messages(budgetBucketEncrypted, r)).toEqual([
      `${B} must be encrypted by default: add an aws.s3.BucketServerSideEncryptionConfiguration with sseAlgorithm AES256 or aws:kms.`,
    ]);
  });
});

describe("budget-bucket-versioned", () => {
  it("no versioning resource", async () => {
    expect(await messages(budgetBucketVersioned, without(base(), T.BucketVersioning))).toEqual([
      `${B} must have versioning enabled: add an aws.s3.BucketVersioning with versioningConfiguration.status "Enabled".`,
    ]);
  });
  it("versioning suspended", async () => {
    const r = mutate(T.BucketVersioning, { versioningConfiguration: { status: "Suspended" } });
    expect(await messages(budgetBucketVersioned, r)).toEqual([
      `${B} must have versioning enabled, but its status is "Suspended".`,
    ]);
  });
});

describe("budget-bucket-public-access-blocked", () => {
  it("no public access block", async () => {
    expect(
      await messages(budgetBucketPublicAccessBlocked, without(base(), T.BucketPublicAccessBlock)),
    ).toEqual([
      `${B} must block all public access: add an aws.s3.BucketPublicAccessBlock with blockPublicAcls, blockPublicPolicy, ignorePublicAcls, restrictPublicBuckets all true.`,
    ]);
  });
  it("one flag off (as the guide's step 4 would have it)", async () => {
    const r = mutate(T.BucketPublicAccessBlock, { restrictPublicBuckets: false });
    expect(await messages(budgetBucketPublicAccessBlocked, r)).toEqual([
      `${B} must block all public access, but restrictPublicBuckets is not true in its aws.s3.BucketPublicAccessBlock "budgets-public-access-block".`,
    ]);
  });
  it("two flags missing", async () => {
    const r = mutate(T.BucketPublicAccessBlock, {
      blockPublicPolicy: undefined,
      ignorePublicAcls: false,
    });
    expect(await messages(budgetBucketPublicAccessBlocked, r)).toEqual([
      `${B} must block all public access, but blockPublicPolicy, ignorePublicAcls are not true in its aws.s3.BucketPublicAccessBlock "budgets-public-access-block".`,
    ]);
  });
});

describe("budget-bucket-tls-only", () => {
  const need = `${B} must refuse requests without TLS: its bucket policy needs a Deny of s3:* to Principal "*" on arn:aws:s3:::${BUCKET} and arn:aws:s3:::${BUCKET}/* when aws:SecureTransport is "false".`;
  it("no bucket policy", async () => {
    expect(await messages(budgetBucketTlsOnly, without(base(), T.BucketPolicy))).toEqual([need]);
  });
  it("the deny covers the objects only", async () => {
    const partial = { ...tlsDeny(), Resource: `arn:aws:s3:::${BUCKET}/*` };
    expect(await messages(budgetBucketTlsOnly, policyWith(partial))).toEqual([need]);
  });
  it("the deny is an Allow", async () => {
    expect(
      await messages(budgetBucketTlsOnly, policyWith({ ...tlsDeny(), Effect: "Allow" })),
    ).toEqual([need]);
  });
  it("the condition is IfExists-free but on the wrong value", async () => {
    const wrong = { ...tlsDeny(), Condition: { Bool: { "aws:SecureTransport": "true" } } };
    expect(await messages(budgetBucketTlsOnly, policyWith(wrong))).toEqual([need]);
  });
  it("a boolean false and a bucket-wide wildcard resource are accepted", async () => {
    const ok = {
      ...tlsDeny(),
      Resource: [`arn:aws:s3:::${BUCKET}*`],
      Condition: { Bool: { "aws:SecureTransport": false } },
    };
    expect(await messages(budgetBucketTlsOnly, policyWith(ok))).toEqual([]);
  });
});

describe("budget-bucket-lifecycle", () => {
  it("no lifecycle configuration", async () => {
    expect(await messages(budgetBucketLifecycle, without(base(), T.BucketLifecycle))).toEqual([
      `${B} must expire old budget files: add an aws.s3.BucketLifecycleConfiguration with an enabled rule that sets expiration days.`,
      `${B} is versioned, so noncurrent versions must expire too: add an enabled lifecycle rule with noncurrentVersionExpiration, or deleted budget files are kept forever.`,
    ]);
  });
  it("versioned, but only current objects expire", async () => {
    const r = mutate(T.BucketLifecycle, {
      rules: [
        {
          id: "delete-old-budgets",
          status: "Enabled",
          filter: { prefix: "budgets/" },
          expiration: { days: 30 },
        },
      ],
    });
    expect(await messages(budgetBucketLifecycle, r)).toEqual([
      `${B} is versioned, so noncurrent versions must expire too: add an enabled lifecycle rule with noncurrentVersionExpiration, or deleted budget files are kept forever.`,
    ]);
  });
  it("the rules are disabled; a delete-marker rule alone is not an expiration", async () => {
    const r = mutate(T.BucketLifecycle, {
      rules: [
        {
          id: "off",
          status: "Disabled",
          expiration: { days: 30 },
          noncurrentVersionExpiration: { noncurrentDays: 7 },
        },
        { id: "markers", status: "Enabled", expiration: { expiredObjectDeleteMarker: true } },
      ],
    });
    expect(await messages(budgetBucketLifecycle, r)).toEqual([
      `${B} must expire old budget files: add an aws.s3.BucketLifecycleConfiguration with an enabled rule that sets expiration days.`,
      `${B} is versioned, so noncurrent versions must expire too: add an enabled lifecycle rule with noncurrentVersionExpiration, or deleted budget files are kept forever.`,
    ]);
  });
  it("an unversioned bucket only needs expiration", async () => {
    const r = without(base(), T.BucketVersioning).map((x) =>
      x.type === T.BucketLifecycle
        ? {
            ...x,
            inputs: {
              ...x.inputs,
              rules: [{ id: "e", status: "Enabled", expiration: { days: 30 } }],
            },
          }
        : x,
    );
    expect(await messages(budgetBucketLifecycle, r)).toEqual([]);
  });
});

describe("budget-bucket-no-public-grants", () => {
  it('an Allow to "*" without a condition', async () => {
    const pub = {
      Sid: "Public",
      Effect: "Allow",
      Principal: "*",
      Action: "s3:GetObject",
      Resource: `arn:aws:s3:::${BUCKET}/*`,
    };
    expect(await messages(budgetBucketNoPublicGrants, policyWith(tlsDeny(), pub))).toEqual([
      `${B} is public: aws.s3.BucketPolicy "budgets-policy" (statement "Public") allows "*" without a fixed-value condition (aws:PrincipalAccount, aws:PrincipalArn, aws:SourceVpce, ...). Grant named accounts or roles instead.`,
    ]);
  });
  it('{ "AWS": "*" } with only a wildcard condition value', async () => {
    const pub = {
      Effect: "Allow",
      Principal: { AWS: ["*"] },
      Action: "s3:ListBucket",
      Resource: `arn:aws:s3:::${BUCKET}`,
      Condition: { StringLike: { "aws:PrincipalArn": "*" } },
    };
    expect(await messages(budgetBucketNoPublicGrants, policyWith(tlsDeny(), pub))).toEqual([
      `${B} is public: aws.s3.BucketPolicy "budgets-policy" (statement 2) allows "*" without a fixed-value condition (aws:PrincipalAccount, aws:PrincipalArn, aws:SourceVpce, ...). Grant named accounts or roles instead.`,
    ]);
  });
  it('"*" pinned to an account is not public', async () => {
    const pinned = {
      Effect: "Allow",
      Principal: "*",
      Action: "s3:GetObject",
      Resource: `arn:aws:s3:::${BUCKET}/*`,
      Condition: { StringEquals: { "aws:PrincipalAccount": CUSTOMER_ACCOUNT } },
    };
    expect(await messages(budgetBucketNoPublicGrants, policyWith(tlsDeny(), pinned))).toEqual([]);
  });
  it("a public canned ACL and an AllUsers grant", async () => {
    const r = [
      ...base(),
      res(T.BucketAclV2, "acl", { bucket: BUCKET, acl: "public-read" }),
      res(T.BucketAcl, "acl-grants", {
        bucket: BUCKET,
        accessControlPolicy: {
          owner: { id: "owner" },
          grants: [
            {
              grantee: { type: "Group", uri: "http://acs.amazonaws.com/groups/global/AllUsers" },
              permission: "READ",
            },
          ],
        },
      }),
    ];
    expect(await messages(budgetBucketNoPublicGrants, r)).toEqual([
      `${B} is public: aws.s3.BucketAclV2 "acl" sets the canned ACL "public-read".`,
      `${B} is public: aws.s3.BucketAcl "acl-grants" grants access to http://acs.amazonaws.com/groups/global/AllUsers.`,
    ]);
  });
  it("an access point whose policy is public", async () => {
    const pub = { Effect: "Allow", Principal: "*", Action: "s3:GetObject", Resource: "*" };
    const r = [
      ...base(),
      res(T.AccessPoint, "ap", {
        bucket: BUCKET,
        name: "open",
        policy: json({ Statement: [pub] }),
      }),
    ];
    expect(await messages(budgetBucketNoPublicGrants, r)).toEqual([
      `${B} is public through an access point: aws.s3.AccessPoint "ap" (statement 1) allows "*" without a fixed-value condition.`,
    ]);
  });
});
