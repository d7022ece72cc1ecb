/**
 * What SpendFlo is granted in a stack, and the one write the pack accepts as a read: `kms:Decrypt`
 * on a key that encrypts a stack bucket (one the stack creates, or a given key named by its ARN in
 * a bucket's SSE setting), conditioned on `kms:ViaService` = S3 (reading SSE-KMS
 * objects needs it, although the catalogue calls it Write).
 */
import type { CatalogueAction } from "../lib/iamActions.ts";
import { globMatches, isReadLevel } from "../lib/iamActions.ts";
import { byRelevance, isS3ViaServiceOnly, listSome } from "../lib/iamAnalysis.ts";
import {
  bucketEncryptionKeys,
  collectGrants,
  keyNames,
  targetLabel,
  type Grant,
  type StackGrants,
  type Target,
} from "../lib/iamStackGrants.ts";
import { UnknownValues, describe, lastArnPart, type StackResource } from "../lib/stackModel.ts";
import { READ_ONLY_MANAGED_POLICIES, isReadOnlyManagedPolicy, spendfloReason } from "./common.ts";

export interface SpendfloView extends StackGrants {
  /** True if a grant's action is the accepted SSE-KMS read exception. */
  isDecryptException: (g: Grant, a: CatalogueAction) => boolean;
}

const viewCache = new WeakMap<object, Map<string, Promise<SpendfloView>>>();

/**
 * The grants reaching SpendFlo. Memoized per resource list and account list, so the two SpendFlo
 * policies analyse a stack once.
 */
export function spendfloView(
  resources: StackResource[],
  accounts: string[],
  unknowns: UnknownValues,
): Promise<SpendfloView> {
  const key = [...accounts].sort().join(",");
  let perList = viewCache.get(resources);
  if (!perList) {
    perList = new Map();
    viewCache.set(resources, perList);
  }
  let cached = perList.get(key);
  if (!cached) {
    cached = computeView(resources, accounts);
    perList.set(key, cached);
  }
  return cached.then((view) => {
    // Unknown values met during the shared analysis are reported by every policy that uses it.
    unknowns.errors.push(...viewUnknowns.get(view)!.errors);
    return view;
  });
}

const viewUnknowns = new WeakMap<SpendfloView, UnknownValues>();

async function computeView(resources: StackResource[], accounts: string[]): Promise<SpendfloView> {
  const unknowns = new UnknownValues();
  const grants = await collectGrants(
    resources,
    { selectPrincipal: spendfloReason, accounts, followTrust: true },
    unknowns,
  );
  const givenKeyArns = new Set<string>();
  const encrypting = bucketEncryptionKeys(resources, unknowns, givenKeyArns);
  const encryptingKeyNames = new Set<string>();
  for (const r of resources) {
    if (!encrypting.has(r.urn)) continue;
    for (const n of keyNames(r, unknowns)) encryptingKeyNames.add(n.toLowerCase());
  }
  const isDecryptException = (g: Grant, a: CatalogueAction): boolean => {
    if (a.action.toLowerCase() !== "kms:decrypt") return false;
    const s = g.statement;
    if (!s || !isS3ViaServiceOnly(s) || s.notResources !== undefined) return false;
    const resources = s.resources ?? [];
    if (g.kind === "key-policy") {
      // In a key policy, Resource "*" means the key itself.
      return g.key !== undefined && encrypting.has(g.key.urn);
    }
    if (g.kind !== "identity" || resources.length === 0) return false;
    return resources.every(
      (r) =>
        !/[*?]/.test(r) &&
        (givenKeyArns.has(r.toLowerCase()) ||
          encryptingKeyNames.has(r.toLowerCase()) ||
          encryptingKeyNames.has(lastArnPart(r).toLowerCase())),
    );
  };
  const view: SpendfloView = { ...grants, isDecryptException };
  viewUnknowns.set(view, unknowns);
  return view;
}

/** `SpendFlo principal aws.iam.User "x" (tagged spendflo:access = read-only)` */
export function spendfloLabel(t: Target): string {
  if (t.kind === "account") return `SpendFlo account ${t.account}`;
  return `SpendFlo principal ${targetLabel(t)} (${t.reason})`;
}

/** `aws.iam.UserPolicy "p" (statement "Write")` plus the path, e.g. `through group "g"`. */
export function grantSource(g: Grant): string {
  const parts = [describe(g.source)];
  if (g.statement) {
    parts.push(
      g.statement.sid ? `statement "${g.statement.sid}"` : `statement ${g.statement.index}`,
    );
  }
  const head = g.statement ? `${parts[0]} (${parts[1]})` : parts[0];
  return g.via ? `${head} ${g.via}` : head;
}

/** What a grant applies to: its Resource / NotResource, or the key of a key policy or KMS grant. */
export function grantResources(g: Grant): string {
  if (g.kind === "key-policy" || g.kind === "kms-grant") {
    return g.key ? `key ${describe(g.key)}` : "a key outside this stack";
  }
  if (g.on) return g.on;
  const s = g.statement;
  if (s?.notResources !== undefined) return `everything except ${listSome(s.notResources, 5)}`;
  if (!s?.resources || s.resources.length === 0) return "no resource";
  return listSome(s.resources, 5);
}

/** True if an S3 resource ARN lies within one of the buckets (the bucket or its objects). */
export function withinBuckets(resourceArn: string, buckets: Set<string>): boolean {
  const m = /^arn:aws[a-z-]*:s3:::([^/]+)(\/.*)?$/i.exec(resourceArn.trim());
  if (!m) return false;
  const bucket = m[1];
  // A wildcard in the bucket part could match another bucket.
  if (/[*?]/.test(bucket)) return false;
  return [...buckets].some((b) => globMatches(b, bucket));
}

/** One thing SpendFlo must not have: the message, the resource to fix, the grant's statement. */
export interface WriteFinding {
  message: string;
  urn: string;
  /** `<urn>#<statement>` of the statement that grants it, when one does. */
  statementKey?: string;
}

/** Everything in the view that lets SpendFlo do more than List and Read. */
export function writeFindings(view: SpendfloView): WriteFinding[] {
  const out: WriteFinding[] = [];
  for (const g of view.grants) {
    const writes = g.actions.filter(
      (a) => !isReadLevel(a.accessLevel) && !view.isDecryptException(g, a),
    );
    if (writes.length === 0) continue;
    out.push({
      message: `${spendfloLabel(g.target)} may write: ${grantSource(g)} grants ${listSome(
        byRelevance(writes.map((a) => a.action)),
      )} on ${grantResources(g)}. SpendFlo must only be granted List and Read actions.`,
      urn: g.source.urn,
      statementKey: g.statement ? `${g.source.urn}#${g.statement.index}` : undefined,
    });
  }
  for (const m of view.managed) {
    if (m.awsManaged && isReadOnlyManagedPolicy(m.policyArn)) continue;
    const via = m.via ? ` ${m.via}` : "";
    out.push({
      message: m.awsManaged
        ? `${spendfloLabel(m.target)} has the AWS-managed policy ${m.policyArn} attached by ${describe(m.source)}${via}, which is not one of the read-only ones (${READ_ONLY_MANAGED_POLICIES.join(", ")}).`
        : `${spendfloLabel(m.target)} has the policy ${m.policyArn} attached by ${describe(m.source)}${via}, whose document is not in this stack, so it cannot be shown to be read-only.`,
      urn: m.source.urn,
      statementKey: `${m.source.urn}#managed:${m.policyArn}`,
    });
  }
  for (const u of view.unreadable) {
    const who = u.target ? ` for ${spendfloLabel(u.target)}` : "";
    out.push({
      message: `${describe(u.source)} has a policy document that cannot be read (${u.problem}), so it cannot be shown to grant SpendFlo${who} nothing but List and Read actions.`,
      urn: u.source.urn,
      statementKey: `${u.source.urn}#unreadable`,
    });
  }
  return out;
}
