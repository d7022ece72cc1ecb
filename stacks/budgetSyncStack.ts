import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { AuditTrail } from "../components/audit-trail/index.ts";
import { BudgetBucket } from "../components/budget-bucket/index.ts";
import {
  BudgetExporter,
  defaultExporterFunctionName,
} from "../components/budget-exporter/index.ts";
import { SpendfloReader, type ReaderKmsKey } from "../components/spendflo-reader/index.ts";
import { SyncMonitoring } from "../components/sync-monitoring/index.ts";
import { UploaderAccess } from "../components/uploader-access/index.ts";
import { partitionOf } from "../lib/aws/regions.ts";
import {
  StackConfigError,
  deploymentAccountWarnings,
  auditLogBucketName,
  deploymentRegionProblems,
  exporterScheduleWarnings,
  isAwsManagedS3Key,
  type StackConfig,
} from "./config.ts";
import type { BudgetSyncOutputs } from "./outputs.ts";

/**
 * The customer's own bucket (the guide's Option 2): the budget bucket and SpendFlo's read-only
 * access, composed from config. Returns the stack outputs.
 */
export async function budgetSyncStack(config: StackConfig): Promise<BudgetSyncOutputs> {
  const where = await deploymentTarget();
  const { region, accountId, partition } = where;
  const { access, encryption } = config;
  const regionProblems = deploymentRegionProblems(config, region);
  if (regionProblems.length) throw new StackConfigError(regionProblems);
  for (const warning of deploymentAccountWarnings(config, accountId)) pulumi.log.warn(warning);
  for (const warning of exporterScheduleWarnings(config)) pulumi.log.warn(warning);

  const kmsKey: ReaderKmsKey =
    encryption.type === "sse-s3" || isAwsManagedS3Key(encryption.kmsKeyArn)
      ? { kind: "none" }
      : encryption.kmsKeyArn
        ? { kind: "given", arn: encryption.kmsKeyArn }
        : { kind: "created" };

  const reader = spendfloReader(config, config.prefix, where, kmsKey);

  const budgetBucket = new BudgetBucket(
    "budget-bucket",
    {
      bucketName: config.bucketName,
      prefix: config.prefix,
      retentionDays: config.retentionDays,
      noncurrentRetentionDays: config.noncurrentRetentionDays,
      encryption,
      partition,
      accountId,
      policyStatements: reader.bucketPolicyStatements,
      kmsKeyPolicyStatements: reader.kmsKeyPolicyStatements,
      forceDestroy: config.forceDestroy,
      adoptExisting: config.adoptExistingBucket,
      tags: config.tags,
    },
    // A key policy may only name principals that exist: the reader comes first.
    { dependsOn: kmsKey.kind === "created" ? [reader] : [] },
  );

  const outputs: BudgetSyncOutputs = {
    bucketName: budgetBucket.bucketName,
    bucketArn: budgetBucket.bucketArn,
    region,
    prefix: config.prefix,
    accessMode: access.mode,
    syncSourceConfig: reader.syncSourceConfig,
  };
  if (encryption.type === "sse-kms") outputs.kmsKeyArn = budgetBucket.kmsKeyArn;
  switch (access.mode) {
    case "iam-user": {
      const slot = access.activeKey ?? (access.accessKeys ?? ["key1"]).at(-1)!;
      const key = reader.accessKeys[slot]!;
      outputs.readerUserName = reader.user!.name;
      outputs.accessKeyId = key.id;
      outputs.secretAccessKey = pulumi.secret(key.secret);
      break;
    }
    case "cross-account-policy":
      outputs.spendfloAccountId = access.spendfloAccountId;
      if (kmsKey.kind === "given") {
        // The stack cannot edit a key it does not own: its owner adds this statement.
        outputs.kmsKeyPolicyStatementForOwner = reader.kmsKeyOwnerStatement.apply((statement) =>
          JSON.stringify(statement),
        );
      }
      break;
    case "cross-account-role":
      outputs.spendfloAccountId = access.spendfloAccountId;
      outputs.roleArn = reader.principalArn;
      outputs.externalId = access.externalId;
      break;
  }
  Object.assign(
    outputs,
    automationComponents(config, { region, accountId, partition, kmsKey, budgetBucket }),
  );
  return outputs;
}

/**
 * The guide's Step 4 and what keeps it honest, each when its config key is present: the exporter
 * Lambda (Option A), an uploader principal (Options B and C), monitoring and the audit trail.
 * Returns their stack outputs.
 */
function automationComponents(
  config: StackConfig,
  context: {
    region: string;
    accountId: string;
    partition: string;
    kmsKey: ReaderKmsKey;
    budgetBucket: BudgetBucket;
  },
): BudgetSyncOutputs {
  const { region, accountId, partition, kmsKey, budgetBucket } = context;
  const shared = {
    bucketName: config.bucketName,
    prefix: config.prefix,
    region,
    accountId,
    partition,
  };
  const outputs: BudgetSyncOutputs = {};
  const exporterFunctionName = config.exporter
    ? (config.exporter.functionName ?? defaultExporterFunctionName(pulumi.getStack()))
    : undefined;

  const monitoring = config.monitoring
    ? new SyncMonitoring("sync-monitoring", {
        ...shared,
        bucket: budgetBucket.bucket.id,
        emails: config.monitoring.emails,
        noUploadHours: config.monitoring.noUploadHours,
        uploadSignal: config.monitoring.uploadSignal,
        exporterFunctionName,
        tags: config.tags,
      })
    : undefined;
  if (monitoring) outputs.alertsTopicArn = monitoring.alertsTopicArn;

  if (config.exporter) {
    const exporter = new BudgetExporter(
      "budget-exporter",
      {
        ...shared,
        source: config.exporter.source,
        mapping: config.exporter.mapping,
        schedule: config.exporter.schedule,
        timezone: config.exporter.timezone,
        scheduler: config.exporter.scheduler,
        memoryMb: config.exporter.memoryMb,
        timeoutSeconds: config.exporter.timeoutSeconds,
        functionName: exporterFunctionName,
        logRetentionDays: config.exporter.logRetentionDays,
        retryAttempts: config.exporter.retryAttempts,
        failureTopicArn: monitoring?.alertsTopicArn,
        kmsKey,
        tags: config.tags,
      },
      // The on-failure destination must exist before the invoke config names it.
      { dependsOn: monitoring ? [monitoring] : [] },
    );
    outputs.exporterFunctionName = exporter.functionName;
  }

  if (config.uploader) {
    const uploader = new UploaderAccess("budget-uploader", {
      ...shared,
      kind: config.uploader.kind,
      allowList: config.uploader.allowList,
      principalName: config.uploader.principalName,
      kmsKey,
      tags: config.tags,
    });
    outputs.uploaderArn = uploader.principalArn;
    if (uploader.accessKeyId) {
      outputs.uploaderAccessKeyId = uploader.accessKeyId;
      outputs.uploaderSecretAccessKey = uploader.secretAccessKey;
    }
    if (uploader.instanceProfile) outputs.uploaderInstanceProfile = uploader.instanceProfile.name;
  }

  if (config.audit?.enabled) {
    Object.assign(outputs, auditTrail(config, config.prefix, { region, accountId, partition }));
  }
  return outputs;
}

/**
 * The guide's CloudTrail step for a budget bucket: a trail of S3 data events under `prefix`,
 * logging to its own protected bucket. Returns the outputs it adds.
 */
export function auditTrail(
  config: StackConfig,
  prefix: string,
  where: { region: string; accountId: string; partition: string },
): Pick<BudgetSyncOutputs, "auditTrailArn" | "auditLogBucketName"> {
  const audit = new AuditTrail("audit-trail", {
    budgetBucketName: config.bucketName,
    prefix,
    logBucketName: auditLogBucketName(config),
    ...where,
    retentionDays: config.audit!.retentionDays,
    forceDestroy: config.forceDestroy,
    tags: config.tags,
  });
  return { auditTrailArn: audit.trailArn, auditLogBucketName: audit.logBucket.bucketName };
}

/** Where the stack deploys: region, account and partition, for the ARNs in every policy. */
export interface DeploymentTarget {
  region: string;
  accountId: string;
  partition: string;
}

/**
 * Invokes resolve during preview too, so every policy built from them is known before anything
 * is created.
 */
export async function deploymentTarget(): Promise<DeploymentTarget> {
  const region = (await aws.getRegion()).region;
  const accountId = (await aws.getCallerIdentity()).accountId;
  return { region, accountId, partition: partitionOf(region) };
}

/** SpendFlo's read-only access to `prefix`, as the stack config's `access` says. */
export function spendfloReader(
  config: StackConfig,
  prefix: string,
  where: DeploymentTarget,
  kmsKey: ReaderKmsKey,
): SpendfloReader {
  const { access } = config;
  return new SpendfloReader("spendflo-reader", {
    mode: access.mode,
    bucketName: config.bucketName,
    prefix,
    ...where,
    spendfloAccountId: access.spendfloAccountId,
    externalId: access.externalId,
    principalName: access.principalName,
    accessKeys: access.accessKeys,
    activeKey: access.activeKey,
    kmsKey,
    tags: config.tags,
  });
}
