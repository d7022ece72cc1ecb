import { z } from "zod";
import {
  customerIdProblems,
  hostedExternalIdProblems,
  iamTagValueProblems,
  pollerRoleArnProblems,
} from "../../lib/spendflo/hostedBucket.ts";
import { checkArgs, type CheckedArgs } from "../shared/componentArgs.ts";
import { bucketNameSchema } from "../shared/schemas.ts";

/** A string checked by a function that lists its problems, one issue each. */
function checkedString(
  problems: (value: string) => string[],
  error?: z.core.$ZodErrorMap<z.core.$ZodIssueInvalidType>,
) {
  return z.string(error ? { error } : undefined).superRefine((value, ctx) => {
    for (const message of problems(value)) ctx.addIssue({ code: "custom", message });
  });
}

/** A tag value IAM accepts (a hosted customer's name or contact). */
export const iamTagValueSchema = checkedString(iamTagValueProblems, () => "must be text");

/** HostedCustomer's settings: their rules, one statement for the component and the stack config. */
export const hostedCustomerArgsSchema = z.object({
  customerId: checkedString(customerIdProblems, (issue) =>
    issue.input === undefined
      ? "is required: the customer's company id, a lowercase slug (acme-corp)"
      : `must be text: the customer's company id, a lowercase slug (acme-corp), not a ${typeof issue.input}`,
  ).describe(
    "The customer's company id, a lowercase slug (acme-corp), unique; its prefix is `customers/<id>/budgets/`.",
  ),
  bucketName: bucketNameSchema().describe(
    "The shared bucket's name (`spendflo-budget-uploads`); grants are built from it before deployment.",
  ),
  displayName: iamTagValueSchema
    .optional()
    .describe("The customer's display name, tagged on its user. Default: none."),
  contact: iamTagValueSchema
    .optional()
    .describe("The customer's contact (an email address), tagged on its user. Default: none."),
  pollerRoleArn: checkedString(
    pollerRoleArnProblems,
    () => "must be text: the ARN of SpendFlo's poller role",
  ).describe(
    "The ARN of SpendFlo's poller role, the one principal that may assume the customers' read-only sync roles; a role, not an account or a session.",
  ),
  externalId: checkedString(hostedExternalIdProblems, (issue) =>
    issue.input === undefined
      ? "is required: the external id SpendFlo's poller presents for this customer, a random value such as the output of `uuidgen`"
      : "must be text: a random value such as the output of `uuidgen`",
  ).describe(
    "The external id SpendFlo's poller presents for this customer: a random value (`uuidgen`), 16 characters or more, unique per customer.",
  ),
});

export type HostedCustomerSettings = z.output<typeof hostedCustomerArgsSchema>;

/** HostedCustomer's args checked against its schema: its settings, or its problems. */
export function checkHostedCustomerArgs(args: unknown): CheckedArgs<HostedCustomerSettings> {
  return checkArgs(
    hostedCustomerArgsSchema,
    Object.keys(hostedCustomerArgsSchema.shape),
    args,
    (field, issue) => (field === "bucketName" ? `bucket name ${issue.message}` : undefined),
  );
}
