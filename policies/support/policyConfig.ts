/**
 * The pack's configuration, the same JSON `pulumi preview --policy-pack-config FILE` takes: keyed
 * by policy name, each value an enforcement level or an object with an optional `enforcementLevel`
 * and the policy's own properties (checked against its configSchema, defaults filled in).
 */
import { readFileSync } from "node:fs";
import type {
  EnforcementLevel,
  PolicyConfigSchema,
  ResourceValidationPolicy,
  StackValidationPolicy,
} from "@pulumi/policy";
import { ALWAYS_MANDATORY, policies as packPolicies } from "../all.ts";

type AnyPolicy = ResourceValidationPolicy | StackValidationPolicy;
type PolicyConfigJSONSchema = PolicyConfigSchema["properties"][string];

const LEVELS: readonly EnforcementLevel[] = ["advisory", "mandatory", "remediate", "disabled"];

export interface ResolvedPolicyConfig {
  enforcementLevel: EnforcementLevel;
  /** The policy's properties, defaults filled in (what `args.getConfig()` returns). */
  properties: Record<string, unknown>;
}

/** Thrown for a configuration the pack refuses; the message says what to change. */
export class PolicyConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "PolicyConfigError";
  }
}

function typeOf(v: unknown): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return "array";
  if (typeof v === "number") return Number.isInteger(v) ? "integer" : "number";
  return typeof v;
}

/** Checks a value against the JSON-schema subset the pack's configSchemas use. */
function validate(value: unknown, schema: PolicyConfigJSONSchema, path: string): string[] {
  const errors: string[] = [];
  if (schema.type) {
    const types = Array.isArray(schema.type) ? schema.type : [schema.type];
    const t = typeOf(value);
    const ok = types.some((x) => x === t || (x === "number" && t === "integer"));
    if (!ok) return [`${path} must be ${types.join(" or ")}, not ${t}`];
  }
  if (schema.enum && !schema.enum.some((e) => JSON.stringify(e) === JSON.stringify(value))) {
    errors.push(`${path} must be one of ${schema.enum.map((e) => JSON.stringify(e)).join(", ")}`);
  }
  if (typeof value === "string") {
    if (schema.pattern && !new RegExp(schema.pattern).test(value)) {
      errors.push(`${path} ("${value}") must match ${schema.pattern}`);
    }
    if (schema.minLength !== undefined && value.length < schema.minLength) {
      errors.push(`${path} must be at least ${schema.minLength} characters long`);
    }
  }
  if (typeof value === "number") {
    if (schema.minimum !== undefined && value < schema.minimum) {
      errors.push(`${path} must be at least ${schema.minimum}`);
    }
    if (schema.maximum !== undefined && value > schema.maximum) {
      errors.push(`${path} must be at most ${schema.maximum}`);
    }
  }
  if (Array.isArray(value) && schema.items && !Array.isArray(schema.items)) {
    const items = schema.items;
    if (typeof items === "object") {
      value.forEach((v, i) => errors.push(...validate(v, items, `${path}[${i}]`)));
    }
  }
  return errors;
}

/**
 * Validates a pack configuration and resolves each policy's level and properties. Throws
 * `PolicyConfigError` for an unknown policy, a bad level, a property its schema refuses, or
 * `spendflo-read-only` below mandatory.
 */
export function resolvePolicyConfig(
  config: unknown,
  policies: AnyPolicy[] = packPolicies,
): Map<string, ResolvedPolicyConfig> {
  if (typeof config !== "object" || config === null || Array.isArray(config)) {
    throw new PolicyConfigError(
      "the policy config must be a JSON object keyed by policy name, e.g. " +
        '{ "spendflo-read-only": { "spendfloAccountIds": ["999988887777"] } }',
    );
  }
  const entries = config as Record<string, unknown>;
  const known = new Set(policies.map((p) => p.name));
  // "all" sets the level of every policy, as in the Pulumi CLI.
  for (const name of Object.keys(entries)) {
    if (name !== "all" && !known.has(name)) {
      throw new PolicyConfigError(
        `the policy config names "${name}", which is not a policy of this pack (${[...known].join(", ")})`,
      );
    }
  }
  const allLevel = readLevel(entries["all"], "all");
  const out = new Map<string, ResolvedPolicyConfig>();
  const errors: string[] = [];
  for (const p of policies) {
    const raw = entries[p.name];
    let level: EnforcementLevel = allLevel ?? p.enforcementLevel ?? "advisory";
    const props: Record<string, unknown> = {};
    if (typeof raw === "string") {
      level = readLevel(raw, p.name) ?? level;
    } else if (raw !== undefined) {
      if (typeof raw !== "object" || raw === null || Array.isArray(raw)) {
        throw new PolicyConfigError(
          `the policy config for "${p.name}" must be an enforcement level or an object`,
        );
      }
      for (const [k, v] of Object.entries(raw as Record<string, unknown>)) {
        if (k === "enforcementLevel") level = readLevel(v, p.name) ?? level;
        else props[k] = v;
      }
    }
    const schema = p.configSchema;
    for (const [k, v] of Object.entries(props)) {
      const prop = schema?.properties[k];
      if (!prop) {
        errors.push(`"${p.name}" has no config property "${k}"`);
        continue;
      }
      if (typeof prop === "object") errors.push(...validate(v, prop, `"${p.name}".${k}`));
    }
    for (const [k, prop] of Object.entries(schema?.properties ?? {})) {
      if (props[k] === undefined && typeof prop === "object" && prop.default !== undefined) {
        props[k] = structuredClone(prop.default);
      }
    }
    for (const req of schema?.required ?? []) {
      if (props[req] === undefined) errors.push(`"${p.name}" needs the config property "${req}"`);
    }
    if (ALWAYS_MANDATORY.includes(p.name) && (level === "advisory" || level === "disabled")) {
      throw new PolicyConfigError(
        `"${p.name}" cannot be configured below mandatory (the config sets it to "${level}"): ` +
          "no write access for SpendFlo may ever ship",
      );
    }
    out.set(p.name, { enforcementLevel: level, properties: props });
  }
  if (errors.length > 0) {
    throw new PolicyConfigError(`the policy config is invalid: ${errors.join("; ")}`);
  }
  return out;
}

function readLevel(v: unknown, where: string): EnforcementLevel | undefined {
  if (v === undefined) return undefined;
  if (typeof v === "string" && (LEVELS as readonly string[]).includes(v)) {
    return v as EnforcementLevel;
  }
  throw new PolicyConfigError(
    `the enforcement level of "${where}" must be one of ${LEVELS.join(", ")}, not ${JSON.stringify(v)}`,
  );
}

/**
 * Reads and validates a policy config file (for `budget-sync plan --policy-config FILE`). Returns
 * the parsed JSON, ready for `runPolicies`. Throws `PolicyConfigError` with the file's name when
 * it cannot be read, is not JSON, or is refused by `resolvePolicyConfig`.
 */
export function loadPolicyConfig(path: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (e) {
    throw new PolicyConfigError(`cannot read the policy config ${path}: ${(e as Error).message}`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (e) {
    throw new PolicyConfigError(
      `the policy config ${path} is not valid JSON: ${(e as Error).message}`,
    );
  }
  try {
    resolvePolicyConfig(parsed);
  } catch (e) {
    if (e instanceof PolicyConfigError) throw new PolicyConfigError(`${path}: ${e.message}`);
    throw e;
  }
  return parsed as Record<string, unknown>;
}
