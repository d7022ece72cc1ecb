/**
 * Every policy of the pack, in one array, without constructing a PolicyPack (constructing one starts
 * a gRPC server): tests and `budget-sync plan` import this; policies/index.ts builds the pack.
 */
import type { ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";
import { auditDataEvents } from "./auditDataEvents.ts";
import { budgetBucketEncrypted } from "./budgetBucketEncrypted.ts";
import { budgetBucketLifecycle } from "./budgetBucketLifecycle.ts";
import { budgetBucketNoPublicGrants } from "./budgetBucketNoPublicGrants.ts";
import { budgetBucketPublicAccessBlocked } from "./budgetBucketPublicAccessBlocked.ts";
import { budgetBucketTlsOnly } from "./budgetBucketTlsOnly.ts";
import { budgetBucketVersioned } from "./budgetBucketVersioned.ts";
import { exporterTimeout } from "./exporterTimeout.ts";
import { hostedCustomerIsolation } from "./hostedCustomerIsolation.ts";
import { spendfloPreferRole } from "./spendfloPreferRole.ts";
import { spendfloReadOnly } from "./spendfloReadOnly.ts";
import { spendfloReadOnlyResource } from "./spendfloReadOnlyResource.ts";
import { spendfloScoped } from "./spendfloScoped.ts";

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
