/**
 * The whole pack, run offline over the records of an offline plan (`budget-sync plan`), with the
 * arguments CrossGuard would build, made by hand. No PolicyPack is constructed (that would start a
 * gRPC server). No side effects.
 */
import {
  unknownCheckingProxy,
  type PolicyResource,
  type PolicyResourceOptions,
  type ResourceValidationArgs,
  type ResourceValidationPolicy,
  type StackValidationArgs,
  type StackValidationPolicy,
} from "@pulumi/policy";
import type { PlannedResource } from "../../lib/stack/plannedResource.ts";
import { isUnknownValueError } from "../../lib/stack/model.ts";
import { policies as packPolicies } from "../all.ts";
import { resolvePolicyConfig } from "./policyConfig.ts";
import { newDeployment } from "./programInputs.ts";

export { loadPolicyConfig, PolicyConfigError, resolvePolicyConfig } from "./policyConfig.ts";

export interface Violation {
  policy: string;
  level: "mandatory" | "advisory" | "disabled";
  message: string;
  /** The offending resource; the stack's URN when a stack policy names no resource. */
  urn: string;
  /**
   * Which call found it: `resource`, a resource policy on the resource's inputs before its step
   * (during `pulumi up` a mandatory one stops the step); `stack`, a stack policy once every
   * resource is known (after `pulumi up`, once they exist).
   */
  stage: "resource" | "stack";
}

/** A policy that could not decide: it met a value unknown at preview. */
export interface Undecided {
  policy: string;
  level: "mandatory" | "advisory";
  /** What it could not read (the resource and property). */
  message: string;
  /** The resource a resource policy was judging; undefined for a stack policy. */
  urn?: string;
}

export interface Judgement {
  violations: Violation[];
  undecided: Undecided[];
}

export interface RunPoliciesOptions {
  /** The policies to run (default: the whole pack). */
  policies?: (ResourceValidationPolicy | StackValidationPolicy)[];
  /** Stack tags, as `args.stackTags` (default: none). */
  stackTags?: Record<string, string>;
}

type AnyClass = { new (...rest: never[]): unknown; __pulumiType?: string };

function isTypeOf(type: string, resourceClass: unknown): boolean {
  return (resourceClass as AnyClass | undefined)?.__pulumiType === type;
}

function optionsOf(r: PlannedResource): PolicyResourceOptions {
  return {
    protect: r.options.protect ?? false,
    ignoreChanges: [],
    aliases: [],
    customTimeouts: { createSeconds: 0, updateSeconds: 0, deleteSeconds: 0 },
    additionalSecretOutputs: [],
    parent: r.parent,
  };
}

class NotApplicable extends Error {}

/** A running policy's level: a disabled one never runs. */
const active = (level: string): "mandatory" | "advisory" =>
  level === "advisory" ? "advisory" : "mandatory";

function isStackPolicy(
  p: ResourceValidationPolicy | StackValidationPolicy,
): p is StackValidationPolicy {
  return typeof (p as StackValidationPolicy).validateStack === "function";
}

/** The stack's resources as `AnalyzeStack` hands them to a stack policy: outputs, with links. */
function stackPolicyResources(resources: PlannedResource[]): PolicyResource[] {
  const list: PolicyResource[] = resources.map((r) => {
    // A provider's outputs hold its inputs too; hand-made records may give inputs alone.
    const props = unknownCheckingProxy({ ...r.inputs, ...r.outputs }) as Record<string, unknown>;
    return {
      type: r.type,
      props,
      urn: r.urn,
      name: r.name,
      opts: optionsOf(r),
      dependencies: [],
      propertyDependencies: {},
      isType: (cls: unknown) => isTypeOf(r.type, cls),
      asType: ((cls: unknown) =>
        isTypeOf(r.type, cls) ? props : undefined) as PolicyResource["asType"],
    };
  });
  const byUrn = new Map(list.map((p) => [p.urn, p]));
  const linked = (urns: string[]) =>
    urns.map((u) => byUrn.get(u)).filter((d): d is PolicyResource => d !== undefined);
  resources.forEach((r, i) => {
    const p = list[i]!;
    if (r.parent) p.parent = byUrn.get(r.parent);
    p.dependencies = linked(r.options.dependsOn);
    for (const [key, urns] of Object.entries(r.propertyDependencies ?? {})) {
      p.propertyDependencies[key] = linked(urns);
    }
  });
  return list;
}

/**
 * One deployment of the pack over a plan's records, as the engine runs it
 * (pulumi/pulumi `pkg/resource/deploy/step_generator.go`): every resource policy on each
 * resource's inputs, in registration order, before its step; then every stack policy on the
 * resources' outputs. Values the plan records as `UNKNOWN` are unknown to the policies, as in a
 * preview: a policy that reads one is undecided ("can't run policy ... during preview").
 * `policyConfig` is the JSON of `pulumi preview --policy-pack-config`; a bad one (unknown policy,
 * a value its schema refuses, `spendflo-read-only` below mandatory) throws `PolicyConfigError`.
 * Disabled policies do not run.
 */
export async function judgeDeployment(
  resources: PlannedResource[],
  policyConfig: Record<string, unknown> = {},
  options: RunPoliciesOptions = {},
): Promise<Judgement> {
  const policies = options.policies ?? packPolicies;
  const config = resolvePolicyConfig(policyConfig, policies);
  const stackTags: ReadonlyMap<string, string> = new Map(Object.entries(options.stackTags ?? {}));
  const stackUrn = resources.find((r) => r.type === "pulumi:pulumi:Stack")?.urn ?? "";
  const violations: Violation[] = [];
  const undecided: Undecided[] = [];
  const levelOf = (name: string) => {
    const level = config.get(name)!.enforcementLevel;
    return level === "remediate" ? "mandatory" : level;
  };
  const configOf =
    (name: string) =>
    <T extends object>() =>
      structuredClone(config.get(name)!.properties) as T;
  const notApplicable = (reason?: string): never => {
    throw new NotApplicable(reason);
  };
  // Each judgement runs as it would in a deployment's own analyzer process, and leaves nothing
  // behind for the next caller in this one (see programInputs.ts).
  newDeployment();
  try {
    return await judge();
  } finally {
    newDeployment();
  }

  async function judge(): Promise<Judgement> {
    const resourcePolicies = policies.filter(
      (p): p is ResourceValidationPolicy => !isStackPolicy(p) && levelOf(p.name) !== "disabled",
    );
    for (const r of resources) {
      for (const policy of resourcePolicies) {
        const level = levelOf(policy.name);
        const props = unknownCheckingProxy(r.inputs) as Record<string, unknown>;
        const args: ResourceValidationArgs = {
          type: r.type,
          props,
          urn: r.urn,
          name: r.name,
          opts: optionsOf(r),
          stackTags,
          isType: (cls) => isTypeOf(r.type, cls),
          asType: ((cls: unknown) =>
            isTypeOf(r.type, cls) ? props : undefined) as ResourceValidationArgs["asType"],
          getConfig: configOf(policy.name),
          notApplicable,
        };
        const validations = policy.validateResource
          ? Array.isArray(policy.validateResource)
            ? policy.validateResource
            : [policy.validateResource]
          : [];
        for (const validate of validations) {
          try {
            await validate(args, (message) =>
              violations.push({
                policy: policy.name,
                level,
                message,
                urn: r.urn,
                stage: "resource",
              }),
            );
          } catch (e) {
            if (isUnknownValueError(e)) {
              undecided.push({
                policy: policy.name,
                level: active(level),
                message: e.message,
                urn: r.urn,
              });
            } else if (!(e instanceof NotApplicable)) throw e;
          }
        }
      }
    }

    const stackResources = stackPolicyResources(resources);
    for (const policy of policies) {
      if (!isStackPolicy(policy)) continue;
      const level = levelOf(policy.name);
      if (level === "disabled") continue;
      const args: StackValidationArgs = {
        resources: stackResources,
        stackTags,
        getConfig: configOf(policy.name),
        notApplicable,
      };
      try {
        await policy.validateStack(args, (message, urn) =>
          violations.push({
            policy: policy.name,
            level,
            message,
            urn: urn ?? stackUrn,
            stage: "stack",
          }),
        );
      } catch (e) {
        if (isUnknownValueError(e)) {
          undecided.push({ policy: policy.name, level: active(level), message: e.message });
        } else if (!(e instanceof NotApplicable)) throw e;
      }
    }
    // In pack order, as the engine lists them.
    const order = new Map(policies.map((p, i) => [p.name, i]));
    violations.sort((a, b) => order.get(a.policy)! - order.get(b.policy)!);
    return { violations, undecided };
  }
}

/**
 * The violations of one deployment over a plan's records (`judgeDeployment`), in pack order.
 */
export async function runPolicies(
  resources: PlannedResource[],
  policyConfig: Record<string, unknown> = {},
  options: RunPoliciesOptions = {},
): Promise<Violation[]> {
  return (await judgeDeployment(resources, policyConfig, options)).violations;
}
