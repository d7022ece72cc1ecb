import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";

/** An IAM user with one inline policy, as SpendFlo's reader, an uploader and a hosted customer have. */
export interface PolicyUserArgs {
  /** The user's name in IAM. */
  readonly userName: string;
  readonly tags: Record<string, string>;
  /** The policy resource is named `<name>-<policySuffix>`. */
  readonly policySuffix: string;
  /** The inline policy's name in IAM. */
  readonly policyName: string;
  /** The policy document, as JSON. */
  readonly policy: pulumi.Input<string>;
}

/** The user (resource name `name`) and its inline policy, children of `parent`. */
export function userWithPolicy(
  parent: pulumi.Resource,
  name: string,
  args: PolicyUserArgs,
): aws.iam.User {
  const user = new aws.iam.User(name, { name: args.userName, tags: args.tags }, { parent });
  new aws.iam.UserPolicy(
    `${name}-${args.policySuffix}`,
    { user: user.name, name: args.policyName, policy: args.policy },
    { parent },
  );
  return user;
}

/** An access key of `user`, its secret a Pulumi secret from the moment the provider returns it. */
export function userAccessKey(
  parent: pulumi.Resource,
  resourceName: string,
  user: aws.iam.User,
): aws.iam.AccessKey {
  return new aws.iam.AccessKey(
    resourceName,
    { user: user.name },
    { parent, additionalSecretOutputs: ["secret"] },
  );
}

/** A user's or role's ARN from its name, known before it exists. */
export function iamPrincipalArn(
  partition: string,
  accountId: pulumi.Input<string>,
  kind: "user" | "role",
  name: string,
): pulumi.Output<string> {
  return pulumi.interpolate`arn:${partition}:iam::${accountId}:${kind}/${name}`;
}
