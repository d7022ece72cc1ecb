/**
 * The component tests' Pulumi mocks: the offline engine's mock cloud (cli/plan/mockCloud.ts)
 * answers every registration and invoke as it does for `plan` (ids, ARNs, auto-names, the
 * getPolicyDocument invoke), and each resource is recorded with its parent and options, read
 * from the registration request as the offline engine reads them.
 */
import * as pulumi from "@pulumi/pulumi";
import {
  mockCall,
  mockRegistration,
  watchRegistrations,
  type MockCloudSettings,
} from "../../cli/plan/mockCloud.ts";

/** One resource a component declared, as the mocks saw it, with the options they are not shown. */
export interface MockedResource {
  type: string;
  name: string;
  /** Its URN, as the mock monitor gives it (what the resource's `urn` resolves to). */
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
const MOCK_CLOUD: MockCloudSettings = { accountId: MOCK_ACCOUNT, region: MOCK_REGION };

/**
 * Installs Pulumi's mocks (call before importing components) and returns the list every new
 * resource is appended to. One per test file: Pulumi's runtime is global to the worker, and each
 * call starts it afresh (options, monitor, root stack).
 */
export function installMocks(stack = "test"): MockedResource[] {
  const resources: MockedResource[] = [];
  pulumi.runtime.setMocks(
    {
      newResource: (args) => {
        const request = takeRequest();
        const parent = request?.getParent() || undefined;
        const urn: string = monitor.newUrn(parent, args.type, args.name);
        resources.push({
          type: args.type,
          name: args.name,
          urn,
          inputs: args.inputs,
          dependencies: request?.getDependenciesList() ?? [],
          parent,
          retainOnDelete: request?.getRetainondelete() ?? false,
          importId: args.id || undefined,
        });
        const { id, state } = mockRegistration(args, urn, args.inputs, MOCK_CLOUD);
        return { id, state };
      },
      call: (args) => mockCall(args.token, args.inputs, MOCK_CLOUD) ?? {},
    },
    "budget-sync",
    stack,
    false,
  );
  // Read by the mocks, which the program calls only once these are set.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  const monitor: any = pulumi.runtime.getMonitor();
  const takeRequest = watchRegistrations(monitor);
  return resources;
}

export function promiseOf<T>(output: pulumi.Output<T>): Promise<T> {
  return new Promise((resolve) => output.apply(resolve));
}

export async function isSecret(output: pulumi.Output<unknown>): Promise<boolean> {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  return await (output as any).isSecret;
}

/**
 * Waits until every registration started so far is done, the mocks' answers included: Pulumi's
 * own queue of outstanding calls to the engine has drained.
 */
export async function registrationsDone(): Promise<void> {
  // The SDK's own wait (`disconnect` uses it), untyped: marked internal in its declarations.
  await (pulumi.runtime as unknown as { waitForRPCs(): Promise<void> }).waitForRPCs();
}

/** Waits until the given outputs are known and the mocks have seen every registration since. */
export async function settle(...outputs: pulumi.Output<unknown>[]): Promise<void> {
  for (const output of outputs) await promiseOf(output);
  await registrationsDone();
}

/** A component's own resources: its name, or names starting with `<name>-`. */
export function childrenOf(resources: MockedResource[], name: string): MockedResource[] {
  return resources.filter((r) => r.name === name || r.name.startsWith(`${name}-`));
}

export function ofType(resources: MockedResource[], type: string): MockedResource[] {
  return resources.filter((r) => r.type === type);
}

export function onlyOfType(resources: MockedResource[], type: string): MockedResource {
  const found = ofType(resources, type);
  if (found.length !== 1) throw new Error(`expected one ${type}, found ${found.length}`);
  return found[0]!;
}

export function parsePolicy(json: unknown) {
  return JSON.parse(String(json)) as { Statement: Record<string, unknown>[] };
}
