/**
 * Every policy of the pack, in one array, without constructing a PolicyPack (constructing one starts
 * a gRPC server): tests and `budget-sync plan` import this; policies/index.ts builds the pack.
 */
import type { ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";
import { auditDataEvents } from "./rules/audit/auditDataEvents.ts";
import { budgetBucketEncrypted } from "./rules/bucket/budgetBucketEncrypted.ts";
import { budgetBucketLifecycle } from "./rules/bucket/budgetBucketLifecycle.ts";
import { budgetBucketNoPublicGrants } from "./rules/bucket/budgetBucketNoPublicGrants.ts";
import { budgetBucketPublicAccessBlocked } from "./rules/bucket/budgetBucketPublicAccessBlocked.ts";
import { budgetBucketTlsOnly } from "./rules/bucket/budgetBucketTlsOnly.ts";
import { budgetBucketVersioned } from "./rules/bucket/budgetBucketVersioned.ts";
import { exporterTimeout } from "./rules/exporter/exporterTimeout.ts";
import { hostedCustomerIsolation } from "./rules/hosted/hostedCustomerIsolation.ts";
import { spendfloPreferRole } from "./rules/spendflo/spendfloPreferRole.ts";
import { spendfloReadOnly } from "./rules/spendflo/spendfloReadOnly.ts";
import { spendfloReadOnlyResource } from "./rules/spendflo/spendfloReadOnlyResource.ts";
import { spendfloScoped } from "./rules/spendflo/spendfloScoped.ts";

export const PACK_NAME = "budget-sync";

export const policies: (ResourceValidationPolicy | StackValidationPolicy)[] = [
  spendfloReadOnlyResource,
  spendfloReadOnly,
  spendfloScoped,
  budgetBucketEncrypted,
  budgetBucketVersioned,
  budgetBucketPublicAccessBlocked,
  budgetBucketTlsOnly,
  budgetBucketLifecycle,
  budgetBucketNoPublicGrants,
  exporterTimeout,
  auditDataEvents,
  spendfloPreferRole,
  hostedCustomerIsolation,
];

/** Policies that no configuration may set below mandatory. */
export const ALWAYS_MANDATORY: readonly string[] = [
  spendfloReadOnlyResource.name,
  spendfloReadOnly.name,
];
