/**
 * The whole pack, run offline over the records of an offline plan (`budget-sync plan`), with the
 * arguments CrossGuard would build, made by hand. No PolicyPack is constructed (that would start a
 * gRPC server). No side effects.
 */
import type {
  PolicyResource,
  PolicyResourceOptions,
  ResourceValidationArgs,
  ResourceValidationPolicy,
  StackValidationArgs,
  StackValidationPolicy,
} from "@pulumi/policy";
import type { PlannedResource } from "../lib/plannedResource.ts";
import { policies as packPolicies } from "./all.ts";
import { resolvePolicyConfig } from "./policyConfig.ts";

export { loadPolicyConfig, PolicyConfigError, resolvePolicyConfig } from "./policyConfig.ts";

export interface Violation {
  policy: string;
  level: "mandatory" | "advisory" | "disabled";
  message: string;
  /** The offending resource; the stack's URN when a stack policy names no resource. */
  urn: string;
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

function isStackPolicy(
  p: ResourceValidationPolicy | StackValidationPolicy,
): p is StackValidationPolicy {
  return typeof (p as StackValidationPolicy).validateStack === "function";
}

/**
 * Runs every resource and stack policy of the pack over the planned resources and returns the
 * violations, in pack order. `policyConfig` is the JSON of `pulumi preview --policy-pack-config`;
 * a bad one (unknown policy, value its schema refuses, `spendflo-read-only` below mandatory)
 * throws `PolicyConfigError`. Disabled policies do not run.
 */
export async function runPolicies(
  resources: PlannedResource[],
  policyConfig: Record<string, unknown> = {},
  options: RunPoliciesOptions = {},
): Promise<Violation[]> {
  const policies = options.policies ?? packPolicies;
  const config = resolvePolicyConfig(policyConfig, policies);
  const stackTags: ReadonlyMap<string, string> = new Map(Object.entries(options.stackTags ?? {}));
  const stackUrn = resources.find((r) => r.type === "pulumi:pulumi:Stack")?.urn ?? "";
  const violations: Violation[] = [];

  // Stack policies see outputs (which include the inputs); resource policies see inputs.
  const policyResources: PolicyResource[] = resources.map((r) => {
    const props: Record<string, unknown> = { ...r.inputs, ...r.outputs };
    if (r.id !== undefined && props["id"] === undefined) props["id"] = r.id;
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
  const byUrn = new Map(policyResources.map((p) => [p.urn, p]));
  resources.forEach((r, i) => {
    const p = policyResources[i];
    if (r.parent) p.parent = byUrn.get(r.parent);
    p.dependencies = r.options.dependsOn
      .map((d) => byUrn.get(d))
      .filter((d): d is PolicyResource => d !== undefined);
  });

  for (const policy of policies) {
    const resolved = config.get(policy.name)!;
    let level = resolved.enforcementLevel;
    if (level === "disabled") continue;
    if (level === "remediate") level = "mandatory";
    const getConfig = <T extends object>() => structuredClone(resolved.properties) as T;
    const notApplicable = (reason?: string): never => {
      throw new NotApplicable(reason);
    };
    if (isStackPolicy(policy)) {
      const args: StackValidationArgs = {
        resources: policyResources,
        stackTags,
        getConfig,
        notApplicable,
      };
      try {
        await policy.validateStack(args, (message, urn) =>
          violations.push({ policy: policy.name, level, message, urn: urn ?? stackUrn }),
        );
      } catch (e) {
        if (!(e instanceof NotApplicable)) throw e;
      }
      continue;
    }
    const validations = policy.validateResource
      ? Array.isArray(policy.validateResource)
        ? policy.validateResource
        : [policy.validateResource]
      : [];
    for (const r of resources) {
      if (!r.custom) continue;
      const props = r.inputs;
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
        getConfig,
        notApplicable,
      };
      for (const validate of validations) {
        try {
          await validate(args, (message) =>
            violations.push({ policy: policy.name, level, message, urn: r.urn }),
          );
        } catch (e) {
          if (!(e instanceof NotApplicable)) throw e;
        }
      }
    }
  }
  return violations;
}
