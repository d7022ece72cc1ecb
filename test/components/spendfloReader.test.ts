import { describe, expect, it } from "vitest";
import {
  MOCK_ACCOUNT,
  childrenOf,
  installMocks,
  isSecret,
  ofType,
  parsePolicy,
  promiseOf,
  settle,
  type MockedResource,
} from "../helpers/componentMocks.ts";

const resources: MockedResource[] = installMocks("prod");
const { SpendfloReader, readerStatements, trustPolicy, spendfloReaderArgsProblems } =
  await import("../../components/spendflo-reader/index.ts");
type Reader = InstanceType<typeof SpendfloReader>;

const base = {
  bucketName: "acme-budget-exports",
  prefix: "budgets/",
  region: "eu-west-1",
  accountId: MOCK_ACCOUNT,
};

async function children(reader: Reader, name: string) {
  await settle(reader.syncSourceConfig, reader.kmsKeyPolicyStatements);
  return childrenOf(resources, name);
}

const GUIDE_READ = [
  {
    Sid: "ListBudgetPrefix",
    Effect: "Allow",
    Action: "s3:ListBucket",
    Resource: "arn:aws:s3:::acme-budget-exports",
    Condition: { StringLike: { "s3:prefix": ["budgets/*"] } },
  },
  {
    Sid: "ReadBudgetFiles",
    Effect: "Allow",
    Action: "s3:GetObject",
    Resource: "arn:aws:s3:::acme-budget-exports/budgets/*",
  },
];

describe("SpendfloReader, iam-user mode (the guide's Option 2)", () => {
  it("makes user spendflo-budget-sync-<stack>, tagged read-only, with exactly the two read actions on the prefix", async () => {
    const reader = new SpendfloReader("user-mode", { ...base, mode: "iam-user" });
    const made = await children(reader, "user-mode");
    const user = ofType(made, "aws:iam/user:User");
    expect(user).toHaveLength(1);
    expect(user[0]!.inputs.name).toBe("spendflo-budget-sync-prod");
    expect(user[0]!.inputs.tags).toEqual({ "spendflo:access": "read-only" });
    const policies = ofType(made, "aws:iam/userPolicy:UserPolicy");
    expect(policies).toHaveLength(1);
    expect(parsePolicy(policies[0]!.inputs.policy).Statement).toEqual(GUIDE_READ);
    expect(ofType(made, "aws:iam/accessKey:AccessKey")).toHaveLength(1);
    expect(reader.bucketPolicyStatements).toEqual([]);
  });

  it("hands over the key pair only as a secret", async () => {
    const reader = new SpendfloReader("secret-mode", { ...base, mode: "iam-user" });
    expect(await isSecret(reader.syncSourceConfig)).toBe(true);
    const config = await promiseOf(reader.syncSourceConfig);
    expect(config).toMatchObject({
      bucketName: "acme-budget-exports",
      region: "eu-west-1",
      prefix: "budgets/",
    });
    expect(config.accessKeyId).toMatch(/^OFFLINE_PLACEHOLDER_/);
    expect(config.secretAccessKey).toBeTruthy();
  });

  it("keeps two key slots during a rotation and hands over the active one", async () => {
    const reader = new SpendfloReader("rotating", {
      ...base,
      mode: "iam-user",
      principalName: "spendflo-rotating",
      accessKeys: ["key1", "key2"],
      activeKey: "key2",
    });
    const made = await children(reader, "rotating");
    expect(
      ofType(made, "aws:iam/accessKey:AccessKey")
        .map((k) => k.name)
        .sort(),
    ).toEqual(["rotating-key", "rotating-key2"]);
    const key2 = await promiseOf(reader.accessKeys.key2!.id);
    expect((await promiseOf(reader.syncSourceConfig)).accessKeyId).toBe(key2);
  });

  it("adds kms:Decrypt through S3 for a key someone else owns", async () => {
    const arn = "arn:aws:kms:eu-west-1:111122223333:key/0b1c2d3e-4f50-6172-8394-a5b6c7d8e9f0";
    const reader = new SpendfloReader("kms-given", {
      ...base,
      mode: "iam-user",
      principalName: "spendflo-kms-given",
      kmsKey: { kind: "given", arn },
    });
    const made = await children(reader, "kms-given");
    const statements = parsePolicy(
      ofType(made, "aws:iam/userPolicy:UserPolicy")[0]!.inputs.policy,
    ).Statement;
    expect(statements[2]).toEqual({
      Sid: "DecryptBudgetFilesThroughS3",
      Effect: "Allow",
      Action: "kms:Decrypt",
      Resource: arn,
      Condition: { StringEquals: { "kms:ViaService": "s3.eu-west-1.amazonaws.com" } },
    });
  });

  it("asks a created key's policy, not its own, for kms:Decrypt", async () => {
    const reader = new SpendfloReader("kms-created", {
      ...base,
      mode: "iam-user",
      principalName: "spendflo-kms-created",
      kmsKey: { kind: "created" },
    });
    const made = await children(reader, "kms-created");
    expect(
      parsePolicy(ofType(made, "aws:iam/userPolicy:UserPolicy")[0]!.inputs.policy).Statement,
    ).toEqual(GUIDE_READ);
    expect(await promiseOf(reader.kmsKeyPolicyStatements)).toEqual([
      {
        Sid: "DecryptBudgetFilesThroughS3",
        Effect: "Allow",
        Principal: { AWS: `arn:aws:iam::${MOCK_ACCOUNT}:user/spendflo-kms-created` },
        Action: "kms:Decrypt",
        Resource: "*",
        Condition: { StringEquals: { "kms:ViaService": "s3.eu-west-1.amazonaws.com" } },
      },
    ]);
  });
});

describe("SpendfloReader, cross-account-policy mode (the guide's FAQ)", () => {
  it("creates no principal and hands BudgetBucket the scoped grant for SpendFlo's account", async () => {
    const reader = new SpendfloReader("xacct", {
      ...base,
      mode: "cross-account-policy",
      spendfloAccountId: "999988887777",
    });
    const made = await children(reader, "xacct");
    expect(made.filter((r) => r.type.startsWith("aws:"))).toEqual([]);
    expect(reader.bucketPolicyStatements).toEqual(
      GUIDE_READ.map((s) => ({
        ...s,
        Sid: `SpendFlo${s.Sid}`,
        Principal: { AWS: "arn:aws:iam::999988887777:root" },
      })),
    );
    const config = await promiseOf(reader.syncSourceConfig);
    expect(config).toEqual({
      bucketName: "acme-budget-exports",
      prefix: "budgets/",
      region: "eu-west-1",
    });
    expect(await isSecret(reader.syncSourceConfig)).toBe(false);
  });

  it("prints the key-policy statement a given key's owner must add (Resource * is that key)", async () => {
    const arn = "arn:aws:kms:eu-west-1:111122223333:key/0b1c2d3e-4f50-6172-8394-a5b6c7d8e9f0";
    const reader = new SpendfloReader("xacct-kms", {
      ...base,
      mode: "cross-account-policy",
      spendfloAccountId: "999988887777",
      kmsKey: { kind: "given", arn },
    });
    expect(await promiseOf(reader.kmsKeyOwnerStatement)).toMatchObject({
      Principal: { AWS: "arn:aws:iam::999988887777:root" },
      Action: "kms:Decrypt",
      Resource: "*",
      Condition: { StringEquals: { "kms:ViaService": "s3.eu-west-1.amazonaws.com" } },
    });
  });
});

describe("SpendfloReader, cross-account-role mode", () => {
  it("makes a read-only role only SpendFlo's account may assume, and only with the external id", async () => {
    const reader = new SpendfloReader("role-mode", {
      ...base,
      mode: "cross-account-role",
      principalName: "spendflo-role-mode",
      spendfloAccountId: "999988887777",
      externalId: "acme-4242",
    });
    const made = await children(reader, "role-mode");
    const role = ofType(made, "aws:iam/role:Role");
    expect(role).toHaveLength(1);
    expect(role[0]!.inputs.tags).toEqual({ "spendflo:access": "read-only" });
    expect(parsePolicy(role[0]!.inputs.assumeRolePolicy).Statement).toEqual([
      {
        Sid: "SpendfloAssumesWithExternalId",
        Effect: "Allow",
        Principal: { AWS: "arn:aws:iam::999988887777:root" },
        Action: "sts:AssumeRole",
        Condition: { StringEquals: { "sts:ExternalId": "acme-4242" } },
      },
    ]);
    expect(
      parsePolicy(ofType(made, "aws:iam/rolePolicy:RolePolicy")[0]!.inputs.policy).Statement,
    ).toEqual(GUIDE_READ);
    expect(ofType(made, "aws:iam/accessKey:AccessKey")).toHaveLength(0);
    expect(await promiseOf(reader.syncSourceConfig)).toEqual({
      ...{ bucketName: "acme-budget-exports", prefix: "budgets/", region: "eu-west-1" },
      roleArn: `arn:aws:iam::${MOCK_ACCOUNT}:role/spendflo-role-mode`,
      externalId: "acme-4242",
    });
  });
});

describe("two SpendfloReaders in one program", () => {
  it("do not collide when each names its principal", async () => {
    const a = new SpendfloReader("reader-a", {
      ...base,
      mode: "iam-user",
      principalName: "spendflo-a",
    });
    const b = new SpendfloReader("reader-b", {
      ...base,
      mode: "iam-user",
      principalName: "spendflo-b",
    });
    const made = [...(await children(a, "reader-a")), ...(await children(b, "reader-b"))];
    const logical = made.map((r) => `${r.type}::${r.name}`);
    expect(new Set(logical).size).toBe(logical.length);
    const users = ofType(made, "aws:iam/user:User").map((u) => u.inputs.name);
    expect(users.sort()).toEqual(["spendflo-a", "spendflo-b"]);
    expect((await promiseOf(a.syncSourceConfig)).accessKeyId).not.toBe(
      (await promiseOf(b.syncSourceConfig)).accessKeyId,
    );
  });
});

describe("SpendfloReader arguments", () => {
  it("refuses the cross-account modes without what they need", () => {
    expect(spendfloReaderArgsProblems({ ...base, mode: "cross-account-role" })).toEqual([
      "mode cross-account-role needs SpendFlo's AWS account id (12 digits)",
      "mode cross-account-role needs an external id",
    ]);
    expect(
      () =>
        new SpendfloReader("broken", {
          ...base,
          mode: "cross-account-policy",
          spendfloAccountId: "12",
        }),
    ).toThrow(/needs SpendFlo's AWS account id/);
  });

  it("refuses an active key that is not kept", () => {
    expect(
      spendfloReaderArgsProblems({
        ...base,
        mode: "iam-user",
        accessKeys: ["key1"],
        activeKey: "key2",
      }),
    ).toEqual(["activeKey key2 is not one of accessKeys (key1)"]);
  });

  it("builds documents from names only, so a preview can judge them", () => {
    expect(JSON.stringify(readerStatements("aws-cn", "b-cn", "p/"))).toContain(
      "arn:aws-cn:s3:::b-cn/p/*",
    );
    expect(trustPolicy("aws", "999988887777", "x1").Statement).toHaveLength(1);
  });
});
