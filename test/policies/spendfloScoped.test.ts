import { describe, expect, it } from "vitest";
import { T } from "../../lib/stackModel.ts";
import { spendfloScoped } from "../../policies/spendfloScoped.ts";
import {
  BUCKET,
  SPENDFLO_ACCOUNT,
  budgetBucket,
  crossAccountStatements,
  iamUserReader,
  json,
  messages,
  readerStatements,
  replace,
  res,
  roleReader,
} from "./fixtures.ts";

const config = { spendfloAccountIds: [SPENDFLO_ACCOUNT] };
const USER = `SpendFlo principal aws.iam.User "spendflo-reader" (tagged spendflo:access = read-only)`;
const USER_NAME = "spendflo-budget-sync-dev";
const doc = (...Statement: unknown[]) => json({ Version: "2012-10-17", Statement });
const userPolicy = (...statements: unknown[]) =>
  res(T.UserPolicy, "spendflo-reader-policy", { user: USER_NAME, policy: doc(...statements) });

describe("spendflo-scoped", () => {
  it.each([
    ["iam-user mode", [...budgetBucket(), ...iamUserReader()]],
    ["cross-account-role mode", [...budgetBucket(), ...roleReader()]],
    ["cross-account-policy mode", budgetBucket({ extraStatements: crossAccountStatements() })],
  ])("%s: no violation", async (_, resources) => {
    expect(await messages(spendfloScoped, resources, config)).toEqual([]);
  });

  it('Resource "*" reads every bucket of the account', async () => {
    const r = replace(
      [...budgetBucket(), ...iamUserReader()],
      userPolicy({ Sid: "All", Effect: "Allow", Action: "s3:GetObject", Resource: "*" }),
    );
    expect(await messages(spendfloScoped, r, config)).toEqual([
      `${USER} is granted S3 actions on * by aws.iam.UserPolicy "spendflo-reader-policy" (statement "All"), outside the budget buckets (${BUCKET}). Scope SpendFlo's access to the budget bucket and its prefix.`,
    ]);
  });

  it("another bucket, and a wildcard in the bucket name", async () => {
    const r = replace(
      [...budgetBucket(), ...iamUserReader()],
      userPolicy(...readerStatements(), {
        Effect: "Allow",
        Action: "s3:GetObject",
        Resource: ["arn:aws:s3:::payroll/*", "arn:aws:s3:::acme-*/*"],
      }),
    );
    expect(await messages(spendfloScoped, r, config)).toEqual([
      `${USER} is granted S3 actions on arn:aws:s3:::payroll/*, arn:aws:s3:::acme-*/* by aws.iam.UserPolicy "spendflo-reader-policy" (statement 3), outside the budget buckets (${BUCKET}). Scope SpendFlo's access to the budget bucket and its prefix.`,
    ]);
  });

  it("another service's read (secretsmanager:GetSecretValue is Read too)", async () => {
    const r = replace(
      [...budgetBucket(), ...iamUserReader()],
      userPolicy(...readerStatements(), {
        Sid: "Secrets",
        Effect: "Allow",
        Action: "secretsmanager:GetSecretValue",
        Resource: "*",
      }),
    );
    expect(await messages(spendfloScoped, r, config)).toEqual([
      `${USER} is granted actions outside S3 by aws.iam.UserPolicy "spendflo-reader-policy" (statement "Secrets"): secretsmanager:GetSecretValue. SpendFlo may only read the budget buckets (${BUCKET}).`,
    ]);
  });

  it("NotResource", async () => {
    const r = replace(
      [...budgetBucket(), ...iamUserReader()],
      userPolicy({
        Effect: "Allow",
        Action: "s3:GetObject",
        NotResource: "arn:aws:s3:::payroll/*",
      }),
    );
    expect(await messages(spendfloScoped, r, config)).toEqual([
      `${USER} is granted S3 actions on everything except arn:aws:s3:::payroll/* by aws.iam.UserPolicy "spendflo-reader-policy" (statement 1) (NotResource). SpendFlo may only read the budget buckets (${BUCKET}).`,
    ]);
  });

  it("any managed policy, AmazonS3ReadOnlyAccess included", async () => {
    const r = [
      ...budgetBucket(),
      ...iamUserReader(),
      res(T.UserPolicyAttachment, "ro", {
        user: USER_NAME,
        policyArn: "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess",
      }),
    ];
    expect(await messages(spendfloScoped, r, config)).toEqual([
      `${USER} has the AWS-managed policy arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess attached by aws.iam.UserPolicyAttachment "ro"; managed policies are account-wide, so SpendFlo's access must be an inline or stack policy scoped to the budget buckets (${BUCKET}).`,
    ]);
  });

  it("the audit log bucket is not a budget bucket; additionalBuckets adds one outside the stack", async () => {
    const trail = res(T.Trail, "trail", { s3BucketName: "acme-audit-logs" });
    const logs = res(T.Bucket, "logs", { bucket: "acme-audit-logs" });
    const r = replace(
      [...budgetBucket(), ...iamUserReader(), trail, logs],
      userPolicy(...readerStatements(), ...readerStatements("acme-audit-logs", "AWSLogs/")),
    );
    expect(await messages(spendfloScoped, r, config)).toEqual([
      `${USER} is granted S3 actions on arn:aws:s3:::acme-audit-logs/AWSLogs/* by aws.iam.UserPolicy "spendflo-reader-policy" (statement "ReadBudgetFiles"), outside the budget buckets (${BUCKET}). Scope SpendFlo's access to the budget bucket and its prefix.`,
      `${USER} is granted S3 actions on arn:aws:s3:::acme-audit-logs by aws.iam.UserPolicy "spendflo-reader-policy" (statement "ListBudgetPrefix"), outside the budget buckets (${BUCKET}). Scope SpendFlo's access to the budget bucket and its prefix.`,
    ]);
    const hosted = replace(
      iamUserReader(),
      userPolicy(...readerStatements("spendflo-budget-uploads")),
    );
    expect(
      await messages(spendfloScoped, hosted, {
        ...config,
        additionalBuckets: ["spendflo-budget-uploads"],
      }),
    ).toEqual([]);
  });
});

describe("spendflo-scoped: a given KMS key", () => {
  const KEY = "arn:aws:kms:us-east-1:444455556666:key/1234abcd-12ab-34cd-56ef-1234567890ab";
  const OTHER = "arn:aws:kms:us-east-1:444455556666:key/99999999-12ab-34cd-56ef-1234567890ab";
  const decryptOn = (Resource: string) => ({
    Sid: "DecryptBudgetFilesThroughS3",
    Effect: "Allow",
    Action: "kms:Decrypt",
    Resource,
    Condition: { StringEquals: { "kms:ViaService": "s3.us-east-1.amazonaws.com" } },
  });

  it("accepts kms:Decrypt through S3 on the key named in the bucket's SSE setting", async () => {
    const r = replace(
      [...budgetBucket({ kmsKeyArn: KEY }), ...iamUserReader()],
      userPolicy(...readerStatements(), decryptOn(KEY)),
    );
    expect(await messages(spendfloScoped, r, config)).toEqual([]);
  });

  it("flags kms:Decrypt on a key that encrypts no bucket of the stack", async () => {
    const r = replace(
      [...budgetBucket({ kmsKeyArn: KEY }), ...iamUserReader()],
      userPolicy(...readerStatements(), decryptOn(OTHER)),
    );
    expect(await messages(spendfloScoped, r, config)).toEqual([
      `${USER} is granted actions outside S3 by aws.iam.UserPolicy "spendflo-reader-policy" (statement "DecryptBudgetFilesThroughS3"): kms:Decrypt. SpendFlo may only read the budget buckets (${BUCKET}).`,
    ]);
  });
});
