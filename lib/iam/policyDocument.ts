/** The IAM policy document shape (identity, resource, trust and key policies alike). */

export type StringOrList = string | string[];

export type PolicyPrincipal =
  | "*"
  | {
      AWS?: StringOrList;
      Service?: StringOrList;
      Federated?: StringOrList;
      CanonicalUser?: StringOrList;
    };

/** Condition operators map condition keys to one value or a list of values. */
export type PolicyConditions = Record<string, Record<string, StringOrList | boolean>>;

export interface PolicyStatement {
  Sid?: string;
  Effect: "Allow" | "Deny";
  Principal?: PolicyPrincipal;
  NotPrincipal?: PolicyPrincipal;
  Action?: StringOrList;
  NotAction?: StringOrList;
  Resource?: StringOrList;
  NotResource?: StringOrList;
  Condition?: PolicyConditions;
}

export interface PolicyDocument {
  Version: "2012-10-17";
  Id?: string;
  Statement: PolicyStatement[];
}

export function policyDocument(statements: PolicyStatement[]): PolicyDocument {
  return { Version: "2012-10-17", Statement: statements };
}

/** `arn:<partition>:s3:::<bucket>` */
export function bucketArn(partition: string, bucket: string): string {
  return `arn:${partition}:s3:::${bucket}`;
}

/** `arn:<partition>:s3:::<bucket>/<prefix>*`: every object under the prefix. */
export function prefixObjectsArn(partition: string, bucket: string, prefix: string): string {
  return `${bucketArn(partition, bucket)}/${prefix}*`;
}
