import {
  policyDocument,
  prefixObjectsArn,
  type PolicyDocument,
  type PolicyStatement,
} from "../../lib/iam/policyDocument.ts";
import type { ReaderKmsKey } from "../shared/location.ts";
import { bucketKeyStatement } from "../shared/statements.ts";
import { serviceTrustPolicy } from "../shared/trustPolicies.ts";

export { bucketKeyStatement } from "../shared/statements.ts";

export function lambdaFunctionArn(
  partition: string,
  region: string,
  accountId: string,
  functionName: string,
): string {
  return `arn:${partition}:lambda:${region}:${accountId}:function:${functionName}`;
}

/** `arn:...:ssm:<region>:<account>:parameter/<name>` (the name's leading slash is not repeated). */
export function ssmParameterArn(
  partition: string,
  region: string,
  accountId: string,
  name: string,
): string {
  return `arn:${partition}:ssm:${region}:${accountId}:parameter/${name.replace(/^\//, "")}`;
}

export function lambdaTrustPolicy(): PolicyDocument {
  return serviceTrustPolicy("LambdaAssumes", "lambda.amazonaws.com");
}

/** Scheduler may assume the role only for schedules of this account (confused deputy). */
export function schedulerTrustPolicy(accountId: string): PolicyDocument {
  return serviceTrustPolicy("SchedulerAssumes", "scheduler.amazonaws.com", {
    StringEquals: { "aws:SourceAccount": accountId },
  });
}

export function schedulerInvokePolicy(functionArn: string): PolicyDocument {
  return policyDocument([
    {
      Sid: "InvokeBudgetExporter",
      Effect: "Allow",
      Action: "lambda:InvokeFunction",
      Resource: functionArn,
    },
  ]);
}

export interface ExporterPolicyInput {
  partition: string;
  region: string;
  accountId: string;
  bucketName: string;
  prefix: string;
  functionName: string;
  tokenParameterName?: string;
  tokenKmsKeyArn?: string;
  failureTopicArn?: string;
  kmsKey?: ReaderKmsKey;
}

/**
 * The exporter role's one policy: exactly what each feature needs. Write (never read, list or
 * delete) under the prefix; its own log group; its one token parameter; the failure topic; the
 * bucket's key through S3.
 */
export function exporterPolicy(input: ExporterPolicyInput): PolicyDocument {
  const { partition, region, accountId } = input;
  const statements: PolicyStatement[] = [
    {
      Sid: "WriteBudgetFiles",
      Effect: "Allow",
      Action: ["s3:PutObject", "s3:AbortMultipartUpload"],
      Resource: prefixObjectsArn(partition, input.bucketName, input.prefix),
    },
    {
      Sid: "WriteOwnLogs",
      Effect: "Allow",
      Action: ["logs:CreateLogStream", "logs:PutLogEvents"],
      Resource: `arn:${partition}:logs:${region}:${accountId}:log-group:/aws/lambda/${input.functionName}:*`,
    },
  ];
  if (input.tokenParameterName) {
    statements.push({
      Sid: "ReadSourceToken",
      Effect: "Allow",
      Action: "ssm:GetParameter",
      Resource: ssmParameterArn(partition, region, accountId, input.tokenParameterName),
    });
    if (input.tokenKmsKeyArn) {
      statements.push({
        Sid: "DecryptSourceToken",
        Effect: "Allow",
        Action: "kms:Decrypt",
        Resource: input.tokenKmsKeyArn,
        Condition: { StringEquals: { "kms:ViaService": `ssm.${region}.amazonaws.com` } },
      });
    }
  }
  if (input.failureTopicArn) {
    statements.push({
      Sid: "ReportFailedRuns",
      Effect: "Allow",
      Action: "sns:Publish",
      Resource: input.failureTopicArn,
    });
  }
  const kms = bucketKeyStatement(
    partition,
    region,
    accountId,
    input.bucketName,
    input.kmsKey ?? { kind: "none" },
  );
  if (kms) statements.push(kms);
  return policyDocument(statements);
}
