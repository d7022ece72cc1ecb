/**
 * What several policies share: who counts as SpendFlo, the config schema pieces, and the bridge
 * from CrossGuard's `StackValidationArgs` to the analysis in lib/. No side effects.
 */
import type { PolicyConfigSchema, StackValidationArgs } from "@pulumi/policy";
import { ACCESS_TAG, AccessTagValue } from "../../lib/iam/accessTags.ts";
import type { StackPrincipal } from "../../lib/iam/stackGrants.ts";
import type { StackResource } from "../../lib/stack/model.ts";
import { programResources } from "./programInputs.ts";

/** The config every SpendFlo policy reads: SpendFlo's AWS account ids. */
export interface SpendfloConfig {
  spendfloAccountIds?: string[];
}

export const spendfloAccountIdsSchema = {
  type: "array",
  items: { type: "string", pattern: "^[0-9]{12}$" },
  default: [],
  description:
    "SpendFlo's AWS account ids (12 digits). Any principal of these accounts named in a resource or trust policy is SpendFlo.",
} as const;

export const exemptBucketsSchema = {
  type: "array",
  items: { type: "string", minLength: 1 },
  default: [],
  description: "Bucket names (or logical names) this policy does not check.",
} as const;

export const spendfloConfigSchema: PolicyConfigSchema = {
  properties: { spendfloAccountIds: spendfloAccountIdsSchema },
};

export const bucketConfigSchema: PolicyConfigSchema = {
  properties: { exemptBuckets: exemptBucketsSchema },
};

/**
 * Why a stack principal is SpendFlo's reader, or undefined if it is not: tagged
 * `spendflo:access = read-only`; or not tagged `upload` and named with "spendflo" (any case).
 * A principal tagged `upload` (an uploader, a hosted customer) is not SpendFlo's reader.
 */
export function spendfloReason(p: StackPrincipal): string | undefined {
  const access = p.tags[ACCESS_TAG]?.trim().toLowerCase();
  if (access === AccessTagValue.ReadOnly)
    return `tagged ${ACCESS_TAG} = ${AccessTagValue.ReadOnly}`;
  if (access === AccessTagValue.Upload) return undefined;
  const names = [...p.names, p.resource.name];
  const prefix = p.resource.props["namePrefix"];
  if (typeof prefix === "string") names.push(prefix);
  if (names.some((n) => /spendflo/i.test(n))) {
    return access === undefined
      ? `named with "spendflo" and not tagged ${ACCESS_TAG}`
      : `named with "spendflo" and tagged ${ACCESS_TAG} = ${access}, not ${AccessTagValue.Upload}`;
  }
  return undefined;
}

/**
 * The stack's resources in the analysis's shape, as the program set them: the inputs the engine
 * sent each resource policy, where recorded (policies/support/programInputs.ts).
 */
export function stackResources(args: StackValidationArgs): StackResource[] {
  return programResources(args.resources);
}

/** The configured SpendFlo account ids. */
export function spendfloAccounts(args: StackValidationArgs): string[] {
  return args.getConfig<SpendfloConfig>().spendfloAccountIds ?? [];
}

/** The configured exempt bucket names, lower-cased. */
export function exemptBuckets(args: StackValidationArgs): Set<string> {
  const list = args.getConfig<{ exemptBuckets?: string[] }>().exemptBuckets ?? [];
  return new Set(list.map((b) => b.toLowerCase()));
}

/**
 * The AWS-managed policies known to grant nothing but List and Read. Deliberately short: the pack
 * cannot read an AWS-managed document offline, and the broad ones (ReadOnlyAccess) change often.
 * AmazonS3ReadOnlyAccess is `s3:Get*`, `s3:List*` and the same for S3 Object Lambda.
 */
export const READ_ONLY_MANAGED_POLICIES = ["AmazonS3ReadOnlyAccess"] as const;

export function isReadOnlyManagedPolicy(arn: string): boolean {
  const m = /^arn:aws[a-z-]*:iam::aws:policy\/(?:.*\/)?([^/]+)$/i.exec(arn.trim());
  return m !== null && (READ_ONLY_MANAGED_POLICIES as readonly string[]).includes(m[1]);
}
