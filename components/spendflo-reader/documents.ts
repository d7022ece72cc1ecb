import {
  prefixObjectsArn,
  type PolicyDocument,
  type PolicyStatement,
} from "../../lib/iam/policyDocument.ts";
import { kmsDecryptStatement, listPrefixStatement } from "../shared/statements.ts";
import { crossAccountTrustPolicy } from "../shared/trustPolicies.ts";

export { kmsDecryptStatement } from "../shared/statements.ts";

/**
 * The reader's identity policy: list the prefix, read under it, and decrypt with a given key
 * through S3 only. Exactly the guide's two actions, scoped to the prefix instead of the bucket.
 */
export function readerStatements(
  partition: string,
  bucket: string,
  prefix: string,
  kms?: { arn: string; region: string },
): PolicyStatement[] {
  const statements: PolicyStatement[] = [
    listPrefixStatement("ListBudgetPrefix", partition, bucket, prefix),
    {
      Sid: "ReadBudgetFiles",
      Effect: "Allow",
      Action: "s3:GetObject",
      Resource: prefixObjectsArn(partition, bucket, prefix),
    },
  ];
  if (kms) statements.push(kmsDecryptStatement(undefined, kms.arn, kms.region));
  return statements;
}

/** The guide's FAQ "Use bucket policy to grant SpendFlo's AWS account read access", scoped. */
export function crossAccountBucketStatements(
  partition: string,
  bucket: string,
  prefix: string,
  spendfloAccountId: string,
): PolicyStatement[] {
  const principal = { AWS: `arn:${partition}:iam::${spendfloAccountId}:root` };
  return readerStatements(partition, bucket, prefix).map((statement) => ({
    ...statement,
    Sid: `SpendFlo${statement.Sid}`,
    Principal: principal,
  }));
}

/** Trust policy of the role: only SpendFlo's account, and only with the agreed external id. */
export function trustPolicy(
  partition: string,
  spendfloAccountId: string,
  externalId: string,
): PolicyDocument {
  return crossAccountTrustPolicy(
    "SpendfloAssumesWithExternalId",
    `arn:${partition}:iam::${spendfloAccountId}:root`,
    externalId,
  );
}
