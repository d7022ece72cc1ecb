import * as pulumi from "@pulumi/pulumi";
import { mockCall, mockResource } from "../../cli/plan/mockCloud.ts";

/** One resource a component declared, as the mocks saw it. */
export interface MockedResource {
  type: string;
  name: string;
  inputs: Record<string, unknown>;
  /** The import id, when the resource adopts an existing one. */
  importId?: string;
}

export const MOCK_ACCOUNT = "111122223333";
export const MOCK_REGION = "eu-west-1";

/**
 * Installs Pulumi's mocks (call before importing components) and returns the list every new
 * resource is appended to. One per test file: Pulumi's runtime is global to the worker.
 */
export function installMocks(stack = "test"): MockedResource[] {
  const resources: MockedResource[] = [];
  const cloud = { accountId: MOCK_ACCOUNT, region: MOCK_REGION };
  pulumi.runtime.setMocks(
    {
      newResource: (args) => {
        resources.push({
          type: args.type,
          name: args.name,
          inputs: args.inputs,
          importId: args.id,
        });
        if (args.custom === false) return { id: undefined, state: {} };
        const urn = `urn:pulumi:${stack}::budget-sync::${args.type}::${args.name}`;
        const result = mockResource(args.type, args.name, urn, args.inputs, cloud);
        return { id: args.id || result.id, state: result.state };
      },
      call: (args) => mockCall(args.token, args.inputs, cloud) ?? {},
    },
    "budget-sync",
    stack,
    false,
  );
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

/** Waits until every resource registered so far has been seen by the mocks. */
export async function settle(resource: pulumi.Resource): Promise<void> {
  await promiseOf(resource.urn);
  await registrationsDone();
}

export function ofType(resources: MockedResource[], type: string): MockedResource[] {
  return resources.filter((r) => r.type === type);
}

export function parsePolicy(json: unknown) {
  return JSON.parse(String(json)) as { Statement: Record<string, unknown>[] };
}
