import {
  bucketArn,
  policyDocument,
  type PolicyDocument,
  type PolicyStatement,
} from "../../lib/iam/policyDocument.ts";

/**
 * Lifecycle rules under the prefix. Versioning keeps every overwritten or expired file as a
 * noncurrent version, so "delete after 30 days" deletes nothing unless noncurrent versions
 * expire too; expiring a current version leaves a delete marker, which a second rule removes
 * (S3 refuses `Days` and `ExpiredObjectDeleteMarker` in one rule).
 */
export function lifecycleRules(prefix: string, retentionDays: number, noncurrentDays: number) {
  return [
    {
      id: "expire-budget-files",
      status: "Enabled",
      filter: { prefix },
      expiration: { days: retentionDays },
      noncurrentVersionExpiration: { noncurrentDays },
      abortIncompleteMultipartUpload: { daysAfterInitiation: 1 },
    },
    {
      id: "remove-expired-delete-markers",
      status: "Enabled",
      filter: { prefix },
      expiration: { expiredObjectDeleteMarker: true },
    },
  ];
}

/** Denies every request that does not use TLS, to anyone, on the bucket and its objects. */
export function tlsOnlyStatement(partition: string, bucket: string): PolicyStatement {
  const arn = bucketArn(partition, bucket);
  return {
    Sid: "DenyInsecureTransport",
    Effect: "Deny",
    Principal: "*",
    Action: "s3:*",
    Resource: [arn, `${arn}/*`],
    Condition: { Bool: { "aws:SecureTransport": "false" } },
  };
}

/** The bucket's one policy: TLS only, then the statements other components asked for. */
export function bucketPolicy(
  partition: string,
  bucket: string,
  extra: readonly PolicyStatement[],
): PolicyDocument {
  return policyDocument([tlsOnlyStatement(partition, bucket), ...extra]);
}

/**
 * A created key's policy: the account administers it through IAM (the default key policy),
 * and readers get kms:Decrypt only through S3 (the statements passed in).
 */
export function kmsKeyPolicy(
  partition: string,
  accountId: string,
  extra: readonly PolicyStatement[],
): PolicyDocument {
  return policyDocument([
    {
      Sid: "EnableIamPolicies",
      Effect: "Allow",
      Principal: { AWS: `arn:${partition}:iam::${accountId}:root` },
      Action: "kms:*",
      Resource: "*",
    },
    ...extra,
  ]);
}
