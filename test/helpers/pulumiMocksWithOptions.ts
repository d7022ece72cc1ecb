import * as pulumi from "@pulumi/pulumi";
import { mockCall, mockResource } from "../../cli/plan/mockCloud.ts";

/** One resource as the mocks saw it, with the options the mocks alone do not see. */
export interface RecordedResource {
  type: string;
  name: string;
  urn: string;
  inputs: Record<string, unknown>;
  /** URNs of the resources it was declared to depend on (dependsOn and inputs' resources). */
  dependencies: string[];
  /** URN of its parent. */
  parent?: string;
  /** The `retainOnDelete` option: `pulumi destroy` forgets the resource and leaves it. */
  retainOnDelete: boolean;
  /** The `import` option's id, when it adopts an existing resource. */
  importId?: string;
}

export const MOCK_ACCOUNT = "111122223333";
export const MOCK_REGION = "eu-west-1";

/**
 * Installs Pulumi's mocks (call before importing components) and records every resource with
 * its parent and dependencies, read from the registration request as the offline engine does.
 * One per test file: Pulumi's runtime is global to the worker.
 */
export function installRecordingMocks(stack = "test"): RecordedResource[] {
  const resources: RecordedResource[] = [];
  const cloud = { accountId: MOCK_ACCOUNT, region: MOCK_REGION };
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  let current: any;
  pulumi.runtime.setMocks(
    {
      newResource: (args) => {
        const request = current;
        current = undefined;
        const parent: string | undefined = request?.getParent() || undefined;
        // The SDK's own URN shape: the parent's (last) type, then this type.
        const chain = parent
          ? `${parent.split("::")[2]!.split("$").pop()}$${args.type}`
          : args.type;
        const urn = `urn:pulumi:${stack}::budget-sync::${chain}::${args.name}`;
        resources.push({
          type: args.type,
          name: args.name,
          urn,
          inputs: args.inputs,
          dependencies: request?.getDependenciesList() ?? [],
          parent,
          retainOnDelete: request?.getRetainondelete() ?? false,
          importId: request?.getImportid() || undefined,
        });
        if (args.custom === false) return { id: undefined, state: {} };
        const result = mockResource(args.type, args.name, urn, args.inputs, cloud);
        return { id: args.id || result.id, state: result.state };
      },
      call: (args) => mockCall(args.token, args.inputs, cloud) ?? {},
    },
    "budget-sync",
    stack,
    false,
  );
  const monitor = pulumi.runtime.getMonitor()!;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  const m = monitor as any;
  const original = m.registerResource.bind(monitor);
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  m.registerResource = (request: any, callback: any) => {
    current = request;
    const result = original(request, callback);
    current = undefined;
    return result;
  };
  return resources;
}

export function promiseOf<T>(output: pulumi.Output<T>): Promise<T> {
  return new Promise((resolve) => output.apply(resolve));
}

/** Waits until the mocks have seen everything a component declared. */
export async function settle(...outputs: pulumi.Output<unknown>[]): Promise<void> {
  for (const output of outputs) await promiseOf(output);
  // Pulumi's own queue of outstanding calls to the engine drained: every registration done (the
  // SDK's own wait, which `disconnect` uses; untyped: marked internal in its declarations).
  await (pulumi.runtime as unknown as { waitForRPCs(): Promise<void> }).waitForRPCs();
}

/** A component's own resources: its name, or names starting with `<name>-`. */
export function childrenOf(resources: RecordedResource[], name: string): RecordedResource[] {
  return resources.filter((r) => r.name === name || r.name.startsWith(`${name}-`));
}

export function ofType(resources: RecordedResource[], type: string): RecordedResource[] {
  return resources.filter((r) => r.type === type);
}

export function onlyOfType(resources: RecordedResource[], type: string): RecordedResource {
  const found = ofType(resources, type);
  if (found.length !== 1) throw new Error(`expected one ${type}, found ${found.length}`);
  return found[0]!;
}
