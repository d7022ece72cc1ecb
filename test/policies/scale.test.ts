import { describe, expect, it } from "vitest";
import { ACCESS_TAG, AccessTagValue, CUSTOMER_TAG } from "../../lib/iam/accessTags.ts";
import { T } from "../../lib/stack/model.ts";
import { runPolicies } from "../../policies/support/offline.ts";
import { budgetBucket, json, res, spendfloConfig } from "./fixtures.ts";

const HOSTED = "spendflo-budget-uploads";

/**
 * The hosted stack: one shared bucket, one prefix, one upload principal and one read-only sync
 * role (with its external id) per customer.
 */
function hostedStack(customers: number) {
  const out = [...budgetBucket({ bucket: HOSTED })];
  for (let i = 0; i < customers; i++) {
    const id = `cust-${String(i).padStart(5, "0")}`;
    const prefix = `customers/${id}/budgets/`;
    out.push(
      res(T.User, `customer-${id}`, {
        name: `spendflo-customer-${id}`,
        tags: { [ACCESS_TAG]: AccessTagValue.Upload, [CUSTOMER_TAG]: id },
      }),
      res(T.AccessKey, `customer-${id}-key`, { user: `spendflo-customer-${id}` }),
      res(T.UserPolicy, `customer-${id}-policy`, {
        user: `spendflo-customer-${id}`,
        policy: json({
          Version: "2012-10-17",
          Statement: [
            {
              Effect: "Allow",
              Action: ["s3:PutObject", "s3:GetObject", "s3:AbortMultipartUpload"],
              Resource: `arn:aws:s3:::${HOSTED}/${prefix}*`,
            },
            {
              Effect: "Allow",
              Action: "s3:ListBucket",
              Resource: `arn:aws:s3:::${HOSTED}`,
              Condition: { StringLike: { "s3:prefix": `${prefix}*` } },
            },
          ],
        }),
      }),
      res(T.Role, `customer-${id}-reader`, {
        name: `spendflo-reader-${id}`,
        tags: { [ACCESS_TAG]: AccessTagValue.ReadOnly, [CUSTOMER_TAG]: id },
        assumeRolePolicy: json({
          Version: "2012-10-17",
          Statement: [
            {
              Effect: "Allow",
              Principal: { AWS: "arn:aws:iam::999988887777:role/spendflo-budget-poller" },
              Action: "sts:AssumeRole",
              Condition: { StringEquals: { "sts:ExternalId": `${id}-5f0c8e2a9d31b7c4` } },
            },
          ],
        }),
      }),
      res(T.RolePolicy, `customer-${id}-reader-access`, {
        role: `spendflo-reader-${id}`,
        policy: json({
          Version: "2012-10-17",
          Statement: [
            {
              Effect: "Allow",
              Action: "s3:ListBucket",
              Resource: `arn:aws:s3:::${HOSTED}`,
              Condition: { StringLike: { "s3:prefix": `${prefix}*` } },
            },
            {
              Effect: "Allow",
              Action: "s3:GetObject",
              Resource: `arn:aws:s3:::${HOSTED}/${prefix}*`,
            },
          ],
        }),
      }),
    );
  }
  return out;
}

describe("scale", () => {
  // How long it takes is `npm run bench -- hosted`'s to measure.
  it("judges a hosted stack of 1,000 customers (5,000+ resources)", async () => {
    const resources = hostedStack(1000);
    expect(resources.length).toBeGreaterThan(5000);
    const violations = await runPolicies(resources, spendfloConfig);
    expect(violations.filter((v) => v.level === "mandatory")).toEqual([]);
  });
});
