import { z } from "zod";
import { NAME_RULES, nameProblem } from "../../lib/aws/names.ts";
import { EXTERNAL_ID_RULE } from "../../lib/spendflo/externalId.ts";
import { ACCESS_MODES } from "../../lib/spendflo/stackOutputs.ts";
import { checkArgs, type CheckedArgs } from "../shared/componentArgs.ts";
import {
  accountIdSchema,
  bucketNameSchema,
  iamPrincipalNameSchema,
  prefixSchema,
} from "../shared/schemas.ts";

/** The two access-key slots of the iam-user mode; two let a key rotate without a gap. */
export const ACCESS_KEY_SLOTS = ["key1", "key2"] as const;
export type AccessKeySlot = (typeof ACCESS_KEY_SLOTS)[number];

const keySlot = z.enum(ACCESS_KEY_SLOTS, { error: 'must be "key1" or "key2"' });

/** SpendfloReader's settings: their rules, one statement for the component and the stack config. */
export const spendfloReaderArgsSchema = z.object({
  mode: z
    .enum(ACCESS_MODES, { error: `must be one of ${ACCESS_MODES.join(", ")}` })
    .describe(
      "How SpendFlo reads: `iam-user` (the guide's Option 2, an access key), `cross-account-policy` (its FAQ, a bucket policy for SpendFlo's account) or `cross-account-role` (a role SpendFlo assumes with an external id).",
    ),
  bucketName: bucketNameSchema().describe("The budget bucket's name."),
  prefix: prefixSchema.describe("The budget-file prefix SpendFlo may list and read."),
  spendfloAccountId: accountIdSchema
    .optional()
    .describe(
      "SpendFlo's 12-digit AWS account id; required in both cross-account modes (quote one that starts with 0: a YAML number loses it).",
    ),
  externalId: z
    .string()
    .regex(EXTERNAL_ID_RULE.pattern, EXTERNAL_ID_RULE.message)
    .optional()
    .describe(
      "The external id SpendFlo presents when assuming the role; required in `cross-account-role`.",
    ),
  principalName: iamPrincipalNameSchema
    .optional()
    .describe(
      "Name of the IAM user or role SpendFlo uses. Default `spendflo-budget-sync-<stack>`; a second reader in one account needs its own.",
    ),
  accessKeys: z
    .array(keySlot)
    .min(1, "must keep at least one key")
    .max(2)
    .refine((slots) => new Set(slots).size === slots.length, "must not list a slot twice")
    .optional()
    .describe(
      '`iam-user` only: the access-key slots to keep, `key1` and/or `key2` (two during a rotation). Default `["key1"]`.',
    ),
  activeKey: keySlot
    .optional()
    .describe(
      "`iam-user` only: the slot handed to SpendFlo in `syncSourceConfig`. Default: the last of `accessKeys`.",
    ),
});

export type SpendfloReaderSettings = z.output<typeof spendfloReaderArgsSchema>;

/** SpendfloReader's args checked against its schema: its settings, or its problems. */
export function checkSpendfloReaderArgs(args: {
  readonly mode?: string;
  readonly spendfloAccountId?: string;
  readonly externalId?: string;
  readonly principalName?: string;
  readonly accessKeys?: readonly AccessKeySlot[];
  readonly activeKey?: AccessKeySlot;
}): CheckedArgs<SpendfloReaderSettings> {
  const extra: string[] = [];
  const needsAccount = `mode ${args.mode} needs SpendFlo's AWS account id (12 digits)`;
  const slotsRule = "accessKeys must list one or two distinct slots out of key1, key2";
  const nameRule =
    args.principalName === undefined
      ? undefined
      : nameProblem(NAME_RULES.iamUser, args.principalName);
  if (nameRule) extra.push(`principalName ${nameRule}`);
  if (args.mode !== "iam-user" && !/^\d{12}$/.test(args.spendfloAccountId ?? "")) {
    extra.push(needsAccount);
  }
  if (args.mode === "cross-account-role" && !args.externalId) {
    extra.push("mode cross-account-role needs an external id");
  }
  const slots = args.accessKeys ?? ["key1"];
  if (args.mode === "iam-user" && args.activeKey && !slots.includes(args.activeKey)) {
    extra.push(`activeKey ${args.activeKey} is not one of accessKeys (${slots.join(", ")})`);
  }
  return checkArgs(
    spendfloReaderArgsSchema,
    Object.keys(spendfloReaderArgsSchema.shape),
    args,
    (field) => {
      if (field === "principalName" && nameRule) return `principalName ${nameRule}`;
      if (field === "spendfloAccountId" && args.mode !== "iam-user") return needsAccount;
      if (field.startsWith("accessKeys")) return slotsRule;
      return undefined;
    },
    extra,
  );
}
