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

const resources: MockedResource[] = installMocks("prod");
const { SyncMonitoring, noUploadAlarmSettings, syncMonitoringArgsProblems } =
  await import("../../components/sync-monitoring/index.ts");
type MonitoringArgs = ConstructorParameters<typeof SyncMonitoring>[1];

const base: MonitoringArgs = {
  bucket: "acme-budget-exports",
  bucketName: "acme-budget-exports",
  prefix: "budgets/",
  region: MOCK_REGION,
  accountId: MOCK_ACCOUNT,
};

async function build(name: string, args: MonitoringArgs) {
  const monitoring = new SyncMonitoring(name, args);
  await settle(monitoring.alertsTopicArn, monitoring.urn);
  return { monitoring, made: childrenOf(resources, name) };
}

const alarm = (made: MockedResource[], suffix: string) =>
  made.find((r) => r.type === "aws:cloudwatch/metricAlarm:MetricAlarm" && r.name.endsWith(suffix))!;

/**
 * CloudWatch's own evaluation of an alarm over the last `evaluationPeriods` hourly datapoints
 * (undefined = no datapoint), with its missing-data treatment: what decides whether it fires.
 */
function fires(settings: ReturnType<typeof noUploadAlarmSettings>, hourly: (number | undefined)[]) {
  const window = hourly.slice(-settings.evaluationPeriods);
  const breaching = window.filter((v) =>
    v === undefined ? settings.treatMissingData === "breaching" : v < settings.threshold,
  ).length;
  return breaching >= settings.datapointsToAlarm;
}

describe("SyncMonitoring (the guide's Monitoring & Alerts, made to fire)", () => {
  it("alarms after 48 hours without a new file under the prefix, counted from S3 events, never NumberOfObjects", async () => {
    const { made } = await build("mon", {
      ...base,
      emails: ["it@acme.example", "fpa@acme.example"],
    });
    expect(onlyOfType(made, "aws:s3/bucketNotification:BucketNotification").inputs).toMatchObject({
      bucket: "acme-budget-exports",
      eventbridge: true,
    });
    const rule = onlyOfType(made, "aws:cloudwatch/eventRule:EventRule");
    expect(JSON.parse(String(rule.inputs.eventPattern))).toEqual({
      source: ["aws.s3"],
      "detail-type": ["Object Created"],
      detail: {
        bucket: { name: ["acme-budget-exports"] },
        object: { key: [{ prefix: "budgets/" }] },
      },
    });
    const noUpload = alarm(made, "-no-upload");
    expect(noUpload.inputs).toMatchObject({
      namespace: "AWS/Events",
      metricName: "MatchedEvents",
      dimensions: { RuleName: rule.inputs.name },
      statistic: "Sum",
      period: 3600,
      evaluationPeriods: 48,
      threshold: 1,
      comparisonOperator: "LessThanThreshold",
      treatMissingData: "breaching",
      alarmActions: [`arn:aws:sns:${MOCK_REGION}:${MOCK_ACCOUNT}:budget-sync-prod-alerts`],
    });
    const everyAlarm = JSON.stringify(ofType(resources, "aws:cloudwatch/metricAlarm:MetricAlarm"));
    expect(everyAlarm).not.toContain("NumberOfObjects");
    const emails = ofType(made, "aws:sns/topicSubscription:TopicSubscription").map(
      (s) => s.inputs.endpoint,
    );
    expect(emails).toEqual(["it@acme.example", "fpa@acme.example"]);
    // The rule has a target, and only that rule may publish to it.
    const target = onlyOfType(made, "aws:cloudwatch/eventTarget:EventTarget");
    const uploads = made.find((r) => r.name === "mon-uploads-policy")!;
    expect(JSON.parse(String(uploads.inputs.policy)).Statement[0]).toMatchObject({
      Principal: { Service: "events.amazonaws.com" },
      Condition: {
        ArnEquals: {
          "aws:SourceArn": `arn:aws:events:${MOCK_REGION}:${MOCK_ACCOUNT}:rule/budget-sync-prod-uploads`,
        },
      },
    });
    expect(target.inputs.arn).toBe(
      `arn:aws:sns:${MOCK_REGION}:${MOCK_ACCOUNT}:budget-sync-prod-uploads`,
    );
  });

  it("fires when no file came for 48 hours, and stays quiet when one came in that window", async () => {
    const settings = noUploadAlarmSettings(
      { namespace: "AWS/Events", metricName: "MatchedEvents", dimensions: {} },
      48,
    );
    const silentTwoDays = Array<number | undefined>(48).fill(undefined);
    const oneFileYesterday = [...silentTwoDays];
    oneFileYesterday[30] = 1;
    expect(fires(settings, silentTwoDays)).toBe(true);
    expect(fires(settings, oneFileYesterday)).toBe(false);
    // What the guide's alarm would see: NumberOfObjects, daily, never below 1 while old files stay.
    const guide = {
      threshold: 1,
      evaluationPeriods: 1,
      datapointsToAlarm: 1,
      treatMissingData: "missing",
    };
    expect(fires(guide as typeof settings, [30])).toBe(false);
  });

  it("alarms on any exporter error, where the guide's > 1 needed two", async () => {
    const { made } = await build("errs", {
      ...base,
      exporterFunctionName: "budget-export-to-s3-prod",
    });
    expect(alarm(made, "-exporter-errors").inputs).toMatchObject({
      namespace: "AWS/Lambda",
      metricName: "Errors",
      dimensions: { FunctionName: "budget-export-to-s3-prod" },
      threshold: 1,
      comparisonOperator: "GreaterThanOrEqualToThreshold",
      treatMissingData: "notBreaching",
    });
    const { made: without } = await build("noexp", base);
    expect(without.some((r) => r.name.endsWith("-exporter-errors"))).toBe(false);
  });

  it("can count uploads with S3 request metrics on the prefix instead", async () => {
    const { made } = await build("rm", { ...base, uploadSignal: "request-metrics" });
    expect(onlyOfType(made, "aws:s3/bucketMetric:BucketMetric").inputs).toMatchObject({
      filter: { prefix: "budgets/" },
      name: "budget-uploads",
    });
    expect(alarm(made, "-no-upload").inputs).toMatchObject({
      namespace: "AWS/S3",
      metricName: "PutRequests",
      dimensions: { BucketName: "acme-budget-exports", FilterId: "budget-uploads" },
      treatMissingData: "breaching",
    });
    expect(ofType(made, "aws:s3/bucketNotification:BucketNotification")).toEqual([]);
  });

  it("refuses an address that is not one, and a window CloudWatch cannot evaluate", () => {
    expect(
      syncMonitoringArgsProblems({ ...base, emails: ["it-at-acme"], noUploadHours: 400 }),
    ).toEqual([
      '"it-at-acme" is not an email address',
      "noUploadHours must be a whole number of hours from 2 to 168",
    ]);
  });
});
