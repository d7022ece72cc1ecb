import { UNKNOWN, type PlannedResource } from "../../lib/stack/plannedResource.ts";
import type { SecretPath } from "./offlineEngine.ts";

/** Masks secret values for printing: by position (Pulumi's secret marks) and by value. */
export const SECRET_MASK = "[secret]";

export function maskPaths(value: unknown, paths: readonly SecretPath[]): unknown {
  if (!paths.length) return value;
  if (paths.some((p) => p.length === 0)) return SECRET_MASK;
  if (value === null || typeof value !== "object") return value;
  const child = (key: string | number) => paths.filter((p) => p[0] === key).map((p) => p.slice(1));
  if (Array.isArray(value)) return value.map((v, i) => maskPaths(v, child(i)));
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, maskPaths(v, child(k))]));
}

/** How a plan shows a value the engine cannot know offline (built from an unanswered invoke). */
export const UNKNOWN_MASK = "[unknown]";

/** Replaces the engine's unknown sentinel with `[unknown]`, for printing. */
export function showUnknowns(value: unknown): unknown {
  if (value === UNKNOWN) return UNKNOWN_MASK;
  if (Array.isArray(value)) return value.map(showUnknowns);
  if (value && typeof value === "object") {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, showUnknowns(v)]));
  }
  return value;
}

/** Replaces every occurrence of a secret string, inside any string, with the mask. */
export function maskValues(value: unknown, secrets: ReadonlySet<string>): unknown {
  if (!secrets.size) return value;
  if (typeof value === "string") return value.replace(secretPattern(secrets), SECRET_MASK);
  if (Array.isArray(value)) return value.map((v) => maskValues(v, secrets));
  if (value && typeof value === "object") {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, maskValues(v, secrets)]));
  }
  return value;
}

const patterns = new WeakMap<ReadonlySet<string>, { size: number; pattern: RegExp }>();

/**
 * One regular expression for all the secrets, longest first, built once per set: a hosted stack
 * has a secret per customer, and testing each string against each secret in turn grew with the
 * square of the customers (7 s for 3,000 of them, against 0.1 s this way).
 */
function secretPattern(secrets: ReadonlySet<string>): RegExp {
  const cached = patterns.get(secrets);
  if (cached && cached.size === secrets.size) return cached.pattern;
  const alternatives = [...secrets]
    .filter((s) => s.length > 0)
    .sort((a, b) => b.length - a.length)
    .map((s) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"));
  const pattern = new RegExp(alternatives.length ? alternatives.join("|") : "(?!)", "g");
  patterns.set(secrets, { size: secrets.size, pattern });
  return pattern;
}

/** One line per statement of a policy document: who may do what, on what, under which condition. */
export function describePolicy(json: unknown): string[] {
  let doc: unknown = json;
  if (typeof json === "string") {
    try {
      doc = JSON.parse(json);
    } catch {
      return [`policy (not JSON): ${json.slice(0, 80)}`];
    }
  }
  const statements = (doc as { Statement?: unknown })?.Statement;
  const list = Array.isArray(statements) ? statements : statements ? [statements] : [];
  return list.map((s: Record<string, unknown>) => {
    const who =
      s.Principal !== undefined
        ? ` ${principalText(s.Principal)}`
        : s.NotPrincipal !== undefined
          ? ` everyone but ${principalText(s.NotPrincipal)}`
          : "";
    const what =
      s.Action !== undefined ? listText(s.Action) : `everything but ${listText(s.NotAction)}`;
    const on =
      s.Resource !== undefined
        ? listText(s.Resource)
        : s.NotResource !== undefined
          ? `everything but ${listText(s.NotResource)}`
          : "";
    const when = s.Condition
      ? ` if ${conditionText(s.Condition as Record<string, Record<string, unknown>>)}`
      : "";
    return `${s.Effect}${who}: ${what}${on ? ` on ${on}` : ""}${when}`;
  });
}

function listText(value: unknown): string {
  const list = Array.isArray(value) ? value : [value];
  return list.map(String).join(", ");
}

function principalText(principal: unknown): string {
  if (principal === "*") return "anyone (*)";
  if (principal && typeof principal === "object") {
    return Object.entries(principal)
      .map(([kind, v]) => (kind === "AWS" ? listText(v) : `${kind} ${listText(v)}`))
      .join(", ");
  }
  return String(principal);
}

function conditionText(condition: Record<string, Record<string, unknown>>): string {
  return Object.entries(condition)
    .flatMap(([op, entries]) =>
      Object.entries(entries ?? {}).map(([key, v]) => `${key} ${op} ${listText(v)}`),
    )
    .join(" and ");
}

/** The settings a reviewer checks, one short line each, by resource type. */
export function describeResource(resource: PlannedResource): string[] {
  const i = resource.inputs as Record<string, unknown>;
  const lines: string[] = [];
  switch (resource.type) {
    case "aws:s3/bucket:Bucket":
    case "aws:s3/bucketV2:BucketV2":
      lines.push(`bucket ${resource.id}`);
      if (resource.options.importId)
        lines.push(
          `adopts the existing bucket ${resource.options.importId} (imported, not created)`,
        );
      // retainOnDelete wins over forceDestroy: destroy only forgets the bucket.
      if (i.forceDestroy && resource.options.retainOnDelete)
        lines.push("forceDestroy: set, but without effect: the bucket is kept on pulumi destroy");
      else if (i.forceDestroy) lines.push("forceDestroy: ON (pulumi destroy deletes every file)");
      if (resource.options.retainOnDelete)
        lines.push("kept on pulumi destroy, with its files (retainOnDelete)");
      if (i.policy) lines.push(...describePolicy(i.policy).map((l) => `inline policy: ${l}`));
      break;
    case "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration": {
      for (const rule of (i.rules as Record<string, Record<string, unknown>>[]) ?? []) {
        const d = rule.applyServerSideEncryptionByDefault ?? {};
        lines.push(
          `encryption: ${d.sseAlgorithm}${d.kmsMasterKeyId ? ` with ${d.kmsMasterKeyId}` : ""}${rule.bucketKeyEnabled ? ", bucket key" : ""}${Array.isArray(rule.blockedEncryptionTypes) && rule.blockedEncryptionTypes.length ? `, blocks ${rule.blockedEncryptionTypes.join(", ")}` : ""}`,
        );
      }
      break;
    }
    case "aws:s3/bucketVersioning:BucketVersioning":
      lines.push(`versioning: ${(i.versioningConfiguration as Record<string, unknown>)?.status}`);
      break;
    case "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration":
      for (const rule of (i.rules as Record<string, Record<string, Record<string, unknown>>>[]) ??
        []) {
        const parts: string[] = [];
        if (rule.expiration?.days)
          parts.push(`current files expire after ${rule.expiration.days} d`);
        if (rule.expiration?.expiredObjectDeleteMarker)
          parts.push("expired delete markers removed");
        if (rule.noncurrentVersionExpiration?.noncurrentDays) {
          parts.push(
            `noncurrent versions after ${rule.noncurrentVersionExpiration.noncurrentDays} d`,
          );
        }
        if (rule.abortIncompleteMultipartUpload?.daysAfterInitiation) {
          parts.push(
            `incomplete uploads aborted after ${rule.abortIncompleteMultipartUpload.daysAfterInitiation} d`,
          );
        }
        const where =
          rule.filter?.prefix ?? (rule as Record<string, unknown>).prefix ?? "(whole bucket)";
        lines.push(
          `lifecycle ${rule.id} [${rule.status}] on ${String(where)}: ${parts.join(", ") || "no actions"}`,
        );
      }
      break;
    case "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock": {
      const flags = [
        "blockPublicAcls",
        "blockPublicPolicy",
        "ignorePublicAcls",
        "restrictPublicBuckets",
      ];
      const off = flags.filter((f) => i[f] !== true);
      lines.push(
        off.length
          ? `public access block: OFF for ${off.join(", ")}`
          : "public access block: all four flags on",
      );
      break;
    }
    case "aws:s3/bucketOwnershipControls:BucketOwnershipControls":
      lines.push(`object ownership: ${(i.rule as Record<string, unknown>)?.objectOwnership}`);
      break;
    case "aws:iam/user:User":
    case "aws:iam/role:Role":
      lines.push(
        `${resource.type.endsWith("User") ? "user" : "role"} ${resource.id}${tagText(i.tags)}`,
      );
      if (i.assumeRolePolicy)
        lines.push(...describePolicy(i.assumeRolePolicy).map((l) => `trust: ${l}`));
      break;
    case "aws:iam/accessKey:AccessKey":
      lines.push(`access key ${resource.id} for ${i.user} (secret access key is a Pulumi secret)`);
      break;
    case "aws:kms/key:Key":
      lines.push(
        `key rotation ${i.enableKeyRotation ? "on" : "OFF"}, deletion window ${i.deletionWindowInDays ?? 30} d`,
      );
      break;
    case "aws:kms/alias:Alias":
      lines.push(String(i.name));
      break;
    // The exporter, monitoring and audit trail (issue 6): one line per setting a reviewer checks.
    case "aws:lambda/function:Function":
    case "aws:cloudwatch/logGroup:LogGroup":
    case "aws:lambda/functionEventInvokeConfig:FunctionEventInvokeConfig":
    case "aws:lambda/permission:Permission":
    case "aws:scheduler/schedule:Schedule":
    case "aws:cloudwatch/eventRule:EventRule":
    case "aws:cloudwatch/eventTarget:EventTarget":
    case "aws:cloudwatch/metricAlarm:MetricAlarm":
    case "aws:cloudtrail/trail:Trail":
    case "aws:sns/topic:Topic":
    case "aws:sns/topicSubscription:TopicSubscription":
    case "aws:s3/bucketNotification:BucketNotification":
    case "aws:s3/bucketMetric:BucketMetric":
    case "aws:iam/instanceProfile:InstanceProfile":
      lines.push(...describeAutomation(resource.type, i));
      break;
    default:
      break;
  }
  for (const key of ["policy"]) {
    if (resource.type !== "aws:s3/bucket:Bucket" && typeof i[key] === "string") {
      lines.push(...describePolicy(i[key]));
    }
  }
  // A bucket says so above, with its files.
  if (resource.options.retainOnDelete && !/^aws:s3\/bucket(V2)?:/.test(resource.type))
    lines.push("kept on pulumi destroy (retainOnDelete)");
  return lines;
}

function tagText(tags: unknown): string {
  if (!tags || typeof tags !== "object") return "";
  const entries = Object.entries(tags as Record<string, string>);
  return entries.length ? `, tags ${entries.map(([k, v]) => `${k}=${v}`).join(" ")}` : "";
}

/** Total bytes of a Lambda's code as the offline engine summarises assets. */
function codeBytes(code: unknown): number | undefined {
  const c = code as { bytes?: number; assets?: Record<string, unknown> } | undefined;
  if (typeof c?.bytes === "number") return c.bytes;
  if (!c?.assets) return undefined;
  let total = 0;
  for (const inner of Object.values(c.assets)) total += codeBytes(inner) ?? 0;
  return total;
}

function describeAutomation(type: string, i: Record<string, unknown>): string[] {
  switch (type) {
    case "aws:lambda/function:Function": {
      const bytes = codeBytes(i.code);
      const env = Object.keys(
        ((i.environment as Record<string, unknown>)?.variables as Record<string, unknown>) ?? {},
      );
      return [
        `function ${i.name}: ${i.runtime}${Array.isArray(i.architectures) ? ` (${i.architectures.join(", ")})` : ""}, timeout ${i.timeout ?? 3} s, memory ${i.memorySize ?? 128} MB${bytes !== undefined ? `, code ${(bytes / 1024).toFixed(0)} KB` : ""}`,
        ...(env.length ? [`environment: ${env.join(", ")} (names only)`] : []),
      ];
    }
    case "aws:cloudwatch/logGroup:LogGroup":
      return [
        `log group ${i.name}, ${i.retentionInDays ? `kept ${i.retentionInDays} d` : "kept FOREVER"}`,
      ];
    case "aws:lambda/functionEventInvokeConfig:FunctionEventInvokeConfig": {
      const failure = (
        (i.destinationConfig as Record<string, unknown>)?.onFailure as Record<string, unknown>
      )?.destination;
      return [
        `async runs: ${i.maximumRetryAttempts ?? 2} retries, max event age ${i.maximumEventAgeInSeconds ?? 21600} s, on failure ${failure ? `to ${failure}` : "dropped"}`,
      ];
    }
    case "aws:lambda/permission:Permission":
      return [
        `${i.principal} may ${i.action} ${i.function}${i.sourceArn ? ` only from ${i.sourceArn}` : " from ANY source"}`,
      ];
    case "aws:scheduler/schedule:Schedule": {
      const target = (i.target as Record<string, unknown>) ?? {};
      return [
        `schedule ${i.scheduleExpression} (${i.scheduleExpressionTimezone ?? "UTC"}), invokes ${target.arn} as ${target.roleArn}`,
      ];
    }
    case "aws:cloudwatch/eventRule:EventRule":
      return [
        i.scheduleExpression
          ? `rule ${i.name}: schedule ${i.scheduleExpression} (UTC)`
          : `rule ${i.name}: pattern ${String(i.eventPattern)}`,
      ];
    case "aws:cloudwatch/eventTarget:EventTarget":
      return [`target of rule ${i.rule}: ${i.arn}`];
    case "aws:cloudwatch/metricAlarm:MetricAlarm": {
      const dims = Object.entries((i.dimensions as Record<string, string>) ?? {})
        .map(([k, v]) => `${k}=${v}`)
        .join(" ");
      return [
        `alarm ${i.name}: ${i.namespace}/${i.metricName}${dims ? ` [${dims}]` : ""} ${i.statistic} per ${i.period} s, ${i.datapointsToAlarm ?? i.evaluationPeriods} of ${i.evaluationPeriods} ${i.comparisonOperator} ${i.threshold}, missing data ${i.treatMissingData ?? "missing"}`,
      ];
    }
    case "aws:cloudtrail/trail:Trail": {
      const selectors = (i.advancedEventSelectors as Record<string, unknown>[]) ?? [];
      const data = selectors.flatMap((s) =>
        ((s.fieldSelectors as Record<string, unknown>[]) ?? [])
          .filter((f) => f.field === "resources.ARN")
          .flatMap((f) => (f.startsWiths as string[]) ?? (f.equals as string[]) ?? []),
      );
      return [
        `trail ${i.name} to s3://${i.s3BucketName}: log-file validation ${i.enableLogFileValidation ? "on" : "OFF"}, ${i.isMultiRegionTrail ? "all regions" : "this region"}`,
        data.length
          ? `data events on ${data.map((d) => `${d}*`).join(", ")}`
          : "no data events (management events only)",
      ];
    }
    case "aws:sns/topic:Topic":
      return [`topic ${i.name}${i.kmsMasterKeyId ? `, encrypted with ${i.kmsMasterKeyId}` : ""}`];
    case "aws:sns/topicSubscription:TopicSubscription":
      return [`${i.protocol} subscription: ${i.endpoint} (confirms by email)`];
    case "aws:s3/bucketNotification:BucketNotification":
      return [`S3 events to EventBridge: ${i.eventbridge ? "on" : "off"}`];
    case "aws:s3/bucketMetric:BucketMetric":
      return [
        `request metrics ${i.name} on ${((i.filter as Record<string, unknown>)?.prefix as string) ?? "(whole bucket)"}`,
      ];
    case "aws:iam/instanceProfile:InstanceProfile":
      return [`instance profile ${i.name} for role ${i.role}`];
    default:
      return [];
  }
}
