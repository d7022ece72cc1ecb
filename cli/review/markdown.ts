/**
 * The review and its diff in GitHub-flavoured Markdown, for a pull-request comment or a CI job
 * summary. Every value a program controls is a code span: inside one, Markdown, HTML, links,
 * `@mentions` and `#references` are all inert, and in a table its `|` is escaped; control and
 * bidirectional characters are written out. Our own words are escaped too.
 */
import { describe } from "../../lib/stack/model.ts";
import { isWriteLevel, type Review, type ReviewGrant } from "./contract.ts";
import type { DiffChange, ReviewDiff } from "./diff.ts";
import {
  conditionWords,
  encryptionWords,
  grantRows,
  madeAt,
  onBucket,
  onKey,
  sourceWords,
  summaryWords,
  visible,
  whereCell,
  wordsContext,
  type GrantRow,
  type Words,
  type WordsContext,
} from "./words.ts";

/** GitHub refuses a comment longer than 65,536 characters; tables stop well before. */
const MAX_CHARS = 60_000;

/** A value as a code span; in a table, its pipes escaped (GFM unescapes `\|` inside code spans). */
export function mdCode(value: string, inTable = false): string {
  let text = visible(value);
  if (text === "") return "(empty)";
  if (inTable) {
    // GFM reads `\|` in a table cell as a pipe, even in a code span, and a backslash before it as
    // escaping it: a literal backslash-pipe cannot be written there, so its backslash is doubled.
    text = text.replace(/\\\|/g, "\\\\\\|").replace(/(?<!\\)\|/g, "\\|");
  }
  const longest = Math.max(0, ...[...text.matchAll(/`+/g)].map((m) => m[0].length));
  const fence = "`".repeat(longest + 1);
  const pad = /^[`\s]|[`\s]$/.test(text) ? " " : "";
  return `${fence}${pad}${text}${pad}${fence}`;
}

/** Our own words, escaped: nothing in them may be read as Markdown or HTML. */
export function mdText(text: string): string {
  return text.replace(/[\\`*_[\]<>#~!|&@]/g, (c) => `\\${c}`);
}

export function md(words: Words, inTable = false): string {
  return words.map((w) => (typeof w === "string" ? mdText(w) : mdCode(w.value, inTable))).join("");
}

function table(header: string[], rows: string[][]): string[] {
  return [
    `| ${header.join(" | ")} |`,
    `| ${header.map(() => "---").join(" | ")} |`,
    ...rows.map((r) => `| ${r.join(" | ")} |`),
  ];
}

function actionsCell(actions: string[]): string {
  return actions.map((a) => mdCode(a, true)).join(", ");
}

function levelCell(level: GrantRow["level"]): string {
  return isWriteLevel(level) ? `**⚠️ ${level}**` : level;
}

function whenCell(row: Pick<GrantRow, "conditions">): string {
  return row.conditions.map((c) => md(conditionWords(c), true)).join("; ") || "always";
}

function grantTable(rows: GrantRow[], ctx: WordsContext): string[] {
  return table(
    ["Who", "Access", "Actions", "Where", "When", "Through"],
    rows.map((r) => [
      `${mdCode(r.principal.name, true)} (${r.principal.party})`,
      levelCell(r.level),
      actionsCell(r.actions),
      md(whereCell(r.where, ctx), true),
      whenCell(r),
      md(sourceWords(r.source), true),
    ]),
  );
}

function header(review: Review): string[] {
  return [
    `Project ${mdCode(review.project)} · account ${mdCode(review.accountId)}${
      review.accountIdIsPlaceholder
        ? " (the offline placeholder: pass `--account-id` for yours)"
        : ""
    } · region ${mdCode(review.region)} · made ${madeAt(review.generatedAt)}, offline, by \`budget-sync review\``,
  ];
}

function summaryList(review: Review, ctx: WordsContext): string[] {
  return summaryWords(review.principals, ctx).map(
    (l) => `- ${l.writes ? "**⚠️ Writes** · " : ""}${md(l.words)}`,
  );
}

/** The whole review in Markdown. */
export function reviewMarkdown(review: Review): string {
  const ctx = wordsContext(review);
  const out: string[] = [
    `# Access review of stack ${mdCode(review.stack)}`,
    "",
    ...header(review),
    "",
  ];
  out.push("## Who can do what", "", ...summaryList(review, ctx), "");
  const failing = review.verdicts.filter(
    (v) => v.status === "violation" || v.status === "undecided",
  );
  out.push("## The policy pack's verdict", "");
  out.push(
    ...table(
      ["Policy", "Level", "Verdict"],
      review.verdicts.map((v) => [
        mdCode(v.policy, true),
        v.level,
        v.status === "violation" ? "**violation**" : v.status,
      ]),
    ),
    "",
  );
  for (const v of failing) {
    for (const f of v.findings)
      out.push(`- ${mdCode(v.policy)} (${v.level}): ${mdCode(f.message)}`);
  }
  if (failing.length) out.push("");
  for (const b of review.buckets) {
    out.push(`## Bucket ${mdCode(b.name)}`, "", `Encryption: ${md(encryptionWords(b, ctx))}.`, "");
    const rows = grantRows(review.principals, onBucket(b));
    out.push(
      ...(rows.length
        ? grantTable(rows, ctx)
        : ["Nobody in this stack is granted anything on it."]),
      "",
    );
    for (const k of b.kmsKeys) {
      out.push(`### Its KMS key ${mdCode(k.aliases?.[0] ?? k.name ?? k.arn)}`, "");
      const keyRows = grantRows(review.principals, onKey(k.arn));
      out.push(
        ...(keyRows.length ? grantTable(keyRows, ctx) : ["No grant on it in this stack."]),
        "",
      );
    }
  }
  if (review.denies.length) {
    out.push("## Explicit denies", "");
    out.push(
      ...table(
        ["Statement", "Applies to", "Actions", "On", "When"],
        review.denies.map((d) => [
          md(sourceWords(d.source), true),
          d.principals?.includes("*")
            ? "everyone"
            : d.appliesTo.map((n) => mdCode(n, true)).join(", "),
          d.actions ? actionsCell(d.actions) : `everything but ${actionsCell(d.notActions ?? [])}`,
          d.resources
            ? d.resources.map((r) => mdCode(r, true)).join(", ")
            : `everything but ${(d.notResources ?? []).map((r) => mdCode(r, true)).join(", ")}`,
          whenCell({ conditions: d.conditions ?? [] }),
        ]),
      ),
      "",
    );
  }
  const unresolved = review.principals.flatMap((p) => p.unresolved.map((u) => ({ p, u })));
  if (unresolved.length || review.unknowns.length) {
    out.push("## Not readable offline", "");
    for (const { p, u } of unresolved) out.push(`- ${mdCode(p.name)}: ${mdCode(u.detail)}`);
    for (const u of review.unknowns) out.push(`- ${mdCode(u)}`);
    out.push("");
  }
  out.push("## What this review cannot see", "", ...review.notes.map((n) => `- ${mdText(n)}`), "");
  return out.join("\n");
}

/** Diff rows: one per principal, change, level, place and statement. */
function diffRows(changes: DiffChange[]) {
  const rows: { first: DiffChange; actions: string[] }[] = [];
  const byKey = new Map<string, { first: DiffChange; actions: string[] }>();
  for (const c of changes) {
    const g: ReviewGrant | undefined = c.grant;
    const key = JSON.stringify([
      c.change,
      c.reason,
      c.principal,
      g ? [g.level, g.resource, g.where, g.conditions ?? [], g.source] : c.unresolved,
    ]);
    let row = byKey.get(key);
    if (!row) {
      row = { first: c, actions: [] };
      byKey.set(key, row);
      rows.push(row);
    }
    if (g) row.actions.push(g.action);
  }
  return rows;
}

/** The diff, for a pull-request comment or a job summary: flagged changes on top. */
export function diffMarkdown(diff: ReviewDiff, review: Review): string {
  const ctx = wordsContext(review);
  const flagged = diff.changes.filter((c) => c.flagged).length;
  const out: string[] = [`## Access review: ${mdCode(review.stack)}`, ""];
  if (diff.failing) {
    out.push(
      `**⚠️ A reviewer must approve this change:** ${flagged} ${flagged === 1 ? "change adds" : "changes add"} a Write, a grant to SpendFlo, or a document this review cannot read.`,
    );
  } else if (diff.changes.length) {
    out.push(
      `No new Write and no new grant to SpendFlo: ${diff.added} added, ${diff.removed} removed.`,
    );
  } else out.push("No change in who can do what on the budget bucket.");
  out.push("");
  const rows = diffRows(diff.changes);
  if (rows.length) {
    const body = rows.map(({ first: c, actions }) => {
      const g = c.grant;
      return [
        `${c.change === "added" ? "➕ added" : "➖ removed"}${c.flagged ? ` · **⚠️ ${mdText(c.reason ?? "")}**` : ""}`,
        `${mdCode(c.principal.name, true)} (${c.principal.party})`,
        g ? levelCell(g.level) : "unreadable",
        g ? actionsCell(actions) : mdCode(c.unresolved?.detail ?? "", true),
        g ? md(whereCell(g.where, ctx), true) : "",
        g ? whenCell({ conditions: g.conditions ?? [] }) : "",
        g ? md(sourceWords(g.source), true) : mdCode(describe(c.unresolved!.source), true),
      ];
    });
    const head = table(["Change", "Who", "Access", "Actions", "Where", "When", "Through"], []);
    let size = head.join("\n").length;
    const kept: string[][] = [];
    for (const r of body) {
      const line = `| ${r.join(" | ")} |`;
      if (size + line.length > MAX_CHARS - 4_000) break;
      size += line.length + 1;
      kept.push(r);
    }
    out.push(...table(["Change", "Who", "Access", "Actions", "Where", "When", "Through"], kept));
    if (kept.length < body.length) {
      out.push(
        "",
        `…and ${body.length - kept.length} more rows: run \`budget-sync review --against\` to see them all.`,
      );
    }
    out.push("");
  }
  const summary = summaryList(review, ctx);
  const summaryText = summary.join("\n");
  if (out.join("\n").length + summaryText.length < MAX_CHARS) {
    out.push(
      "<details><summary>Who can do what after this change</summary>",
      "",
      summaryText,
      "",
      "</details>",
      "",
    );
  }
  out.push(
    `Computed offline by \`budget-sync review\` for stack ${mdCode(review.stack)} (${madeAt(review.generatedAt)}), against the review of stack ${mdCode(diff.against.stack)} made ${madeAt(diff.against.generatedAt)}.`,
    "",
  );
  return out.join("\n");
}
