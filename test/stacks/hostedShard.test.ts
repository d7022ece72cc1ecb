import { describe, expect, it } from "vitest";
import {
  HOSTED_POLLER,
  MOCK_SECRET,
  customerLine,
  ofType,
  planInProcess,
  stackFile,
  statements,
  type PlanJson,
} from "../helpers/plan.ts";

describe("a shard stack (hosted.manageBucket: false)", () => {
  it("makes customers' principals for the base stack's bucket and nothing else", async () => {
    const shard = (await planInProcess({
      config: stackFile(
        `config:\n  aws:region: us-east-1\n  budget-sync:bucketName: spendflo-budget-uploads\n  budget-sync:hosted:\n    manageBucket: false\n    pollerRoleArn: ${HOSTED_POLLER}\n  budget-sync:customers:\n${customerLine("wayne")}\n${customerLine("stark")}\n`,
      ),
    })) as PlanJson;
    expect(JSON.stringify(shard)).not.toMatch(MOCK_SECRET);
    expect([...new Set(shard.resources.map((r) => r.type))].sort()).toEqual([
      "aws:iam/accessKey:AccessKey",
      "aws:iam/role:Role",
      "aws:iam/rolePolicy:RolePolicy",
      "aws:iam/user:User",
      "aws:iam/userPolicy:UserPolicy",
      "budget-sync:index:HostedCustomer",
    ]);
    const policy = ofType(shard, "aws:iam/userPolicy:UserPolicy").find(
      (p) => p.inputs.user === "spendflo-customer-stark",
    )!;
    expect(statements(policy)[1]!.Resource).toBe(
      "arn:aws:s3:::spendflo-budget-uploads/customers/stark/budgets/*",
    );
    expect(shard.outputs).toMatchObject({ manageBucket: false, prefix: "customers/" });
  });
});
