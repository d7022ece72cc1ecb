/**
 * The JSON contract of `budget-sync review --json` (documented in docs/access-review.md):
 * what a review holds, the parties and access levels it names. The schema is the contract: the
 * types are inferred from it, `review --against` reads an earlier review through it, and the tests
 * check every review against it. A change that breaks a reader of it changes REVIEW_FORMAT.
 */
import { z } from "zod";

/** The version of the JSON contract; a change that breaks a reader of it changes this. */
export const REVIEW_FORMAT = "budget-sync-review/1";

export const PARTIES = [
  "spendflo",
  "sync-reader",
  "exporter",
  "uploader",
  "hosted-customer",
  "account",
  "service",
  "public",
  "other",
] as const;
export type Party = (typeof PARTIES)[number];

export const LEVELS = ["List", "Read", "Write", "Permissions management", "Tagging"] as const;
export type Level = (typeof LEVELS)[number];

/** True for the levels that change something (the pack's writes: anything but List and Read). */
export function isWriteLevel(level: Level): boolean {
  return level !== "List" && level !== "Read";
}

/** True for SpendFlo's own principals: its readers and accounts, and its per-customer sync readers. */
export function isSpendfloParty(party: Party): boolean {
  return party === "spendflo" || party === "sync-reader";
}

export const PARTY_ORDER = new Map<Party, number>(PARTIES.map((p, i) => [p, i]));

/** Worst first. */
export const LEVEL_ORDER: Record<Level, number> = {
  "Permissions management": 0,
  Write: 1,
  Tagging: 2,
  Read: 3,
  List: 4,
};

const condition = z.object({
  operator: z.string(),
  key: z.string(),
  values: z.array(z.string()),
});
export type ReviewCondition = z.infer<typeof condition>;

export const GRANT_PATHS = ["identity", "resource", "key-policy", "kms-grant"] as const;
export type GrantPath = (typeof GRANT_PATHS)[number];

const source = z.object({
  /** The resource that carries the document, attachment or grant. */
  urn: z.string(),
  type: z.string(),
  name: z.string(),
  /** The statement's Sid, when it has one. */
  sid: z.string().optional(),
  /** The statement's 1-based position in its document. */
  statement: z.number().int().positive().optional(),
  path: z.enum(GRANT_PATHS),
  /** How it reaches the principal: `through group "readers"`, `attached by ...`. */
  via: z.string().optional(),
});
export type ReviewSource = z.infer<typeof source>;

/** Where a grant applies: a bucket itself, objects under a prefix, or a KMS key. */
const where = z.object({
  bucket: z.string().optional(),
  /** For objects: the key prefix before any wildcard (`budgets/`), `""` for the whole bucket. */
  prefix: z.string().optional(),
  /** For objects: the rest of the key pattern (`*`, `budget_2025.csv`). */
  key: z.string().optional(),
  /** For a KMS key: its ARN. */
  kmsKey: z.string().optional(),
});
export type ReviewWhere = z.infer<typeof where>;

const grant = z.object({
  action: z.string(),
  level: z.enum(LEVELS),
  /** The resource as the statement names it (a key policy's `*` is given as the key's ARN). */
  resource: z.string(),
  where,
  conditions: z.array(condition).optional(),
  source,
  /** False for an action the catalogue does not know: the pack counts it as a Write. */
  catalogued: z.literal(false).optional(),
});
export type ReviewGrant = z.infer<typeof grant>;

const deny = z.object({
  actions: z.array(z.string()).optional(),
  notActions: z.array(z.string()).optional(),
  resources: z.array(z.string()).optional(),
  notResources: z.array(z.string()).optional(),
  /** A resource policy's principals as written (`*` for everyone); absent in an identity policy. */
  principals: z.array(z.string()).optional(),
  notPrincipals: z.array(z.string()).optional(),
  conditions: z.array(condition).optional(),
  source,
});
export type ReviewDeny = z.infer<typeof deny>;

/** Something that may grant access but cannot be read offline. */
const unresolved = z.object({
  kind: z.enum(["managed-policy", "unreadable-document", "unknown-document"]),
  detail: z.string(),
  policyArn: z.string().optional(),
  /** True for the AWS-managed policies the pack knows to be read-only. */
  readOnly: z.boolean().optional(),
  source: z.object({ urn: z.string(), type: z.string(), name: z.string() }),
});
export type ReviewUnresolved = z.infer<typeof unresolved>;

const trust = z.object({
  /** The principal the trust policy admits, as written. */
  principal: z.string(),
  party: z.enum(PARTIES),
  conditions: z.array(condition).optional(),
  source,
});
export type ReviewTrust = z.infer<typeof trust>;

const principal = z.object({
  name: z.string(),
  party: z.enum(PARTIES),
  kind: z.enum(["user", "role", "account", "service", "public", "other"]),
  arn: z.string().optional(),
  /** Pulumi URN of a principal the stack creates. */
  urn: z.string().optional(),
  /** Why the pack counts it as SpendFlo's. */
  spendfloReason: z.string().optional(),
  /** The `spendflo:*` tags it carries. */
  tags: z.record(z.string(), z.string()).optional(),
  /** For a user: how many access keys the stack creates for it. */
  accessKeys: z.number().int().optional(),
  /** For a role: who may assume it. */
  assumedBy: z.array(trust).optional(),
  grants: z.array(grant),
  denies: z.array(deny),
  unresolved: z.array(unresolved),
});
export type ReviewPrincipal = z.infer<typeof principal>;

const key = z.object({
  arn: z.string(),
  /** Its aliases in the stack (`alias/budget-sync/acme`). */
  aliases: z.array(z.string()).optional(),
  /** The key resource, when the stack creates it; absent for a key it is given. */
  urn: z.string().optional(),
  name: z.string().optional(),
});
export type ReviewKey = z.infer<typeof key>;

const bucket = z.object({
  name: z.string(),
  arn: z.string(),
  /** Absent for a bucket another stack creates (a hosted shard's, named in the policy config). */
  urn: z.string().optional(),
  encryption: z.enum(["sse-s3", "sse-kms", "none-set", "not-in-stack"]),
  kmsKeys: z.array(key),
});
export type ReviewBucket = z.infer<typeof bucket>;

const verdict = z.object({
  policy: z.string(),
  level: z.string(),
  status: z.enum(["pass", "violation", "undecided", "disabled"]),
  findings: z.array(
    z.object({ message: z.string(), urn: z.string().optional(), stage: z.string() }),
  ),
});
export type ReviewVerdict = z.infer<typeof verdict>;

const summaryLine = z.object({
  party: z.enum(PARTIES),
  /** The principal the line is about; absent for a party with no principal. */
  principal: z.string().optional(),
  text: z.string(),
  /**
   * True when it may change something: a Write, Permissions management or Tagging grant, or a
   * document this review cannot read.
   */
  writes: z.boolean(),
});
export type ReviewSummaryLine = z.infer<typeof summaryLine>;

const topDeny = deny.extend({
  /** The review's principals it applies to, by name. */
  appliesTo: z.array(z.string()),
});
export type ReviewTopDeny = z.infer<typeof topDeny>;

export const reviewSchema = z.object({
  format: z.literal(REVIEW_FORMAT),
  stack: z.string(),
  project: z.string(),
  accountId: z.string(),
  /** True when the account is the offline placeholder (no `--account-id`). */
  accountIdIsPlaceholder: z.boolean(),
  region: z.string(),
  /** ISO 8601, UTC. */
  generatedAt: z.string(),
  buckets: z.array(bucket),
  summary: z.array(summaryLine),
  principals: z.array(principal),
  denies: z.array(topDeny),
  verdicts: z.array(verdict),
  /** Values the offline plan cannot know, and documents that govern a bucket but cannot be read. */
  unknowns: z.array(z.string()),
  warnings: z.array(z.string()),
  /** What an offline review cannot see, and where to look. */
  notes: z.array(z.string()),
});
export type Review = z.infer<typeof reviewSchema>;

export const OUT_OF_VIEW_NOTES = [
  "Identity policies outside this stack are invisible to an offline review: another user or role of the account with s3:* or kms:* on *, a permission set of IAM Identity Center, the account's root user, and what an organization's SCPs and RCPs deny. Once deployed, IAM Access Analyzer covers them: its external-access findings for the bucket and the key (who outside the account or organization can reach them) and its internal-access findings (which principals inside can).",
  "A key policy that gives the account's root all of kms:* lets any identity policy of the account use the key: those policies are of the same unseen kind.",
  "Managed policies whose document is not in the stack (AWS-managed or made elsewhere) are listed by ARN, not expanded.",
];
