import { readdirSync } from "node:fs";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import {
  PRICE_TABLE,
  estimateMonthlyCost,
  usd,
  type CostEstimate,
  type CostLine,
} from "../../../lib/aws/costEstimate.ts";
import type { PlannedResource } from "../../../lib/stack/plannedResource.ts";
import { REPO } from "../../helpers/cli.ts";
import { runPlanInProcess as runCli } from "../../helpers/inProcess.ts";

function resource(
  type: string,
  name: string,
  inputs: Record<string, unknown> = {},
): PlannedResource {
  return {
    urn: `urn:pulumi:t::budget-sync::${type}::${name}`,
    type,
    name,
    id: name,
    custom: true,
    inputs,
    outputs: {},
    options: { dependsOn: [] },
  };
}

const item = (estimate: CostEstimate, prefix: string) =>
  estimate.items.find((i) => i.item.startsWith(prefix));
const line = (estimate: CostEstimate, itemPrefix: string, linePrefix: string): CostLine =>
  item(estimate, itemPrefix)!.lines.find((l) => l.what.startsWith(linePrefix))!;

const MONTH_DAYS = 365.25 / 12;
const bucket = (name = "b") => resource("aws:s3/bucket:Bucket", name, { bucket: name });
const lifecycle = (bucketName = "b", current = 30, noncurrent = 30) =>
  resource("aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration", `${bucketName}-lc`, {
    bucket: bucketName,
    rules: [
      { expiration: { days: current } },
      { noncurrentVersionExpiration: { noncurrentDays: noncurrent } },
    ],
  });
const customer = (id: string) =>
  resource("aws:iam/user:User", `customer-${id}`, {
    tags: { "spendflo:access": "upload", "spendflo:customer": id },
  });
const trail = () =>
  resource("aws:cloudtrail/trail:Trail", "t", {
    name: "t",
    s3BucketName: "logs",
    advancedEventSelectors: [{ fieldSelectors: [{ field: "eventCategory", equals: ["Data"] }] }],
  });
const exporterWith = (scheduleExpression: string) => [
  bucket(),
  lifecycle(),
  resource("aws:lambda/function:Function", "fn", {
    name: "fn",
    memorySize: 256,
    architectures: ["arm64"],
  }),
  resource("aws:cloudwatch/logGroup:LogGroup", "logs", {
    name: "/aws/lambda/fn",
    retentionInDays: 30,
  }),
  resource("aws:scheduler/schedule:Schedule", "s", { scheduleExpression }),
];

describe("each request class at its own price", () => {
  it("prices LIST like PUT ($0.005 per 1,000) and GET at $0.0004 per 1,000; lifecycle expiry is free", () => {
    const estimate = estimateMonthlyCost([bucket(), lifecycle()]);
    const polls = 6 * MONTH_DAYS;
    expect(line(estimate, "S3 budget bucket", "LIST")).toMatchObject({
      quantity: polls,
      price: "s3PutCopyPostList",
      usd: (polls * 0.005) / 1000,
      arithmetic: "182.6 LIST requests (SpendFlo's polls) x $0.005 per 1,000 = $0.000913",
    });
    expect(line(estimate, "S3 budget bucket", "GET")).toMatchObject({
      price: "s3GetHead",
      arithmetic: "182.6 GET requests (SpendFlo's polls) x $0.0004 per 1,000 = $0.0000731",
    });
    expect(line(estimate, "S3 budget bucket", "PUT").arithmetic).toBe(
      "30.4 PUT requests (uploads) x $0.005 per 1,000 = $0.000152",
    );
    expect(line(estimate, "S3 budget bucket", "lifecycle")).toMatchObject({ usd: 0 });
    expect(line(estimate, "S3 budget bucket", "lifecycle").arithmetic).toContain(
      "x $0 (not charged) = $0",
    );
  });

  it("keeps the prices in one dated table naming its source and region, and says how other regions differ", () => {
    expect(PRICE_TABLE.region).toBe("us-east-1");
    expect(PRICE_TABLE.asOf).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    expect(PRICE_TABLE.source).toContain("aws.amazon.com/s3/pricing");
    const estimate = estimateMonthlyCost([bucket()]);
    expect(estimate.prices).toMatchObject({ region: "us-east-1", asOf: PRICE_TABLE.asOf });
    expect(estimate.assumptions[0]).toContain(
      `us-east-1 list prices in US dollars as of ${PRICE_TABLE.asOf}`,
    );
    expect(estimate.assumptions[0]).toContain("other regions:");
    expect(estimate.assumptions[0]).toContain("GovCloud");
  });
});

describe("the exporter's schedule drives the estimate", () => {
  it("counts rate(1 minute) as 43,830 runs: PUTs, replaced versions kept, Lambda time, logs, scheduler", () => {
    const daily = estimateMonthlyCost(exporterWith("cron(0 2 * * ? *)"));
    const minutely = estimateMonthlyCost(exporterWith("rate(1 minute)"));
    const runs = 43_830;
    expect(line(minutely, "S3 budget bucket", "PUT").quantity).toBeCloseTo(runs, 6);
    expect(line(minutely, "Lambda fn", "requests").quantity).toBeCloseTo(runs, 6);
    expect(line(minutely, "Lambda fn", "GB-seconds").quantity).toBeCloseTo(runs * 5 * 0.25, 4);
    expect(line(minutely, "CloudWatch Logs", "GB of logs ingested").quantity).toBeCloseTo(
      (runs * 5) / 1024 ** 2,
      8,
    );
    expect(line(minutely, "EventBridge Scheduler", "invocations").quantity).toBeCloseTo(runs, 6);
    // Every upload after the day's first replaces the file and leaves a noncurrent version for
    // 30 days: (30.4 x 60 + (43,830 - 30.4) x 30) / 30.4 objects, about 43,260 MB.
    const objects = (MONTH_DAYS * 60 + (runs - MONTH_DAYS) * 30) / MONTH_DAYS;
    expect(line(minutely, "S3 budget bucket", "GB-months").quantity).toBeCloseTo(objects / 1024, 6);
    expect(item(minutely, "S3 budget bucket")!.assumption).toContain(
      "the exporter's schedule rate(1 minute): 43,830 runs a month",
    );
    expect(minutely.totalUsd).toBeGreaterThan(daily.totalUsd + 0.9);
    // The guide's daily export: 60 files stored, 30.4 PUTs.
    expect(line(daily, "S3 budget bucket", "GB-months").quantity).toBeCloseTo(60 / 1024, 10);
    expect(line(daily, "S3 budget bucket", "PUT").quantity).toBeCloseTo(MONTH_DAYS, 10);
  });

  it("counts a weekday schedule on its weekdays", () => {
    const estimate = estimateMonthlyCost(exporterWith("cron(0 6 ? * MON-FRI *)"));
    const puts = line(estimate, "S3 budget bucket", "PUT").quantity;
    expect(puts).toBeGreaterThan(21.7);
    expect(puts).toBeLessThan(21.8);
  });
});

describe("a hosted bucket", () => {
  it("scales S3 requests, storage and CloudTrail data events with its customers", () => {
    const base = [bucket("spendflo-budget-uploads"), lifecycle("spendflo-budget-uploads"), trail()];
    const one = estimateMonthlyCost([...base, customer("a")]);
    const ten = estimateMonthlyCost([
      ...base,
      ...Array.from({ length: 10 }, (_, i) => customer(`c${i}`)),
    ]);
    for (const what of ["GB-months", "PUT", "LIST", "GET"]) {
      expect(line(ten, "S3 budget bucket", what).quantity).toBeCloseTo(
        line(one, "S3 budget bucket", what).quantity * 10,
        8,
      );
    }
    const events = line(ten, "CloudTrail data events", "S3 data events");
    expect(events.quantity).toBeCloseTo(10 * (MONTH_DAYS + 2 * 6 * MONTH_DAYS), 8);
    expect(item(ten, "CloudTrail data events")!.assumption).toContain("for all 10 customers");
    expect(item(ten, "S3 budget bucket")!.assumption).toContain("for each of 10 customers");
  });
});

describe("what the guide leaves out", () => {
  it("charges $1 a month for each KMS key the stack creates", () => {
    const without = estimateMonthlyCost([bucket()]);
    const withKey = estimateMonthlyCost([bucket(), resource("aws:kms/key:Key", "k")]);
    expect(withKey.totalUsd - without.totalUsd).toBeCloseTo(1, 2);
  });

  it("warns that request metrics cost more than the whole guide's estimate", () => {
    const estimate = estimateMonthlyCost([resource("aws:s3/bucketMetric:BucketMetric", "m")]);
    expect(item(estimate, "S3 request metrics")!.usdPerMonth).toBeCloseTo(4.8, 2);
  });

  it("says when a trail would also bill management events", () => {
    const estimate = estimateMonthlyCost([
      resource("aws:cloudtrail/trail:Trail", "t", { name: "t", s3BucketName: "logs" }),
    ]);
    expect(item(estimate, "CloudTrail data events")!.assumption).toContain(
      "$2.00 per 100,000 for any other",
    );
  });

  it("writes prices the way people do", () => {
    expect([usd(0.1), usd(2), usd(0.0004), usd(0.023)]).toEqual([
      "$0.10",
      "$2.00",
      "$0.0004",
      "$0.023",
    ]);
  });
});

/**
 * The list prices, copied by hand into the test: the estimate's lines are recomputed from these,
 * not from the code's table. A price changed in the code without this snapshot (or the other way
 * round) fails here.
 */
const PRICE_SNAPSHOT: Record<string, { usd: number; per: number; written: string }> = {
  s3StorageGbMonth: { usd: 0.023, per: 1, written: "$0.023 per GB-month" },
  s3PutCopyPostList: { usd: 0.005, per: 1000, written: "$0.005 per 1,000" },
  s3GetHead: { usd: 0.0004, per: 1000, written: "$0.0004 per 1,000" },
  s3DeleteAndExpiry: { usd: 0, per: 1000, written: "$0" },
  cloudTrailDataEvents: { usd: 0.1, per: 100_000, written: "$0.10 per 100,000" },
  lambdaRequests: { usd: 0.2, per: 1_000_000, written: "$0.20 per 1,000,000" },
  lambdaGbSecondArm: { usd: 0.0000133334, per: 1, written: "$0.0000133334 per GB-second" },
  lambdaGbSecondX86: { usd: 0.0000166667, per: 1, written: "$0.0000166667 per GB-second" },
  logsIngestGb: { usd: 0.5, per: 1, written: "$0.50 per GB" },
  logsStorageGbMonth: { usd: 0.03, per: 1, written: "$0.03 per GB-month" },
  alarmMonth: { usd: 0.1, per: 1, written: "$0.10 per alarm-month" },
  customMetricMonth: { usd: 0.3, per: 1, written: "$0.30 per metric-month" },
  kmsKeyMonth: { usd: 1, per: 1, written: "$1.00 per key-month" },
  kmsRequests: { usd: 0.03, per: 10_000, written: "$0.03 per 10,000" },
  snsPublish: { usd: 0.5, per: 1_000_000, written: "$0.50 per 1,000,000" },
  snsEmail: { usd: 2, per: 100_000, written: "$2.00 per 100,000" },
  schedulerInvocations: { usd: 1, per: 1_000_000, written: "$1.00 per 1,000,000" },
  free: { usd: 0, per: 1, written: "$0" },
};

const STACKS = readdirSync(path.join(REPO, "stacks"))
  .map((f) => /^Pulumi\.(.+)\.yaml$/.exec(f)?.[1])
  .filter((s): s is string => s !== undefined)
  .sort();

describe("every example stack's estimate, recomputed from a price snapshot of the test's own", () => {
  const estimates = new Map<string, CostEstimate>();
  beforeAll(async () => {
    for (const stack of STACKS) {
      const result = await runCli(["plan", "--stack", stack, "--json"]);
      expect(result.code, `${stack}: ${result.stderr}`).toBe(0);
      estimates.set(stack, (JSON.parse(result.stdout) as { cost: CostEstimate }).cost);
    }
  });

  it("covers the example stacks", () => {
    expect(STACKS).toEqual([
      "cross-account",
      "exporter",
      "hosted",
      "own-bucket",
      "role",
      "uploader",
    ]);
  });

  it.each(STACKS)(
    "%s: every line is its count x the snapshot's price, and the sums add up",
    (stack) => {
      const estimate = estimates.get(stack)!;
      let total = 0;
      for (const it of estimate.items) {
        let sum = 0;
        expect(it.lines.length, it.item).toBeGreaterThan(0);
        for (const l of it.lines) {
          const price = PRICE_SNAPSHOT[l.price];
          expect(price, `${it.item}: ${l.price}`).toBeDefined();
          const expected = (l.quantity * price!.usd) / price!.per;
          expect(l.usd, `${it.item}: ${l.arithmetic}`).toBeCloseTo(expected, 12);
          expect(l.arithmetic, it.item).toContain(` x ${price!.written}`);
          // The written result is the amount, to the digits shown.
          const written = Number(/= \$([\d,.]+)$/.exec(l.arithmetic)![1]!.replace(/,/g, ""));
          expect(Math.abs(written - expected), l.arithmetic).toBeLessThanOrEqual(
            Math.max(0.005, expected * 0.005),
          );
          sum += expected;
        }
        expect(it.usdPerMonth, it.item).toBeCloseTo(Math.round(sum * 10_000) / 10_000, 10);
        total += sum;
      }
      expect(estimate.totalUsd).toBeCloseTo(Math.round(total * 10_000) / 10_000, 10);
      expect(estimate.prices.asOf).toBe(PRICE_TABLE.asOf);
    },
  );

  it("prices the exporter example at about $0.21 a month, two alarms being most of it", () => {
    const estimate = estimates.get("exporter")!;
    expect(estimate.totalUsd).toBeGreaterThan(0.2);
    expect(estimate.totalUsd).toBeLessThan(0.25);
    expect(item(estimate, "CloudWatch alarms")).toMatchObject({ usdPerMonth: 0.2 });
    expect(item(estimate, "S3 budget bucket")!.usdPerMonth).toBeLessThan(0.01);
  });

  it("counts the hosted example's CloudTrail data events for its 5 customers", () => {
    const estimate = estimates.get("hosted")!;
    expect(line(estimate, "CloudTrail data events", "S3 data events").quantity).toBeCloseTo(
      5 * (MONTH_DAYS + 12 * MONTH_DAYS),
      8,
    );
  });
});
