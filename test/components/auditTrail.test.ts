import { describe, expect, it } from "vitest";
import {
  MOCK_ACCOUNT,
  MOCK_REGION,
  childrenOf,
  installMocks,
  onlyOfType,
  promiseOf,
  settle,
  type MockedResource,
} from "../helpers/componentMocks.ts";
import { simulate } from "../helpers/iamSimulation.ts";

const resources: MockedResource[] = installMocks("prod");
const { AuditTrail } = await import("../../components/audit-trail/index.ts");

const TRAIL_ARN = `arn:aws:cloudtrail:${MOCK_REGION}:${MOCK_ACCOUNT}:trail/budget-sync-audit-prod`;

describe("AuditTrail (the guide's CloudTrail step, made useful)", async () => {
  const audit = new AuditTrail("audit", {
    budgetBucketName: "acme-budget-exports",
    prefix: "budgets/",
    logBucketName: "acme-budget-audit-logs",
    region: MOCK_REGION,
    accountId: MOCK_ACCOUNT,
  });
  await settle(audit.trailArn, audit.trail.arn, audit.logBucket.bucketArn);
  const made = childrenOf(resources, "audit");
  const trail = onlyOfType(made, "aws:cloudtrail/trail:Trail");
  const bucketPolicy = made.find((r) => r.name === "audit-logs-policy")!;

  it("records data events under the budget prefix only, with log-file validation, no management events", () => {
    expect(trail.inputs).toMatchObject({
      name: "budget-sync-audit-prod",
      s3BucketName: "acme-budget-audit-logs",
      enableLogFileValidation: true,
      includeGlobalServiceEvents: false,
      isMultiRegionTrail: false,
      advancedEventSelectors: [
        {
          fieldSelectors: [
            { field: "eventCategory", equals: ["Data"] },
            { field: "resources.type", equals: ["AWS::S3::Object"] },
            { field: "resources.ARN", startsWiths: ["arn:aws:s3:::acme-budget-exports/budgets/"] },
          ],
        },
      ],
    });
  });

  it("computes the trail's ARN from its name, matching the ARN AWS gives it", async () => {
    expect(await promiseOf(audit.trailArn)).toBe(TRAIL_ARN);
    expect(await promiseOf(audit.trail.arn)).toBe(TRAIL_ARN);
  });

  it("creates the trail after the log bucket's policy, and the policy never waits on the trail", () => {
    expect(trail.dependencies).toContain(bucketPolicy.urn);
    expect(bucketPolicy.dependencies.some((d) => d.includes("cloudtrail"))).toBe(false);
  });

  it("keeps the logs in a BudgetBucket: 365 days on AWSLogs/, public access blocked, TLS only", () => {
    const lifecycle = onlyOfType(
      made,
      "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration",
    );
    expect((lifecycle.inputs.rules as Record<string, unknown>[])[0]).toMatchObject({
      filter: { prefix: "AWSLogs/" },
      expiration: { days: 365 },
    });
    expect(
      onlyOfType(made, "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock").inputs,
    ).toMatchObject({ blockPublicAcls: true, restrictPublicBuckets: true });
    expect(JSON.parse(String(bucketPolicy.inputs.policy)).Statement[0].Sid).toBe(
      "DenyInsecureTransport",
    );
  });

  it("lets this trail, and no other, deliver under AWSLogs/<account>/ (simulated)", async () => {
    const policy = JSON.parse(String(bucketPolicy.inputs.policy));
    const deliver = (sourceArn: string, key: string, acl = "bucket-owner-full-control") =>
      simulate(
        { Version: "2012-10-17", Statement: [] },
        {
          principal: "cloudtrail.amazonaws.com",
          action: "s3:PutObject",
          resource: `arn:aws:s3:::acme-budget-audit-logs/${key}`,
          resourceAccount: MOCK_ACCOUNT,
          context: {
            "aws:SourceArn": sourceArn,
            "s3:x-amz-acl": acl,
            "aws:SecureTransport": "true",
          },
        },
        policy,
      );
    const key = `AWSLogs/${MOCK_ACCOUNT}/CloudTrail/${MOCK_REGION}/2026/01/01/x.json.gz`;
    expect(await deliver(TRAIL_ARN, key)).toBe("Allowed");
    expect(await deliver(`${TRAIL_ARN}-other`, key)).toBe("ImplicitlyDenied");
    expect(await deliver(TRAIL_ARN, "elsewhere/x.json.gz")).toBe("ImplicitlyDenied");
    expect(await deliver(TRAIL_ARN, key, "private")).toBe("ImplicitlyDenied");
  });
});
