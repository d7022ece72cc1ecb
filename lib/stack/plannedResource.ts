/**
 * One resource of a plan, as the offline engine records it and as `plan --json` prints it.
 * The policy pack's offline runner judges a list of these.
 */
export interface PlannedResource {
  /** `urn:pulumi:<stack>::<project>::<type chain>::<name>` */
  urn: string;
  /** Pulumi type token, e.g. `aws:s3/bucket:Bucket` or `budget-sync:index:BudgetBucket`. */
  type: string;
  /** Logical name. */
  name: string;
  /** Physical id the engine assigned (a bucket's name, an IAM user's name); undefined for components. */
  id?: string;
  /** URN of the parent resource (the stack for top-level resources). */
  parent?: string;
  /** True for provider-managed resources, false for components. */
  custom: boolean;
  /**
   * Inputs, as the program set them; secret values are kept here and masked only when printed.
   * In a preview plan a value derived from a value unknown at preview is `UNKNOWN`.
   */
  inputs: Record<string, unknown>;
  /**
   * Outputs: inputs plus what the provider computes (arn, id, ...); in a preview plan, every
   * property the program did not set is `UNKNOWN`, as in the provider's planned state.
   */
  outputs: Record<string, unknown>;
  /** For each input property, the resources its value came from (URNs), as the SDK registers them. */
  propertyDependencies?: Record<string, string[]>;
  /** Resource options the policy pack may check. */
  options: {
    protect?: boolean;
    retainOnDelete?: boolean;
    importId?: string;
    dependsOn: string[];
  };
}

/**
 * The engine's sentinel for a value not known yet (pulumi/pulumi
 * `sdk/go/common/resource/plugin/rpc.go`, `UnknownStringValue`): during `pulumi preview` it stands
 * for every value the provider computes and every value derived from one. Plans record unknown
 * values as this string, exactly as the engine sends them to a policy pack.
 */
export const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

/** True if the value is, or holds anywhere inside it, an unknown value. */
export function containsUnknown(value: unknown): boolean {
  if (value === UNKNOWN) return true;
  if (Array.isArray(value)) return value.some(containsUnknown);
  if (value !== null && typeof value === "object")
    return Object.values(value).some(containsUnknown);
  return false;
}
