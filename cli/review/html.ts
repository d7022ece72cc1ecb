/**
 * The review as one self-contained HTML page, for a customer's security team to sign off: no
 * script, no network, no external font or image, and a Content-Security-Policy that forbids them
 * (the one stylesheet is allowed by its hash). Every value goes through `h`'s escaping, since a
 * program chooses its names, Sids and tags. Semantic headings and tables; it prints on A4.
 */
import { createHash } from "node:crypto";
import { describe } from "../../lib/stack/model.ts";
import {
  isWriteLevel,
  type Party,
  type Review,
  type ReviewDeny,
  type ReviewGrant,
  type ReviewPrincipal,
} from "./contract.ts";
import type { ReviewDiff } from "./diff.ts";
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

/** Markup that is already safe: made by `h`, never from a value. */
class Html {
  constructor(readonly markup: string) {}
}

const ESCAPES: Record<string, string> = {
  "&": "&amp;",
  "<": "&lt;",
  ">": "&gt;",
  '"': "&quot;",
  "'": "&#39;",
};

/** Escapes a value for text and for a quoted attribute alike. */
export function escapeHtml(value: string): string {
  return visible(value).replace(/[&<>"']/g, (c) => ESCAPES[c]!);
}

type Part = Html | string | number | undefined | null | false | Part[];

function render(part: Part): string {
  if (part instanceof Html) return part.markup;
  if (Array.isArray(part)) return part.map(render).join("");
  if (part === undefined || part === null || part === false) return "";
  return escapeHtml(String(part));
}

/** A template whose every interpolation is escaped, unless it is `Html`. */
function h(strings: TemplateStringsArray, ...parts: Part[]): Html {
  let out = strings[0]!;
  parts.forEach((p, i) => (out += render(p) + strings[i + 1]!));
  return new Html(out);
}

/** Words as HTML: our words as text, values as code. */
function words(ws: Words): Html {
  return new Html(
    ws
      .map((w) => (typeof w === "string" ? escapeHtml(w) : `<code>${escapeHtml(w.value)}</code>`))
      .join(""),
  );
}

const PARTY_NAME: Record<Party, string> = {
  spendflo: "SpendFlo",
  "sync-reader": "SpendFlo sync reader",
  exporter: "exporter",
  uploader: "uploader",
  "hosted-customer": "hosted customer",
  account: "account",
  service: "AWS service",
  public: "public",
  other: "other",
};

const STYLE = `
:root { color-scheme: light; --ink: #1b1f24; --muted: #57606a; --line: #d0d7de; --write: #b3261e;
  --write-bg: #fdecea; --ok: #1a7f37; --ok-bg: #eefbf1; --head: #f6f8fa; --warn-bg: #fff8c5; }
* { box-sizing: border-box; }
body { margin: 0; color: var(--ink); background: #fff;
  font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; }
header, main, footer { max-width: 1240px; margin: 0 auto; padding: 0 24px; }
header { padding-top: 28px; }
h1 { font-size: 1.65rem; margin: 0 0 4px; }
h2 { font-size: 1.25rem; margin: 36px 0 10px; padding-bottom: 4px; border-bottom: 1px solid var(--line); }
h3 { font-size: 1.05rem; margin: 22px 0 8px; }
p.lead { color: var(--muted); margin: 0 0 12px; max-width: 70em; }
code { font: 0.88em/1.4 ui-monospace, SFMono-Regular, Menlo, Consolas, "Liberation Mono", monospace;
  background: #eff1f3; padding: 0 3px; border-radius: 3px; overflow-wrap: anywhere; }
dl.meta { display: grid; grid-template-columns: max-content 1fr; gap: 2px 18px; margin: 14px 0 8px;
  padding: 12px 16px; background: var(--head); border: 1px solid var(--line); border-radius: 6px; }
dl.meta dt { color: var(--muted); }
dl.meta dd { margin: 0; }
.placeholder { color: #7d4e00; font-weight: 600; }
ul.summary { list-style: none; padding: 0; margin: 0; }
ul.summary li { padding: 8px 12px; margin: 6px 0; border-left: 5px solid var(--ok); background: var(--ok-bg); }
ul.summary li.write { border-left-color: var(--write); background: var(--write-bg); }
.mark { display: inline-block; font-weight: 700; font-size: 0.78em; letter-spacing: 0.04em;
  text-transform: uppercase; color: #fff; background: var(--write); border-radius: 3px; padding: 1px 6px;
  margin-right: 8px; vertical-align: 1px; }
.mark.ok { background: var(--ok); }
.banner { padding: 12px 16px; border-radius: 6px; border: 1px solid var(--line); background: var(--ok-bg); }
.banner.write { background: var(--write-bg); border-color: var(--write); }
table { border-collapse: collapse; width: 100%; margin: 6px 0 18px; font-size: 0.9em; }
table.grants col.who { width: 17%; } table.grants col.level { width: 11%; }
table.grants col.actions { width: 27%; } table.grants col.where { width: 17%; }
table.grants col.when { width: 12%; } table.grants col.through { width: 16%; }
table.verdicts col.policy { width: 24%; } table.verdicts col.level { width: 9%; }
table.verdicts col.verdict { width: 9%; }
caption { text-align: left; color: var(--muted); padding: 2px 0 6px; }
th, td { text-align: left; vertical-align: top; border: 1px solid var(--line); padding: 6px 8px; }
thead th { background: var(--head); font-weight: 600; }
tr.write td { background: var(--write-bg); }
tr.write td:first-child { box-shadow: inset 5px 0 0 var(--write); }
td.level { white-space: nowrap; }
.level-write { font-weight: 700; color: var(--write); }
.status-violation { font-weight: 700; color: var(--write); }
.status-pass { color: var(--ok); }
.status-undecided { font-weight: 700; color: #7d4e00; }
td ul, dd ul { margin: 0; padding-left: 18px; }
.party { color: var(--muted); white-space: nowrap; }
.note { border: 1px solid #d4a72c; background: var(--warn-bg); padding: 10px 16px; border-radius: 6px; }
footer { color: var(--muted); font-size: 0.85em; padding-top: 12px; padding-bottom: 32px; }
@media print {
  @page { size: A4 landscape; margin: 12mm; }
  body { font-size: 9.5pt; }
  header, main, footer { max-width: none; padding: 0; }
  h2, h3 { break-after: avoid; }
  li, .banner, .note, td code { break-inside: avoid; }
  thead { display: table-header-group; }
  * { print-color-adjust: exact; -webkit-print-color-adjust: exact; }
}
`;

/** The one stylesheet, exactly the text the policy's hash is of. */
function styleElement(): Html {
  return new Html(`<style>${STYLE}</style>`);
}

/** The page's Content-Security-Policy: nothing but its own stylesheet, by hash. */
export function contentSecurityPolicy(): string {
  const hash = createHash("sha256").update(STYLE).digest("base64");
  return [
    "default-src 'none'",
    `style-src 'sha256-${hash}'`,
    "img-src 'none'",
    "font-src 'none'",
    "script-src 'none'",
    "connect-src 'none'",
    "media-src 'none'",
    "object-src 'none'",
    "frame-src 'none'",
    "base-uri 'none'",
    "form-action 'none'",
  ].join("; ");
}

function levelCell(level: GrantRow["level"]): Html {
  return isWriteLevel(level)
    ? h`<td class="level"><strong class="level-write">⚠ ${level}</strong></td>`
    : h`<td class="level">${level}</td>`;
}

function whoCell(p: Pick<ReviewPrincipal, "name" | "party">): Html {
  return h`<td><code>${p.name}</code> <span class="party">(${PARTY_NAME[p.party]})</span></td>`;
}

function whenCell(conditions: GrantRow["conditions"]): Html {
  if (!conditions.length) return h`<td>always</td>`;
  return h`<td>
    <ul>
      ${conditions.map((c) => h`<li>${words(conditionWords(c))}</li>`)}
    </ul>
  </td>`;
}

function actionsList(actions: string[]): Html {
  return h`${actions.map((a, i) => h`${i ? ", " : ""}<code>${a}</code>`)}`;
}

function grantTable(caption: string, rows: GrantRow[], ctx: WordsContext): Html {
  if (!rows.length) return h`<p>Nobody in this stack is granted anything here.</p>`;
  return h`<table class="grants">
    <colgroup><col class="who"><col class="level"><col class="actions"><col class="where"><col class="when"><col class="through"></colgroup>
    <caption>
      ${caption}
    </caption>
    <thead>
      <tr>
        <th scope="col">Who</th>
        <th scope="col">Access</th>
        <th scope="col">Actions</th>
        <th scope="col">Where</th>
        <th scope="col">When</th>
        <th scope="col">Through</th>
      </tr>
    </thead>
    <tbody>
      ${rows.map(
        (
          r,
        ) => h`<tr${isWriteLevel(r.level) ? new Html(' class="write"') : ""}>${whoCell(r.principal)}${levelCell(r.level)}<td>${actionsList(r.actions)}${
          r.uncatalogued.length ? h` <em>(not in the AWS catalogue: counted as a write)</em>` : ""
        }</td><td>${words(whereCell(r.where, ctx))}${
          r.where.kmsKey ? "" : h`<br><code>${r.resource}</code>`
        }</td>${whenCell(r.conditions)}<td>${words(sourceWords(r.source))}</td></tr>
`,
      )}
    </tbody>
  </table>`;
}

function denyTable(review: Review): Html {
  if (!review.denies.length) {
    return h`<p>
      None: no statement of the stack denies anything on the budget bucket or its key.
    </p>`;
  }
  const list = (items: string[] | undefined) => actionsList(items ?? []);
  const what = (d: ReviewDeny) =>
    d.actions ? list(d.actions) : h`everything but ${list(d.notActions)}`;
  const on = (d: ReviewDeny) =>
    d.resources ? list(d.resources) : h`everything but ${list(d.notResources)}`;
  return h`<table>
    <caption>
      Statements that deny; a deny wins over every allow.
    </caption>
    <thead>
      <tr>
        <th scope="col">Statement</th>
        <th scope="col">Applies to</th>
        <th scope="col">Actions</th>
        <th scope="col">On</th>
        <th scope="col">When</th>
      </tr>
    </thead>
    <tbody>
      ${review.denies.map(
        (d) =>
          h`<tr>
            <td>${words(sourceWords(d.source))}</td>
            <td>
              ${
                d.principals?.includes("*")
                  ? "everyone"
                  : d.notPrincipals
                    ? h`everyone but ${list(d.notPrincipals)}`
                    : list(d.appliesTo)
              }
            </td>
            <td>${what(d)}</td>
            <td>${on(d)}</td>
            ${whenCell(d.conditions ?? [])}
          </tr> `,
      )}
    </tbody>
  </table>`;
}

function principalsTable(review: Review): Html {
  if (!review.principals.length)
    return h`<p>No principal in this stack can act on the budget bucket.</p>`;
  return h`<table>
    <caption>
      Every principal above, and how it is reached.
    </caption>
    <thead>
      <tr>
        <th scope="col">Who</th>
        <th scope="col">Kind</th>
        <th scope="col">ARN</th>
        <th scope="col">Reached</th>
        <th scope="col">Tags</th>
      </tr>
    </thead>
    <tbody>
      ${review.principals.map((p) => {
        const reached = p.assumedBy?.length
          ? h`<ul>
              ${p.assumedBy.map(
                (t) =>
                  h`<li>
                    assumed by <code>${t.principal}</code> (${PARTY_NAME[t.party]})${
                      t.conditions?.length
                        ? h` if
                          ${t.conditions.map((c, i) => h`${i ? "; " : ""}${words(conditionWords(c))}`)}`
                        : ""
                    }
                  </li>`,
              )}
            </ul>`
          : p.kind === "user" && p.urn
            ? h`${p.accessKeys ? `${p.accessKeys} access key${p.accessKeys === 1 ? "" : "s"}` : "no access key in this stack"}`
            : p.kind === "account"
              ? "any principal the account's own policies allow"
              : "";
        const tags = Object.entries(p.tags ?? {});
        return h`<tr>
          ${whoCell(p)}
          <td>${p.kind}${p.urn ? "" : " (outside this stack)"}</td>
          <td>${p.arn ? h`<code>${p.arn}</code>` : ""}</td>
          <td>${reached}${p.spendfloReason ? h`<br />SpendFlo: ${p.spendfloReason}` : ""}</td>
          <td>
            ${tags.map(
              ([k, v], i) => h`${i ? h`<br />` : ""}<code>${k}</code> = <code>${v}</code>`,
            )}
          </td>
        </tr> `;
      })}
    </tbody>
  </table>`;
}

function verdictTable(review: Review): Html {
  return h`<table class="verdicts">
    <colgroup><col class="policy"><col class="level"><col class="verdict"><col class="findings"></colgroup>
    <caption>
      The budget-sync policy pack, as pulumi preview and up run it, computed offline.
    </caption>
    <thead>
      <tr>
        <th scope="col">Policy</th>
        <th scope="col">Level</th>
        <th scope="col">Verdict</th>
        <th scope="col">Findings</th>
      </tr>
    </thead>
    <tbody>
      ${review.verdicts.map(
        (v) =>
          h`<tr>
            <td><code>${v.policy}</code></td>
            <td>${v.level}</td>
            <td class="status-${v.status}">${v.status}</td>
            <td>
              ${
                v.findings.length
                  ? h`<ul>
                      ${v.findings.map((f) => h`<li>${f.message}${f.stage ? h` <em>(${f.stage})</em>` : ""}</li>`)}
                    </ul>`
                  : ""
              }
            </td>
          </tr> `,
      )}
    </tbody>
  </table>`;
}

function changesSection(diff: ReviewDiff, ctx: WordsContext): Html {
  const flagged = diff.changes.filter((c) => c.flagged).length;
  const banner = diff.failing
    ? h`<p class="banner write">
        <strong class="mark">Needs approval</strong>${flagged}
        ${flagged === 1 ? "change adds" : "changes add"} a Write, a grant to SpendFlo, or a document
        this review cannot read.
      </p>`
    : h`<p class="banner">
        ${
          diff.changes.length
            ? `No new Write and no new grant to SpendFlo: ${diff.added} added, ${diff.removed} removed.`
            : "No change in who can do what on the budget bucket."
        }
      </p>`;
  const rows = diff.changes.map((c) => {
    const g: ReviewGrant | undefined = c.grant;
    const write = c.flagged;
    return h`<tr${write ? new Html(' class="write"') : ""}><td>${c.change}${
      c.reason ? h`<br /><strong class="level-write">⚠ ${c.reason}</strong>` : ""
    }</td>${whoCell(c.principal)}${g ? levelCell(g.level) : h`<td>unreadable</td>`}<td>${
      g ? h`<code>${g.action}</code>` : c.unresolved?.detail
    }</td><td>${g ? words(whereCell(g.where, ctx)) : ""}</td>${whenCell(g?.conditions ?? [])}<td>${
      g ? words(sourceWords(g.source)) : h`<code>${describe(c.unresolved!.source)}</code>`
    }</td></tr>
`;
  });
  return h`<section aria-labelledby="changes">
    <h2 id="changes">Changes since the earlier review</h2>
    <p class="lead">
      Against the review of stack <code>${diff.against.stack}</code> made
      ${madeAt(diff.against.generatedAt)}; worst first.
    </p>
    ${banner}
    ${
      rows.length
        ? h`<table>
            <caption>
              Grants added and removed
            </caption>
            <thead>
              <tr>
                <th scope="col">Change</th>
                <th scope="col">Who</th>
                <th scope="col">Access</th>
                <th scope="col">Action</th>
                <th scope="col">Where</th>
                <th scope="col">When</th>
                <th scope="col">Through</th>
              </tr>
            </thead>
            <tbody>
              ${rows}
            </tbody>
          </table>`
        : ""
    }
  </section>`;
}

/** The page. */
export function reviewHtml(review: Review, diff?: ReviewDiff): string {
  const ctx = wordsContext(review);
  const lines = summaryWords(review.principals, ctx);
  const writers = lines.filter((l) => l.writes).length;
  const unreadable = review.principals.flatMap((p) => p.unresolved.map((u) => ({ p, u })));
  const page = h`<!doctype html>
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta http-equiv="Content-Security-Policy" content="${contentSecurityPolicy()}" />
        <meta name="referrer" content="no-referrer" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>Access review: stack ${review.stack}</title>
        ${styleElement()}
      </head>
      <body>
        <header>
          <h1>Access review of stack <code>${review.stack}</code></h1>
          <p class="lead">
            Who can do what on the budget bucket, its objects and its KMS key: every grant the stack
            makes, by every path IAM offers, computed offline from the plan by the same analysis as
            the budget-sync policy pack. No AWS account was read.
          </p>
          <dl class="meta">
            <dt>Stack</dt>
            <dd><code>${review.stack}</code> (project <code>${review.project}</code>)</dd>
            <dt>Account</dt>
            <dd>
              <code>${review.accountId}</code>${
                review.accountIdIsPlaceholder
                  ? h` <span class="placeholder"
                      >offline placeholder, not your account: make the review with
                      <code>--account-id</code> for yours</span
                    >`
                  : ""
              }
            </dd>
            <dt>Region</dt>
            <dd><code>${review.region}</code></dd>
            <dt>Budget buckets</dt>
            <dd>
              ${
                review.buckets.length
                  ? review.buckets.map(
                      (b, i) =>
                        h`${i ? h`<br />` : ""}<code>${b.name}</code>:
                        ${words(encryptionWords(b, ctx))}`,
                    )
                  : "none in this stack"
              }
            </dd>
            <dt>Made</dt>
            <dd><time datetime="${review.generatedAt}">${madeAt(review.generatedAt)}</time></dd>
          </dl>
        </header>
        <main>
          ${diff ? changesSection(diff, ctx) : ""}
          <section aria-labelledby="summary">
            <h2 id="summary">Who can do what</h2>
            <p class="lead">
              ${
                writers
                  ? writers === lines.length
                    ? `All ${writers} can change something (marked).`
                    : `${writers} of ${lines.length} can change something (marked); the others can only list and read.`
                  : "Nobody here can change anything: every grant is List or Read."
              }
            </p>
            <ul class="summary">
              ${lines.map(
                (l) => h`<li${l.writes ? new Html(' class="write"') : ""}>${
                  l.writes
                    ? h`<strong class="mark">Writes</strong>`
                    : h`<strong class="mark ok">Read only</strong>`
                }${words(l.words)}</li>
`,
              )}
            </ul>
          </section>
          <section aria-labelledby="verdicts">
            <h2 id="verdicts">The policy pack's verdict</h2>
            ${verdictTable(review)}
          </section>
          ${review.buckets.map(
            (b, i) =>
              h`<section aria-labelledby="bucket-${i}">
                <h2 id="bucket-${i}">Bucket <code>${b.name}</code></h2>
                <p class="lead">
                  <code>${b.arn}</code>, ${words(encryptionWords(b, ctx))}. A row marked ⚠ changes
                  something.
                </p>
                ${grantTable(`Who can do what on the bucket and its objects`, grantRows(review.principals, onBucket(b)), ctx)}
                ${b.kmsKeys.map(
                  (k) =>
                    h`<h3>Its KMS key <code>${k.aliases?.[0] ?? k.name ?? k.arn}</code></h3>
                      <p class="lead">
                        <code>${k.arn}</code
                        >${k.urn ? "" : ": given to the stack, its key policy is not in it"}
                      </p>
                      ${grantTable("Who can do what with the key", grantRows(review.principals, onKey(k.arn)), ctx)}`,
                )}
              </section> `,
          )}
          <section aria-labelledby="denies">
            <h2 id="denies">Explicit denies</h2>
            ${denyTable(review)}
          </section>
          <section aria-labelledby="principals">
            <h2 id="principals">The principals</h2>
            ${principalsTable(review)}
          </section>
          ${
            unreadable.length || review.unknowns.length
              ? h`<section aria-labelledby="unread">
                  <h2 id="unread">Not readable offline</h2>
                  <p class="note">
                    These may grant more than the tables show: treat them as writes until read.
                  </p>
                  <ul>
                    ${unreadable.map(
                      ({ p, u }) => h`<li><code>${p.name}</code>: ${u.detail}</li> `,
                    )}${review.unknowns.map((u) => h`<li>${u}</li> `)}
                  </ul>
                </section>`
              : ""
          }
          <section aria-labelledby="limits">
            <h2 id="limits">What this review cannot see</h2>
            <div class="note">
              <ul>
                ${review.notes.map((n) => h`<li>${n}</li> `)}
              </ul>
            </div>
            ${
              review.warnings.length
                ? h`<ul>
                    ${review.warnings.map((w) => h`<li>warning: ${w}</li>`)}
                  </ul>`
                : ""
            }
          </section>
        </main>
        <footer>
          Made by <code>budget-sync review</code> on
          <time datetime="${review.generatedAt}">${madeAt(review.generatedAt)}</time>. This page
          loads nothing: it is one file, safe to open from an email.
        </footer>
      </body>
    </html> `;
  return page.markup;
}
