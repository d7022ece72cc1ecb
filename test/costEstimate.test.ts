import { describe, expect, it } from "vitest";
import { estimateMonthlyCost, usd } from "../lib/costEstimate.ts";
import type { PlannedResource } from "../lib/plannedResource.ts";
import { computePlan } from "../scripts/plan.ts";

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

const item = (estimate: ReturnType<typeof estimateMonthlyCost>, prefix: string) =>
  estimate.items.find((i) => i.item.startsWith(prefix));

describe("estimateMonthlyCost", () => {
  it("prices a hosted bucket per customer feed", () => {
    const bucket = [
      resource("aws:s3/bucket:Bucket", "shared", { bucket: "spendflo-budget-uploads" }),
    ];
    const customer = (id: string) =>
      resource("aws:iam/user:User", `customer-${id}`, {
        tags: { "spendflo:access": "upload", "spendflo:customer": id },
      });
    const one = item(estimateMonthlyCost(bucket), "S3 budget bucket")!;
    const ten = item(
      estimateMonthlyCost([...bucket, ...Array.from({ length: 10 }, (_, i) => customer(`c${i}`))]),
      "S3 budget bucket",
    )!;
    expect(ten.usdPerMonth).toBeCloseTo(one.usdPerMonth * 10, 3);
    expect(ten.assumption).toContain("for each of 10 customers");
  });

  it("prices the exporter example stack at about $0.21 a month, two alarms being most of it", async () => {
    // One offline plan per process: this file plans only the exporter stack.
    const { plan } = await computePlan({ stack: "exporter" });
    const estimate = estimateMonthlyCost(plan.resources);
    expect(estimate.totalUsd).toBeGreaterThan(0.2);
    expect(estimate.totalUsd).toBeLessThan(0.25);
    expect(item(estimate, "CloudWatch alarms")).toMatchObject({
      item: "CloudWatch alarms (2)",
      usdPerMonth: 0.2,
    });
    // The guide's own lines: S3 and Lambda, about a cent between them.
    expect(item(estimate, "S3 budget bucket acme-budget-exports")!.usdPerMonth).toBeLessThan(0.01);
    expect(item(estimate, "Lambda budget-export-to-s3-exporter")!.assumption).toContain("arm64");
    // What the guide leaves out is listed even when it is free.
    for (const name of [
      "CloudTrail data events",
      "S3 events to EventBridge",
      "EventBridge Scheduler",
      "SNS",
      "CloudWatch Logs",
      "S3 audit log bucket",
    ]) {
      expect(item(estimate, name), name).toBeDefined();
    }
    expect(item(estimate, "CloudTrail data events")!.assumption).toContain("no management events");
    for (const i of estimate.items) expect(i.assumption.length).toBeGreaterThan(20);
    const sum = estimate.items.reduce((s, i) => s + i.usdPerMonth, 0);
    expect(estimate.totalUsd).toBeCloseTo(sum, 4);
    expect(estimate.assumptions.join(" ")).toContain("us-east-1 list prices");
  });

  it("charges $1 a month for each KMS key the stack creates", () => {
    const without = estimateMonthlyCost([resource("aws:s3/bucket:Bucket", "b", { bucket: "b" })]);
    const withKey = estimateMonthlyCost([
      resource("aws:s3/bucket:Bucket", "b", { bucket: "b" }),
      resource("aws:kms/key:Key", "k"),
    ]);
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
