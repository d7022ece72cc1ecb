/**
 * What SpendFlo is granted in a stack, and how the pack reads `kms:Decrypt`: a read (it opens
 * SSE-KMS objects and changes nothing, although the catalogue files it under Write), which
 * `spendflo-scoped` confines to S3 (`kms:ViaService` = `s3.<region>.amazonaws.com`).
 */
import type { CatalogueAction } from "../../lib/iam/actions.ts";
import { globMatches, isReadLevel } from "../../lib/iam/actions.ts";
import { byRelevance, isS3ViaServiceOnly, listSome } from "../../lib/iam/analysis.ts";
import {
  collectGrants,
  targetLabel,
  type Grant,
  type StackGrants,
  type Target,
} from "../../lib/iam/stackGrants.ts";
import {
  UnknownValues,
  describe,
  obj,
  objList,
  type StackResource,
} from "../../lib/stack/model.ts";
import { READ_ONLY_MANAGED_POLICIES, isReadOnlyManagedPolicy, spendfloReason } from "./common.ts";

export type SpendfloView = StackGrants;

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
  const view: SpendfloView = await collectGrants(
    resources,
    { selectPrincipal: spendfloReason, accounts, followTrust: true },
    unknowns,
  );
  viewUnknowns.set(view, unknowns);
  return view;
}

/**
 * `kms:Decrypt` reads: S3 calls it to open an SSE-KMS object for a reader, and it changes nothing.
 * The catalogue calls it Write (it is a cryptographic operation); `spendflo-read-only` reads it as
 * a read, and `spendflo-scoped` judges where it may be used (`decryptScopeProblem`).
 */
export function isKmsDecrypt(a: CatalogueAction): boolean {
  return a.action.toLowerCase() === "kms:decrypt";
}

/** The encryption-context key S3 sets on every SSE-KMS request: the object's or bucket's ARN. */
const S3_CONTEXT_KEY = "aws:s3:arn";

/**
 * Why a grant of `kms:Decrypt` is not confined to reading through S3, or undefined when it is.
 * Confined means: the statement pins `kms:ViaService` to `s3.<region>.amazonaws.com` (a key
 * policy's `Resource: "*"` is the key itself; an identity policy must name keys, not `*`); a KMS
 * grant, which takes no conditions, binds S3's encryption context (`aws:s3:arn`) in its
 * constraints. Whether the key's bucket is in the stack does not matter: through S3, SpendFlo
 * decrypts only objects it may read, and `spendflo-scoped` judges those reads.
 */
export function decryptScopeProblem(g: Grant, unknowns: UnknownValues): string | undefined {
  if (g.kind === "kms-grant") {
    // The key's presence is what binds the grant to S3 (a grant's context values are exact, no
    // wildcards), so a value still unknown during preview does not keep it from deciding.
    const bound = unknowns.read(
      () =>
        objList(g.source.props["constraints"]).some((c) =>
          ["encryptionContextEquals", "encryptionContextSubset"].some((k) => {
            const context = obj(c[k]);
            return context !== undefined && S3_CONTEXT_KEY in context;
          }),
        ),
      false,
    );
    return bound
      ? undefined
      : `with no constraint binding S3's encryption context (${S3_CONTEXT_KEY}), so it decrypts outside S3 too: a KMS grant takes no kms:ViaService condition; constrain it with encryptionContextSubset { "${S3_CONTEXT_KEY}": "<bucket ARN>" } (S3 Bucket Keys on), or grant kms:Decrypt in the key policy with kms:ViaService`;
  }
  const s = g.statement;
  if (!s) return "with nothing confining it to S3";
  if (!isS3ViaServiceOnly(s)) {
    return 'without kms:ViaService pinned to S3, so it decrypts outside S3 too: add the condition { "StringEquals": { "kms:ViaService": "s3.<region>.amazonaws.com" } }';
  }
  if (g.kind === "identity") {
    if (s.notResources !== undefined) {
      return "through S3, but on every key it does not list (NotResource): name the budget bucket's key by its ARN";
    }
    if ((s.resources ?? []).some((r) => /[*?]/.test(r))) {
      return "through S3, but on any key the wildcard matches: name the budget bucket's key by its ARN";
    }
  }
  return undefined;
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
    // kms:Decrypt reads (the catalogue says Write); where it may be used is spendflo-scoped's.
    const writes = g.actions.filter((a) => !isReadLevel(a.accessLevel) && !isKmsDecrypt(a));
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
