/**
 * The plan of a stack, computed offline: the program run as a new stack's preview and as `pulumi up`
 * (cli/plan/offlineEngine.ts), judged by the policy pack as the real engine would, with the monthly
 * cost. `plan` prints it; `review` reads who may do what from it.
 */
// First: the packages only Pulumi's closure serialization uses load when used (deferredModules.ts).
import "../deferOnLoad.ts";
import path from "node:path";
import { regionProblem } from "../../lib/aws/regions.ts";
import { estimateMonthlyCost, type CostEstimate } from "../../lib/aws/costEstimate.ts";
import { PLACEHOLDER_ACCOUNT_ID } from "../../lib/spendflo/offlinePlaceholders.ts";
import type { PlannedResource } from "../../lib/stack/plannedResource.ts";
import { describe } from "../../lib/stack/model.ts";
import {
  PolicyConfigError,
  judgeDeployment,
  loadPolicyConfig,
  type Violation,
} from "../../policies/support/offline.ts";
import { policies as packPolicies } from "../../policies/all.ts";
import { CliError, ExitCode } from "../errors.ts";
import {
  ProgramError,
  OUR_PROGRAM,
  runOffline,
  type OfflineRunResult,
  type UnansweredInvoke,
} from "./offlineEngine.ts";
import { maskPaths, maskValues, showUnknowns } from "./render.ts";
import { defaultStack, loadProject, readStackConfig, stackConfigPath } from "./stackFiles.ts";

export const DEFAULT_STACK = "own-bucket";
export const DEFAULT_ACCOUNT_ID = PLACEHOLDER_ACCOUNT_ID;
export const DEFAULT_REGION = "us-east-1";

/** What to plan: a stack (or config file) of a program, as the options of `plan` and `review` say. */
export interface PlanTarget {
  stack?: string;
  config?: string;
  program?: string;
  accountId?: string;
  policyConfig?: string;
}

/**
 * When the real engine reports a finding (pulumi/pulumi `step_generator.go`):
 * - `preview`: `pulumi preview`, and the preview `pulumi up` runs first, show it before anything
 *   is created (a mandatory one stops `up` there);
 * - `before-create`: not decidable at preview (a value comes from a resource not created yet), but
 *   a resource policy refuses it during `pulumi up`, before the resource that carries it is created
 *   or updated (the resources before it in the update are created);
 * - `after-create`: only a stack policy sees it, after `pulumi up` has created the resources; the
 *   update then fails, and the grant exists until it is fixed.
 */
export type PlanStage = "preview" | "before-create" | "after-create";

/** A policy finding of the pack. */
export interface PlanViolation {
  policy: string;
  level: "mandatory" | "advisory";
  message: string;
  urn: string;
  stage: PlanStage;
}

/**
 * A policy that cannot decide, and why: `preview`, the real `pulumi preview` of a new stack says
 * "can't run policy ... during preview" (`pulumi up` decides it); `offline`, this plan cannot decide
 * it at all (its value is built from a provider function the offline engine cannot answer).
 */
export interface PlanUndecided {
  policy: string;
  level: "mandatory" | "advisory";
  message: string;
  stage: "preview" | "offline";
}

export interface Plan {
  stack: string;
  project: string;
  program: string;
  configFile: string;
  accountId: string;
  region: string;
  /** Resources for printing: secrets masked. */
  resources: PlannedResource[];
  /** Outputs for printing: secrets masked. */
  outputs: Record<string, unknown>;
  violations: PlanViolation[];
  /** Policies that cannot decide in a preview of a new stack (values unknown until created). */
  undecided: PlanUndecided[];
  /** Estimated monthly cost of what the plan creates. */
  cost: CostEstimate;
  warnings: string[];
}

/** Runs a program offline and returns its plan with every secret already masked. */
export async function computePlan(
  target: PlanTarget,
): Promise<{ plan: Plan; run: OfflineRunResult; policyConfig: Record<string, unknown> }> {
  const options = { ...target, accountId: target.accountId ?? DEFAULT_ACCOUNT_ID };
  const project = loadProject(options.program);
  const stack = options.config
    ? stackNameOf(options.config)
    : (options.stack ?? defaultStack(project, DEFAULT_STACK));
  const configFile = options.config
    ? path.resolve(options.config)
    : stackConfigPath(project, stack);
  const values = readStackConfig(configFile, project);
  // A bad policy config is bad usage: refuse it before running anything.
  let policyConfig: Record<string, unknown> = {};
  if (options.policyConfig) {
    try {
      policyConfig = loadPolicyConfig(options.policyConfig);
    } catch (error) {
      if (error instanceof PolicyConfigError) throw new CliError(error.message, ExitCode.Usage);
      throw error;
    }
  }
  const region = values.config["aws:region"] ?? DEFAULT_REGION;
  values.config["aws:region"] = region;
  const regionIssue = regionProblem(region);
  // A well-formed region we do not know is a warning (AWS opens regions faster than any list
  // is updated); a code of no region's shape is a typo, refused before the program runs.
  if (regionIssue?.level === "error") {
    throw new CliError(
      `invalid stack config:\n  - aws:region: ${regionIssue.message}`,
      ExitCode.Usage,
    );
  }
  if (regionIssue) values.warnings.push(`aws:region ${regionIssue.message}`);

  // A secret's offline placeholder is no value of the user's: never shown (a secret prefix).
  const programFailed = (message: string) =>
    new CliError(
      `the program failed: ${maskValues(message, new Set(values.secretValues)) as string}`,
      ExitCode.Usage,
    );
  // Our own program refuses a bad config before declaring anything: check it here first, with
  // the program's own parser and message, rather than start the engine to be told.
  if (project.program === OUR_PROGRAM) {
    const { StackConfigError, namespaceConfig, parseStackConfig } =
      await import("../../stacks/config.ts");
    try {
      parseStackConfig(namespaceConfig(values.config));
    } catch (error) {
      if (error instanceof StackConfigError) throw programFailed(error.message);
      throw error;
    }
  }

  let run: OfflineRunResult;
  try {
    run = await runOffline({
      programPath: project.program,
      project: project.name,
      stack,
      config: values.config,
      secretKeys: values.secretKeys,
      secretValues: values.secretValues,
      cloud: { accountId: options.accountId, region },
    });
  } catch (error) {
    if (error instanceof ProgramError) throw programFailed(error.message);
    throw error;
  }

  for (const invoke of run.unansweredInvokes) values.warnings.push(unansweredWarning(invoke, run));
  let verdict: { violations: PlanViolation[]; undecided: PlanUndecided[] };
  const effectiveConfig = withShardBucket(
    withStackAccounts(policyConfig, values.config, project.name),
    values.config,
    project.name,
  );
  try {
    verdict = await judgeAsTheEngine(run, effectiveConfig);
  } catch (error) {
    if (error instanceof PolicyConfigError) throw new CliError(error.message, ExitCode.Usage);
    throw error;
  }
  const violations = verdict.violations.map((v) => ({
    ...v,
    message: maskValues(v.message, run.secretValues) as string,
  }));
  const undecided = verdict.undecided.map((u) => ({
    ...u,
    message: maskValues(u.message, run.secretValues) as string,
  }));

  const shown = run.resources.filter((r) => !isEngineResource(r.type));
  const resources = shown.map((r) => ({
    ...r,
    inputs: showUnknowns(
      maskValues(maskPaths(r.inputs, run.secretInputPaths.get(r.urn) ?? []), run.secretValues),
    ) as Record<string, unknown>,
    outputs: showUnknowns(maskValues(r.outputs, run.secretValues)) as Record<string, unknown>,
  }));
  const outputs = showUnknowns(
    maskValues(maskPaths(run.outputs, run.secretOutputPaths), run.secretValues),
  ) as Record<string, unknown>;
  return {
    plan: {
      stack,
      project: project.name,
      program: project.program,
      configFile,
      accountId: options.accountId,
      region,
      resources,
      outputs,
      violations,
      undecided,
      cost: estimateMonthlyCost(shown),
      warnings: values.warnings,
    },
    run,
    policyConfig: effectiveConfig,
  };
}

/** What an invoke the offline engine cannot answer leaves unknown in the plan. */
function unansweredWarning(invoke: UnansweredInvoke, run: OfflineRunResult): string {
  const byUrn = new Map(run.resources.map((r) => [r.urn, r]));
  const uses = [
    ...new Set(
      invoke.uses.map((u) => {
        const r = byUrn.get(u.urn);
        const where = r ? describe(r) : "the stack outputs";
        return u.path ? `${where} (${u.path})` : where;
      }),
    ),
  ];
  return `the offline plan cannot answer the provider function ${invoke.token}: its results are unknown here, ${
    uses.length
      ? `and so is what is built from them: ${uses.slice(0, 10).join(", ")}${uses.length > 10 ? ` and ${uses.length - 10} more` : ""}; a policy that reads them is undecided, not passed`
      : "and nothing in the stack uses them"
  }`;
}

function pick(u: { policy: string; level: "mandatory" | "advisory"; message: string }) {
  return { policy: u.policy, level: u.level, message: u.message };
}

/**
 * The verdict the real engine gives: the pack judged as `pulumi preview` of a new stack runs it
 * (the preview pass: values the provider computes unknown), and as `pulumi up` runs it (the update
 * pass: each resource's inputs before its step, then the stack once every resource exists).
 * A finding is reported at the earliest stage that shows it; never a kinder verdict than either.
 */
async function judgeAsTheEngine(
  run: OfflineRunResult,
  policyConfig: Record<string, unknown>,
): Promise<{ violations: PlanViolation[]; undecided: PlanUndecided[] }> {
  const preview = await judgeDeployment(run.preview, policyConfig);
  const update = await judgeDeployment(run.resources, policyConfig);
  // One finding, one line: the same grant found again later (by the resource-level check, at the
  // resource that completes it) is shown once, at the earliest stage.
  const key = (v: Violation) => v.message;
  const atPreview = new Set(preview.violations.map(key));
  const seen = new Set<string>();
  const violations: PlanViolation[] = [];
  for (const v of [...preview.violations, ...update.violations]) {
    if (v.level === "disabled" || seen.has(key(v))) continue;
    seen.add(key(v));
    const stage: PlanStage = atPreview.has(key(v))
      ? "preview"
      : v.stage === "resource"
        ? "before-create"
        : "after-create";
    violations.push({ policy: v.policy, level: v.level, message: v.message, urn: v.urn, stage });
  }
  const order = new Map(packPolicies.map((p, i) => [p.name, i]));
  violations.sort((a, b) => (order.get(a.policy) ?? 0) - (order.get(b.policy) ?? 0));
  const offline = new Set(update.undecided.map((u) => u.policy));
  const undecided: PlanUndecided[] = [
    ...preview.undecided
      .filter((u) => !offline.has(u.policy))
      .map((u) => ({ ...pick(u), stage: "preview" as const })),
    ...update.undecided.map((u) => ({ ...pick(u), stage: "offline" as const })),
  ];
  return { violations, undecided };
}

/**
 * SpendFlo's account named in our own stack config (`budget-sync:access.spendfloAccountId`, or a
 * shard's) is SpendFlo's for the pack too, unless the policy config already names accounts.
 */
export function withStackAccounts(
  policyConfig: Record<string, unknown>,
  stackConfig: Record<string, string>,
  namespace: string,
): Record<string, unknown> {
  const account = spendfloAccountOf(stackConfig, namespace);
  if (!account || !/^\d{12}$/.test(account)) return policyConfig;
  const merged: Record<string, unknown> = { ...policyConfig };
  for (const policy of packPolicies) {
    if (!policy.configSchema?.properties?.spendfloAccountIds) continue;
    const entry = merged[policy.name];
    if (typeof entry === "string") {
      merged[policy.name] = { enforcementLevel: entry, spendfloAccountIds: [account] };
    } else if (entry && typeof entry === "object") {
      if (!("spendfloAccountIds" in entry))
        merged[policy.name] = { ...entry, spendfloAccountIds: [account] };
    } else {
      merged[policy.name] = { spendfloAccountIds: [account] };
    }
  }
  return merged;
}

/**
 * A hosted shard (`hosted.manageBucket: false`) makes SpendFlo's read-only sync roles on a bucket
 * its base stack owns: that bucket is a budget bucket for spendflo-scoped, as docs/hosted-operations.md tells
 * `pulumi preview` users to say in their policy config (`additionalBuckets`).
 */
function withShardBucket(
  policyConfig: Record<string, unknown>,
  stackConfig: Record<string, string>,
  namespace: string,
): Record<string, unknown> {
  let manageBucket: unknown;
  try {
    manageBucket = (
      JSON.parse(stackConfig[`${namespace}:hosted`] ?? "{}") as { manageBucket?: unknown }
    ).manageBucket;
  } catch {
    return policyConfig;
  }
  const bucket = stackConfig[`${namespace}:bucketName`];
  if (manageBucket !== false || !bucket) return policyConfig;
  const entry = policyConfig["spendflo-scoped"];
  const base: Record<string, unknown> =
    typeof entry === "string"
      ? { enforcementLevel: entry }
      : entry && typeof entry === "object"
        ? (entry as Record<string, unknown>)
        : {};
  const buckets = Array.isArray(base.additionalBuckets)
    ? (base.additionalBuckets as unknown[])
    : [];
  return {
    ...policyConfig,
    "spendflo-scoped": { ...base, additionalBuckets: [...new Set([...buckets, bucket])] },
  };
}

/** `access.spendfloAccountId` of the stack config, as text (unquoted in YAML it is a number). */
function spendfloAccountOf(stackConfig: Record<string, string>, namespace: string) {
  try {
    const id = (
      JSON.parse(stackConfig[`${namespace}:access`] ?? "{}") as { spendfloAccountId?: unknown }
    ).spendfloAccountId;
    return typeof id === "string" || typeof id === "number" ? String(id) : undefined;
  } catch {
    return undefined;
  }
}

/** `Pulumi.<stack>.yaml` → `<stack>`; any other file name is the stack name as it is. */
function stackNameOf(file: string): string {
  const base = path.basename(file);
  const match = /^Pulumi\.(.+)\.ya?ml$/.exec(base);
  return match ? match[1]! : base.replace(/\.ya?ml$/, "");
}

function isEngineResource(type: string): boolean {
  return type === "pulumi:pulumi:Stack" || type.startsWith("pulumi:providers:");
}

/**
 * 1 for a mandatory violation, or a mandatory policy undecided offline (it has not shown the stack
 * safe); else 0.
 */
export function planExitCode(plan: Plan): number {
  const failed =
    plan.violations.some((v) => v.level === "mandatory") ||
    plan.undecided.some((u) => u.stage === "offline" && u.level === "mandatory");
  return failed ? ExitCode.Finding : ExitCode.Ok;
}
