import { bucketArn, prefixObjectsArn, type PolicyStatement } from "../../lib/iam/policyDocument.ts";

/** A trail's ARN from its name: CloudTrail's own format, known before the trail exists. */
export function trailArn(partition: string, region: string, accountId: string, name: string) {
  return `arn:${partition}:cloudtrail:${region}:${accountId}:trail/${name}`;
}

/**
 * Data events (reads and writes) of objects under the budget prefix, and nothing else: with
 * advanced selectors naming only data events, the trail records no management events.
 */
export function budgetDataEventSelectors(partition: string, bucketName: string, prefix: string) {
  return [
    {
      name: "Budget files: every read and write",
      fieldSelectors: [
        { field: "eventCategory", equals: ["Data"] },
        { field: "resources.type", equals: ["AWS::S3::Object"] },
        {
          field: "resources.ARN",
          startsWiths: [prefixObjectsArn(partition, bucketName, prefix).replace(/\*$/, "")],
        },
      ],
    },
  ];
}

/**
 * What CloudTrail needs on its log bucket: read the bucket's ACL, and write under
 * `AWSLogs/<account>/` with `bucket-owner-full-control`; both only for this trail
 * (`aws:SourceArn`), so no other trail can deliver into the bucket.
 */
export function cloudTrailBucketStatements(
  partition: string,
  logBucketName: string,
  accountId: string,
  trail: string,
): PolicyStatement[] {
  const arn = bucketArn(partition, logBucketName);
  return [
    {
      Sid: "CloudTrailAclCheck",
      Effect: "Allow",
      Principal: { Service: "cloudtrail.amazonaws.com" },
      Action: "s3:GetBucketAcl",
      Resource: arn,
      Condition: { StringEquals: { "aws:SourceArn": trail } },
    },
    {
      Sid: "CloudTrailWrite",
      Effect: "Allow",
      Principal: { Service: "cloudtrail.amazonaws.com" },
      Action: "s3:PutObject",
      Resource: `${arn}/AWSLogs/${accountId}/*`,
      Condition: {
        StringEquals: { "s3:x-amz-acl": "bucket-owner-full-control", "aws:SourceArn": trail },
      },
    },
  ];
}
