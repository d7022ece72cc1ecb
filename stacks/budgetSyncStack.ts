import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { BudgetBucket } from "../components/budgetBucket.ts";
import { SpendfloReader, type ReaderKmsKey } from "../components/spendfloReader.ts";
import { partitionOf } from "../lib/awsRegions.ts";
import { isAwsManagedS3Key, type StackConfig } from "./config.ts";

/**
 * The customer's own bucket (the guide's Option 2): the budget bucket and SpendFlo's read-only
 * access, composed from config. Returns the stack outputs.
 */
export async function budgetSyncStack(config: StackConfig) {
  // Invokes resolve during preview too, so every policy built from them is known before
  // anything is created.
  const region = (await aws.getRegion()).region;
  const accountId = (await aws.getCallerIdentity()).accountId;
  const partition = partitionOf(region);
  const { access, encryption } = config;

  const kmsKey: ReaderKmsKey =
    encryption.type === "sse-s3" || isAwsManagedS3Key(encryption.kmsKeyArn)
      ? { kind: "none" }
      : encryption.kmsKeyArn
        ? { kind: "given", arn: encryption.kmsKeyArn }
        : { kind: "created" };

  const reader = new SpendfloReader("spendflo-reader", {
    mode: access.mode,
    bucketName: config.bucketName,
    prefix: config.prefix,
    region,
    accountId,
    partition,
    spendfloAccountId: access.spendfloAccountId,
    externalId: access.externalId,
    principalName: access.principalName,
    accessKeys: access.accessKeys,
    activeKey: access.activeKey,
    kmsKey,
    tags: config.tags,
  });

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

  const outputs: Record<string, unknown> = {
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
  return outputs;
}
