import type { StackValidationPolicy } from "@pulumi/policy";
import { isReadLevel } from "../lib/iamActions.ts";
import { byRelevance, listSome } from "../lib/iamAnalysis.ts";
import { UnknownValues, describe } from "../lib/stackModel.ts";
import {
  READ_ONLY_MANAGED_POLICIES,
  isReadOnlyManagedPolicy,
  spendfloAccounts,
  spendfloConfigSchema,
  stackResources,
} from "./common.ts";
import { grantResources, grantSource, spendfloLabel, spendfloView } from "./spendfloGrants.ts";

/**
 * The guide's absolute rule: "SpendFlo only needs read access (s3:GetObject, s3:ListBucket). Never
 * grant write or delete permissions." Checked over every path by which a principal gets access.
 */
export const spendfloReadOnly: StackValidationPolicy = {
  name: "spendflo-read-only",
  description:
    "Checks that no SpendFlo principal is granted any action whose access level is not List or Read, by any identity, resource, key or grant path.",
  enforcementLevel: "mandatory",
  configSchema: spendfloConfigSchema,
  validateStack: async (args, reportViolation) => {
    const unknowns = new UnknownValues();
    const resources = stackResources(args);
    const view = await spendfloView(resources, spendfloAccounts(args), unknowns);
    for (const g of view.grants) {
      const writes = g.actions.filter(
        (a) => !isReadLevel(a.accessLevel) && !view.isDecryptException(g, a),
      );
      if (writes.length === 0) continue;
      reportViolation(
        `${spendfloLabel(g.target)} may write: ${grantSource(g)} grants ${listSome(
          byRelevance(writes.map((a) => a.action)),
        )} on ${grantResources(g)}. SpendFlo must only be granted List and Read actions.`,
        g.source.urn,
      );
    }
    for (const m of view.managed) {
      if (m.awsManaged && isReadOnlyManagedPolicy(m.policyArn)) continue;
      const via = m.via ? ` ${m.via}` : "";
      reportViolation(
        m.awsManaged
          ? `${spendfloLabel(m.target)} has the AWS-managed policy ${m.policyArn} attached by ${describe(m.source)}${via}, which is not one of the read-only ones (${READ_ONLY_MANAGED_POLICIES.join(", ")}).`
          : `${spendfloLabel(m.target)} has the policy ${m.policyArn} attached by ${describe(m.source)}${via}, whose document is not in this stack, so it cannot be shown to be read-only.`,
        m.source.urn,
      );
    }
    for (const u of view.unreadable) {
      const who = u.target ? ` for ${spendfloLabel(u.target)}` : "";
      reportViolation(
        `${describe(u.source)} has a policy document that cannot be read (${u.problem}), so it cannot be shown to grant SpendFlo${who} nothing but List and Read actions.`,
        u.source.urn,
      );
    }
    unknowns.rethrow();
  },
};
