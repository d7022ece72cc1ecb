import { describe, expect, it } from "vitest";
import {
  MOCK_ACCOUNT,
  MOCK_REGION,
  childrenOf,
  installMocks,
  ofType,
  onlyOfType,
  settle,
  type MockedResource,
} from "../helpers/componentMocks.ts";
import { simulate } from "../helpers/iamSimulation.ts";

const resources: MockedResource[] = installMocks("prod");
const { UploaderAccess } = await import("../../components/uploader-access/index.ts");
type UploaderArgs = ConstructorParameters<typeof UploaderAccess>[1];

const base = {
  bucketName: "acme-budget-exports",
  prefix: "budgets/",
  region: MOCK_REGION,
  accountId: MOCK_ACCOUNT,
};

async function build(name: string, args: UploaderArgs) {
  const uploader = new UploaderAccess(name, args);
  await settle(uploader.principalArn, uploader.urn);
  return { uploader, made: childrenOf(resources, name) };
}

const object = (key: string) => `arn:aws:s3:::acme-budget-exports/${key}`;

async function verdicts(policyJson: unknown, principal: string) {
  const policy = JSON.parse(String(policyJson));
  const ask = (action: string, resource: string, context?: Record<string, string>) =>
    simulate(policy, { principal, action, resource, resourceAccount: MOCK_ACCOUNT, context });
  return {
    put: await ask("s3:PutObject", object("budgets/budget_20260101.csv")),
    abort: await ask("s3:AbortMultipartUpload", object("budgets/budget_20260101.csv")),
    putElsewhere: await ask("s3:PutObject", object("archive/budget.csv")),
    get: await ask("s3:GetObject", object("budgets/budget_20260101.csv")),
    delete: await ask("s3:DeleteObject", object("budgets/budget_20260101.csv")),
    list: await ask("s3:ListBucket", "arn:aws:s3:::acme-budget-exports", {
      "s3:prefix": "budgets/",
    }),
    listRoot: await ask("s3:ListBucket", "arn:aws:s3:::acme-budget-exports", { "s3:prefix": "" }),
  };
}

describe("UploaderAccess (the guide's Options B and C)", () => {
  it("iam-user: a user tagged upload, with a secret key, that may only put under the prefix (simulated)", async () => {
    const { uploader, made } = await build("up", { ...base, kind: "iam-user" });
    const user = onlyOfType(made, "aws:iam/user:User");
    expect(user.inputs).toEqual(
      expect.objectContaining({
        name: "budget-uploader-prod",
        tags: { "spendflo:access": "upload" },
      }),
    );
    expect(ofType(made, "aws:iam/accessKey:AccessKey")).toHaveLength(1);
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    expect(await (uploader.secretAccessKey as any).isSecret).toBe(true);
    const policy = onlyOfType(made, "aws:iam/userPolicy:UserPolicy").inputs.policy;
    expect(
      await verdicts(policy, `arn:aws:iam::${MOCK_ACCOUNT}:user/budget-uploader-prod`),
    ).toEqual({
      put: "Allowed",
      abort: "Allowed",
      putElsewhere: "ImplicitlyDenied",
      get: "ImplicitlyDenied",
      delete: "ImplicitlyDenied",
      list: "ImplicitlyDenied",
      listRoot: "ImplicitlyDenied",
    });
  });

  it("instance-role: a role EC2 assumes, an instance profile, and a prefix-scoped list when asked", async () => {
    const { uploader, made } = await build("ec2", {
      ...base,
      kind: "instance-role",
      allowList: true,
      principalName: "acme-budget-cron",
      tags: { owner: "it" },
    });
    const role = onlyOfType(made, "aws:iam/role:Role");
    expect(role.inputs.tags).toEqual({ owner: "it", "spendflo:access": "upload" });
    expect(JSON.parse(String(role.inputs.assumeRolePolicy)).Statement).toEqual([
      expect.objectContaining({ Principal: { Service: "ec2.amazonaws.com" } }),
    ]);
    expect(onlyOfType(made, "aws:iam/instanceProfile:InstanceProfile").inputs).toMatchObject({
      name: "acme-budget-cron",
      role: "acme-budget-cron",
    });
    expect(ofType(made, "aws:iam/accessKey:AccessKey")).toEqual([]);
    expect(uploader.secretAccessKey).toBeUndefined();
    const policy = onlyOfType(made, "aws:iam/rolePolicy:RolePolicy").inputs.policy;
    expect(
      await verdicts(policy, `arn:aws:sts::${MOCK_ACCOUNT}:assumed-role/acme-budget-cron/i-0abc`),
    ).toEqual({
      put: "Allowed",
      abort: "Allowed",
      putElsewhere: "ImplicitlyDenied",
      get: "ImplicitlyDenied",
      delete: "ImplicitlyDenied",
      list: "Allowed",
      listRoot: "ImplicitlyDenied",
    });
  });
});
