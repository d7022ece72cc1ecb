import { describe, expect, it } from "vitest";
import { T } from "../../lib/stack/model.ts";
import { auditDataEvents } from "../../policies/rules/audit/auditDataEvents.ts";
import { exporterTimeout } from "../../policies/rules/exporter/exporterTimeout.ts";
import { spendfloPreferRole } from "../../policies/rules/spendflo/spendfloPreferRole.ts";
import {
  BUCKET,
  budgetBucket,
  iamUserReader,
  json,
  messages,
  res,
  roleReader,
  without,
} from "./fixtures.ts";

const ROLE_ARN = "arn:aws:iam::111122223333:role/budget-exporter";
function exporter(timeout: number | undefined, write = true) {
  return [
    res(T.Role, "exporter-role", {
      name: "budget-exporter",
      assumeRolePolicy: json({
        Statement: [
          {
            Effect: "Allow",
            Principal: { Service: "lambda.amazonaws.com" },
            Action: "sts:AssumeRole",
          },
        ],
      }),
    }),
    res(T.RolePolicy, "exporter-put", {
      role: "budget-exporter",
      policy: json({
        Statement: [
          {
            Effect: "Allow",
            Action: write ? "s3:PutObject" : "s3:GetObject",
            Resource: `arn:aws:s3:::${BUCKET}/budgets/*`,
          },
        ],
      }),
    }),
    res(T.LambdaFunction, "exporter", {
      role: ROLE_ARN,
      runtime: "nodejs20.x",
      handler: "index.handler",
      ...(timeout === undefined ? {} : { timeout }),
    }),
  ];
}

describe("exporter-timeout", () => {
  it("a 60 s exporter passes", async () => {
    expect(await messages(exporterTimeout, exporter(60))).toEqual([]);
  });
  it("the Lambda default of 3 s", async () => {
    expect(await messages(exporterTimeout, exporter(undefined))).toEqual([
      `aws.lambda.Function "exporter" writes budget files but its timeout is 3 s (the Lambda default): set timeout to at least 60 s, or the export can time out (the guide's troubleshooting).`,
    ]);
  });
  it("30 s, and a configured minimum", async () => {
    expect(await messages(exporterTimeout, exporter(30))).toEqual([
      `aws.lambda.Function "exporter" writes budget files but its timeout is 30 s: set timeout to at least 60 s, or the export can time out (the guide's troubleshooting).`,
    ]);
    expect(
      await messages(exporterTimeout, exporter(60), { minimumTimeoutSeconds: 120 }),
    ).toHaveLength(1);
  });
  it("a Lambda that does not write budget files is not an exporter", async () => {
    expect(await messages(exporterTimeout, exporter(3, false))).toEqual([]);
  });
});

describe("audit-data-events", () => {
  const logs = [res(T.Bucket, "logs", { bucket: "acme-audit-logs" })];
  const trail = (inputs: Record<string, unknown>) =>
    res(T.Trail, "trail", { s3BucketName: "acme-audit-logs", ...inputs });
  it("a trail with S3 data events for the budget bucket (the log bucket needs none)", async () => {
    const t = trail({
      eventSelectors: [
        {
          readWriteType: "All",
          dataResources: [{ type: "AWS::S3::Object", values: [`arn:aws:s3:::${BUCKET}/`] }],
        },
      ],
    });
    expect(await messages(auditDataEvents, [...budgetBucket(), ...logs, t])).toEqual([]);
  });
  it("advanced event selectors count too", async () => {
    const t = trail({
      advancedEventSelectors: [
        {
          fieldSelectors: [
            { field: "eventCategory", equals: ["Data"] },
            { field: "resources.type", equals: ["AWS::S3::Object"] },
            { field: "resources.ARN", startsWiths: [`arn:aws:s3:::${BUCKET}/budgets/`] },
          ],
        },
      ],
    });
    expect(await messages(auditDataEvents, [...budgetBucket(), ...logs, t])).toEqual([]);
  });
  it("a trail with management events only", async () => {
    expect(await messages(auditDataEvents, [...budgetBucket(), ...logs, trail({})])).toEqual([
      `Bucket aws.s3.Bucket "budgets" (${BUCKET}) has no CloudTrail trail recording its S3 data events: add a trail with a data resource of type AWS::S3::Object for arn:aws:s3:::${BUCKET}/, so every read and write of a budget file is audited.`,
    ]);
  });
  it("a trail recording another bucket", async () => {
    const t = trail({
      eventSelectors: [
        { dataResources: [{ type: "AWS::S3::Object", values: ["arn:aws:s3:::other/"] }] },
      ],
    });
    expect(await messages(auditDataEvents, [...budgetBucket(), ...logs, t])).toHaveLength(1);
  });
});

describe("spendflo-prefer-role", () => {
  it("the role mode has no access key", async () => {
    expect(await messages(spendfloPreferRole, [...budgetBucket(), ...roleReader()])).toEqual([]);
  });
  it("the iam-user mode's access key", async () => {
    expect(await messages(spendfloPreferRole, iamUserReader())).toEqual([
      `aws.iam.AccessKey "spendflo-reader-key" is a long-lived access key for SpendFlo principal aws.iam.User "spendflo-reader": prefer the cross-account-role mode (a role SpendFlo assumes with an sts:ExternalId), which leaves no secret to leak or rotate.`,
    ]);
  });
  it("an uploader's access key is not SpendFlo's", async () => {
    const r = [
      res(T.User, "uploader", { name: "spendflo-uploader", tags: { "spendflo:access": "upload" } }),
      res(T.AccessKey, "uploader-key", { user: "spendflo-uploader" }),
    ];
    expect(await messages(spendfloPreferRole, without(r, "none"))).toEqual([]);
  });
});
