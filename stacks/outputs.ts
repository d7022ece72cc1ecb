import type * as pulumi from "@pulumi/pulumi";
import type {
  HostedCustomerOutputs,
  HostedStackOutputs,
  StackOutputs,
} from "../lib/spendflo/stackOutputs.ts";

/** The keys a schema's type names, without the index signature of a loose object. */
type NamedKeys<T> = T extends unknown
  ? keyof { [K in keyof T as string extends K ? never : K]: T[K] }
  : never;

/** The type of key `K` in whichever member of the union `T` names it. */
type ValueOf<T, K extends PropertyKey> = T extends unknown
  ? K extends keyof T
    ? T[K]
    : never
  : never;

/**
 * What the program returns for the outputs schema `register` reads: each key the schema names
 * (of any access mode), as a value or an Output of one. A key the schema does not name, or a value
 * of another type, does not compile; the example stacks' outputs are parsed through the schemas
 * in test/lib/spendflo/offlinePlaceholders.test.ts.
 */
export type ProgramOutputs<T> = { [K in NamedKeys<T>]?: pulumi.Input<ValueOf<T, K>> };

/** The customer's own stack's outputs (stackOutputsSchema). */
export type BudgetSyncOutputs = ProgramOutputs<StackOutputs>;

/** One hosted customer's block (hostedCustomerOutputsSchema). */
export type HostedCustomerProgramOutputs = ProgramOutputs<HostedCustomerOutputs>;

/** The hosted stack's outputs (hostedStackOutputsSchema), a block per customer. */
export type HostedProgramOutputs = Omit<ProgramOutputs<HostedStackOutputs>, "customers"> & {
  customers?: Record<string, HostedCustomerProgramOutputs>;
};
