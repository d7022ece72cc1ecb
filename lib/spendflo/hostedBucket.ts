/**
 * The conventions of the SpendFlo-provided bucket (the guide's Option 1): every customer's files
 * live under `customers/<company-id>/budgets/`; its upload principal and SpendFlo's read-only
 * sync role for it are named after its id. The program, the policy pack and the command line all
 * read them from here.
 */
import { EXTERNAL_ID_RULE } from "./externalId.ts";

/** The part of the hosted bucket that holds every customer's prefix; one lifecycle covers it. */
export const HOSTED_PREFIX_ROOT = "customers/";

/** The name of the shared bucket in the guide's Step 1. */
export const HOSTED_BUCKET_NAME = "spendflo-budget-uploads";

/** Every hosted customer's IAM user is this plus the customer id. */
export const HOSTED_USER_NAME_PREFIX = "spendflo-customer-";

/**
 * Every hosted customer's read-only sync role (the one SpendFlo's poller assumes for that customer)
 * is this plus the customer id. Shorter than the user's prefix, so every valid id fits both.
 */
export const HOSTED_READER_NAME_PREFIX = "spendflo-reader-";

/** IAM user names are at most 64 characters, so the id may take what the prefix leaves. */
export const CUSTOMER_ID_MAX_LENGTH = 64 - HOSTED_USER_NAME_PREFIX.length;

/**
 * A hosted customer's external id: at least this long, so that it cannot be guessed from the
 * customer's id (the role's name is no secret, and another tenant who knew both could point a
 * sync of its own at this customer's reader).
 */
export const HOSTED_EXTERNAL_ID_MIN_LENGTH = 16;

/** `customers/<id>/budgets/`: the one prefix a customer may list, upload to and read. */
export function hostedCustomerPrefix(customerId: string): string {
  return `${HOSTED_PREFIX_ROOT}${customerId}/budgets/`;
}

/** `spendflo-customer-<id>`: the customer's IAM user. */
export function hostedCustomerUserName(customerId: string): string {
  return `${HOSTED_USER_NAME_PREFIX}${customerId}`;
}

/** `spendflo-reader-<id>`: the customer's read-only sync role. */
export function hostedReaderRoleName(customerId: string): string {
  return `${HOSTED_READER_NAME_PREFIX}${customerId}`;
}

/**
 * Problems with a hosted customer's external id, one message each; empty when usable. STS takes
 * 2 to 1,224 characters of letters, digits and `+ = , . @ : / - _`; a hosted one must also be long
 * enough not to be guessed.
 */
export function hostedExternalIdProblems(externalId: string): string[] {
  const problems: string[] = [];
  if (!EXTERNAL_ID_RULE.characters.test(externalId)) {
    problems.push("may contain only letters, digits and + = , . @ : / - _ (STS's external id)");
  }
  if (externalId.length < HOSTED_EXTERNAL_ID_MIN_LENGTH) {
    problems.push(
      `must be at least ${HOSTED_EXTERNAL_ID_MIN_LENGTH} characters (it has ${externalId.length}): a random value such as the output of \`uuidgen\`, which no other tenant can guess`,
    );
  }
  if (externalId.length > EXTERNAL_ID_RULE.maxLength) {
    problems.push(
      `must be at most ${EXTERNAL_ID_RULE.maxLength} characters (it has ${externalId.length})`,
    );
  }
  return problems;
}

/**
 * Problems with the ARN of SpendFlo's poller, the one principal that may assume the customers'
 * sync roles; empty when usable. A role (its sessions are what the poller runs as), named
 * exactly: an account root would let every principal of that account in.
 */
export function pollerRoleArnProblems(arn: string): string[] {
  if (/^arn:aws[a-z-]*:iam::\d{12}:root$/.test(arn)) {
    return [
      "names a whole account: name the poller's role (arn:aws:iam::<account>:role/<name>), so that no other principal of that account can assume the customers' readers",
    ];
  }
  if (/^arn:aws[a-z-]*:sts::/.test(arn)) {
    return [
      "is a session (sts:assumed-role): name the role itself, arn:aws:iam::<account>:role/<name>",
    ];
  }
  if (!/^arn:aws[a-z-]*:iam::\d{12}:role\/(?:[\w+=,.@-]+\/)*[\w+=,.@-]{1,64}$/.test(arn)) {
    return ["must be an IAM role ARN: arn:aws:iam::<12-digit account>:role/<name>"];
  }
  return [];
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
