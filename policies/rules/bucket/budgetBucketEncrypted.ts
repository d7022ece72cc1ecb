import type { StackValidationPolicy } from "@pulumi/policy";
import { T, obj, objList } from "../../../lib/stack/model.ts";
import { bucketConfigSchema } from "../../support/common.ts";
import { bucketLabel, checkEachBucket, settingsOf } from "../../support/bucketChecks.ts";

const ALGORITHMS = ["AES256", "aws:kms", "aws:kms:dsse"];

/** The guide's Security Best Practice 1: "Enable S3 Bucket Encryption". */
export const budgetBucketEncrypted: StackValidationPolicy = {
  name: "budget-bucket-encrypted",
  description:
    "Checks that every bucket in the stack has default server-side encryption (AES256 or aws:kms), set by an aws.s3.BucketServerSideEncryptionConfiguration or the inline setting.",
  enforcementLevel: "mandatory",
  severity: "high",
  remediationSteps:
    "Give the bucket default server-side encryption (AES256 or aws:kms) with an aws.s3.BucketServerSideEncryptionConfiguration, so its files are encrypted by what the stack sets and not only by S3's default.",
  url: "https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucket-encryption.html",
  configSchema: bucketConfigSchema,
  validateStack: (args, reportViolation) =>
    checkEachBucket(args, (b, unknowns) => {
      const algorithms: string[] = [];
      for (const s of settingsOf(b, T.BucketSse, T.BucketSseV2)) {
        for (const rule of unknowns.read(() => objList(s.props["rules"]), [])) {
          const d = unknowns.read(() => obj(rule["applyServerSideEncryptionByDefault"]), undefined);
          const a = d ? unknowns.read(() => d["sseAlgorithm"], undefined) : undefined;
          if (typeof a === "string") algorithms.push(a);
        }
      }
      const inline = unknowns.read(() => {
        const c = obj(b.resource.props["serverSideEncryptionConfiguration"]);
        const d = obj(obj(c?.["rule"])?.["applyServerSideEncryptionByDefault"]);
        return d?.["sseAlgorithm"];
      }, undefined);
      if (typeof inline === "string") algorithms.push(inline);
      if (algorithms.some((a) => ALGORITHMS.includes(a))) return;
      reportViolation(
        algorithms.length === 0
          ? `${bucketLabel(b)} must be encrypted by default: add an aws.s3.BucketServerSideEncryptionConfiguration with sseAlgorithm AES256 or aws:kms.`
          : `${bucketLabel(b)} must be encrypted by default with AES256 or aws:kms, not ${algorithms.join(", ")}.`,
        b.resource.urn,
      );
    }),
};
