/**
 * `review --against OLD.json`: which grants a change adds and which it removes, worst first. A new
 * Write (or Permissions management, or Tagging) for anyone, any new grant to SpendFlo, and a new
 * document the review cannot read are the changes a reviewer must approve: they make the diff fail.
 */
import { readFileSync } from "node:fs";
import { CliError, ExitCode } from "../errors.ts";
import {
  LEVEL_ORDER,
  PARTY_ORDER,
  REVIEW_FORMAT,
  isSpendfloParty,
  isWriteLevel,
  reviewSchema,
  type Party,
  type Review,
  type ReviewGrant,
  type ReviewPrincipal,
  type ReviewUnresolved,
} from "./contract.ts";

export const REVIEW_DIFF_FORMAT = "budget-sync-review-diff/1";

export interface DiffPrincipal {
  name: string;
  party: Party;
  urn?: string;
}

export interface DiffChange {
  change: "added" | "removed";
  principal: DiffPrincipal;
  /** A grant added or removed. */
  grant?: ReviewGrant;
  /** A document the review cannot read, added or removed. */
  unresolved?: ReviewUnresolved;
  /** True for a change a reviewer must approve (see `flagReason`). */
  flagged: boolean;
  /** Why it is flagged: `new Write`, `new grant to SpendFlo`, `new document this review cannot read`. */
  reason?: string;
}

export interface ReviewDiff {
  format: typeof REVIEW_DIFF_FORMAT;
  stack: string;
  against: { stack: string; generatedAt: string };
  /** True when a change is flagged: `review --against` exits 1. */
  failing: boolean;
  added: number;
  removed: number;
  /** Worst first: flagged additions, other additions, then removals (writes first). */
  changes: DiffChange[];
}

/** Reads an earlier `review --json`; bad input is exit 2, with what is wrong and where. */
export function readReviewFile(file: string): Review {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (error) {
    throw new CliError(
      `--against ${file}: cannot read it (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`,
      ExitCode.Usage,
    );
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new CliError(
      `--against ${file}: not JSON; give the output of an earlier \`budget-sync review --json\``,
      ExitCode.Usage,
    );
  }
  const format = (parsed as { format?: unknown } | null)?.format;
  if (format !== REVIEW_FORMAT) {
    throw new CliError(
      `--against ${file}: not a review of this version (format ${JSON.stringify(format ?? null)}, expected "${REVIEW_FORMAT}"); make it with \`budget-sync review --json\` of this version`,
      ExitCode.Usage,
    );
  }
  const result = reviewSchema.safeParse(parsed);
  if (!result.success) {
    const issues = result.error.issues
      .slice(0, 5)
      .map((i) => `  - ${i.path.join(".") || "(top)"}: ${i.message}`);
    throw new CliError(
      `--against ${file}: not a valid review:\n${issues.join("\n")}`,
      ExitCode.Usage,
    );
  }
  return result.data;
}

/** Who a principal is, across two reviews: its URN (a rename keeps it), else its name; and party. */
function principalKey(p: ReviewPrincipal): string {
  return JSON.stringify([p.urn ?? p.name, p.party]);
}

function sortedConditions(g: ReviewGrant) {
  return (g.conditions ?? [])
    .map((c) => ({ operator: c.operator, key: c.key.toLowerCase(), values: [...c.values].sort() }))
    .sort((a, b) => `${a.key} ${a.operator}`.localeCompare(`${b.key} ${b.operator}`));
}

/** The access a grant gives: not where it is written (moving a statement changes nothing). */
function grantKey(g: ReviewGrant): string {
  return JSON.stringify([g.action.toLowerCase(), g.resource, g.where, sortedConditions(g)]);
}

function unresolvedKey(u: ReviewUnresolved): string {
  return JSON.stringify([u.kind, u.policyArn ?? u.detail, u.source.urn]);
}

/** Why a change needs a reviewer's approval, or undefined. */
export function flagReason(change: Omit<DiffChange, "flagged" | "reason">): string | undefined {
  if (change.change !== "added") return undefined;
  if (change.grant && isWriteLevel(change.grant.level)) {
    return `new ${change.grant.level}${isSpendfloParty(change.principal.party) ? " for SpendFlo" : ""}`;
  }
  if (isSpendfloParty(change.principal.party)) return "new grant to SpendFlo";
  if (change.unresolved && !change.unresolved.readOnly) {
    return "new document this review cannot read";
  }
  return undefined;
}

function rank(c: DiffChange): number {
  const spendflo = isSpendfloParty(c.principal.party);
  const write = c.grant
    ? isWriteLevel(c.grant.level)
    : Boolean(c.unresolved && !c.unresolved.readOnly);
  if (c.change === "added") {
    if (write && spendflo) return 0;
    if (write) return 1;
    if (spendflo) return 2;
    return 3;
  }
  return write ? 4 : 5;
}

function compareChanges(a: DiffChange, b: DiffChange): number {
  const level = (c: DiffChange) => (c.grant ? LEVEL_ORDER[c.grant.level] : -1);
  return (
    rank(a) - rank(b) ||
    PARTY_ORDER.get(a.principal.party)! - PARTY_ORDER.get(b.principal.party)! ||
    a.principal.name.localeCompare(b.principal.name) ||
    level(a) - level(b) ||
    (a.grant?.action ?? "").localeCompare(b.grant?.action ?? "") ||
    (a.grant?.resource ?? "").localeCompare(b.grant?.resource ?? "")
  );
}

/** The grants and unreadable documents `head` adds to and removes from `old`, worst first. */
export function diffReviews(old: Review, head: Review): ReviewDiff {
  const index = (review: Review) => {
    const grants = new Map<string, { principal: ReviewPrincipal; grant: ReviewGrant }>();
    const unresolved = new Map<string, { principal: ReviewPrincipal; item: ReviewUnresolved }>();
    for (const p of review.principals) {
      const who = principalKey(p);
      for (const g of p.grants) grants.set(`${who}|${grantKey(g)}`, { principal: p, grant: g });
      for (const u of p.unresolved) {
        unresolved.set(`${who}|${unresolvedKey(u)}`, { principal: p, item: u });
      }
    }
    return { grants, unresolved };
  };
  const before = index(old);
  const after = index(head);
  const who = (p: ReviewPrincipal): DiffPrincipal => ({
    name: p.name,
    party: p.party,
    ...(p.urn ? { urn: p.urn } : {}),
  });
  const changes: DiffChange[] = [];
  const push = (c: Omit<DiffChange, "flagged" | "reason">) => {
    const reason = flagReason(c);
    changes.push({ ...c, flagged: reason !== undefined, ...(reason ? { reason } : {}) });
  };
  for (const [key, { principal, grant }] of after.grants) {
    if (!before.grants.has(key)) push({ change: "added", principal: who(principal), grant });
  }
  for (const [key, { principal, grant }] of before.grants) {
    if (!after.grants.has(key)) push({ change: "removed", principal: who(principal), grant });
  }
  for (const [key, { principal, item }] of after.unresolved) {
    if (!before.unresolved.has(key)) {
      push({ change: "added", principal: who(principal), unresolved: item });
    }
  }
  for (const [key, { principal, item }] of before.unresolved) {
    if (!after.unresolved.has(key)) {
      push({ change: "removed", principal: who(principal), unresolved: item });
    }
  }
  changes.sort(compareChanges);
  return {
    format: REVIEW_DIFF_FORMAT,
    stack: head.stack,
    against: { stack: old.stack, generatedAt: old.generatedAt },
    failing: changes.some((c) => c.flagged),
    added: changes.filter((c) => c.change === "added").length,
    removed: changes.filter((c) => c.change === "removed").length,
    changes,
  };
}
