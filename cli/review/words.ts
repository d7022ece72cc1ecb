/**
 * The review in plain words: one summary line per principal ("SpendFlo: list and read under
 * budgets/, through role x, assumed by account 999988887777 with external id; no write"), and the
 * phrases the page, the Markdown and the terminal share.
 *
 * Phrases are `Words`: our own words as strings, and every value a program controls (a name, a
 * prefix, a Sid, an ARN, a tag) as `{ value }`, so that each renderer shows values as values (code
 * in Markdown and HTML) and never as markup.
 */
import { CUSTOMER_TAG } from "../../lib/iam/accessTags.ts";
import { describe, lastArnPart } from "../../lib/stack/model.ts";
import {
  LEVELS,
  LEVEL_ORDER,
  isSpendfloParty,
  isWriteLevel,
  type Level,
  type Party,
  type Review,
  type ReviewBucket,
  type ReviewCondition,
  type ReviewGrant,
  type ReviewPrincipal,
  type ReviewSource,
  type ReviewSummaryLine,
  type ReviewWhere,
} from "./contract.ts";

export type Word = string | { value: string };
export type Words = Word[];

const v = (value: string): Word => ({ value });

/** The words as plain text. */
export function plain(words: Words): string {
  return words.map((w) => (typeof w === "string" ? w : w.value)).join("");
}

/** `a, b and c`, of phrases. */
export function joinPhrases(phrases: Words[], and = " and "): Words {
  const out: Words = [];
  phrases.forEach((p, i) => {
    if (i > 0) out.push(i === phrases.length - 1 ? and : ", ");
    out.push(...p);
  });
  return out;
}

/** `a, b, c and 12 more`: at most `max` values. */
export function someValues(values: string[], max = 6): Words {
  if (values.length <= max) return joinPhrases(values.map((x) => [v(x)]));
  return [
    ...joinPhrases(
      values.slice(0, max).map((x) => [v(x)]),
      ", ",
    ),
    ` and ${values.length - max} more`,
  ];
}

export const PARTY_LABEL: Record<Party, string> = {
  spendflo: "SpendFlo",
  "sync-reader": "SpendFlo's sync reader",
  exporter: "The exporter Lambda",
  uploader: "Uploader",
  "hosted-customer": "Hosted customer",
  account: "Account",
  service: "AWS service",
  public: "Anyone (public)",
  other: "Other principal",
};

const VERB: Record<Level, string> = {
  List: "list",
  Read: "read",
  Write: "write",
  "Permissions management": "manage permissions",
  Tagging: "tag",
};

const KEY_VERB: Record<Level, string> = {
  List: "list",
  Read: "read",
  Write: "use or change",
  "Permissions management": "manage permissions of",
  Tagging: "tag",
};

/** How the words name things: each KMS key by its alias or logical name; the buckets. */
export interface WordsContext {
  keyLabels: Map<string, string>;
  manyBuckets: boolean;
  accountId: string;
}

export function wordsContext(review: Pick<Review, "buckets" | "accountId">): WordsContext {
  const keyLabels = new Map<string, string>();
  for (const b of review.buckets as ReviewBucket[]) {
    for (const k of b.kmsKeys) {
      keyLabels.set(k.arn, k.aliases?.[0] ?? k.name ?? lastArnPart(k.arn));
    }
  }
  return { keyLabels, manyBuckets: review.buckets.length > 1, accountId: review.accountId };
}

function keyLabel(arn: string, ctx: WordsContext): string {
  return ctx.keyLabels.get(arn) ?? lastArnPart(arn);
}

/** `under budgets/`, `anywhere in acme`, `the bucket acme`, `the KMS key k`: one grant's where. */
export function whereWords(
  g: Pick<ReviewGrant, "where" | "conditions">,
  ctx: WordsContext,
): Words[] {
  const w: ReviewWhere = g.where;
  if (w.kmsKey) return [["the KMS key ", v(keyLabel(w.kmsKey, ctx))]];
  const bucket = w.bucket ?? "";
  const of: Words = ctx.manyBuckets ? [" of ", v(bucket)] : [];
  if (w.prefix !== undefined) {
    if (w.prefix === "" && /^\*+$/.test(w.key ?? "")) return [["anywhere in ", v(bucket)]];
    return [["under ", v(`${w.prefix}${w.key === "*" ? "" : (w.key ?? "")}`), ...of]];
  }
  // A bucket-level action (listing, the bucket's settings): its s3:prefix condition says where.
  const prefixes = (g.conditions ?? [])
    .filter((c) => c.key.toLowerCase() === "s3:prefix" && !/not/i.test(c.operator))
    .flatMap((c) => c.values);
  if (prefixes.length) return prefixes.map((p) => ["under ", v(p.replace(/\*+$/, "")), ...of]);
  return [["the bucket ", v(bucket)]];
}

/** `bucket acme`, `objects acme/budgets/*`, `KMS key k`: a grant's where, short, for tables. */
export function whereCell(w: ReviewWhere, ctx: WordsContext): Words {
  if (w.kmsKey) return ["KMS key ", v(keyLabel(w.kmsKey, ctx))];
  if (w.prefix === undefined) return ["the bucket ", v(w.bucket ?? "")];
  return ["objects ", v(`${w.prefix}${w.key ?? ""}`)];
}

/** `s3:prefix StringLike budgets/*`. */
export function conditionWords(c: ReviewCondition): Words {
  return [
    v(c.key),
    ` ${c.operator} `,
    ...joinPhrases(
      c.values.map((x) => [v(x)]),
      " or ",
    ),
  ];
}

/** `aws.iam.UserPolicy "p", statement "Sid"`, with the path it takes (`through group "g"`). */
export function sourceWords(s: ReviewSource): Words {
  const out: Words = [v(describe(s))];
  if (s.sid) out.push(", statement ", v(s.sid));
  else if (s.statement) out.push(`, statement ${s.statement}`);
  if (s.via) out.push(" ", v(s.via));
  return out;
}

const PATH_LABEL: Record<ReviewSource["path"], string> = {
  identity: "identity policy",
  resource: "resource policy",
  "key-policy": "key policy",
  "kms-grant": "KMS grant",
};

export function pathLabel(s: ReviewSource): string {
  return PATH_LABEL[s.path];
}

/** How a principal is reached: `as IAM user x with an access key`, `through role y, assumed by ...`. */
export function throughWords(p: ReviewPrincipal, ctx: WordsContext): Words {
  if (p.kind === "user" && p.urn) {
    const keys = p.accessKeys
      ? ` with ${p.accessKeys === 1 ? "an access key" : `${p.accessKeys} access keys`}`
      : "";
    return ["as IAM user ", v(p.name), keys];
  }
  if (p.kind === "role" && p.urn) {
    const seen = new Set<string>();
    const by: Words[] = [];
    for (const t of p.assumedBy ?? []) {
      const externalId = (t.conditions ?? []).some((c) => c.key.toLowerCase() === "sts:externalid");
      const account = /^(\d{12})$|^arn:aws[a-z-]*:iam::(\d{12}):root$/i.exec(t.principal);
      const who: Words =
        t.principal === "*"
          ? ["anyone"]
          : account
            ? ["account ", v(account[1] ?? account[2]!)]
            : [v(t.party === "service" ? t.principal : lastArnPart(t.principal))];
      const phrase = [...who, externalId ? " with external id" : ""];
      const key = plain(phrase);
      if (!seen.has(key)) {
        seen.add(key);
        by.push(phrase);
      }
    }
    return [
      "through role ",
      v(p.name),
      ...(by.length ? [", assumed by ", ...joinPhrases(by)] : []),
    ];
  }
  const paths = new Set<string>();
  for (const g of p.grants) {
    if (g.source.path === "key-policy") paths.add("the key policy");
    else if (g.source.path === "kms-grant") paths.add("a KMS grant");
    else if (g.source.path === "identity") paths.add("an identity policy");
    else if (/accessGrant:/i.test(g.source.type)) paths.add("an S3 access grant");
    else if (/accessPoint/i.test(g.source.type)) paths.add("an access point policy");
    else if (g.source.statement === undefined) paths.add("the bucket's ACL");
    else paths.add("the bucket policy");
  }
  const out: Words = paths.size ? ["through ", joinWords([...paths])] : [];
  if (
    p.kind === "account" &&
    p.arn?.includes(`::${ctx.accountId}:`) &&
    paths.has("the key policy")
  ) {
    out.push(", which lets IAM policies of this account grant it");
  }
  return out;
}

/** `a, b and c`. */
export function joinWords(words: string[]): string {
  if (words.length <= 1) return words.join("");
  return `${words.slice(0, -1).join(", ")} and ${words.at(-1)}`;
}

/** `SpendFlo`, `Hosted customer acme`, `Account 111122223333`: how the summary names a principal. */
export function principalLabel(p: ReviewPrincipal, ctx: WordsContext): Words {
  const customer = p.tags?.[CUSTOMER_TAG];
  switch (p.party) {
    case "sync-reader":
      return [PARTY_LABEL["sync-reader"], ...(customer ? [" for ", v(customer)] : [])];
    case "hosted-customer":
      return [PARTY_LABEL["hosted-customer"], ...(customer ? [" ", v(customer)] : [])];
    case "spendflo":
      if (p.urn) return ["SpendFlo"];
      return p.kind === "account"
        ? ["SpendFlo (account ", v(p.name.replace(/^account /, "")), ")"]
        : ["SpendFlo (", v(p.name), ")"];
    case "account":
      if (p.kind !== "account") return ["Account principal ", v(p.name)];
      return [
        "Account ",
        v(p.name.replace(/^account /, "")),
        p.arn?.includes(`::${ctx.accountId}:`) ? " (this stack's account)" : "",
      ];
    case "service":
      return ["AWS service ", v(p.name)];
    case "public":
      return [PARTY_LABEL.public];
    case "other":
      return p.urn ? [`Other ${p.kind}`] : ["Other: ", v(p.name)];
    default:
      return [PARTY_LABEL[p.party]];
  }
}

/** What a principal may do, by where: `list and read under budgets/`, `decrypt with the KMS key k`. */
function doWords(grants: ReviewGrant[], ctx: WordsContext): Words[] {
  const byWhere = new Map<string, { where: Words; verbs: Set<string> }>();
  const add = (where: Words, verb: string) => {
    const key = plain(where);
    const entry = byWhere.get(key) ?? { where, verbs: new Set<string>() };
    entry.verbs.add(verb);
    byWhere.set(key, entry);
  };
  for (const level of LEVELS) {
    const atLevel = grants.filter((g) => g.level === level);
    for (const g of atLevel) {
      for (const where of whereWords(g, ctx)) {
        if (!g.where.kmsKey) add(where, VERB[level]);
        else if (
          level === "Read" &&
          atLevel
            .filter((x) => x.where.kmsKey === g.where.kmsKey)
            .every((x) => /^kms:decrypt$/i.test(x.action))
        ) {
          add(["with ", ...where], "decrypt");
        } else add(where, KEY_VERB[level]);
      }
    }
  }
  return [...byWhere.values()].map(({ where, verbs }) => [`${joinWords([...verbs])} `, ...where]);
}

export interface SummaryLine {
  party: Party;
  principal?: string;
  words: Words;
  writes: boolean;
}

/** One line per principal, SpendFlo's first; a line for SpendFlo when it has no access at all. */
export function summaryWords(principals: ReviewPrincipal[], ctx: WordsContext): SummaryLine[] {
  const lines: SummaryLine[] = principals.map((p) => {
    const writes = p.grants.filter((g) => isWriteLevel(g.level));
    const does = doWords(p.grants, ctx);
    const through = throughWords(p, ctx);
    const words: Words = [...principalLabel(p, ctx), ": "];
    words.push(...(does.length ? joinPhrases(does, ", ") : ["nothing it can be shown to do"]));
    if (through.length) words.push(", ", ...through);
    if (writes.length)
      words.push("; WRITES: ", ...someValues([...new Set(writes.map((g) => g.action))]));
    else words.push("; no write");
    const unread = p.unresolved.filter((u) => !u.readOnly);
    if (p.unresolved.length) {
      const names = [
        ...new Set(
          p.unresolved.map((u) => (u.policyArn ? lastArnPart(u.policyArn) : u.source.name)),
        ),
      ];
      words.push(
        unread.length ? "; MAY DO MORE: " : "; also ",
        ...someValues(names, 3),
        unread.length ? " cannot be read offline" : " (AWS-managed, read-only)",
      );
    }
    return {
      party: p.party,
      principal: p.name,
      words,
      writes: writes.length > 0 || unread.length > 0,
    };
  });
  if (!principals.some((p) => isSpendfloParty(p.party))) {
    lines.unshift({
      party: "spendflo",
      words: ["SpendFlo: no access to the budget bucket in this stack"],
      writes: false,
    });
  }
  return lines;
}

/** The summary as the JSON holds it: plain text. */
export function summaryLines(
  principals: ReviewPrincipal[],
  ctx: WordsContext,
): ReviewSummaryLine[] {
  return summaryWords(principals, ctx).map((l) => ({
    party: l.party,
    ...(l.principal !== undefined ? { principal: l.principal } : {}),
    text: plain(l.words),
    writes: l.writes,
  }));
}

/** A row of a grants table: the grants of one principal by one statement at one level and place. */
export interface GrantRow {
  principal: ReviewPrincipal;
  level: Level;
  actions: string[];
  resource: string;
  where: ReviewWhere;
  conditions: ReviewCondition[];
  source: ReviewSource;
  uncatalogued: string[];
}

/** Grants grouped into rows: principals in the review's order, each's worst level first. */
export function grantRows(
  principals: ReviewPrincipal[],
  include: (g: ReviewGrant) => boolean,
): GrantRow[] {
  const rows: GrantRow[] = [];
  for (const p of principals) {
    const byKey = new Map<string, GrantRow>();
    for (const g of p.grants) {
      if (!include(g)) continue;
      const key = JSON.stringify([g.level, g.resource, g.where, g.conditions ?? [], g.source]);
      let row = byKey.get(key);
      if (!row) {
        row = {
          principal: p,
          level: g.level,
          actions: [],
          resource: g.resource,
          where: g.where,
          conditions: g.conditions ?? [],
          source: g.source,
          uncatalogued: [],
        };
        byKey.set(key, row);
      }
      row.actions.push(g.action);
      if (g.catalogued === false) row.uncatalogued.push(g.action);
    }
    // Array.prototype.sort is stable: rows of one level keep the grants' order.
    rows.push(...[...byKey.values()].sort((a, b) => LEVEL_ORDER[a.level] - LEVEL_ORDER[b.level]));
  }
  return rows;
}

/** Does a grant apply to this bucket (its objects) or to one of its keys? */
export function onBucket(b: ReviewBucket) {
  return (g: ReviewGrant) => !g.where.kmsKey && g.where.bucket === b.name;
}

export function onKey(arn: string) {
  return (g: ReviewGrant) => g.where.kmsKey === arn;
}

/**
 * A value as it may be shown: control characters, and the invisible and bidirectional ones that
 * make text read otherwise than it is (a program chooses its names), written out as `\u{202e}`.
 */
export function visible(value: string): string {
  return value.replace(
    // eslint-disable-next-line no-control-regex
    /[\u0000-\u001f\u007f-\u009f\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff]/g,
    (c) => `\\u{${c.codePointAt(0)!.toString(16).padStart(4, "0")}}`,
  );
}

/** `the offline placeholder 123456789012`, or the account given with --account-id. */
export function accountWords(review: Pick<Review, "accountId" | "accountIdIsPlaceholder">): string {
  return review.accountIdIsPlaceholder
    ? `${review.accountId} (offline placeholder: pass --account-id for the real one)`
    : review.accountId;
}

/** `SSE-S3`, `SSE-KMS with alias/x`: a bucket's encryption. */
export function encryptionWords(b: ReviewBucket, ctx: WordsContext): Words {
  if (b.encryption === "sse-s3") return ["SSE-S3 (AES256)"];
  if (b.encryption === "none-set") return ["no default encryption set by the stack"];
  if (b.encryption === "not-in-stack")
    return ["made by another stack: its settings are not in this one"];
  if (!b.kmsKeys.length) return ["SSE-KMS"];
  return ["SSE-KMS with ", ...joinPhrases(b.kmsKeys.map((k) => [v(keyLabel(k.arn, ctx))]))];
}

/** `2025-03-01 14:05 UTC`. */
export function madeAt(iso: string): string {
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : `${d.toISOString().slice(0, 16).replace("T", " ")} UTC`;
}
