/**
 * The access review: who can do what on each budget bucket of a plan (its objects, and the KMS key
 * that encrypts it), from the update pass's records, by the policy pack's own analysis
 * (lib/iam/stackGrants.ts `collectGrants`, the action catalogue, SpendFlo as the pack counts it).
 * The result is the JSON contract of `budget-sync review --json` (docs/access-review.md); the HTML,
 * Markdown and terminal forms render it and nothing else.
 *
 * The steps, in order (each adds to the review's entries in `ReviewContext`): the buckets and the
 * principals the analysis follows (context.ts), their grants and anyone else's (allows.ts), what
 * the review cannot read, the denies and who may assume each role (limits.ts); then the entries
 * are listed, with the pack's verdicts, and secrets masked.
 */
import type { Plan } from "../plan/computePlan.ts";
import type { OfflineRunResult } from "../plan/offlineEngine.ts";
import { SECRET_MASK, maskValues } from "../plan/render.ts";
import {
  OUT_OF_VIEW_NOTES,
  PARTY_ORDER,
  REVIEW_FORMAT,
  type Review,
  type ReviewCondition,
  type ReviewTopDeny,
} from "./contract.ts";
import { addAclGrants, addFoundGrants, addGoverningGrants, governingDocs } from "./allows.ts";
import { reviewContext, type ReviewContext } from "./context.ts";
import { compareGrants, dedupe, dedupeDenies, verdictsOf } from "./grants.ts";
import { addCredentials, addDenies, addUnknownDocuments, addUnreadable } from "./limits.ts";
import { reviewResources } from "./stackViews.ts";
import { summaryLines, wordsContext } from "./words.ts";

export { reviewLevel } from "./grants.ts";
export { globCanStartWith } from "./scopes.ts";
export { reviewResources } from "./stackViews.ts";

export interface ReviewOptions {
  /** True when the account id is the plan's placeholder, not the user's. */
  accountIdIsPlaceholder: boolean;
  /** When the review was made (default: now). */
  now?: Date;
}

/** What the review reads of an offline run: the update pass's records and its secrets. */
export type ReviewRun = Pick<OfflineRunResult, "resources" | "secretValues" | "secretInputPaths">;

/** Builds the review of a plan (the plan's update-pass records and its verdict). */
export async function buildReview(
  plan: Plan,
  run: ReviewRun,
  policyConfig: Record<string, unknown>,
  options: ReviewOptions,
): Promise<Review> {
  const ctx = await reviewContext(plan, reviewResources(run.resources), policyConfig);
  const aclSources = await addFoundGrants(ctx);
  const governing = governingDocs(ctx);
  await addGoverningGrants(ctx, governing);
  await addAclGrants(ctx, aclSources);
  const unreadableTop = addUnreadable(ctx, governing);
  await addUnknownDocuments(ctx);
  const topDenies = await addDenies(ctx, governing);
  await addCredentials(ctx);
  const review = assembleReview(ctx, topDenies, unreadableTop, options);
  return maskSecrets(review, run);
}

/** The review of the entries that can do something here, or may through a document it cannot read. */
function assembleReview(
  ctx: ReviewContext,
  topDenies: ReviewTopDeny[],
  unreadableTop: string[],
  options: ReviewOptions,
): Review {
  const { plan, buckets } = ctx;
  const listed = [...ctx.principals.values()].filter((p) => p.grants.length || p.unresolved.length);
  for (const p of listed) {
    p.grants = dedupe(p.grants).sort(compareGrants);
    p.denies = dedupeDenies(p.denies);
  }
  listed.sort(
    (a, b) => PARTY_ORDER.get(a.party)! - PARTY_ORDER.get(b.party)! || a.name.localeCompare(b.name),
  );
  const listedNames = new Set(listed.map((p) => p.name));
  const denies = topDenies
    .map((d) => ({
      ...d,
      appliesTo: d.appliesTo.filter((n) => listedNames.has(n)),
    }))
    .filter((d) => d.appliesTo.length > 0 || d.principals?.includes("*"));

  const unknownMessages = [
    ...new Set([...ctx.unknowns.errors, ...ctx.spendfloUnknowns.errors].map((e) => e.message)),
    ...unreadableTop,
  ];
  return {
    format: REVIEW_FORMAT,
    stack: plan.stack,
    project: plan.project,
    accountId: plan.accountId,
    accountIdIsPlaceholder: options.accountIdIsPlaceholder,
    region: plan.region,
    generatedAt: (options.now ?? new Date()).toISOString(),
    buckets: buckets.map((b) => b.review),
    summary: summaryLines(
      listed,
      wordsContext({
        buckets: buckets.map((b) => b.review),
        accountId: plan.accountId,
      }),
    ),
    principals: listed,
    denies,
    verdicts: verdictsOf(plan, ctx.policyConfig),
    unknowns: unknownMessages,
    warnings: plan.warnings,
    notes: OUT_OF_VIEW_NOTES,
  };
}

/**
 * Secrets (an external id set as a secret, a secret config value) never leave the plan: every
 * secret value, and the condition values of a document the program marked secret.
 */
function maskSecrets(review: Review, run: ReviewRun): Review {
  const secretSources = new Set(
    [...run.secretInputPaths].filter(([, paths]) => paths.length > 0).map(([urn]) => urn),
  );
  const maskConditions = <T extends { conditions?: ReviewCondition[]; source: { urn: string } }>(
    item: T,
  ): T =>
    item.conditions && secretSources.has(item.source.urn)
      ? {
          ...item,
          conditions: item.conditions.map((c) => ({
            ...c,
            values: c.values.map(() => SECRET_MASK),
          })),
        }
      : item;
  for (const p of review.principals) {
    p.grants = p.grants.map(maskConditions);
    p.denies = p.denies.map(maskConditions);
    if (p.assumedBy) p.assumedBy = p.assumedBy.map(maskConditions);
  }
  review.denies = review.denies.map(maskConditions);
  return maskValues(review, run.secretValues) as Review;
}
