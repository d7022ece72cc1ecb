import type { StackValidationPolicy } from "@pulumi/policy";
import { bucketConfigSchema } from "../../support/common.ts";
import { bucketLabel, checkEachBucket, versioningStatus } from "../../support/bucketChecks.ts";

/** The guide's Security Best Practice 2: "Enable Bucket Versioning". */
export const budgetBucketVersioned: StackValidationPolicy = {
  name: "budget-bucket-versioned",
  description:
    "Checks that every bucket in the stack has versioning enabled, set by an aws.s3.BucketVersioning with status Enabled or the inline setting.",
  enforcementLevel: "mandatory",
  severity: "medium",
  remediationSteps:
    "Enable versioning on the budget bucket (aws.s3.BucketVersioning, status Enabled), so an overwritten or deleted budget file can be recovered.",
  url: "https://docs.aws.amazon.com/AmazonS3/latest/userguide/Versioning.html",
  configSchema: bucketConfigSchema,
  validateStack: (args, reportViolation) =>
    checkEachBucket(args, (b, unknowns) => {
      const status = versioningStatus(b, unknowns);
      if (status === "Enabled") return;
      reportViolation(
        status === undefined
          ? `${bucketLabel(b)} must have versioning enabled: add an aws.s3.BucketVersioning with versioningConfiguration.status "Enabled".`
          : `${bucketLabel(b)} must have versioning enabled, but its status is "${status}".`,
        b.resource.urn,
      );
    }),
};
