import type { StackValidationPolicy } from "@pulumi/policy";
import { T } from "../../../lib/stack/model.ts";
import { bucketConfigSchema } from "../../support/common.ts";
import { bucketLabel, checkEachBucket, settingsOf } from "../../support/bucketChecks.ts";

const FLAGS = ["blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets"];

/**
 * The guide says to disable "Block all public access"; we deliberately do the opposite: IAM and
 * cross-account grants to named accounts are not public, so nothing needs it off.
 */
export const budgetBucketPublicAccessBlocked: StackValidationPolicy = {
  name: "budget-bucket-public-access-blocked",
  description:
    "Checks that every bucket in the stack has an aws.s3.BucketPublicAccessBlock with all four flags (blockPublicAcls, blockPublicPolicy, ignorePublicAcls, restrictPublicBuckets) true.",
  enforcementLevel: "mandatory",
  severity: "critical",
  remediationSteps:
    "Add an aws.s3.BucketPublicAccessBlock for the budget bucket with blockPublicAcls, blockPublicPolicy, ignorePublicAcls and restrictPublicBuckets all true.",
  url: "https://docs.aws.amazon.com/AmazonS3/latest/userguide/access-control-block-public-access.html",
  configSchema: bucketConfigSchema,
  validateStack: (args, reportViolation) =>
    checkEachBucket(args, (b, unknowns) => {
      const blocks = settingsOf(b, T.BucketPublicAccessBlock);
      if (blocks.length === 0) {
        reportViolation(
          `${bucketLabel(b)} must block all public access: add an aws.s3.BucketPublicAccessBlock with ${FLAGS.join(", ")} all true.`,
          b.resource.urn,
        );
        return;
      }
      const best = blocks
        .map((s) => ({
          s,
          missing: FLAGS.filter((f) => unknowns.read(() => s.props[f], true) !== true),
        }))
        .sort((x, y) => x.missing.length - y.missing.length)[0];
      if (best.missing.length === 0) return;
      reportViolation(
        `${bucketLabel(b)} must block all public access, but ${best.missing.join(", ")} ${best.missing.length === 1 ? "is" : "are"} not true in its aws.s3.BucketPublicAccessBlock "${best.s.name}".`,
        best.s.urn,
      );
    }),
};
