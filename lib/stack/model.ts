/**
 * The stack as the policy pack sees it: resources with a type token, props and links, in the shape
 * of CrossGuard's `PolicyResource` (so stack policies pass `args.resources` straight in) and of the
 * offline plan's records (policies/support/offline.ts adapts them).
 *
 * During `pulumi preview` a value computed from another resource's outputs may be unknown, and
 * CrossGuard's props throw `UnknownValueError` when such a value is read. `UnknownValues` lets a
 * policy judge everything that is known, report it, and only then hand the first unknown back to
 * the SDK, which reports "can't run policy during preview" itself.
 */

export interface StackResource {
  type: string;
  urn: string;
  name: string;
  props: Record<string, unknown>;
  parent?: StackResource;
  dependencies?: StackResource[];
  propertyDependencies?: Record<string, StackResource[]>;
}

/** Pulumi type tokens of @pulumi/aws v7 (and the deprecated `*V2` aliases it still ships). */
export const T = {
  Bucket: "aws:s3/bucket:Bucket",
  BucketV2: "aws:s3/bucketV2:BucketV2",
  BucketPolicy: "aws:s3/bucketPolicy:BucketPolicy",
  BucketVersioning: "aws:s3/bucketVersioning:BucketVersioning",
  BucketVersioningV2: "aws:s3/bucketVersioningV2:BucketVersioningV2",
  BucketSse:
    "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
  BucketSseV2:
    "aws:s3/bucketServerSideEncryptionConfigurationV2:BucketServerSideEncryptionConfigurationV2",
  BucketPublicAccessBlock: "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock",
  BucketLifecycle: "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration",
  BucketLifecycleV2: "aws:s3/bucketLifecycleConfigurationV2:BucketLifecycleConfigurationV2",
  BucketAcl: "aws:s3/bucketAcl:BucketAcl",
  BucketAclV2: "aws:s3/bucketAclV2:BucketAclV2",
  AccessPoint: "aws:s3/accessPoint:AccessPoint",
  AccessPointPolicy: "aws:s3control/accessPointPolicy:AccessPointPolicy",
  User: "aws:iam/user:User",
  Role: "aws:iam/role:Role",
  Group: "aws:iam/group:Group",
  UserPolicy: "aws:iam/userPolicy:UserPolicy",
  RolePolicy: "aws:iam/rolePolicy:RolePolicy",
  GroupPolicy: "aws:iam/groupPolicy:GroupPolicy",
  Policy: "aws:iam/policy:Policy",
  UserPolicyAttachment: "aws:iam/userPolicyAttachment:UserPolicyAttachment",
  RolePolicyAttachment: "aws:iam/rolePolicyAttachment:RolePolicyAttachment",
  GroupPolicyAttachment: "aws:iam/groupPolicyAttachment:GroupPolicyAttachment",
  PolicyAttachment: "aws:iam/policyAttachment:PolicyAttachment",
  RolePolicyAttachmentsExclusive:
    "aws:iam/rolePolicyAttachmentsExclusive:RolePolicyAttachmentsExclusive",
  UserPolicyAttachmentsExclusive:
    "aws:iam/userPolicyAttachmentsExclusive:UserPolicyAttachmentsExclusive",
  GroupPolicyAttachmentsExclusive:
    "aws:iam/groupPolicyAttachmentsExclusive:GroupPolicyAttachmentsExclusive",
  UserGroupMembership: "aws:iam/userGroupMembership:UserGroupMembership",
  GroupMembership: "aws:iam/groupMembership:GroupMembership",
  AccessKey: "aws:iam/accessKey:AccessKey",
  KmsKey: "aws:kms/key:Key",
  KmsKeyPolicy: "aws:kms/keyPolicy:KeyPolicy",
  KmsGrant: "aws:kms/grant:Grant",
  KmsAlias: "aws:kms/alias:Alias",
  LambdaFunction: "aws:lambda/function:Function",
  LambdaPermission: "aws:lambda/permission:Permission",
  AccessGrant: "aws:s3control/accessGrant:AccessGrant",
  Trail: "aws:cloudtrail/trail:Trail",
} as const;

/** The types that are S3 buckets. */
export const BUCKET_TYPES: readonly string[] = [T.Bucket, T.BucketV2];

/** The SDK's `UnknownValueError`, recognized without importing its internals. */
export function isUnknownValueError(e: unknown): e is Error {
  return e instanceof Error && "unknownTypeSentinel" in e;
}

/** Collects the unknown values met while judging a stack, to re-throw the first one at the end. */
export class UnknownValues {
  readonly errors: Error[] = [];

  /** Runs `fn`; if it reads an unknown value, records it and returns `fallback`. */
  read<T>(fn: () => T, fallback: T): T {
    try {
      return fn();
    } catch (e) {
      if (isUnknownValueError(e)) {
        this.errors.push(e);
        return fallback;
      }
      throw e;
    }
  }

  /**
   * Runs `fn`; if it reads an unknown value, returns `fallback` without recording it. For values
   * that only help matching (an ARN or id the provider assigns, unknown for every new resource
   * during preview) and whose absence never hides a grant.
   */
  peek<T>(fn: () => T, fallback: T): T {
    try {
      return fn();
    } catch (e) {
      if (isUnknownValueError(e)) return fallback;
      throw e;
    }
  }

  /** `peek` when an unknown value is explained (it comes from a dependency already followed). */
  readUnless<T>(explained: boolean, fn: () => T, fallback: T): T {
    return explained ? this.peek(fn, fallback) : this.read(fn, fallback);
  }

  /** Async `read`. */
  async readAsync<T>(fn: () => Promise<T>, fallback: T): Promise<T> {
    try {
      return await fn();
    } catch (e) {
      if (isUnknownValueError(e)) {
        this.errors.push(e);
        return fallback;
      }
      throw e;
    }
  }

  /**
   * Hands the unknown values to the SDK, after the policy reported what it could judge: the first
   * error (CrossGuard recognizes its class), its message naming every distinct one (five, then a
   * count), so "can't run policy ... during preview" says everything the policy could not read.
   */
  rethrow(): void {
    const first = this.errors[0];
    if (!first) return;
    const distinct = [...new Set(this.errors.map((e) => e.message))];
    const message =
      distinct.slice(0, 5).join("; ") +
      (distinct.length > 5 ? `; and ${distinct.length - 5} more` : "");
    throw Object.assign(Object.create(Object.getPrototypeOf(first) as object) as Error, first, {
      message,
    });
  }
}

/** Reads a prop that is a string, or undefined. */
export function str(props: Record<string, unknown>, key: string): string | undefined {
  const v = props[key];
  return typeof v === "string" ? v : undefined;
}

/** Reads a prop that is a list of strings (a single string becomes a one-item list). */
export function strList(props: Record<string, unknown>, key: string): string[] {
  const v = props[key];
  if (typeof v === "string") return [v];
  if (Array.isArray(v)) return v.filter((x): x is string => typeof x === "string");
  return [];
}

/** Reads a prop that is an object, or undefined. */
export function obj(value: unknown): Record<string, unknown> | undefined {
  return typeof value === "object" && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined;
}

/** Reads a prop that is a list of objects (one object becomes a one-item list). */
export function objList(value: unknown): Record<string, unknown>[] {
  if (Array.isArray(value)) return value.map(obj).filter((x) => x !== undefined);
  const o = obj(value);
  return o ? [o] : [];
}

/** How messages name a resource: `aws.s3.Bucket "budgets"`. */
export function describe(r: { type: string; name: string }): string {
  const m = /^([a-z0-9-]+):([a-zA-Z0-9]+)\/[a-zA-Z0-9]+:([A-Za-z0-9]+)$/.exec(r.type);
  const t = m ? `${m[1]}.${m[2]}.${m[3]}` : r.type;
  return `${t} "${r.name}"`;
}

/** The last part of an ARN (`arn:aws:iam::1:user/path/name` -> `name`), or the value itself. */
export function lastArnPart(value: string): string {
  if (!value.startsWith("arn:")) return value;
  const res = value.split(":").slice(5).join(":");
  const slash = res.lastIndexOf("/");
  return slash >= 0 ? res.slice(slash + 1) : res;
}

/** The physical names a resource may have: its `name` input, its id or ARN, its logical name. */
export function physicalNames(r: StackResource, unknowns: UnknownValues): string[] {
  const names = new Set<string>();
  for (const key of ["name", "bucket", "id", "arn", "keyId"]) {
    const v = unknowns.peek(() => str(r.props, key), undefined);
    if (v) {
      names.add(v);
      if (v.startsWith("arn:")) names.add(lastArnPart(v));
    }
  }
  return [...names];
}

/** The name a bucket goes by in ARNs: its `bucket` input (or id), else its logical name. */
export function bucketName(r: StackResource, unknowns: UnknownValues): string {
  return (
    unknowns.peek(() => str(r.props, "bucket"), undefined) ??
    unknowns.peek(() => str(r.props, "id"), undefined) ??
    r.name
  );
}

/**
 * True if `ref` (a settings resource's reference, as a prop value and as its property
 * dependencies) points at `target`. The dependency is known even when the value is not (during
 * preview a new bucket's id is unknown), so it is tried first.
 */
export function refersTo(
  from: StackResource,
  prop: string,
  target: StackResource,
  unknowns: UnknownValues,
): boolean {
  const deps = from.propertyDependencies?.[prop] ?? [];
  if (deps.some((d) => d.urn === target.urn)) return true;
  // A value unknown during preview is explained when it comes from a resource of the target's
  // type (another bucket): it names that one. Otherwise it could name the target: record it.
  const explained = deps.some((d) => d.type === target.type);
  const read = () => from.props[prop];
  const value = explained ? unknowns.peek(read, undefined) : unknowns.read(read, undefined);
  const values = typeof value === "string" ? [value] : Array.isArray(value) ? value : [];
  if (values.length === 0) return false;
  const names = physicalNames(target, unknowns);
  if (!names.includes(target.name)) names.push(target.name);
  return values.some(
    (v) => typeof v === "string" && (names.includes(v) || names.includes(lastArnPart(v))),
  );
}

/** True if `from`'s prop depends on a resource of one of the types (its value comes from it). */
export function dependsOnType(
  from: StackResource,
  prop: string,
  types: readonly string[],
): boolean {
  return (from.propertyDependencies?.[prop] ?? []).some((d) => types.includes(d.type));
}

export interface BucketView {
  resource: StackResource;
  name: string;
  /** The resources that configure this bucket (settings resources joined by their `bucket`). */
  settings: StackResource[];
}

/** Every bucket of the stack with the resources that configure it. */
export function bucketsWithSettings(
  resources: StackResource[],
  unknowns: UnknownValues,
): BucketView[] {
  const buckets = resources.filter((r) => BUCKET_TYPES.includes(r.type));
  const settings = resources.filter((r) => !BUCKET_TYPES.includes(r.type) && "bucket" in r.props);
  return buckets.map((b) => ({
    resource: b,
    name: bucketName(b, unknowns),
    settings: settings.filter((s) => refersTo(s, "bucket", b, unknowns)),
  }));
}

/** The stack buckets that are CloudTrail log destinations (not budget buckets). */
export function trailLogBuckets(resources: StackResource[], unknowns: UnknownValues): Set<string> {
  const out = new Set<string>();
  for (const t of resources.filter((r) => r.type === T.Trail)) {
    const b = unknowns.readUnless(
      dependsOnType(t, "s3BucketName", BUCKET_TYPES),
      () => str(t.props, "s3BucketName"),
      undefined,
    );
    if (b) out.add(b);
    for (const d of t.propertyDependencies?.["s3BucketName"] ?? []) {
      if (BUCKET_TYPES.includes(d.type)) out.add(bucketName(d, unknowns));
    }
  }
  return out;
}

/** Tags of a resource (`tags` input), or an empty record. */
export function tagsOf(r: StackResource, unknowns: UnknownValues): Record<string, string> {
  const t = unknowns.read(() => obj(r.props["tags"]), undefined);
  const out: Record<string, string> = {};
  if (!t) return out;
  for (const k of Object.keys(t)) {
    const value = unknowns.read(() => t[k], undefined);
    if (typeof value === "string") out[k] = value;
  }
  return out;
}

/**
 * An ARN as the standard partition writes it (`arn:aws-us-gov:s3:::b` → `arn:aws:s3:::b`), so
 * that checks of a stack in GovCloud, China or the EU Sovereign Cloud compare like with like.
 */
export function inStandardPartition(arn: string): string {
  return arn.replace(/^arn:aws-[a-z-]+:/, "arn:aws:");
}
