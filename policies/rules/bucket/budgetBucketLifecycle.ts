import type { StackValidationPolicy } from "@pulumi/policy";
import { T, obj, objList } from "../../../lib/stack/model.ts";
import { bucketConfigSchema } from "../../support/common.ts";
import {
  bucketLabel,
  checkEachBucket,
  settingsOf,
  versioningStatus,
} from "../../support/bucketChecks.ts";

function positive(v: unknown): boolean {
  return typeof v === "number" && v > 0;
}

/**
 * The guide's Security Best Practice 3 ("auto-delete old files"), made to work on a versioned
 * bucket: there, expiring current objects only adds delete markers, so noncurrent versions must
 * expire too, or versioning keeps every budget file forever.
 */
export const budgetBucketLifecycle: StackValidationPolicy = {
  name: "budget-bucket-lifecycle",
  description:
    "Checks that every bucket in the stack has an enabled lifecycle rule that expires objects and, when the bucket is versioned, one that expires noncurrent versions too.",
  enforcementLevel: "mandatory",
  severity: "low",
  remediationSteps:
    "Add an enabled lifecycle rule that expires budget files and, when the bucket is versioned, one that expires noncurrent versions (the stack config's retentionDays and noncurrentRetentionDays).",
  url: "https://docs.aws.amazon.com/AmazonS3/latest/userguide/object-lifecycle-mgmt.html",
  configSchema: bucketConfigSchema,
  validateStack: (args, reportViolation) =>
    checkEachBucket(args, (b, unknowns) => {
      let expires = false;
      let expiresNoncurrent = false;
      for (const s of settingsOf(b, T.BucketLifecycle, T.BucketLifecycleV2)) {
        for (const rule of unknowns.read(() => objList(s.props["rules"]), [])) {
          if (unknowns.read(() => rule["status"], undefined) !== "Enabled") continue;
          const e = unknowns.read(() => obj(rule["expiration"]), undefined);
          if (e && (positive(e["days"]) || typeof e["date"] === "string")) expires = true;
          const n = unknowns.read(() => obj(rule["noncurrentVersionExpiration"]), undefined);
          if (n && positive(n["noncurrentDays"])) expiresNoncurrent = true;
        }
      }
      for (const rule of unknowns.read(() => objList(b.resource.props["lifecycleRules"]), [])) {
        if (unknowns.read(() => rule["enabled"], undefined) !== true) continue;
        const e = unknowns.read(() => obj(rule["expiration"]), undefined);
        if (e && (positive(e["days"]) || typeof e["date"] === "string")) expires = true;
        const n = unknowns.read(() => obj(rule["noncurrentVersionExpiration"]), undefined);
        if (n && positive(n["days"])) expiresNoncurrent = true;
      }
      if (!expires) {
        reportViolation(
          `${bucketLabel(b)} must expire old budget files: add an aws.s3.BucketLifecycleConfiguration with an enabled rule that sets expiration days.`,
          b.resource.urn,
        );
      }
      if (versioningStatus(b, unknowns) === "Enabled" && !expiresNoncurrent) {
        reportViolation(
          `${bucketLabel(b)} is versioned, so noncurrent versions must expire too: add an enabled lifecycle rule with noncurrentVersionExpiration, or deleted budget files are kept forever.`,
          b.resource.urn,
        );
      }
    }),
};
