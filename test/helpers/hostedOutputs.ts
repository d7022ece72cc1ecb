/**
 * One hosted customer's block of `pulumi stack output -s hosted --json --show-secrets`, as
 * stacks/hostedStack.ts outputs it: the customer's own upload key, and SpendFlo's read-only sync
 * role for it (`spendflo-reader-<id>` in account 444455556666) with its external id.
 */
export function hostedCustomerBlock(id: string, accessKeyId: string, secretAccessKey: string) {
  const prefix = `customers/${id}/budgets/`;
  const roleArn = `arn:aws:iam::444455556666:role/spendflo-reader-${id}`;
  const externalId = `${id}-5f0c8e2a9d31b7c4`;
  return {
    prefix,
    userName: `spendflo-customer-${id}`,
    accessKeyId,
    secretAccessKey,
    accessMode: "cross-account-role",
    principalArn: roleArn,
    readerRoleArn: roleArn,
    externalId,
    syncSourceConfig: {
      bucketName: "spendflo-budget-uploads",
      region: "us-east-1",
      prefix,
      roleArn,
      externalId,
    },
  };
}
