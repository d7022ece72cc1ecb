/**
 * `review --against`: grants added and removed, worst first, and the rule CI relies on: a new
 * Write for anyone, any new grant to SpendFlo, or a new document the review cannot read fails.
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import MarkdownIt from "markdown-it";
import { describe, expect, it } from "vitest";
import { CliError } from "../../../cli/errors.ts";
import {
  REVIEW_FORMAT,
  type Party,
  type Review,
  type ReviewGrant,
  type ReviewPrincipal,
} from "../../../cli/review/contract.ts";
import { diffReviews, readReviewFile } from "../../../cli/review/diff.ts";
import { diffMarkdown } from "../../../cli/review/markdown.ts";

const BUCKET = "acme-budget-exports";

function grant(
  action: string,
  level: ReviewGrant["level"],
  extra: Partial<ReviewGrant> = {},
): ReviewGrant {
  const objects = !/ListBucket/.test(action);
  return {
    action,
    level,
    resource: objects ? `arn:aws:s3:::${BUCKET}/budgets/*` : `arn:aws:s3:::${BUCKET}`,
    where: objects ? { bucket: BUCKET, prefix: "budgets/", key: "*" } : { bucket: BUCKET },
    source: {
      urn: "urn:pulumi:s::p::aws:iam/rolePolicy:RolePolicy::policy",
      type: "aws:iam/rolePolicy:RolePolicy",
      name: "policy",
      sid: "S",
      statement: 1,
      path: "identity",
    },
    ...extra,
  };
}

function principal(
  name: string,
  party: Party,
  grants: ReviewGrant[],
  extra: Partial<ReviewPrincipal> = {},
): ReviewPrincipal {
  return {
    name,
    party,
    kind: "role",
    urn: `urn:pulumi:s::p::aws:iam/role:Role::${name}`,
    grants,
    denies: [],
    unresolved: [],
    ...extra,
  };
}

function review(principals: ReviewPrincipal[]): Review {
  return {
    format: REVIEW_FORMAT,
    stack: "own-bucket",
    project: "budget-sync",
    accountId: "123456789012",
    accountIdIsPlaceholder: true,
    region: "us-east-1",
    generatedAt: "2026-01-01T00:00:00.000Z",
    buckets: [{ name: BUCKET, arn: `arn:aws:s3:::${BUCKET}`, encryption: "sse-s3", kmsKeys: [] }],
    summary: [],
    principals,
    denies: [],
    verdicts: [],
    unknowns: [],
    warnings: [],
    notes: [],
  };
}

const list = grant("s3:ListBucket", "List", {
  conditions: [{ operator: "StringLike", key: "s3:prefix", values: ["budgets/*"] }],
});
const read = grant("s3:GetObject", "Read");
const base = review([
  principal("spendflo-reader", "spendflo", [list, read]),
  principal("uploader", "uploader", [grant("s3:PutObject", "Write")]),
]);

describe("diffReviews", () => {
  it("finds nothing between a review and itself, and does not fail", () => {
    const diff = diffReviews(base, structuredClone(base));
    expect(diff).toMatchObject({ failing: false, added: 0, removed: 0, changes: [] });
  });

  it("does not count a grant moved to another statement as a change", () => {
    const moved = structuredClone(base);
    moved.principals[0]!.grants[1]!.source = {
      ...read.source,
      sid: "Other",
      statement: 2,
      name: "other-policy",
    };
    expect(diffReviews(base, moved).changes).toEqual([]);
  });

  it("fails on a new Write for any party, the reason stated", () => {
    const head = structuredClone(base);
    head.principals[1]!.grants.push(grant("s3:DeleteObject", "Write"));
    const diff = diffReviews(base, head);
    expect(diff.failing).toBe(true);
    expect(diff.changes).toEqual([
      expect.objectContaining({
        change: "added",
        flagged: true,
        reason: "new Write",
        principal: expect.objectContaining({ name: "uploader", party: "uploader" }),
        grant: expect.objectContaining({ action: "s3:DeleteObject" }),
      }),
    ]);
  });

  it("fails on Permissions management and Tagging too: anything but List and Read", () => {
    for (const level of ["Permissions management", "Tagging"] as const) {
      const head = structuredClone(base);
      head.principals[1]!.grants.push(grant("s3:PutObjectAcl", level));
      expect(diffReviews(base, head).changes[0]).toMatchObject({
        flagged: true,
        reason: `new ${level}`,
      });
    }
  });

  it("fails on any new grant to SpendFlo, a read included, and on a condition it loses", () => {
    const head = structuredClone(base);
    head.principals[0]!.grants[0] = grant("s3:ListBucket", "List"); // no s3:prefix any more
    head.principals[0]!.grants.push(grant("s3:GetObjectVersion", "Read"));
    const diff = diffReviews(base, head);
    expect(diff.failing).toBe(true);
    expect(diff.changes.map((c) => [c.change, c.grant?.action, c.reason ?? null])).toEqual([
      ["added", "s3:GetObjectVersion", "new grant to SpendFlo"],
      ["added", "s3:ListBucket", "new grant to SpendFlo"],
      ["removed", "s3:ListBucket", null],
    ]);
  });

  it("counts the sync reader as SpendFlo's", () => {
    const head = structuredClone(base);
    head.principals.push(principal("spendflo-reader-acme", "sync-reader", [read]));
    expect(diffReviews(base, head).changes[0]).toMatchObject({ reason: "new grant to SpendFlo" });
  });

  it("passes a new read for another party, and removals", () => {
    const head = structuredClone(base);
    head.principals.push(principal("auditor", "other", [read]));
    head.principals[1]!.grants = [];
    const diff = diffReviews(base, head);
    expect(diff.failing).toBe(false);
    expect(diff.changes.map((c) => [c.change, c.principal.name, c.flagged])).toEqual([
      ["added", "auditor", false],
      ["removed", "uploader", false],
    ]);
  });

  it("a principal that becomes SpendFlo's brings its grants anew, flagged", () => {
    const head = structuredClone(base);
    head.principals[1]!.party = "spendflo";
    const diff = diffReviews(base, head);
    expect(diff.changes.map((c) => [c.change, c.principal.party, c.reason ?? null])).toEqual([
      ["added", "spendflo", "new Write for SpendFlo"],
      ["removed", "uploader", null],
    ]);
  });

  it("fails on a new document it cannot read, unless AWS-managed and known read-only for a non-SpendFlo party", () => {
    const head = structuredClone(base);
    const source = { urn: "urn:x", type: "aws:iam/role:Role", name: "uploader" };
    head.principals[1]!.unresolved.push({
      kind: "managed-policy",
      detail: "AmazonS3ReadOnlyAccess",
      policyArn: "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess",
      readOnly: true,
      source,
    });
    expect(diffReviews(base, head).failing).toBe(false);
    head.principals[1]!.unresolved.push({
      kind: "unknown-document",
      detail: "not known offline",
      source: { ...source, name: "p" },
    });
    const diff = diffReviews(base, head);
    expect(diff.failing).toBe(true);
    expect(diff.changes.find((c) => c.flagged)).toMatchObject({
      reason: "new document this review cannot read",
    });
  });

  it("orders worst first: SpendFlo's new writes, other writes, SpendFlo's reads, other reads, then removals", () => {
    const head = structuredClone(base);
    head.principals[0]!.grants.push(
      grant("s3:PutObject", "Write"),
      grant("s3:GetObjectAcl", "Read"),
    );
    head.principals[1]!.grants = [grant("s3:DeleteObject", "Write")];
    head.principals.push(principal("analyst", "other", [grant("s3:GetObjectTagging", "Read")]));
    const diff = diffReviews(base, head);
    expect(diff.changes.map((c) => `${c.change} ${c.principal.name} ${c.grant!.action}`)).toEqual([
      "added spendflo-reader s3:PutObject",
      "added uploader s3:DeleteObject",
      "added spendflo-reader s3:GetObjectAcl",
      "added analyst s3:GetObjectTagging",
      "removed uploader s3:PutObject",
    ]);
    expect(diff).toMatchObject({ added: 4, removed: 1, failing: true });
  });
});

describe("the diff in Markdown", () => {
  const md = new MarkdownIt({ html: true, linkify: true });

  it("puts the verdict on top: approval needed, and the flagged rows first", () => {
    const head = structuredClone(base);
    head.principals[1]!.grants.push(grant("s3:DeleteObject", "Write"));
    const text = diffMarkdown(diffReviews(base, head), head);
    expect(text.split("\n")[2]).toMatch(
      /^\*\*⚠️ A reviewer must approve this change:\*\* 1 change adds a Write/,
    );
    const html = md.render(text);
    const firstRow = /<tbody>\s*<tr>([\s\S]*?)<\/tr>/.exec(html)![1]!;
    expect(firstRow).toContain("new Write");
    expect(firstRow).toContain("<code>s3:DeleteObject</code>");
  });

  it("says so when nothing changed", () => {
    expect(diffMarkdown(diffReviews(base, base), base)).toContain(
      "No change in who can do what on the budget bucket.",
    );
  });

  it("stays under GitHub's comment limit however many grants change", () => {
    const head = structuredClone(base);
    for (let i = 0; i < 3000; i++) {
      head.principals.push(
        principal(`customer-${i}`, "hosted-customer", [grant("s3:PutObject", "Write")]),
      );
    }
    const text = diffMarkdown(diffReviews(base, head), head);
    expect(text.length).toBeLessThan(65_536);
    expect(text).toMatch(
      /…and \d+ more rows: run `budget-sync review --against` to see them all\./,
    );
  });
});

describe("readReviewFile", () => {
  const dir = mkdtempSync(path.join(tmpdir(), "review-against-"));
  const file = (name: string, content: string) => {
    const f = path.join(dir, name);
    writeFileSync(f, content);
    return f;
  };
  const refused = (f: string) => {
    try {
      readReviewFile(f);
    } catch (e) {
      expect(e).toBeInstanceOf(CliError);
      expect((e as CliError).exitCode).toBe(2);
      return (e as Error).message;
    }
    throw new Error("not refused");
  };

  it("reads an earlier review", () => {
    expect(readReviewFile(file("ok.json", JSON.stringify(base)))).toEqual(base);
  });

  it("refuses what is not one, saying what it is and what to give", () => {
    expect(refused(path.join(dir, "missing.json"))).toMatch(
      /--against .*missing\.json: cannot read it \(ENOENT\)/,
    );
    expect(refused(file("text.json", "not json"))).toMatch(
      /not JSON; give the output of an earlier `budget-sync review --json`/,
    );
    expect(refused(file("plan.json", JSON.stringify({ stack: "x", resources: [] })))).toMatch(
      /not a review of this version \(format null, expected "budget-sync-review\/1"\)/,
    );
    const broken = structuredClone(base) as unknown as { principals: { party: string }[] };
    broken.principals[0]!.party = "vendor";
    expect(refused(file("broken.json", JSON.stringify(broken)))).toMatch(
      /not a valid review:\n {2}- principals\.0\.party: /,
    );
  });
});
