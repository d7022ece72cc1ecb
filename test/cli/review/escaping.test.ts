/**
 * A hostile program (test/fixtures/programs/review-hostile) names its resources, Sids, tags,
 * prefixes, conditions and a service with HTML, Markdown, table pipes, backticks, links, mentions
 * and a right-to-left override (its IAM names with a mention and emphasis, all AWS allows there),
 * and hides its external id as a secret. Every form of the review
 * shows them as text: the page (parsed as HTML), the Markdown (rendered by a GFM renderer with raw
 * HTML and bare links on, as GitHub renders a comment), the terminal, the JSON.
 */
import { createHash } from "node:crypto";
import path from "node:path";
import MarkdownIt from "markdown-it";
import { beforeAll, describe, expect, it } from "vitest";
import { computeReview } from "../../../cli/commands/review.ts";
import type { Review } from "../../../cli/review/contract.ts";
import { diffReviews } from "../../../cli/review/diff.ts";
import { reviewHtml } from "../../../cli/review/html.ts";
import { diffMarkdown, mdCode, reviewMarkdown } from "../../../cli/review/markdown.ts";
import { diffText, reviewText } from "../../../cli/review/text.ts";
import { REPO } from "../../helpers/cli.ts";

const HOSTILE_DIR = path.join(REPO, "test/fixtures/programs/review-hostile");
const HOSTILE =
  '<script>alert("x")</script><img src=x onerror=alert(1)> | `tick` ``two`` [click](https://evil.example) @octocat #1 **bold** \u202Eevil';
const SECRET = "ext-secret-do-not-show-42";

// prettier-ignore
const ALLOWED_TAGS = [
  "html", "head", "meta", "title", "style", "body", "header", "main", "footer", "section", "h1",
  "h2", "h3", "p", "dl", "dt", "dd", "ul", "li", "table", "caption", "colgroup", "col", "thead",
  "tbody", "tr", "th", "td", "code", "strong", "em", "span", "time", "br", "div",
];
// prettier-ignore
const ALLOWED_ATTRIBUTES = [
  "lang", "charset", "http-equiv", "content", "name", "class", "id", "aria-labelledby", "scope",
  "datetime",
];

const markdown = new MarkdownIt({ html: true, linkify: true });

/** Rendered Markdown with the text of every code element cut out: what is left is markup. */
function outsideCode(rendered: string): string {
  return rendered.replace(/<code>[\s\S]*?<\/code>/g, "<code/>");
}

describe("a hostile program's review", () => {
  let review: Review;
  beforeAll(async () => {
    ({ review } = await computeReview({
      program: HOSTILE_DIR,
      policyConfig: path.join(HOSTILE_DIR, "policy-config.json"),
    }));
  }, 120_000);

  it("keeps the values exactly in the JSON, and never the secret external id", () => {
    const json = JSON.stringify(review);
    expect(json).not.toContain(SECRET);
    const reader = review.principals.find((p) => p.party === "spendflo")!;
    expect(reader.name).toBe("spendflo-@octocat_+x=1,y_");
    expect(review.principals.find((p) => p.party === "hosted-customer")!.tags).toEqual({
      "spendflo:access": "upload",
      "spendflo:customer": HOSTILE,
    });
    expect(reader.assumedBy![0]!.conditions).toEqual([
      { operator: "StringEquals", key: "sts:ExternalId", values: ["[secret]"] },
    ]);
    expect(reader.grants.map((g) => g.source.sid)).toContain(`Sid ${HOSTILE}`);
  });

  it("the page: no markup from a value, the secret nowhere, the CSP's hash the page's own style", () => {
    const page = reviewHtml(review);
    expect(page).not.toContain(SECRET);
    // Every tag is one of ours, with attributes of ours: a value never became markup.
    const tags = [...page.matchAll(/<\/?([a-zA-Z][a-zA-Z0-9]*)([^>]*)>/g)];
    const names = new Set(tags.map((t) => t[1]!.toLowerCase()));
    for (const name of names) expect(ALLOWED_TAGS).toContain(name);
    for (const [, , attributes] of tags) {
      // Ours are all quoted: name="value"; anything else left over is not ours.
      const rest = attributes!.replace(/\s+([a-zA-Z-]+)="[^"]*"/g, " $1").replace(/\s*\/$/, "");
      for (const name of rest.split(/\s+/).filter(Boolean)) {
        expect(ALLOWED_ATTRIBUTES).toContain(name);
      }
    }
    expect(page).toContain(
      "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&lt;img src=x onerror=alert(1)&gt;",
    );
    // The right-to-left override is written out, not applied.
    expect(page).not.toContain("\u202E");
    expect(page).toContain("\\u{202e}evil");
    const csp = /<meta http-equiv="Content-Security-Policy" content="([^"]*)"\s*\/?>/
      .exec(page)![1]!
      .replace(/&#39;/g, "'");
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("script-src 'none'");
    expect(csp).toContain("img-src 'none'");
    expect(csp).toContain("font-src 'none'");
    expect(csp).toContain("connect-src 'none'");
    const style = /<style>([\s\S]*?)<\/style>/.exec(page)![1]!;
    const hash = createHash("sha256").update(style).digest("base64");
    expect(csp).toContain(`style-src 'sha256-${hash}'`);
    expect(page.match(/<style>/g)).toHaveLength(1);
  });

  it("the Markdown, rendered as GitHub renders it: no link, no HTML, no mention, tables intact", () => {
    const text = reviewMarkdown(review);
    expect(text).not.toContain(SECRET);
    const rendered = markdown.render(text);
    const markup = outsideCode(rendered);
    expect(markup).not.toMatch(/<script|<img|<a[\s>]|onerror|<strong>bold<\/strong>/i);
    expect(markup).not.toContain("@octocat");
    expect(markup).not.toContain("\u202E");
    // Every value is in a code element, whole.
    expect(rendered).toContain(
      "<code>&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&lt;img src=x onerror=alert(1)&gt; | `tick` ``two`` [click](https://evil.example) @octocat #1 **bold** \\u{202e}evil</code>",
    );
    // Tables keep their columns: a value's pipe does not open a cell.
    for (const table of rendered.match(/<table>[\s\S]*?<\/table>/g) ?? []) {
      const header = (/<thead>[\s\S]*?<\/thead>/.exec(table)![0].match(/<th[\s>]/g) ?? []).length;
      for (const row of table.match(/<tbody>[\s\S]*<\/tbody>/)![0].match(/<tr>[\s\S]*?<\/tr>/g) ??
        []) {
        expect((row.match(/<td[\s>]/g) ?? []).length).toBe(header);
      }
    }
    expect(rendered.match(/<table>/g)!.length).toBeGreaterThanOrEqual(3);
  });

  it("the diff's Markdown too", () => {
    const empty: Review = { ...review, principals: [], summary: [], denies: [] };
    const diff = diffReviews(empty, review);
    expect(diff.failing).toBe(true);
    const rendered = markdown.render(diffMarkdown(diff, review));
    const markup = outsideCode(rendered);
    expect(markup).not.toMatch(/<script|<img|<a[\s>]|onerror/i);
    expect(markup).not.toContain("@octocat");
    const table = /<table>[\s\S]*?<\/table>/.exec(rendered)![0];
    for (const row of table.match(/<tbody>[\s\S]*<\/tbody>/)![0].match(/<tr>[\s\S]*?<\/tr>/g) ??
      []) {
      expect((row.match(/<td[\s>]/g) ?? []).length).toBe(7);
    }
  });

  it("the terminal: control and bidirectional characters written out", () => {
    const text = reviewText(review) + diffText(diffReviews(review, review), review, "old.json");
    expect(text).not.toContain(SECRET);
    // eslint-disable-next-line no-control-regex
    expect(text).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/);
    expect(text).toContain("\\u{202e}evil");
  });
});

describe("mdCode", () => {
  it.each([
    ["plain", "`plain`"],
    ["a`b", "``a`b``"],
    ["``x``", "``` ``x`` ```"],
    ["`", "`` ` ``"],
    ["", "(empty)"],
    ["line\nbreak", "`line\\u{000a}break`"],
  ])("%j as a code span", (value, expected) => {
    expect(mdCode(value)).toBe(expected);
  });

  it("escapes pipes inside a table cell, so the cell renders the value whole", () => {
    for (const value of ["a|b", "a\\|b", "|", "x\\\\|y"]) {
      const rendered = markdown.render(`| h |\n| --- |\n| ${mdCode(value, true)} |\n`);
      expect(rendered.match(/<td>/g)).toHaveLength(1);
      expect(rendered).toContain("<code>");
    }
    const rendered = markdown.render(`| h |\n| --- |\n| ${mdCode("a|b", true)} |\n`);
    expect(rendered).toContain("<code>a|b</code>");
  });
});
