import type { StackValidationPolicy } from "@pulumi/policy";
import { byRelevance, listSome } from "../../../lib/iam/analysis.ts";
import {
  UnknownValues,
  bucketsWithSettings,
  describe,
  trailLogBuckets,
} from "../../../lib/stack/model.ts";
import {
  spendfloAccountIdsSchema,
  spendfloAccounts,
  stackResources,
} from "../../support/common.ts";
import {
  decryptScopeProblem,
  grantResources,
  grantSource,
  isKmsDecrypt,
  spendfloLabel,
  spendfloView,
  withinBuckets,
} from "../../support/spendfloGrants.ts";

interface ScopedConfig {
  additionalBuckets?: string[];
}

/**
 * Read-only is not enough: SpendFlo's reads are limited to the budget buckets. A reader with
 * `s3:GetObject` on `*` reads every bucket in the account; `secretsmanager:GetSecretValue` is a
 * Read too; AWS-managed policies are account-wide, AmazonS3ReadOnlyAccess included.
 */
export const spendfloScoped: StackValidationPolicy = {
  name: "spendflo-scoped",
  description:
    'Checks that SpendFlo may only act on the stack\'s budget buckets and their objects: no Resource "*", no other bucket, no other service (kms:Decrypt only through S3), no AWS-managed policy.',
  enforcementLevel: "mandatory",
  severity: "high",
  remediationSteps:
    "Narrow SpendFlo's read to the budget bucket and its budgets/ prefix: name the bucket and prefix in Resource, limit s3:ListBucket with an s3:prefix condition, and let kms:Decrypt work only through S3 (kms:ViaService).",
  url: "https://docs.aws.amazon.com/IAM/latest/UserGuide/best-practices.html",
  configSchema: {
    properties: {
      spendfloAccountIds: spendfloAccountIdsSchema,
      additionalBuckets: {
        type: "array",
        items: { type: "string", minLength: 3 },
        default: [],
        description:
          "Budget buckets SpendFlo may read that are not in this stack (e.g. an existing bucket the stack does not manage).",
      },
    },
  },
  validateStack: async (args, reportViolation) => {
    const unknowns = new UnknownValues();
    const resources = stackResources(args);
    const logBuckets = trailLogBuckets(resources, unknowns);
    const budgetBuckets = new Set<string>(
      bucketsWithSettings(resources, unknowns)
        .map((b) => b.name)
        .filter((n) => !logBuckets.has(n)),
    );
    for (const b of args.getConfig<ScopedConfig>().additionalBuckets ?? []) budgetBuckets.add(b);
    const view = await spendfloView(resources, spendfloAccounts(args), unknowns);
    const bucketList =
      budgetBuckets.size > 0 ? [...budgetBuckets].join(", ") : "none in this stack";

    for (const g of view.grants) {
      const source = grantSource(g);
      const label = spendfloLabel(g.target);
      const otherServices = g.actions.filter(
        (a) => !a.action.toLowerCase().startsWith("s3:") && !isKmsDecrypt(a),
      );
      if (otherServices.length > 0) {
        reportViolation(
          `${label} is granted actions outside S3 by ${source}: ${listSome(
            byRelevance(otherServices.map((a) => a.action)),
          )}. SpendFlo may only read the budget buckets (${bucketList}).`,
          g.source.urn,
        );
      }
      if (g.actions.some(isKmsDecrypt)) {
        const problem = decryptScopeProblem(g, unknowns);
        if (problem) {
          reportViolation(
            `${label} may decrypt beyond the budget files: ${source} grants kms:Decrypt on ${grantResources(g)} ${problem}. SpendFlo needs kms:Decrypt only to read SSE-KMS budget files through S3.`,
            g.source.urn,
          );
        }
      }
      if (g.kind === "key-policy" || g.kind === "kms-grant" || !g.statement) continue;
      const s3Actions = g.actions.filter((a) => a.action.toLowerCase().startsWith("s3:"));
      if (s3Actions.length === 0) continue;
      const s = g.statement;
      if (s.notResources !== undefined) {
        reportViolation(
          `${label} is granted S3 actions on everything except ${listSome(s.notResources, 5)} by ${source} (NotResource). SpendFlo may only read the budget buckets (${bucketList}).`,
          g.source.urn,
        );
        continue;
      }
      const outside = (s.resources ?? []).filter((r) => {
        if (withinBuckets(r, budgetBuckets)) return false;
        // A KMS key ARN next to kms:Decrypt is the SSE-KMS read, judged above.
        return !/^arn:aws[a-z-]*:kms:/i.test(r);
      });
      if (outside.length > 0) {
        reportViolation(
          `${label} is granted S3 actions on ${listSome(outside, 5)} by ${source}, outside the budget buckets (${bucketList}). Scope SpendFlo's access to the budget bucket and its prefix.`,
          g.source.urn,
        );
      }
    }
    for (const m of view.managed) {
      reportViolation(
        `${spendfloLabel(m.target)} has the ${m.awsManaged ? "AWS-managed" : "external"} policy ${m.policyArn} attached by ${describe(m.source)}${m.via ? ` ${m.via}` : ""}; managed policies are account-wide, so SpendFlo's access must be an inline or stack policy scoped to the budget buckets (${bucketList}).`,
        m.source.urn,
      );
    }
    unknowns.rethrow();
  },
};
