import { z } from "zod";
import { NAME_RULES, nameProblem } from "../../lib/aws/names.ts";
import { checkArgs, type CheckedArgs } from "../shared/componentArgs.ts";
import {
  bucketNameSchema,
  flagSchema,
  iamPrincipalNameSchema,
  prefixSchema,
} from "../shared/schemas.ts";

/** UploaderAccess's settings: their rules and defaults, one statement for the component and the stack config. */
export const uploaderAccessArgsSchema = z.object({
  kind: z
    .enum(["iam-user", "instance-role"], { error: 'must be "iam-user" or "instance-role"' })
    .default("iam-user")
    .describe(
      "`iam-user` (Option C: the FP&A tool's S3 destination, or a host outside AWS) or `instance-role` (Option B: a cron host on EC2).",
    ),
  bucketName: bucketNameSchema().describe("The budget bucket's name."),
  prefix: prefixSchema.describe("The budget-file prefix the uploader writes under."),
  allowList: flagSchema
    .default(false)
    .describe(
      "Also let it list the prefix (`s3:ListBucket`), for tools that check what they wrote. Default false: write only.",
    ),
  principalName: iamPrincipalNameSchema
    .optional()
    .describe(
      "Name of the user, or of the role and instance profile. Default `budget-uploader-<stack>`.",
    ),
});

export type UploaderAccessSettings = z.output<typeof uploaderAccessArgsSchema>;

/**
 * UploaderAccess's args checked against its schema; `principalName` is the name it will use
 * (given or default), checked as a role's and an instance profile's name.
 */
export function checkUploaderAccessArgs(
  args: unknown,
  principalName: string,
): CheckedArgs<UploaderAccessSettings> {
  const problem = nameProblem(NAME_RULES.iamRole, principalName);
  const extra = problem ? [`principalName ${problem}`] : [];
  return checkArgs(
    uploaderAccessArgsSchema,
    Object.keys(uploaderAccessArgsSchema.shape),
    args,
    (field) => (field === "principalName" && problem ? extra : undefined),
    extra,
  );
}
