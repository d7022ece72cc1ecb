/**
 * The shared machinery of the budget-bucket-* policies: v7 buckets keep their settings in separate
 * resources (BucketVersioning, BucketServerSideEncryptionConfiguration, ...), joined to the bucket
 * by their `bucket` input; the deprecated inline Bucket properties and the `*V2` types count too.
 * (Policies written for the inline v4 properties silently pass v7 buckets:
 * pulumi/compliance-policies issues 51 and 61.)
 */
import type { StackValidationArgs } from "@pulumi/policy";
import {
  parsePolicyDocument,
  PolicyDocumentError,
  type NormalizedStatement,
} from "../../lib/iam/analysis.ts";
import {
  T,
  UnknownValues,
  bucketsWithSettings,
  describe,
  type BucketView,
  type StackResource,
} from "../../lib/stack/model.ts";
import { exemptBuckets, stackResources } from "./common.ts";

/** `Bucket aws.s3.Bucket "budgets" (acme-budgets)` */
export function bucketLabel(b: BucketView): string {
  return b.name === b.resource.name
    ? `Bucket ${describe(b.resource)}`
    : `Bucket ${describe(b.resource)} (${b.name})`;
}

/** Runs `check` on every bucket of the stack that the policy's config does not exempt. */
export async function checkEachBucket(
  args: StackValidationArgs,
  check: (b: BucketView, unknowns: UnknownValues, all: StackResource[]) => void | Promise<void>,
): Promise<void> {
  const unknowns = new UnknownValues();
  const resources = stackResources(args);
  const exempt = exemptBuckets(args);
  for (const b of bucketsWithSettings(resources, unknowns)) {
    if (exempt.has(b.name.toLowerCase()) || exempt.has(b.resource.name.toLowerCase())) continue;
    await check(b, unknowns, resources);
  }
  unknowns.rethrow();
}

/** The settings resources of a bucket with one of the given types. */
export function settingsOf(b: BucketView, ...types: string[]): StackResource[] {
  return b.settings.filter((s) => types.includes(s.type));
}

export interface BucketPolicyDoc {
  source: StackResource;
  statements: NormalizedStatement[];
}

/** The bucket's policies: its aws.s3.BucketPolicy resources and the deprecated inline policy. */
export function bucketPolicies(
  b: BucketView,
  unknowns: UnknownValues,
): { docs: BucketPolicyDoc[]; unreadable: { source: StackResource; problem: string }[] } {
  const docs: BucketPolicyDoc[] = [];
  const unreadable: { source: StackResource; problem: string }[] = [];
  const sources = [b.resource, ...settingsOf(b, T.BucketPolicy)];
  for (const source of sources) {
    const doc = unknowns.read(() => source.props["policy"], undefined);
    if (doc === undefined || doc === null || doc === "") continue;
    try {
      const statements = unknowns.read(() => parsePolicyDocument(doc), []);
      docs.push({ source, statements });
    } catch (e) {
      if (!(e instanceof PolicyDocumentError)) throw e;
      unreadable.push({ source, problem: e.message });
    }
  }
  return { docs, unreadable };
}

/** True if the bucket has versioning Enabled (v7 BucketVersioning, V2, or inline). */
export function versioningStatus(b: BucketView, unknowns: UnknownValues): string | undefined {
  for (const s of settingsOf(b, T.BucketVersioning, T.BucketVersioningV2)) {
    const status = unknowns.read(() => {
      const c = s.props["versioningConfiguration"] as Record<string, unknown> | undefined;
      return typeof c?.["status"] === "string" ? (c["status"] as string) : undefined;
    }, undefined);
    if (status) return status;
  }
  const inline = unknowns.read(() => {
    const v = b.resource.props["versioning"] as Record<string, unknown> | undefined;
    return v?.["enabled"];
  }, undefined);
  if (inline === true) return "Enabled";
  if (inline === false) return "Suspended";
  return undefined;
}
