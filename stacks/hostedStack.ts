import * as pulumi from "@pulumi/pulumi";
import { BudgetBucket } from "../components/budget-bucket/index.ts";
import { HostedCustomer } from "../components/hosted-customer/index.ts";
import { HOSTED_PREFIX_ROOT, hostedCustomerPrefix } from "../lib/spendflo/hostedBucket.ts";
import { bucketArn } from "../lib/iam/policyDocument.ts";
import { auditTrail, deploymentTarget } from "./budgetSyncStack.ts";
import {
  StackConfigError,
  deploymentAccountWarnings,
  deploymentRegionProblems,
  hostedSettings,
  type StackConfig,
} from "./config.ts";
import type { HostedCustomerProgramOutputs, HostedProgramOutputs } from "./outputs.ts";

/**
 * The SpendFlo-provided bucket (the guide's Option 1), composed from config: with
 * `hosted.manageBucket` (the default) the shared bucket, one lifecycle on `customers/` and, with
 * `audit`, a trail of every customer's reads and writes; then one HostedCustomer per entry of
 * `customers`: the customer's upload user and SpendFlo's read-only sync role for that customer,
 * which the poller (`hosted.pollerRoleArn`) assumes with the customer's external id. No principal
 * reads all of `customers/`. A shard stack (`manageBucket: false`) makes only the customers'
 * principals, for a bucket a base stack owns. Returns the stack outputs, with `customers.<id>`
 * per customer.
 */
export async function hostedStack(config: StackConfig): Promise<HostedProgramOutputs> {
  const where = await deploymentTarget();
  const { region, accountId, partition } = where;
  const { manageBucket, customers, pollerRoleArn } = hostedSettings(config);
  const regionProblems = deploymentRegionProblems(config, region);
  if (regionProblems.length) throw new StackConfigError(regionProblems);
  for (const warning of deploymentAccountWarnings(config, accountId)) pulumi.log.warn(warning);

  const outputs: HostedProgramOutputs = {
    bucketName: config.bucketName,
    bucketArn: bucketArn(partition, config.bucketName),
    region,
    prefix: HOSTED_PREFIX_ROOT,
    manageBucket,
  };

  if (manageBucket) {
    // The config allows only SSE-S3 or the AWS-managed key here: no key policy to edit. Nobody's
    // grant is among the bucket policy's statements: a bucket policy is capped at 20 KB, identity
    // policies are not shared. It stays one statement, TLS only.
    const bucket = new BudgetBucket("budget-bucket", {
      bucketName: config.bucketName,
      prefix: HOSTED_PREFIX_ROOT,
      retentionDays: config.retentionDays,
      noncurrentRetentionDays: config.noncurrentRetentionDays,
      encryption: config.encryption,
      partition,
      accountId,
      forceDestroy: config.forceDestroy,
      adoptExisting: config.adoptExistingBucket,
      tags: config.tags,
    });
    outputs.bucketArn = bucket.bucketArn;

    if (config.audit?.enabled) {
      // One trail for customers/ records every customer's uploads and every read, by principal.
      Object.assign(
        outputs,
        auditTrail(config, HOSTED_PREFIX_ROOT, { region, accountId, partition }),
      );
    }
  }

  const customerOutputs: Record<string, HostedCustomerProgramOutputs> = {};
  for (const customer of customers) {
    // Named by id, never by position: reordering the list changes nothing, and removing a line
    // deletes only that customer's user, role, policies and key. The files stay: the bucket is
    // not touched, and it never force-destroys.
    const hosted = new HostedCustomer(`customer-${customer.id}`, {
      customerId: customer.id,
      bucketName: config.bucketName,
      region,
      partition,
      displayName: customer.name,
      contact: customer.contact,
      tags: config.tags,
      // The config requires both with customers.
      pollerRoleArn: pollerRoleArn!,
      externalId: customer.externalId,
    });
    customerOutputs[customer.id] = {
      ...(customer.name !== undefined ? { name: customer.name } : {}),
      prefix: hosted.prefix,
      // The customer's own upload credentials, for onboarding-kit; never registered.
      userName: hosted.userName,
      accessKeyId: hosted.accessKeyId,
      secretAccessKey: hosted.secretAccessKey,
      // What SpendFlo's sync reads with: register --customer sends syncSourceConfig.
      accessMode: "cross-account-role",
      principalArn: hosted.readerRoleArn,
      readerRoleArn: hosted.readerRoleArn,
      externalId: customer.externalId,
      syncSourceConfig: hosted.syncSourceConfig,
    };
  }
  outputs.customers = customerOutputs;
  // `customers` holds keys, so Pulumi shows all of it as [secret]; this says who is onboarded
  // where without --show-secrets.
  outputs.customerPrefixes = Object.fromEntries(
    customers.map((c) => [c.id, hostedCustomerPrefix(c.id)]),
  );
  return outputs;
}
