import { policyDocument, type PolicyDocument } from "../../lib/iam/policyDocument.ts";

/**
 * Who may assume a role that another party uses: exactly one principal (an account root or a
 * role), and only presenting the agreed external id (`sts:ExternalId`), the confused-deputy guard
 * of every cross-account role.
 */
export function crossAccountTrustPolicy(
  sid: string,
  principalArn: string,
  externalId: string,
): PolicyDocument {
  return policyDocument([
    {
      Sid: sid,
      Effect: "Allow",
      Principal: { AWS: principalArn },
      Action: "sts:AssumeRole",
      Condition: { StringEquals: { "sts:ExternalId": externalId } },
    },
  ]);
}

/**
 * Who may assume a role an AWS service uses (`lambda.amazonaws.com`, `ec2.amazonaws.com`...),
 * with an optional condition (a service acting for other accounts needs one: confused deputy).
 */
export function serviceTrustPolicy(
  sid: string,
  service: string,
  condition?: Record<string, Record<string, string>>,
): PolicyDocument {
  return policyDocument([
    {
      Sid: sid,
      Effect: "Allow",
      Principal: { Service: service },
      Action: "sts:AssumeRole",
      ...(condition ? { Condition: condition } : {}),
    },
  ]);
}
