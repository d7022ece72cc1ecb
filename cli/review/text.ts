/**
 * The review in a terminal: the summary lines, the pack's verdict, what an offline review cannot
 * see; with `--against`, the changes first. Values are shown with their control characters
 * written out, so a name cannot move the cursor or recolour the terminal.
 */
import { describe } from "../../lib/stack/model.ts";
import type { Review } from "./contract.ts";
import type { DiffChange, ReviewDiff } from "./diff.ts";
import {
  accountWords,
  encryptionWords,
  madeAt,
  summaryWords,
  visible,
  whereCell,
  wordsContext,
  type Words,
} from "./words.ts";

/** Words as terminal text: values with their control characters written out. */
function text(words: Words): string {
  return words.map((w) => (typeof w === "string" ? w : visible(w.value))).join("");
}

export function reviewText(review: Review): string {
  const ctx = wordsContext(review);
  const out: string[] = [
    `Access review of stack ${visible(review.stack)} (project ${visible(review.project)}, account ${accountWords(review)}, ${visible(review.region)}), computed offline ${madeAt(review.generatedAt)}`,
  ];
  for (const b of review.buckets) {
    out.push(`Budget bucket ${visible(b.name)}: ${text(encryptionWords(b, ctx))}`);
  }
  if (!review.buckets.length) out.push("No budget bucket in this stack.");
  out.push("", "Who can do what (! marks a principal that can change something):");
  for (const line of summaryWords(review.principals, ctx)) {
    out.push(`${line.writes ? "!" : " "} ${text(line.words)}`);
  }
  const denies = review.denies.length;
  if (denies) {
    out.push(
      "",
      `Explicit denies: ${review.denies
        .map(
          (d) =>
            `${visible(d.source.sid ?? `statement ${d.source.statement ?? "?"}`)} (${visible(describe(d.source))})`,
        )
        .join(", ")}`,
    );
  }
  const failing = review.verdicts.filter(
    (v) => v.status === "violation" || v.status === "undecided",
  );
  const active = review.verdicts.filter((v) => v.status !== "disabled");
  out.push(
    "",
    failing.length
      ? `Policy pack: ${active.length - failing.length} of ${active.length} policies pass; findings:`
      : `Policy pack: all ${active.length} policies pass.`,
  );
  for (const v of failing) {
    for (const f of v.findings) out.push(`  [${v.level}] ${v.policy}: ${visible(f.message)}`);
  }
  for (const u of review.unknowns) out.push(`unknown: ${visible(u)}`);
  for (const w of review.warnings) out.push(`warning: ${visible(w)}`);
  out.push(
    "",
    "Not visible offline: identity policies outside this stack. Once deployed, IAM Access Analyzer's external- and internal-access findings cover them.",
    "The full review: --out review.html (a page to sign off), review.md, or review.json.",
  );
  return `${out.join("\n")}\n`;
}

/** One change, in a line: `+ [new Write] Uploader x: s3:PutObject on objects budgets/* (source)`. */
function changeLine(c: DiffChange, review: Review): string {
  const ctx = wordsContext(review);
  const sign = c.change === "added" ? "+" : "-";
  const flag = c.flagged ? ` [${c.reason}]` : "";
  const who = `${c.principal.party} ${visible(c.principal.name)}`;
  if (c.grant) {
    const g = c.grant;
    return `${sign}${flag} ${who}: ${g.level} ${visible(g.action)} on ${text(whereCell(g.where, ctx))}${
      g.conditions?.length ? " (with conditions)" : ""
    }, by ${visible(describe(g.source))}${g.source.sid ? ` statement ${visible(g.source.sid)}` : ""}`;
  }
  return `${sign}${flag} ${who}: ${visible(c.unresolved?.detail ?? "")}`;
}

export function diffText(diff: ReviewDiff, review: Review, againstFile: string): string {
  const out = [
    `Changes against ${visible(againstFile)} (stack ${visible(diff.against.stack)}, made ${madeAt(diff.against.generatedAt)}): ${diff.added} added, ${diff.removed} removed`,
  ];
  if (!diff.changes.length) out.push("  no change in who can do what");
  for (const c of diff.changes) out.push(`  ${changeLine(c, review)}`);
  if (diff.failing) {
    out.push(
      "A reviewer must approve this change: it adds a Write, a grant to SpendFlo, or a document this review cannot read (exit 1).",
    );
  }
  return `${out.join("\n")}\n`;
}
