import type { StackValidationPolicy } from "@pulumi/policy";
import { collectGrants } from "../../../lib/iam/stackGrants.ts";
import { T, UnknownValues, describe } from "../../../lib/stack/model.ts";
import { spendfloReason, stackResources } from "../../support/common.ts";

/**
 * The guide hands SpendFlo a long-lived access key; a role SpendFlo assumes with an external id
 * needs no secret at all, and is what the best vendors do.
 */
export const spendfloPreferRole: StackValidationPolicy = {
  name: "spendflo-prefer-role",
  description:
    "Checks that no SpendFlo principal has a long-lived aws.iam.AccessKey, suggesting the cross-account-role mode instead.",
  enforcementLevel: "advisory",
  severity: "medium",
  remediationSteps:
    "Use the cross-account-role access mode: a role SpendFlo assumes with an external id, in place of an IAM user with a long-lived access key.",
  url: "https://docs.aws.amazon.com/IAM/latest/UserGuide/confused-deputy.html",
  validateStack: async (args, reportViolation) => {
    const unknowns = new UnknownValues();
    const resources = stackResources(args);
    const keys = resources.filter((r) => r.type === T.AccessKey);
    if (keys.length === 0) return;
    const { targets } = await collectGrants(
      resources.filter((r) => r.type === T.User),
      { selectPrincipal: spendfloReason, accounts: [], followTrust: false },
      unknowns,
    );
    for (const k of keys) {
      const users = targets.filter(
        (t) =>
          t.kind === "principal" &&
          (k.propertyDependencies?.["user"]?.some((d) => d.urn === t.principal.resource.urn) ||
            t.principal.names.includes(unknowns.peek(() => String(k.props["user"]), ""))),
      );
      for (const u of users) {
        if (u.kind !== "principal") continue;
        reportViolation(
          `${describe(k)} is a long-lived access key for SpendFlo principal ${describe(u.principal.resource)}: prefer the cross-account-role mode (a role SpendFlo assumes with an sts:ExternalId), which leaves no secret to leak or rotate.`,
          k.urn,
        );
      }
    }
    unknowns.rethrow();
  },
};
