import { describe, expect, it } from "vitest";
import { T } from "../../lib/stack/model.ts";
import { spendfloScoped } from "../../policies/rules/spendflo/spendfloScoped.ts";
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
const NO_VIA_S3 =
  'without kms:ViaService pinned to S3, so it decrypts outside S3 too: add the condition { "StringEquals": { "kms:ViaService": "s3.<region>.amazonaws.com" } }';
const DECRYPT_ONLY = "SpendFlo needs kms:Decrypt only to read SSE-KMS budget files through S3.";

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

  it("accepts kms:Decrypt through S3 on a named key that encrypts no bucket of the stack", async () => {
    // Through S3 SpendFlo decrypts only objects it may read, and those reads are judged above.
    const r = replace(
      [...budgetBucket({ kmsKeyArn: KEY }), ...iamUserReader()],
      userPolicy(...readerStatements(), decryptOn(OTHER)),
    );
    expect(await messages(spendfloScoped, r, config)).toEqual([]);
  });

  it("flags kms:Decrypt without kms:ViaService, and through S3 on * or NotResource", async () => {
    const base = [...budgetBucket({ kmsKeyArn: KEY }), ...iamUserReader()];
    const cases: [Record<string, unknown>, string, string][] = [
      [{ ...decryptOn(KEY), Condition: undefined }, KEY, NO_VIA_S3],
      [
        {
          ...decryptOn(KEY),
          Condition: {
            StringEquals: { "kms:ViaService": "secretsmanager.us-east-1.amazonaws.com" },
          },
        },
        KEY,
        NO_VIA_S3,
      ],
      [
        {
          ...decryptOn(KEY),
          Condition: { StringEqualsIfExists: { "kms:ViaService": "s3.us-east-1.amazonaws.com" } },
        },
        KEY,
        NO_VIA_S3,
      ],
      [
        decryptOn("*"),
        "*",
        "through S3, but on any key the wildcard matches: name the budget bucket's key by its ARN",
      ],
      [
        decryptOn("arn:aws:kms:us-east-1:444455556666:key/*"),
        "arn:aws:kms:us-east-1:444455556666:key/*",
        "through S3, but on any key the wildcard matches: name the budget bucket's key by its ARN",
      ],
      [
        { ...decryptOn(KEY), Resource: undefined, NotResource: OTHER },
        `everything except ${OTHER}`,
        "through S3, but on every key it does not list (NotResource): name the budget bucket's key by its ARN",
      ],
    ];
    for (const [statement, on, problem] of cases) {
      const r = replace(base, userPolicy(...readerStatements(), statement));
      expect(await messages(spendfloScoped, r, config)).toEqual([
        `${USER} may decrypt beyond the budget files: aws.iam.UserPolicy "spendflo-reader-policy" (statement "DecryptBudgetFilesThroughS3") grants kms:Decrypt on ${on} ${problem}. ${DECRYPT_ONLY}`,
      ]);
    }
  });
});

describe("spendflo-scoped: key policies and KMS grants", () => {
  const KEY_ARN = "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab";
  const ACCOUNT = `SpendFlo account ${SPENDFLO_ACCOUNT}`;
  const viaS3 = {
    Sid: "SpendfloDecrypt",
    Effect: "Allow",
    Principal: { AWS: `arn:aws:iam::${SPENDFLO_ACCOUNT}:root` },
    Action: "kms:Decrypt",
    Resource: "*",
    Condition: { StringEquals: { "kms:ViaService": "s3.eu-west-1.amazonaws.com" } },
  };
  const key = (...statements: unknown[]) =>
    res(
      T.KmsKey,
      "budget-key",
      { policy: doc(...statements) },
      { arn: KEY_ARN, keyId: "1234abcd-12ab-34cd-56ef-1234567890ab" },
    );

  it("a key policy letting SpendFlo decrypt through S3 is the cross-account pattern, whether or not its bucket is in the stack", async () => {
    // The bucket is SSE-S3 here: the key encrypts a bucket of another stack.
    expect(await messages(spendfloScoped, [...budgetBucket(), key(viaS3)], config)).toEqual([]);
    expect(
      await messages(spendfloScoped, [...budgetBucket({ kmsKeyArn: KEY_ARN }), key(viaS3)], config),
    ).toEqual([]);
  });

  it("a key policy without kms:ViaService, and other KMS actions, are findings", async () => {
    const noVia: Record<string, unknown> = { ...viaS3 };
    delete noVia["Condition"];
    expect(await messages(spendfloScoped, [...budgetBucket(), key(noVia)], config)).toEqual([
      `${ACCOUNT} may decrypt beyond the budget files: aws.kms.Key "budget-key" (statement "SpendfloDecrypt") grants kms:Decrypt on key aws.kms.Key "budget-key" ${NO_VIA_S3}. ${DECRYPT_ONLY}`,
    ]);
    const describeKey = { ...viaS3, Action: ["kms:Decrypt", "kms:DescribeKey"] };
    expect(await messages(spendfloScoped, [...budgetBucket(), key(describeKey)], config)).toEqual([
      `${ACCOUNT} is granted actions outside S3 by aws.kms.Key "budget-key" (statement "SpendfloDecrypt"): kms:DescribeKey. SpendFlo may only read the budget buckets (${BUCKET}).`,
    ]);
  });

  it("a KMS grant decrypts through S3 only when its constraints bind S3's encryption context", async () => {
    const grant = (inputs: Record<string, unknown>) =>
      res(T.KmsGrant, "grant", {
        keyId: KEY_ARN,
        granteePrincipal: `arn:aws:iam::${SPENDFLO_ACCOUNT}:role/poller`,
        operations: ["Decrypt"],
        ...inputs,
      });
    const base = [...budgetBucket(), key()];
    expect(await messages(spendfloScoped, [...base, grant({})], config)).toEqual([
      `${ACCOUNT} may decrypt beyond the budget files: aws.kms.Grant "grant" grants kms:Decrypt on key aws.kms.Key "budget-key" with no constraint binding S3's encryption context (aws:s3:arn), so it decrypts outside S3 too: a KMS grant takes no kms:ViaService condition; constrain it with encryptionContextSubset { "aws:s3:arn": "<bucket ARN>" } (S3 Bucket Keys on), or grant kms:Decrypt in the key policy with kms:ViaService. ${DECRYPT_ONLY}`,
    ]);
    for (const k of ["encryptionContextSubset", "encryptionContextEquals"]) {
      const bound = grant({ constraints: [{ [k]: { "aws:s3:arn": `arn:aws:s3:::${BUCKET}` } }] });
      expect(await messages(spendfloScoped, [...base, bound], config)).toEqual([]);
    }
    const other = grant({ constraints: [{ encryptionContextSubset: { department: "finance" } }] });
    expect(await messages(spendfloScoped, [...base, other], config)).toHaveLength(1);
  });
});
