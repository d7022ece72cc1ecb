import type { StackValidationPolicy } from "@pulumi/policy";
import { UnknownValues } from "../../../lib/stack/model.ts";
import { spendfloAccounts, spendfloConfigSchema, stackResources } from "../../support/common.ts";
import { wasRefused } from "../../support/programInputs.ts";
import { spendfloView, writeFindings } from "../../support/spendfloGrants.ts";

/**
 * The guide's absolute rule: "SpendFlo only needs read access (s3:GetObject, s3:ListBucket). Never
 * grant write or delete permissions." Checked over every path by which a principal gets access,
 * once every resource of the stack is known: at preview, and after `pulumi up`.
 */
export const spendfloReadOnly: StackValidationPolicy = {
  name: "spendflo-read-only",
  description:
    "Checks that no SpendFlo principal is granted any action whose access level is not List or Read, by any identity, resource, key or grant path.",
  enforcementLevel: "mandatory",
  severity: "critical",
  remediationSteps:
    "Remove the write, delete, tagging or permissions action granted to SpendFlo, by whichever path the finding names (a policy, an attachment, a group membership, a role SpendFlo can assume, a bucket or key policy, a grant or an ACL); SpendFlo only lists and reads budget files.",
  url: "https://docs.aws.amazon.com/IAM/latest/UserGuide/best-practices.html",
  configSchema: spendfloConfigSchema,
  validateStack: async (args, reportViolation) => {
    const unknowns = new UnknownValues();
    const resources = stackResources(args);
    const view = await spendfloView(resources, spendfloAccounts(args), unknowns);
    for (const f of writeFindings(view)) {
      // Already refused by the resource-level check, which the engine ran on every resource first.
      if (f.statementKey && wasRefused(f.statementKey)) continue;
      reportViolation(f.message, f.urn);
    }
    unknowns.rethrow();
  },
};
