/**
 * IAM policy documents as AWS really accepts them (an object or a JSON string; string-or-array
 * everywhere; any case in actions; wildcards anywhere), normalized so the policy pack can ask one
 * question of each statement: whom does it reach, with which actions, on what.
 *
 * Deliberately conservative: a condition never excuses a grant (except where a policy says so
 * explicitly, as the KMS `kms:ViaService` rule does), an Allow with `NotAction` grants everything
 * it does not list, an Allow with `NotPrincipal` reaches everyone it does not list.
 */
import type { PolicyDocument, PolicyStatement } from "./policyDocument.ts";
import { grantedActions, globMatches, isReadLevel, type CatalogueAction } from "./actions.ts";

export type { PolicyDocument, PolicyStatement };

/** A document the analysis cannot read (not JSON, no statements, a statement without Effect). */
export class PolicyDocumentError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "PolicyDocumentError";
  }
}

export interface PrincipalSpec {
  /** `"*"` or `{ AWS: "*" }`: anyone, in any account, signed or not. */
  public: boolean;
  aws: string[];
  service: string[];
  federated: string[];
  canonicalUser: string[];
}

export interface ConditionClause {
  /** As written, e.g. `StringEquals`, `ForAnyValue:StringLike`, `BoolIfExists`. */
  operator: string;
  /** As written, e.g. `aws:PrincipalAccount` (condition keys are case-insensitive). */
  key: string;
  values: string[];
}

export interface NormalizedStatement {
  /** 1-based position in the document. */
  index: number;
  sid?: string;
  effect: "Allow" | "Deny";
  principal?: PrincipalSpec;
  notPrincipal?: PrincipalSpec;
  actions?: string[];
  notActions?: string[];
  resources?: string[];
  notResources?: string[];
  conditions: ConditionClause[];
}

function toList(value: unknown, what: string): string[] {
  if (value === undefined || value === null) return [];
  if (Array.isArray(value)) return value.map((v) => scalar(v, what));
  return [scalar(value, what)];
}

function scalar(value: unknown, what: string): string {
  if (typeof value === "string") return value;
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  throw new PolicyDocumentError(`${what} must be a string or a list of strings`);
}

function getKey(obj: Record<string, unknown>, key: string): unknown {
  if (key in obj) return obj[key];
  const lower = key.toLowerCase();
  for (const k of Object.keys(obj)) if (k.toLowerCase() === lower) return obj[k];
  return undefined;
}

function parsePrincipal(value: unknown, what: string): PrincipalSpec | undefined {
  if (value === undefined || value === null) return undefined;
  const spec: PrincipalSpec = {
    public: false,
    aws: [],
    service: [],
    federated: [],
    canonicalUser: [],
  };
  if (typeof value === "string") {
    if (value.trim() === "*") spec.public = true;
    // A bare string other than "*" is not valid IAM; read it as an AWS principal rather than drop it.
    else spec.aws.push(value.trim());
    return spec;
  }
  if (typeof value !== "object" || Array.isArray(value)) {
    throw new PolicyDocumentError(`${what} must be "*" or an object such as { "AWS": ... }`);
  }
  const obj = value as Record<string, unknown>;
  for (const [k, v] of Object.entries(obj)) {
    const list = toList(v, `${what}.${k}`).map((s) => s.trim());
    switch (k.toLowerCase()) {
      case "aws":
        for (const p of list) {
          if (p === "*") spec.public = true;
          else spec.aws.push(p);
        }
        break;
      case "service":
        spec.service.push(...list);
        break;
      case "federated":
        spec.federated.push(...list);
        break;
      case "canonicaluser":
        spec.canonicalUser.push(...list);
        break;
      default:
        throw new PolicyDocumentError(`${what} has an unknown principal type "${k}"`);
    }
  }
  return spec;
}

function parseConditions(value: unknown): ConditionClause[] {
  if (value === undefined || value === null) return [];
  if (typeof value !== "object" || Array.isArray(value)) {
    throw new PolicyDocumentError("Condition must be an object of operators");
  }
  const out: ConditionClause[] = [];
  for (const [operator, block] of Object.entries(value as Record<string, unknown>)) {
    if (typeof block !== "object" || block === null || Array.isArray(block)) {
      throw new PolicyDocumentError(`Condition operator ${operator} must map keys to values`);
    }
    for (const [key, v] of Object.entries(block as Record<string, unknown>)) {
      out.push({ operator, key, values: toList(v, `Condition ${operator} ${key}`) });
    }
  }
  return out;
}

/**
 * Reads a policy document given as an object or a JSON string. Throws `PolicyDocumentError` when
 * it cannot be read; the policies report such a document rather than pass it.
 */
export function parsePolicyDocument(document: unknown): NormalizedStatement[] {
  let doc: unknown = document;
  if (typeof doc === "string") {
    try {
      doc = JSON.parse(doc);
    } catch {
      throw new PolicyDocumentError("the policy document is not valid JSON");
    }
  }
  if (typeof doc !== "object" || doc === null || Array.isArray(doc)) {
    throw new PolicyDocumentError("the policy document is not a JSON object");
  }
  const raw = getKey(doc as Record<string, unknown>, "Statement");
  if (raw === undefined) throw new PolicyDocumentError("the policy document has no Statement");
  const statements = Array.isArray(raw) ? raw : [raw];
  return statements.map((s, i) => parseStatement(s, i + 1));
}

function parseStatement(raw: unknown, index: number): NormalizedStatement {
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) {
    throw new PolicyDocumentError(`statement ${index} is not an object`);
  }
  const s = raw as Record<string, unknown>;
  const effectRaw = getKey(s, "Effect");
  const effect =
    typeof effectRaw === "string" && effectRaw.trim().toLowerCase() === "deny"
      ? "Deny"
      : typeof effectRaw === "string" && effectRaw.trim().toLowerCase() === "allow"
        ? "Allow"
        : undefined;
  if (!effect) throw new PolicyDocumentError(`statement ${index} has no Effect of Allow or Deny`);
  const sid = getKey(s, "Sid");
  const opt = (key: string) => {
    const v = getKey(s, key);
    return v === undefined ? undefined : toList(v, key).map((x) => x.trim());
  };
  return {
    index,
    sid: typeof sid === "string" && sid !== "" ? sid : undefined,
    effect,
    principal: parsePrincipal(getKey(s, "Principal"), "Principal"),
    notPrincipal: parsePrincipal(getKey(s, "NotPrincipal"), "NotPrincipal"),
    actions: opt("Action"),
    notActions: opt("NotAction"),
    resources: opt("Resource"),
    notResources: opt("NotResource"),
    conditions: parseConditions(getKey(s, "Condition")),
  };
}

/** How a message names a statement: its Sid, or its position. */
export function statementLabel(s: NormalizedStatement): string {
  return s.sid ? `statement "${s.sid}"` : `statement ${s.index}`;
}

/** The actions an Allow statement grants (nothing for a Deny: a Deny grants nothing). */
export async function statementActions(s: NormalizedStatement): Promise<CatalogueAction[]> {
  if (s.effect !== "Allow") return [];
  return grantedActions(s.actions, s.notActions);
}

/** The 12-digit account of a principal given as an account id or an IAM/STS ARN. */
export function accountOf(principal: string): string | undefined {
  const p = principal.trim();
  if (/^\d{12}$/.test(p)) return p;
  const m = /^arn:aws[a-z-]*:(?:iam|sts)::(\d{12}):/i.exec(p);
  return m ? m[1] : undefined;
}

/** True if an AWS principal string stands for a whole account (`123456789012`, `...:root`). */
export function isAccountPrincipal(principal: string): boolean {
  return /^\d{12}$/.test(principal.trim()) || /^arn:aws[a-z-]*:iam::\d{12}:root$/i.test(principal);
}

/** The principal a statement may reach, as far as the pack knows it. */
export interface PrincipalIdentity {
  /** The account, when known (SpendFlo's configured accounts; stack principals usually not). */
  account?: string;
  /** `user` or `role` for an IAM principal in the stack; `account` for a whole account. */
  kind: "user" | "role" | "account";
  /** The IAM name of a stack user or role (matched against the last part of an ARN). */
  name?: string;
}

function normalizeOperator(op: string): { base: string; ifExists: boolean; forAll: boolean } {
  let o = op.trim();
  let forAll = false;
  if (/^forallvalues:/i.test(o)) {
    forAll = true;
    o = o.replace(/^forallvalues:/i, "");
  }
  o = o.replace(/^foranyvalue:/i, "");
  const ifExists = /ifexists$/i.test(o);
  if (ifExists) o = o.replace(/ifexists$/i, "");
  return { base: o.toLowerCase(), ifExists, forAll };
}

const POSITIVE_MATCH = new Set([
  "stringequals",
  "stringlike",
  "stringequalsignorecase",
  "arnequals",
  "arnlike",
]);

/**
 * The values a condition pins a key to, or undefined when the statement does not pin it (no clause,
 * a negated operator, `...IfExists`, or `ForAllValues:`, which all match a request without the key).
 */
export function pinnedValues(
  conditions: ConditionClause[],
  key: string,
  operators: Set<string> = POSITIVE_MATCH,
): string[] | undefined {
  let pinned: string[] | undefined;
  for (const c of conditions) {
    if (c.key.toLowerCase() !== key.toLowerCase()) continue;
    const op = normalizeOperator(c.operator);
    if (op.ifExists || op.forAll || !operators.has(op.base)) continue;
    // Several clauses on one key must all hold: keep the narrowest list.
    if (!pinned || c.values.length < pinned.length) pinned = c.values;
  }
  return pinned;
}

function arnTail(arn: string): string {
  const res = arn.split(":").slice(5).join(":");
  const slash = res.lastIndexOf("/");
  return slash >= 0 ? res.slice(slash + 1) : res;
}

function arnKind(arn: string): string | undefined {
  const res = arn.split(":").slice(5).join(":");
  if (/^user\//i.test(res)) return "user";
  if (/^role\//i.test(res)) return "role";
  if (/^assumed-role\//i.test(res)) return "assumed-role";
  if (res === "root") return "account";
  return undefined;
}

/** True if an AWS principal entry (id, root ARN, user/role ARN, with wildcards) names the identity. */
export function principalEntryMatches(entry: string, who: PrincipalIdentity): boolean {
  const e = entry.trim();
  if (e === "*") return true;
  const acct = accountOf(e);
  if (who.kind === "account") {
    // Any principal in the account, or the account itself.
    if (acct !== undefined) return acct === who.account;
    // An ARN pattern with a wildcard account (arn:aws:iam::*:role/x) may match any account.
    return /^arn:aws[a-z-]*:(?:iam|sts)::[*?]/i.test(e);
  }
  if (
    who.account !== undefined &&
    acct !== undefined &&
    acct === who.account &&
    isAccountPrincipal(e)
  ) {
    // A resource policy naming the principal's own account defers to its identity policies,
    // which the pack judges separately; it is not a grant to this principal by itself.
    return false;
  }
  const kind = arnKind(e);
  if (who.account !== undefined && acct !== undefined && acct !== who.account) return false;
  if (who.name === undefined) return false;
  if (kind === "user" && who.kind === "user") return globMatches(arnTail(e), who.name);
  if ((kind === "role" || kind === "assumed-role") && who.kind === "role") {
    const res = e.split(":").slice(5).join(":");
    const roleName = kind === "role" ? arnTail(e) : (res.split("/")[1] ?? "");
    return globMatches(roleName, who.name);
  }
  return false;
}

/** Values an ARN-typed condition value matches against for an identity. */
function arnConditionMatches(pattern: string, who: PrincipalIdentity): boolean {
  if (pattern.trim() === "*") return true;
  if (who.kind === "account") {
    const acct = accountOf(pattern);
    if (acct !== undefined) return acct === who.account;
    return /^arn:aws[a-z-]*:(?:iam|sts)::[*?]/i.test(pattern) || !pattern.startsWith("arn:");
  }
  return principalEntryMatches(pattern, who);
}

/**
 * True if a statement with a public principal (`"*"`) is narrowed by `aws:PrincipalAccount`,
 * `aws:PrincipalArn` (or `kms:CallerAccount`) to principals that exclude this identity.
 */
export function publicStatementReaches(s: NormalizedStatement, who: PrincipalIdentity): boolean {
  // A service acting for a resource carries aws:SourceArn / aws:SourceAccount; a user's or a
  // role's own request never does, so a statement pinning them admits no IAM principal.
  for (const key of ["aws:SourceArn", "aws:SourceAccount", "aws:SourceOwner"]) {
    if (pinnedValues(s.conditions, key) !== undefined) return false;
  }
  const accounts = [
    pinnedValues(s.conditions, "aws:PrincipalAccount"),
    pinnedValues(s.conditions, "kms:CallerAccount"),
  ];
  for (const values of accounts) {
    if (!values) continue;
    if (who.account === undefined) continue; // cannot tell: assume reached
    if (!values.some((v) => globMatches(v, who.account as string))) return false;
  }
  const arns = pinnedValues(s.conditions, "aws:PrincipalArn");
  if (arns && !arns.some((v) => arnConditionMatches(v, who))) return false;
  return true;
}

/**
 * True if a resource-policy statement reaches the identity: its Principal names it (or its
 * account, for an account identity), or is `"*"` not narrowed away from it by a principal
 * condition; an Allow with NotPrincipal reaches everyone it does not list.
 */
export function statementReaches(s: NormalizedStatement, who: PrincipalIdentity): boolean {
  if (s.notPrincipal) {
    const listed =
      s.notPrincipal.public || s.notPrincipal.aws.some((e) => principalEntryMatches(e, who));
    return !listed;
  }
  if (!s.principal) return false;
  if (s.principal.public) return publicStatementReaches(s, who);
  return s.principal.aws.some((e) => principalEntryMatches(e, who));
}

const FIXED_VALUE_KEYS = new Set(
  [
    "aws:PrincipalAccount",
    "aws:PrincipalArn",
    "aws:PrincipalOrgID",
    "aws:PrincipalOrgPaths",
    "aws:PrincipalServiceName",
    "aws:SourceAccount",
    "aws:SourceArn",
    "aws:SourceOwner",
    "aws:SourceOrgID",
    "aws:SourceVpc",
    "aws:SourceVpce",
    "aws:SourceIp",
    "aws:userid",
    "aws:username",
    "kms:CallerAccount",
    "s3:DataAccessPointAccount",
    "s3:DataAccessPointArn",
  ].map((k) => k.toLowerCase()),
);

/**
 * True if a statement carries a condition that pins who may use it to fixed values (an account, an
 * ARN, an organization, a VPC endpoint, an IP range): a public principal with such a condition is
 * not open to the internet. A wildcard-only value (`"*"`), a negated operator, `...IfExists` and
 * `ForAllValues:` pin nothing.
 */
export function hasFixedValueCondition(s: NormalizedStatement): boolean {
  const operators = new Set([...POSITIVE_MATCH, "ipaddress"]);
  for (const c of s.conditions) {
    if (!FIXED_VALUE_KEYS.has(c.key.toLowerCase())) continue;
    const values = pinnedValues([c], c.key, operators);
    if (values && values.length > 0 && values.every((v) => v.replace(/[*?]/g, "") !== "")) {
      return true;
    }
  }
  return false;
}

/** True if a statement (as written) is open to anyone: `"*"` or NotPrincipal, no fixed condition. */
export function isPublicAllow(s: NormalizedStatement): boolean {
  if (s.effect !== "Allow") return false;
  const publicPrincipal = s.notPrincipal !== undefined || (s.principal?.public ?? false);
  return publicPrincipal && !hasFixedValueCondition(s);
}

/**
 * True if the statement's conditions pin `kms:ViaService` to S3 only (`s3.<region>.amazonaws.com`):
 * the key is usable for reading SSE-KMS objects through S3 and for nothing else.
 */
export function isS3ViaServiceOnly(s: NormalizedStatement): boolean {
  const values = pinnedValues(s.conditions, "kms:ViaService");
  if (!values || values.length === 0) return false;
  return values.every((v) => /^s3\.[a-z0-9*?-]+\.amazonaws\.com(\.cn)?$/i.test(v.trim()));
}

/** The non-read actions in a list (access level not List or Read, or unknown to the catalogue). */
export function writeActions(actions: CatalogueAction[]): CatalogueAction[] {
  return actions.filter((a) => !isReadLevel(a.accessLevel));
}

const SERVICE_ORDER = ["s3", "kms", "iam", "sts"];

/** Action names with the services that matter here first (S3, KMS, IAM, STS), then the rest. */
export function byRelevance(names: string[]): string[] {
  const rank = (n: string) => {
    const i = SERVICE_ORDER.indexOf(n.split(":")[0].toLowerCase());
    return i < 0 ? SERVICE_ORDER.length : i;
  };
  return names
    .map((n, i) => ({ n, i, r: rank(n) }))
    .sort((a, b) => a.r - b.r || a.i - b.i)
    .map((x) => x.n);
}

/** `a, b, c (and 12 more)`: at most ten names, then a count. */
export function listSome(names: string[], max = 10): string {
  const shown = names.slice(0, max).join(", ");
  return names.length > max ? `${shown} (and ${names.length - max} more)` : shown;
}
