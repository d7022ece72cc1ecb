import { describe, expect, it } from "vitest";
import { z } from "zod";
import { auditTrailArgsSchema } from "../../components/audit-trail/args.ts";
import {
  budgetBucketArgsSchema,
  checkBudgetBucketArgs,
} from "../../components/budget-bucket/args.ts";
import { bucketPolicy, lifecycleRules } from "../../components/budget-bucket/documents.ts";
import {
  budgetExporterArgsSchema,
  checkBudgetExporterArgs,
} from "../../components/budget-exporter/args.ts";
import {
  lambdaTrustPolicy,
  schedulerTrustPolicy,
} from "../../components/budget-exporter/documents.ts";
import { hostedReaderTrustPolicy } from "../../components/hosted-customer/documents.ts";
import { argsOrThrow } from "../../components/shared/componentArgs.ts";
import {
  crossAccountTrustPolicy,
  serviceTrustPolicy,
} from "../../components/shared/trustPolicies.ts";
import { spendfloReaderArgsSchema } from "../../components/spendflo-reader/args.ts";
import { trustPolicy } from "../../components/spendflo-reader/documents.ts";
import {
  checkSyncMonitoringArgs,
  syncMonitoringArgsSchema,
} from "../../components/sync-monitoring/args.ts";
import { uploaderAccessArgsSchema } from "../../components/uploader-access/args.ts";
import { ec2TrustPolicy } from "../../components/uploader-access/documents.ts";
import { parseStackConfig, stackConfigSchema } from "../../stacks/config.ts";

const location = { bucketName: "acme-budget-exports", prefix: "budgets/" };

describe("the components' args schemas", () => {
  it("hold each default once: the component and the stack config read the same", () => {
    const bucket = budgetBucketArgsSchema.parse({ bucketName: "acme-budget-exports" });
    expect(bucket).toMatchObject({
      prefix: "budgets/",
      retentionDays: 30,
      noncurrentRetentionDays: 30,
    });
    const exporter = budgetExporterArgsSchema.parse({
      ...location,
      source: { type: "csv", url: "https://fpa.example/export.csv" },
    });
    expect(exporter).toMatchObject({
      memoryMb: 256,
      timeoutSeconds: 60,
      logRetentionDays: 30,
      retryAttempts: 2,
      schedule: "cron(0 2 * * ? *)",
      timezone: "UTC",
      scheduler: "scheduler",
    });
    expect(syncMonitoringArgsSchema.parse(location).noUploadHours).toBe(48);

    const config = parseStackConfig({
      bucketName: "acme-budget-exports",
      exporter: JSON.stringify({ source: { type: "csv", url: "https://fpa.example/export.csv" } }),
      monitoring: "{}",
      audit: "{}",
    });
    expect(config).toMatchObject({
      prefix: bucket.prefix,
      retentionDays: bucket.retentionDays,
      noncurrentRetentionDays: bucket.noncurrentRetentionDays,
      exporter: {
        memoryMb: exporter.memoryMb,
        timeoutSeconds: exporter.timeoutSeconds,
        retryAttempts: exporter.retryAttempts,
        schedule: exporter.schedule,
      },
      monitoring: { noUploadHours: 48 },
      audit: {
        retentionDays: auditTrailArgsSchema.parse({
          ...location,
          budgetBucketName: "acme-budget-exports",
          logBucketName: "acme-logs",
        }).retentionDays,
      },
    });
  });

  it("are composed by the stack config, not restated", () => {
    const shape = stackConfigSchema.shape;
    expect(shape.retentionDays).toBe(budgetBucketArgsSchema.shape.retentionDays);
    expect(shape.prefix).toBe(budgetBucketArgsSchema.shape.prefix);
    const access = shape.access.unwrap().shape;
    expect(access.externalId).toBe(spendfloReaderArgsSchema.shape.externalId);
    const exporter = shape.exporter.unwrap().shape;
    expect(exporter.memoryMb).toBe(budgetExporterArgsSchema.shape.memoryMb);
    expect(exporter.timeoutSeconds).toBe(budgetExporterArgsSchema.shape.timeoutSeconds);
    expect(shape.uploader.unwrap().shape.kind).toBe(uploaderAccessArgsSchema.shape.kind);
    expect(shape.monitoring.unwrap().shape.noUploadHours).toBe(
      syncMonitoringArgsSchema.shape.noUploadHours,
    );
  });

  it("put a description, the default and the range of every config key in its JSON Schema", () => {
    const json = z.toJSONSchema(stackConfigSchema, { io: "input" }) as JsonNode;
    const undescribed: string[] = [];
    const walk = (node: JsonNode, at: string) => {
      for (const [key, child] of Object.entries(node.properties ?? {})) {
        const path = at ? `${at}.${key}` : key;
        if (!child.description) undescribed.push(path);
        walk(child, path);
        if (child.items) walk(child.items, `${path}[]`);
      }
    };
    walk(json, "");
    expect(undescribed).toEqual([]);
    const memory = json.properties!.exporter!.properties!.memoryMb!;
    expect(memory).toMatchObject({ default: 256, minimum: 128, maximum: 10240 });
    expect(json.properties!.exporter!.properties!.timeoutSeconds).toMatchObject({
      default: 60,
      minimum: 60,
      maximum: 900,
    });
  });
});

interface JsonNode {
  description?: string;
  properties?: Record<string, JsonNode>;
  items?: JsonNode;
  [key: string]: unknown;
}

describe("a component's args error", () => {
  it("names the component, the field and the rule, with the numbers of the schema", () => {
    const checked = checkBudgetExporterArgs({
      ...location,
      source: { type: "csv", url: "https://fpa.example/export.csv" },
      memoryMb: 64,
      retryAttempts: 5,
    } as never);
    expect(() => argsOrThrow("BudgetExporter", "nightly", checked)).toThrow(
      "BudgetExporter nightly: memoryMb must be a whole number from 128 to 10240; retryAttempts must be 0, 1 or 2",
    );
    expect(checkSyncMonitoringArgs({ ...location, noUploadHours: 1 }).problems).toEqual([
      "noUploadHours must be a whole number of hours from 2 to 168",
    ]);
    expect(checkBudgetBucketArgs({ bucketName: "acme-x", retentionDays: 40000 }).problems).toEqual([
      "retentionDays must be at most 36500 days",
    ]);
  });

  it("gives the settings with their defaults when the args are valid", () => {
    const checked = checkBudgetBucketArgs({ bucketName: "acme-x", retentionDays: 7 });
    expect(checked.ok && checked.value).toMatchObject({ prefix: "budgets/", retentionDays: 7 });
  });
});

describe("documents, without Pulumi", () => {
  it("build every trust policy from the two shared ones", () => {
    expect(trustPolicy("aws", "999988887777", "x1")).toEqual(
      crossAccountTrustPolicy(
        "SpendfloAssumesWithExternalId",
        "arn:aws:iam::999988887777:root",
        "x1",
      ),
    );
    const poller = "arn:aws:iam::999988887777:role/poller";
    expect(hostedReaderTrustPolicy(poller, "e".repeat(16))).toEqual(
      crossAccountTrustPolicy("SpendfloPollerWithThisCustomersExternalId", poller, "e".repeat(16)),
    );
    expect(lambdaTrustPolicy()).toEqual(
      serviceTrustPolicy("LambdaAssumes", "lambda.amazonaws.com"),
    );
    expect(ec2TrustPolicy().Statement[0]).not.toHaveProperty("Condition");
    expect(schedulerTrustPolicy("123456789012").Statement[0]).toMatchObject({
      Principal: { Service: "scheduler.amazonaws.com" },
      Condition: { StringEquals: { "aws:SourceAccount": "123456789012" } },
    });
  });

  it("keep the bucket's documents pure functions of names", () => {
    expect(bucketPolicy("aws", "acme-x", []).Statement).toHaveLength(1);
    expect(lifecycleRules("budgets/", 30, 30)[0]).toMatchObject({ filter: { prefix: "budgets/" } });
  });
});
