import { describe, expect, it } from "vitest";
import { T } from "../../lib/stack/model.ts";
import { spendfloReadOnly } from "../../policies/rules/spendflo/spendfloReadOnly.ts";
import {
  BUCKET,
  CUSTOMER_ACCOUNT,
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
const ACCOUNT = `SpendFlo account ${SPENDFLO_ACCOUNT}`;
const ONLY_READ = "SpendFlo must only be granted List and Read actions.";
const KEY_ARN = "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab";
const USER_NAME = "spendflo-budget-sync-dev";

const doc = (...Statement: unknown[]) => json({ Version: "2012-10-17", Statement });
const userPolicy = (...statements: unknown[]) =>
  res(T.UserPolicy, "spendflo-reader-policy", { user: USER_NAME, policy: doc(...statements) });
const put = {
  Sid: "Write",
  Effect: "Allow",
  Action: "s3:PutObject",
  Resource: `arn:aws:s3:::${BUCKET}/budgets/*`,
};

/** KMS mode: the bucket encrypted with a key whose policy lets SpendFlo decrypt through S3. */
function kmsStack(decrypt: Record<string, unknown>) {
  return [
    ...budgetBucket({ kmsKeyArn: KEY_ARN, extraStatements: crossAccountStatements() }),
    res(
      T.KmsKey,
      "budget-key",
      {
        policy: doc(
          {
            Sid: "Owner",
            Effect: "Allow",
            Principal: { AWS: `arn:aws:iam::${CUSTOMER_ACCOUNT}:root` },
            Action: "kms:*",
            Resource: "*",
          },
          decrypt,
        ),
      },
      { arn: KEY_ARN, keyId: "1234abcd-12ab-34cd-56ef-1234567890ab" },
    ),
  ];
}
const viaS3 = {
  Sid: "SpendfloDecrypt",
  Effect: "Allow",
  Principal: { AWS: `arn:aws:iam::${SPENDFLO_ACCOUNT}:root` },
  Action: "kms:Decrypt",
  Resource: "*",
  Condition: { StringEquals: { "kms:ViaService": "s3.us-east-1.amazonaws.com" } },
};

describe("spendflo-read-only: valid fixtures", () => {
  it.each([
    ["iam-user mode", [...budgetBucket(), ...iamUserReader()]],
    ["cross-account-role mode", [...budgetBucket(), ...roleReader()]],
    ["cross-account-policy mode", budgetBucket({ extraStatements: crossAccountStatements() })],
    ["KMS mode: kms:Decrypt through S3 on the bucket's key", kmsStack(viaS3)],
  ])("%s: no violation", async (_, resources) => {
    expect(await messages(spendfloReadOnly, resources, config)).toEqual([]);
  });

  it("an uploader tagged spendflo:access = upload may write, even if named spendflo", async () => {
    const uploader = [
      res(T.User, "spendflo-uploader", {
        name: "spendflo-uploader",
        tags: { "spendflo:access": "upload" },
      }),
      res(T.UserPolicy, "uploader-policy", { user: "spendflo-uploader", policy: doc(put) }),
    ];
    expect(await messages(spendfloReadOnly, [...budgetBucket(), ...uploader], config)).toEqual([]);
  });

  it("a Deny grants nothing, whatever it lists", async () => {
    const deny = { Effect: "Deny", Action: "s3:*", Resource: "*" };
    const r = replace(iamUserReader(), userPolicy(...readerStatements(), deny));
    expect(await messages(spendfloReadOnly, r, config)).toEqual([]);
  });

  it("AmazonS3ReadOnlyAccess is on the read-only allow-list", async () => {
    const r = [
      ...iamUserReader(),
      res(T.UserPolicyAttachment, "ro", {
        user: USER_NAME,
        policyArn: "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess",
      }),
    ];
    expect(await messages(spendfloReadOnly, r, config)).toEqual([]);
  });
});

describe("spendflo-read-only: one mutation each", () => {
  it("an inline user policy that also writes", async () => {
    const r = replace(iamUserReader(), userPolicy(...readerStatements(), put));
    expect(await messages(spendfloReadOnly, r, config)).toEqual([
      `${USER} may write: aws.iam.UserPolicy "spendflo-reader-policy" (statement "Write") grants s3:PutObject on arn:aws:s3:::${BUCKET}/budgets/*. ${ONLY_READ}`,
    ]);
  });

  it("a condition does not make a write acceptable", async () => {
    const conditioned = {
      ...put,
      Condition: { StringEquals: { "aws:SourceVpce": "vpce-1a2b3c4d" } },
    };
    const r = replace(iamUserReader(), userPolicy(conditioned));
    expect(await messages(spendfloReadOnly, r, config)).toEqual([
      `${USER} may write: aws.iam.UserPolicy "spendflo-reader-policy" (statement "Write") grants s3:PutObject on arn:aws:s3:::${BUCKET}/budgets/*. ${ONLY_READ}`,
    ]);
  });

  it("case tricks and wildcards inside the action name", async () => {
    const r = replace(
      iamUserReader(),
      userPolicy({
        Effect: "Allow",
        Action: ["S3:deleteOBJECT", "s3:Put*Acl"],
        Resource: `arn:aws:s3:::${BUCKET}/*`,
      }),
    );
    expect(await messages(spendfloReadOnly, r, config)).toEqual([
      `${USER} may write: aws.iam.UserPolicy "spendflo-reader-policy" (statement 1) grants s3:DeleteObject, s3:PutBucketAcl, s3:PutObjectAcl, s3:PutObjectVersionAcl on arn:aws:s3:::${BUCKET}/*. ${ONLY_READ}`,
    ]);
  });

  it("NotAction grants everything it does not list", async () => {
    const r = replace(
      iamUserReader(),
      userPolicy({
        Effect: "Allow",
        NotAction: ["s3:Get*", "s3:List*"],
        Resource: `arn:aws:s3:::${BUCKET}/*`,
      }),
    );
    const [m, ...rest] = await messages(spendfloReadOnly, r, config);
    expect(rest).toEqual([]);
    expect(m).toMatch(
      new RegExp(
        `^${escape(USER)} may write: aws\\.iam\\.UserPolicy "spendflo-reader-policy" \\(statement 1\\) grants s3:`,
      ),
    );
    expect(m).toContain("s3:AbortMultipartUpload");
    expect(m).toMatch(
      /\(and \d{4,} more\) on arn:aws:s3:::acme-budget-exports\/\*\. SpendFlo must only/,
    );
  });

  it("an AWS-managed policy that is not read-only", async () => {
    const r = [
      ...iamUserReader(),
      res(T.UserPolicyAttachment, "full", {
        user: USER_NAME,
        policyArn: "arn:aws:iam::aws:policy/AmazonS3FullAccess",
      }),
    ];
    expect(await messages(spendfloReadOnly, r, config)).toEqual([
      `${USER} has the AWS-managed policy arn:aws:iam::aws:policy/AmazonS3FullAccess attached by aws.iam.UserPolicyAttachment "full", which is not one of the read-only ones (AmazonS3ReadOnlyAccess).`,
    ]);
  });

  it("a customer-managed policy in the stack, attached to the role", async () => {
    const r = [
      ...roleReader(),
      res(
        T.Policy,
        "writer",
        { name: "budget-writer", policy: doc(put) },
        { arn: `arn:aws:iam::${CUSTOMER_ACCOUNT}:policy/budget-writer` },
      ),
      res(T.RolePolicyAttachment, "attach-writer", {
        role: "spendflo-budget-sync-dev",
        policyArn: `arn:aws:iam::${CUSTOMER_ACCOUNT}:policy/budget-writer`,
      }),
    ];
    expect(await messages(spendfloReadOnly, r, config)).toEqual([
      `SpendFlo principal aws.iam.Role "spendflo-role" (tagged spendflo:access = read-only) may write: aws.iam.Policy "writer" (statement "Write") attached by aws.iam.RolePolicyAttachment "attach-writer" grants s3:PutObject on arn:aws:s3:::${BUCKET}/budgets/*. ${ONLY_READ}`,
    ]);
  });

  it("a policy outside the stack cannot be shown read-only", async () => {
    const r = [
      ...iamUserReader(),
      res(T.PolicyAttachment, "elsewhere", {
        users: [USER_NAME],
        policyArn: `arn:aws:iam::${CUSTOMER_ACCOUNT}:policy/somewhere-else`,
      }),
    ];
    expect(await messages(spendfloReadOnly, r, config)).toEqual([
      `${USER} has the policy arn:aws:iam::${CUSTOMER_ACCOUNT}:policy/somewhere-else attached by aws.iam.PolicyAttachment "elsewhere", whose document is not in this stack, so it cannot be shown to be read-only.`,
    ]);
  });

  it("a role's inlinePolicies and managedPolicyArns", async () => {
    const [role, rolePolicy] = roleReader();
    const r = [
      {
        ...role,
        inputs: {
          ...role.inputs,
          inlinePolicies: [{ name: "inline", policy: doc(put) }],
          managedPolicyArns: ["arn:aws:iam::aws:policy/AdministratorAccess"],
        },
      },
      rolePolicy,
    ];
    expect(await messages(spendfloReadOnly, r, config)).toEqual([
      `SpendFlo principal aws.iam.Role "spendflo-role" (tagged spendflo:access = read-only) may write: aws.iam.Role "spendflo-role" (statement "Write") grants s3:PutObject on arn:aws:s3:::${BUCKET}/budgets/*. ${ONLY_READ}`,
      `SpendFlo principal aws.iam.Role "spendflo-role" (tagged spendflo:access = read-only) has the AWS-managed policy arn:aws:iam::aws:policy/AdministratorAccess attached by aws.iam.Role "spendflo-role", which is not one of the read-only ones (AmazonS3ReadOnlyAccess).`,
    ]);
  });

  it("a group policy reaching the user through UserGroupMembership", async () => {
    const r = [
      ...iamUserReader(),
      res(T.Group, "writers", { name: "budget-writers" }),
      res(T.GroupPolicy, "writers-policy", { group: "budget-writers", policy: doc(put) }),
      res(T.UserGroupMembership, "membership", { user: USER_NAME, groups: ["budget-writers"] }),
    ];
    expect(await messages(spendfloReadOnly, r, config)).toEqual([
      `${USER} may write: aws.iam.GroupPolicy "writers-policy" (statement "Write") through group "budget-writers" grants s3:PutObject on arn:aws:s3:::${BUCKET}/budgets/*. ${ONLY_READ}`,
    ]);
  });

  it("a managed policy on a group reaching the user through GroupMembership", async () => {
    const r = [
      ...iamUserReader(),
      res(T.Group, "admins", { name: "admins" }),
      res(T.GroupMembership, "admins-members", { group: "admins", users: [USER_NAME] }),
      res(T.GroupPolicyAttachment, "admins-s3", {
        group: "admins",
        policyArn: "arn:aws:iam::aws:policy/AmazonS3FullAccess",
      }),
    ];
    expect(await messages(spendfloReadOnly, r, config)).toEqual([
      `${USER} has the AWS-managed policy arn:aws:iam::aws:policy/AmazonS3FullAccess attached by aws.iam.GroupPolicyAttachment "admins-s3" through group "admins", which is not one of the read-only ones (AmazonS3ReadOnlyAccess).`,
    ]);
  });

  it("a bucket policy granting SpendFlo's account a write", async () => {
    const write = {
      Sid: "SpendfloWrite",
      Effect: "Allow",
      Principal: { AWS: SPENDFLO_ACCOUNT },
      Action: ["s3:GetObject", "s3:PutObject"],
      Resource: `arn:aws:s3:::${BUCKET}/*`,
    };
    const r = budgetBucket({ extraStatements: [write] });
    expect(await messages(spendfloReadOnly, r, config)).toEqual([
      `${ACCOUNT} may write: aws.s3.BucketPolicy "budgets-policy" (statement "SpendfloWrite") grants s3:PutObject on arn:aws:s3:::${BUCKET}/*. ${ONLY_READ}`,
    ]);
  });

  it('"*" narrowed by aws:PrincipalAccount to SpendFlo is SpendFlo', async () => {
    const write = {
      Effect: "Allow",
      Principal: "*",
      Action: "s3:DeleteObject",
      Resource: `arn:aws:s3:::${BUCKET}/*`,
      Condition: { StringEquals: { "aws:PrincipalAccount": SPENDFLO_ACCOUNT } },
    };
    const r = budgetBucket({ extraStatements: [write] });
    expect(await messages(spendfloReadOnly, r, config)).toEqual([
      `${ACCOUNT} may write: aws.s3.BucketPolicy "budgets-policy" (statement 2) grants s3:DeleteObject on arn:aws:s3:::${BUCKET}/*. ${ONLY_READ}`,
    ]);
  });

  it('"*" narrowed by aws:PrincipalArn to a role in another account is not SpendFlo', async () => {
    const write = {
      Effect: "Allow",
      Principal: "*",
      Action: "s3:PutObject",
      Resource: `arn:aws:s3:::${BUCKET}/*`,
      Condition: {
        ArnEquals: { "aws:PrincipalArn": `arn:aws:iam::${CUSTOMER_ACCOUNT}:role/exporter` },
      },
    };
    expect(
      await messages(spendfloReadOnly, budgetBucket({ extraStatements: [write] }), config),
    ).toEqual([]);
  });

  it("the deprecated inline Bucket.policy on a BucketV2", async () => {
    const write = {
      Effect: "Allow",
      Principal: {
        AWS: [
          `arn:aws:iam::${CUSTOMER_ACCOUNT}:root`,
          `arn:aws:iam::${SPENDFLO_ACCOUNT}:user/sync`,
        ],
      },
      Action: "s3:PutObject",
      Resource: `arn:aws:s3:::legacy/*`,
    };
    const r = [res(T.BucketV2, "legacy", { bucket: "legacy", policy: doc(write) })];
    expect(await messages(spendfloReadOnly, r, config)).toEqual([
      `${ACCOUNT} may write: aws.s3.BucketV2 "legacy" (statement 1) grants s3:PutObject on arn:aws:s3:::legacy/*. ${ONLY_READ}`,
    ]);
  });

  it("kms:Decrypt is a read wherever it is granted: without kms:ViaService, on any key (the scoping is spendflo-scoped's)", async () => {
    const noCondition: Record<string, unknown> = { ...viaS3 };
    delete noCondition["Condition"];
    expect(await messages(spendfloReadOnly, kmsStack(noCondition), config)).toEqual([]);
    // A key that encrypts no bucket of the stack.
    const unencrypted = kmsStack(viaS3).map((x) =>
      x.type === T.BucketSse
        ? {
            ...x,
            inputs: {
              ...x.inputs,
              rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" } }],
            },
          }
        : x,
    );
    expect(await messages(spendfloReadOnly, unencrypted, config)).toEqual([]);
    // An identity policy on every key, without any condition.
    const anyKey = { Sid: "Decrypt", Effect: "Allow", Action: "kms:Decrypt", Resource: "*" };
    const r = replace([...kmsStack(viaS3), ...iamUserReader()], userPolicy(anyKey));
    expect(await messages(spendfloReadOnly, r, config)).toEqual([]);
  });

  it("Encrypt, ReEncrypt*, GenerateDataKey*, CreateGrant and key administration stay writes, even through S3", async () => {
    const many = {
      ...viaS3,
      Action: [
        "kms:Decrypt",
        "kms:Encrypt",
        "kms:ReEncrypt*",
        "kms:GenerateDataKey*",
        "kms:CreateGrant",
        "kms:PutKeyPolicy",
        "kms:ScheduleKeyDeletion",
        "kms:DisableKey",
      ],
    };
    expect(await messages(spendfloReadOnly, kmsStack(many), config)).toEqual([
      `${ACCOUNT} may write: aws.kms.Key "budget-key" (statement "SpendfloDecrypt") grants kms:Encrypt, kms:ReEncryptFrom, kms:ReEncryptTo, kms:GenerateDataKey, kms:GenerateDataKeyPair, kms:GenerateDataKeyPairWithoutPlaintext, kms:GenerateDataKeyWithoutPlaintext, kms:CreateGrant, kms:PutKeyPolicy, kms:ScheduleKeyDeletion (and 1 more) on key aws.kms.Key "budget-key". ${ONLY_READ}`,
    ]);
    // kms:* holds Decrypt and every write: the writes are reported, Decrypt is not among them.
    const all = (
      await messages(spendfloReadOnly, kmsStack({ ...viaS3, Action: "kms:*" }), config)
    )[0];
    expect(all).toMatch(/may write: .* grants kms:/);
    expect(all).not.toMatch(/kms:Decrypt\b/);
  });

  it("a KMS grant and a separate aws.kms.KeyPolicy", async () => {
    const r = [
      ...kmsStack(viaS3),
      ...iamUserReader(),
      res(T.KmsGrant, "grant", {
        keyId: KEY_ARN,
        granteePrincipal: `arn:aws:iam::${CUSTOMER_ACCOUNT}:user/${USER_NAME}`,
        operations: ["Decrypt", "ReEncryptFrom"],
      }),
      res(T.KmsKeyPolicy, "other-key-policy", {
        keyId: "arn:aws:kms:us-east-1:111122223333:key/other",
        policy: doc({
          Effect: "Allow",
          Principal: { AWS: SPENDFLO_ACCOUNT },
          Action: "kms:Encrypt",
          Resource: "*",
        }),
      }),
    ];
    expect(await messages(spendfloReadOnly, r, config)).toEqual([
      `${USER} may write: aws.kms.Grant "grant" grants kms:ReEncryptFrom on key aws.kms.Key "budget-key". ${ONLY_READ}`,
      `${ACCOUNT} may write: aws.kms.KeyPolicy "other-key-policy" (statement 1) grants kms:Encrypt on a key outside this stack. ${ONLY_READ}`,
    ]);
  });

  it("an access point and an access point policy", async () => {
    const write = {
      Effect: "Allow",
      Principal: { AWS: `arn:aws:iam::${SPENDFLO_ACCOUNT}:role/poller` },
      Action: "s3:PutObject",
      Resource: `arn:aws:s3:us-east-1:${CUSTOMER_ACCOUNT}:accesspoint/budgets/object/*`,
    };
    const r = [
      ...budgetBucket(),
      res(T.AccessPoint, "ap", { bucket: BUCKET, name: "budgets", policy: doc(write) }),
      res(T.AccessPointPolicy, "ap-policy", {
        accessPointArn: `arn:aws:s3:us-east-1:${CUSTOMER_ACCOUNT}:accesspoint/budgets`,
        policy: doc(write),
      }),
    ];
    const out = await messages(spendfloReadOnly, r, config);
    expect(out).toEqual([
      `${ACCOUNT} may write: aws.s3.AccessPoint "ap" (statement 1) grants s3:PutObject on arn:aws:s3:us-east-1:${CUSTOMER_ACCOUNT}:accesspoint/budgets/object/*. ${ONLY_READ}`,
      `${ACCOUNT} may write: aws.s3control.AccessPointPolicy "ap-policy" (statement 1) grants s3:PutObject on arn:aws:s3:us-east-1:${CUSTOMER_ACCOUNT}:accesspoint/budgets/object/*. ${ONLY_READ}`,
    ]);
  });

  it("a role whose trust policy admits SpendFlo is SpendFlo's, whatever its name and tags", async () => {
    const r = [
      res(T.Role, "ops", {
        name: "ops",
        assumeRolePolicy: doc({
          Effect: "Allow",
          Principal: { AWS: [`arn:aws:iam::${SPENDFLO_ACCOUNT}:root`] },
          Action: "sts:AssumeRole",
        }),
      }),
      res(T.RolePolicy, "ops-policy", { role: "ops", policy: doc(put) }),
    ];
    expect(await messages(spendfloReadOnly, r, config)).toEqual([
      `SpendFlo principal aws.iam.Role "ops" (its trust policy admits account ${SPENDFLO_ACCOUNT}) may write: aws.iam.RolePolicy "ops-policy" (statement "Write") grants s3:PutObject on arn:aws:s3:::${BUCKET}/budgets/*. ${ONLY_READ}`,
    ]);
  });

  it("a role SpendFlo's user can assume (grants through a role)", async () => {
    const r = [
      ...iamUserReader(),
      res(T.Role, "writer-role", {
        name: "writer-role",
        tags: { team: "finance" },
        assumeRolePolicy: doc({
          Effect: "Allow",
          Principal: { AWS: `arn:aws:iam::${CUSTOMER_ACCOUNT}:user/${USER_NAME}` },
          Action: "sts:AssumeRole",
        }),
      }),
      res(T.RolePolicy, "writer-role-policy", { role: "writer-role", policy: doc(put) }),
    ];
    expect(await messages(spendfloReadOnly, r, config)).toEqual([
      `SpendFlo principal aws.iam.Role "writer-role" (its trust policy admits aws.iam.User "spendflo-reader") may write: aws.iam.RolePolicy "writer-role-policy" (statement "Write") grants s3:PutObject on arn:aws:s3:::${BUCKET}/budgets/*. ${ONLY_READ}`,
    ]);
  });

  it("an untagged user named with spendflo (any case) is SpendFlo's", async () => {
    const r = [
      res(T.User, "reader", { name: "SpendFloReader" }),
      res(T.UserPolicy, "reader-policy", { user: "SpendFloReader", policy: doc(put) }),
    ];
    expect(await messages(spendfloReadOnly, r, config)).toEqual([
      `SpendFlo principal aws.iam.User "reader" (named with "spendflo" and not tagged spendflo:access) may write: aws.iam.UserPolicy "reader-policy" (statement "Write") grants s3:PutObject on arn:aws:s3:::${BUCKET}/budgets/*. ${ONLY_READ}`,
    ]);
  });

  it("a document that cannot be read cannot pass", async () => {
    const r = replace(
      iamUserReader(),
      res(T.UserPolicy, "spendflo-reader-policy", { user: USER_NAME, policy: "{ not json" }),
    );
    expect(await messages(spendfloReadOnly, r, config)).toEqual([
      `aws.iam.UserPolicy "spendflo-reader-policy" has a policy document that cannot be read (the policy document is not valid JSON), so it cannot be shown to grant SpendFlo for ${USER} nothing but List and Read actions.`,
    ]);
  });

  it("more than ten write actions: ten, then a count", async () => {
    const r = replace(
      iamUserReader(),
      userPolicy({ Effect: "Allow", Action: "s3:Put*", Resource: "*" }),
    );
    const [m] = await messages(spendfloReadOnly, r, config);
    const listed = /grants (.*) \(and (\d+) more\) on \*\./.exec(m);
    expect(listed?.[1].split(", ")).toHaveLength(10);
    expect(Number(listed?.[2])).toBeGreaterThan(10);
  });
});

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

describe("spendflo-read-only: more paths", () => {
  const write = { Effect: "Allow", Action: "s3:PutObject", Resource: `arn:aws:s3:::${BUCKET}/*` };

  it("a user the stack does not create, named spendflo, attached by name", async () => {
    const r = [
      res(T.UserPolicy, "legacy-policy", { user: "spendflo-budget-sync", policy: doc(write) }),
    ];
    expect(await messages(spendfloReadOnly, r, config)).toEqual([
      `SpendFlo principal aws.iam.User "spendflo-budget-sync" (named with "spendflo" and not tagged spendflo:access; not created by this stack) may write: aws.iam.UserPolicy "legacy-policy" (statement 1) grants s3:PutObject on arn:aws:s3:::${BUCKET}/*. ${ONLY_READ}`,
    ]);
  });

  it("a role the stack does not create, named spendflo, in a bucket policy", async () => {
    const stmt = {
      ...write,
      Principal: { AWS: `arn:aws:iam::${CUSTOMER_ACCOUNT}:role/SpendfloPoller` },
    };
    expect(
      await messages(spendfloReadOnly, budgetBucket({ extraStatements: [stmt] }), config),
    ).toEqual([
      `SpendFlo principal aws.iam.Role "SpendfloPoller" (named with "spendflo" and not tagged spendflo:access; not created by this stack) may write: aws.s3.BucketPolicy "budgets-policy" (statement 2) grants s3:PutObject on arn:aws:s3:::${BUCKET}/*. ${ONLY_READ}`,
    ]);
  });

  it("another service's resource policy (a secret's), a Lambda permission and an S3 Access Grant", async () => {
    const r = [
      ...iamUserReader(),
      res("aws:secretsmanager/secretPolicy:SecretPolicy", "secret-policy", {
        secretArn: "arn:aws:secretsmanager:us-east-1:111122223333:secret:db",
        policy: doc({
          Effect: "Allow",
          Principal: { AWS: SPENDFLO_ACCOUNT },
          Action: "secretsmanager:PutSecretValue",
          Resource: "*",
        }),
      }),
      res(T.LambdaPermission, "invoke", {
        action: "lambda:InvokeFunction",
        function: "exporter",
        principal: SPENDFLO_ACCOUNT,
      }),
      res(T.AccessGrant, "grant", {
        accessGrantsLocationId: "default",
        permission: "READWRITE",
        grantee: {
          granteeType: "IAM",
          granteeIdentifier: `arn:aws:iam::${CUSTOMER_ACCOUNT}:user/${USER_NAME}`,
        },
      }),
    ];
    expect(await messages(spendfloReadOnly, r, config)).toEqual([
      `${ACCOUNT} may write: aws.secretsmanager.SecretPolicy "secret-policy" (statement 1) grants secretsmanager:PutSecretValue on *. ${ONLY_READ}`,
      `${ACCOUNT} may write: aws.lambda.Permission "invoke" grants lambda:InvokeFunction on function exporter. ${ONLY_READ}`,
      `${USER} may write: aws.s3control.AccessGrant "grant" grants s3:PutObject, s3:PutObjectAcl, s3:DeleteObject, s3:DeleteObjectVersion, s3:AbortMultipartUpload on access grants location default. ${ONLY_READ}`,
    ]);
  });

  it('"*" pinned by aws:SourceArn admits a service, not SpendFlo', async () => {
    const r = [
      res("aws:sns/topicPolicy:TopicPolicy", "alerts-policy", {
        arn: "arn:aws:sns:us-east-1:111122223333:alerts",
        policy: doc({
          Effect: "Allow",
          Principal: "*",
          Action: "sns:Publish",
          Resource: "arn:aws:sns:us-east-1:111122223333:alerts",
          Condition: { ArnLike: { "aws:SourceArn": `arn:aws:s3:::${BUCKET}` } },
        }),
      }),
    ];
    expect(await messages(spendfloReadOnly, r, config)).toEqual([]);
  });

  it("an ACL that lets everyone write lets SpendFlo write", async () => {
    const r = [
      res(T.Bucket, "legacy", { bucket: "legacy", acl: "public-read-write" }),
      res(T.BucketAclV2, "legacy-acl", {
        bucket: "legacy",
        accessControlPolicy: {
          owner: { id: "owner" },
          grants: [
            {
              grantee: {
                type: "Group",
                uri: "http://acs.amazonaws.com/groups/global/AuthenticatedUsers",
              },
              permission: "WRITE_ACP",
            },
          ],
        },
      }),
    ];
    expect(await messages(spendfloReadOnly, r, config)).toEqual([
      `${ACCOUNT} may write: aws.s3.Bucket "legacy" grants s3:PutObject, s3:DeleteObject on the ACL of aws.s3.Bucket "legacy", open to everyone. ${ONLY_READ}`,
      `${ACCOUNT} may write: aws.s3.BucketAclV2 "legacy-acl" grants s3:PutBucketAcl, s3:PutObjectAcl on the ACL of aws.s3.BucketAclV2 "legacy-acl", open to everyone. ${ONLY_READ}`,
    ]);
  });
});

describe("spendflo-read-only: a given KMS key (named in the bucket's SSE setting, not created)", () => {
  const decryptOn = (Resource: unknown) => ({
    Sid: "DecryptBudgetFilesThroughS3",
    Effect: "Allow",
    Action: "kms:Decrypt",
    Resource,
    Condition: viaS3.Condition,
  });
  const OTHER_ACCOUNT_KEY =
    "arn:aws:kms:us-east-1:444455556666:key/1234abcd-12ab-34cd-56ef-1234567890ab";
  const MRK = "arn:aws:kms:us-east-1:111122223333:key/mrk-1234abcd12ab34cd56ef1234567890ab";
  const UNRELATED = "arn:aws:kms:us-east-1:111122223333:key/99999999-12ab-34cd-56ef-1234567890ab";

  it.each([
    ["a key of the account", KEY_ARN],
    ["a key of another account", OTHER_ACCOUNT_KEY],
    ["a multi-Region key", MRK],
  ])("%s: kms:Decrypt through S3 on it is a read, for a user and a role", async (_, arn) => {
    const bucket = budgetBucket({ kmsKeyArn: arn });
    const user = replace(
      [...bucket, ...iamUserReader()],
      userPolicy(...readerStatements(), decryptOn(arn)),
    );
    expect(await messages(spendfloReadOnly, user, config)).toEqual([]);
    const role = [
      ...bucket,
      ...roleReader().map((r) =>
        r.type === T.RolePolicy
          ? { ...r, inputs: { ...r.inputs, policy: doc(...readerStatements(), decryptOn(arn)) } }
          : r,
      ),
    ];
    expect(await messages(spendfloReadOnly, role, config)).toEqual([]);
  });

  it("kms:Decrypt on another key, on *, or without kms:ViaService is a read all the same", async () => {
    const bucket = budgetBucket({ kmsKeyArn: KEY_ARN });
    for (const statement of [
      decryptOn(UNRELATED),
      decryptOn([KEY_ARN, UNRELATED]),
      decryptOn("arn:aws:kms:us-east-1:111122223333:key/*"),
      { ...decryptOn(KEY_ARN), Condition: undefined },
    ]) {
      const r = replace([...bucket, ...iamUserReader()], userPolicy(statement));
      expect(await messages(spendfloReadOnly, r, config)).toEqual([]);
    }
    // On an unencrypted bucket's stack too.
    const r = replace([...budgetBucket(), ...iamUserReader()], userPolicy(decryptOn(KEY_ARN)));
    expect(await messages(spendfloReadOnly, r, config)).toEqual([]);
  });
});
