import { policyDocument, type PolicyDocument } from "../../lib/iam/policyDocument.ts";

export function snsTopicArn(partition: string, region: string, accountId: string, name: string) {
  return `arn:${partition}:sns:${region}:${accountId}:${name}`;
}

/** S3's "Object Created" events for the budget bucket, under the prefix only. */
export function uploadEventPattern(bucketName: string, prefix: string) {
  return {
    source: ["aws.s3"],
    "detail-type": ["Object Created"],
    detail: { bucket: { name: [bucketName] }, object: { key: [{ prefix }] } },
  };
}

/**
 * Hourly sums of new files, alarming when every one of the last `hours` hours had none. Hours
 * without a datapoint count as breaching: EventBridge and S3 publish nothing when nothing
 * happens, so "missing" is exactly the signal; a single file in the window keeps it OK.
 */
export function noUploadAlarmSettings(
  metric: { namespace: string; metricName: string; dimensions: Record<string, string> },
  hours: number,
) {
  return {
    ...metric,
    statistic: "Sum",
    period: 3600,
    evaluationPeriods: hours,
    datapointsToAlarm: hours,
    threshold: 1,
    comparisonOperator: "LessThanThreshold",
    treatMissingData: "breaching",
  };
}

/**
 * Any error in five minutes alarms. The guide's `GreaterThanThreshold 1` needed two errors; one
 * failed daily run is one error too many. No invocation means no error: missing data is fine here
 * (the no-upload alarm catches a schedule that stopped).
 */
export function exporterErrorsAlarmSettings(functionName: string) {
  return {
    namespace: "AWS/Lambda",
    metricName: "Errors",
    dimensions: { FunctionName: functionName },
    statistic: "Sum",
    period: 300,
    evaluationPeriods: 1,
    threshold: 1,
    comparisonOperator: "GreaterThanOrEqualToThreshold",
    treatMissingData: "notBreaching",
  };
}

/** CloudWatch may publish this stack's alarms; nobody may publish without TLS. */
export function alertsTopicPolicy(
  topicArn: string,
  alarmArnPattern: string,
  accountId: string,
): PolicyDocument {
  return policyDocument([
    {
      Sid: "CloudWatchAlarmsPublish",
      Effect: "Allow",
      Principal: { Service: "cloudwatch.amazonaws.com" },
      Action: "sns:Publish",
      Resource: topicArn,
      Condition: {
        ArnLike: { "aws:SourceArn": alarmArnPattern },
        StringEquals: { "aws:SourceAccount": accountId },
      },
    },
    denyInsecurePublish(topicArn),
  ]);
}

/** Only the upload rule may publish receipts. */
export function uploadsTopicPolicy(topicArn: string, ruleArn: string): PolicyDocument {
  return policyDocument([
    {
      Sid: "UploadRulePublishes",
      Effect: "Allow",
      Principal: { Service: "events.amazonaws.com" },
      Action: "sns:Publish",
      Resource: topicArn,
      Condition: { ArnEquals: { "aws:SourceArn": ruleArn } },
    },
    denyInsecurePublish(topicArn),
  ]);
}

function denyInsecurePublish(topicArn: string) {
  return {
    Sid: "DenyInsecureTransport",
    Effect: "Deny" as const,
    Principal: "*" as const,
    Action: "sns:Publish",
    Resource: topicArn,
    Condition: { Bool: { "aws:SecureTransport": "false" } },
  };
}
