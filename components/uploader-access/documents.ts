import {
  policyDocument,
  prefixObjectsArn,
  type PolicyDocument,
  type PolicyStatement,
} from "../../lib/iam/policyDocument.ts";
import type { ReaderKmsKey } from "../shared/location.ts";
import { bucketKeyStatement, listPrefixStatement } from "../shared/statements.ts";
import { serviceTrustPolicy } from "../shared/trustPolicies.ts";

export interface UploaderPolicyInput {
  partition: string;
  region: string;
  accountId: string;
  bucketName: string;
  prefix: string;
  allowList: boolean;
  kmsKey: ReaderKmsKey;
}

/** PutObject and AbortMultipartUpload under the prefix; a prefix-scoped list only when asked. */
export function uploaderPolicy(input: UploaderPolicyInput): PolicyDocument {
  const statements: PolicyStatement[] = [
    {
      Sid: "WriteBudgetFiles",
      Effect: "Allow",
      Action: ["s3:PutObject", "s3:AbortMultipartUpload"],
      Resource: prefixObjectsArn(input.partition, input.bucketName, input.prefix),
    },
  ];
  if (input.allowList) {
    statements.push(
      listPrefixStatement("ListBudgetPrefix", input.partition, input.bucketName, input.prefix),
    );
  }
  const kms = bucketKeyStatement(
    input.partition,
    input.region,
    input.accountId,
    input.bucketName,
    input.kmsKey,
  );
  if (kms) statements.push(kms);
  return policyDocument(statements);
}

/** The cron host's role: only EC2 (the instance profile) assumes it. */
export function ec2TrustPolicy(): PolicyDocument {
  return serviceTrustPolicy("Ec2Assumes", "ec2.amazonaws.com");
}
