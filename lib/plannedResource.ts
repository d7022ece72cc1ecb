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
  /** Fully resolved inputs; secret values are kept here and masked only when printed. */
  inputs: Record<string, unknown>;
  /** Resolved outputs (inputs plus what the provider computes: arn, id, ...). */
  outputs: Record<string, unknown>;
  /** Resource options the policy pack may check. */
  options: {
    protect?: boolean;
    retainOnDelete?: boolean;
    importId?: string;
    dependsOn: string[];
  };
}
