import {
  policyDocument,
  prefixObjectsArn,
  type PolicyDocument,
  type PolicyStatement,
} from "../../lib/iam/policyDocument.ts";
import { hostedCustomerPrefix } from "../../lib/spendflo/hostedBucket.ts";
import { listPrefixStatement } from "../shared/statements.ts";
import { crossAccountTrustPolicy } from "../shared/trustPolicies.ts";

/**
 * The customer's identity policy. Listing is allowed only with an `s3:prefix` under the
 * customer's own prefix (a request without a prefix lists nothing); objects may be put and got
 * under it, and an unfinished multipart upload there aborted: `budget-sync upload` aborts one when
 * a large file turns out invalid, and without the grant its parts would linger (billed) until the
 * lifecycle's incomplete-upload rule. The trailing `/` after the id keeps `acme` out of
 * `acme-corp`'s prefix. No delete: aborting removes only parts of an upload that never became an
 * object; versioning and the lifecycle decide what disappears, not a leaked key.
 */
export function hostedCustomerStatements(
  partition: string,
  bucket: string,
  customerId: string,
): PolicyStatement[] {
  return ownPrefixStatements(partition, bucket, customerId, {
    Sid: "UploadAndReadOwnFiles",
    Action: ["s3:PutObject", "s3:GetObject", "s3:AbortMultipartUpload"],
  });
}

export function hostedCustomerPolicy(
  partition: string,
  bucket: string,
  customerId: string,
): PolicyDocument {
  return policyDocument(hostedCustomerStatements(partition, bucket, customerId));
}

/**
 * SpendFlo's sync role's read policy: list the bucket only with an `s3:prefix` under the
 * customer's prefix, get objects only under it. Nothing else: no write, no delete, no abort, no
 * version history. The bucket is SSE-S3 or the AWS-managed `aws/s3` key (a hosted config refuses
 * any other), whose key policy already lets the account's principals decrypt through S3, so no
 * KMS grant is needed (and none would pass hosted-customer-isolation, which allows S3 only).
 */
export function hostedReaderStatements(
  partition: string,
  bucket: string,
  customerId: string,
): PolicyStatement[] {
  return ownPrefixStatements(partition, bucket, customerId, {
    Sid: "ReadOwnFiles",
    Action: "s3:GetObject",
  });
}

export function hostedReaderPolicy(
  partition: string,
  bucket: string,
  customerId: string,
): PolicyDocument {
  return policyDocument(hostedReaderStatements(partition, bucket, customerId));
}

/**
 * Who may assume the sync role: the poller role SpendFlo configures, named exactly (not its
 * account), and only presenting this customer's external id, so a sync config of one customer
 * that names another's role is refused by STS.
 */
export function hostedReaderTrustPolicy(pollerRoleArn: string, externalId: string): PolicyDocument {
  return crossAccountTrustPolicy(
    "SpendfloPollerWithThisCustomersExternalId",
    pollerRoleArn,
    externalId,
  );
}

/** Listing the customer's prefix, and `objects` (a Sid and actions) on the objects under it. */
function ownPrefixStatements(
  partition: string,
  bucket: string,
  customerId: string,
  objects: { Sid: string; Action: string | string[] },
): PolicyStatement[] {
  const prefix = hostedCustomerPrefix(customerId);
  return [
    listPrefixStatement("ListOwnPrefix", partition, bucket, prefix),
    {
      Sid: objects.Sid,
      Effect: "Allow",
      Action: objects.Action,
      Resource: prefixObjectsArn(partition, bucket, prefix),
    },
  ];
}
