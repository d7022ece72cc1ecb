import type { StackValidationPolicy } from "@pulumi/policy";
import { globMatches } from "../../../lib/iam/actions.ts";
import { pinnedValues, type NormalizedStatement } from "../../../lib/iam/analysis.ts";
import { describe, inStandardPartition } from "../../../lib/stack/model.ts";
import { bucketConfigSchema } from "../../support/common.ts";
import { bucketLabel, bucketPolicies, checkEachBucket } from "../../support/bucketChecks.ts";

function deniesInsecureTransport(s: NormalizedStatement, bucket: string): boolean {
  if (s.effect !== "Deny" || !s.principal?.public || s.notPrincipal) return false;
  const actions = (s.actions ?? []).map((a) => a.toLowerCase());
  if (!actions.includes("s3:*") && !actions.includes("*")) return false;
  const values = pinnedValues(s.conditions, "aws:SecureTransport", new Set(["bool"]));
  if (!values || !values.every((v) => v.toLowerCase() === "false")) return false;
  if (s.notResources !== undefined) return false;
  // Any partition: arn:aws-us-gov:s3:::bucket and arn:aws-cn:s3:::bucket are this bucket too.
  const resources = (s.resources ?? []).map(inStandardPartition);
  const covers = (arn: string) => resources.some((r) => globMatches(r, arn));
  return covers(`arn:aws:s3:::${bucket}`) && covers(`arn:aws:s3:::${bucket}/any-key`);
}

/** Budget files hold a company's budget: never over plain HTTP. */
export const budgetBucketTlsOnly: StackValidationPolicy = {
  name: "budget-bucket-tls-only",
  description:
    "Checks that every bucket in the stack has a bucket policy that denies s3:* to everyone when aws:SecureTransport is false, on the bucket and its objects.",
  enforcementLevel: "mandatory",
  severity: "high",
  remediationSteps:
    "Add a Deny statement for every principal and s3:* on the bucket and its objects when aws:SecureTransport is false, to the bucket policy.",
  url: "https://docs.aws.amazon.com/AmazonS3/latest/userguide/security-best-practices.html",
  configSchema: bucketConfigSchema,
  validateStack: (args, reportViolation) =>
    checkEachBucket(args, (b, unknowns) => {
      const { docs, unreadable } = bucketPolicies(b, unknowns);
      if (docs.some((d) => d.statements.some((s) => deniesInsecureTransport(s, b.name)))) return;
      const seen = unreadable.map((u) => `${describe(u.source)} cannot be read (${u.problem})`);
      reportViolation(
        `${bucketLabel(b)} must refuse requests without TLS: its bucket policy needs a Deny of s3:* to Principal "*" on arn:aws:s3:::${b.name} and arn:aws:s3:::${b.name}/* when aws:SecureTransport is "false".${seen.length ? ` ${seen.join("; ")}.` : ""}`,
        b.resource.urn,
      );
    }),
};
