/**
 * The conventions of the SpendFlo-provided bucket (the guide's Option 1): every customer's files
 * live under `customers/<company-id>/budgets/`, and its one principal is named after its id. The
 * program, the policy pack and the command line all read them from here.
 */

/** The part of the hosted bucket that holds every customer's prefix; one lifecycle covers it. */
export const HOSTED_PREFIX_ROOT = "customers/";

/** The name of the shared bucket in the guide's Step 1. */
export const HOSTED_BUCKET_NAME = "spendflo-budget-uploads";

/** Every hosted customer's IAM user is this plus the customer id. */
export const HOSTED_USER_NAME_PREFIX = "spendflo-customer-";

/** IAM user names are at most 64 characters, so the id may take what the prefix leaves. */
export const CUSTOMER_ID_MAX_LENGTH = 64 - HOSTED_USER_NAME_PREFIX.length;

/** `customers/<id>/budgets/`: the one prefix a customer may list, upload to and read. */
export function hostedCustomerPrefix(customerId: string): string {
  return `${HOSTED_PREFIX_ROOT}${customerId}/budgets/`;
}

/** `spendflo-customer-<id>`: the customer's IAM user. */
export function hostedCustomerUserName(customerId: string): string {
  return `${HOSTED_USER_NAME_PREFIX}${customerId}`;
}

/**
 * Problems with a customer id, one message each; empty when usable. A lowercase slug: it becomes
 * an S3 prefix segment, part of an IAM user name, a Pulumi resource name and a tag value, and a
 * slash or wildcard in it would widen the customer's grants to another's prefix.
 */
export function customerIdProblems(id: string): string[] {
  const problems: string[] = [];
  if (id.length === 0) return ["must not be empty"];
  if (!/^[a-z0-9-]+$/.test(id)) {
    problems.push("must be a lowercase slug: only a-z, 0-9 and hyphens (e.g. acme-corp)");
  } else if (id.startsWith("-") || id.endsWith("-")) {
    problems.push("must begin and end with a letter or a digit");
  }
  if (id.length > CUSTOMER_ID_MAX_LENGTH) {
    problems.push(
      `must be at most ${CUSTOMER_ID_MAX_LENGTH} characters (it has ${id.length}): the IAM user name ${HOSTED_USER_NAME_PREFIX}<id> is limited to 64`,
    );
  }
  return problems;
}

/**
 * Problems with a value that becomes an IAM tag value (a customer's name or contact); empty when
 * IAM accepts it. IAM allows letters, digits, spaces and `_ . : / = + - @`, up to 256 characters.
 */
export function iamTagValueProblems(value: string): string[] {
  const problems: string[] = [];
  if (!/^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$/u.test(value)) {
    problems.push(
      "may contain only letters, digits, spaces and _ . : / = + - @ (it becomes an IAM tag value)",
    );
  }
  if (value.length > 256) problems.push(`must be at most 256 characters (it has ${value.length})`);
  return problems;
}
