import { bucketArn, type PolicyStatement } from "../../lib/iam/policyDocument.ts";
import type { ReaderKmsKey } from "./location.ts";

/**
 * `s3:ListBucket` only with an `s3:prefix` under `prefix` (a request without one lists nothing):
 * what a reader, an uploader that checks its files and a hosted customer may list.
 */
export function listPrefixStatement(
  sid: string,
  partition: string,
  bucket: string,
  prefix: string,
): PolicyStatement {
  return {
    Sid: sid,
    Effect: "Allow",
    Action: "s3:ListBucket",
    Resource: bucketArn(partition, bucket),
    Condition: { StringLike: { "s3:prefix": [`${prefix}*`] } },
  };
}

/**
 * kms:Decrypt for S3 only: without it a reader cannot open a single SSE-KMS object; with
 * `kms:ViaService` it cannot use the key for anything but reading from S3 in this region.
 * In a key policy, pass `principal` and `Resource: "*"` (the key itself).
 */
export function kmsDecryptStatement(
  principal: string | undefined,
  keyArn: string,
  region: string,
): PolicyStatement {
  return {
    Sid: "DecryptBudgetFilesThroughS3",
    Effect: "Allow",
    ...(principal ? { Principal: { AWS: principal } } : {}),
    Action: "kms:Decrypt",
    Resource: keyArn,
    Condition: { StringEquals: { "kms:ViaService": `s3.${region}.amazonaws.com` } },
  };
}

/**
 * KMS use of the bucket's key, through S3 only: GenerateDataKey to write an object, Decrypt to
 * complete a multipart upload. A given key is named; a key the stack creates is not known
 * before deployment, so the statement names the account's keys but only for this bucket's
 * encryption context (S3 Bucket Keys use the bucket's ARN), which only the bucket's key sees.
 */
export function bucketKeyStatement(
  partition: string,
  region: string,
  accountId: string,
  bucketName: string,
  kmsKey: ReaderKmsKey,
): PolicyStatement | undefined {
  if (kmsKey.kind === "none") return undefined;
  const viaS3 = { "kms:ViaService": `s3.${region}.amazonaws.com` };
  return {
    Sid: "EncryptBudgetFilesThroughS3",
    Effect: "Allow",
    Action: ["kms:GenerateDataKey", "kms:Decrypt"],
    Resource:
      kmsKey.kind === "given" ? kmsKey.arn : `arn:${partition}:kms:${region}:${accountId}:key/*`,
    Condition: {
      StringEquals:
        kmsKey.kind === "given"
          ? viaS3
          : { ...viaS3, "kms:EncryptionContext:aws:s3:arn": bucketArn(partition, bucketName) },
    },
  };
}
