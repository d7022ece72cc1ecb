/**
 * Least privilege, judged by a simulator rather than by reading JSON: runs one request against
 * an identity policy (and optionally a resource policy) with @cloud-copilot/iam-simulate.
 */
import { runSimulation } from "@cloud-copilot/iam-simulate";
import type { PolicyDocument } from "../../lib/iam/policyDocument.ts";

export type Verdict = "Allowed" | "ExplicitlyDenied" | "ImplicitlyDenied";

export interface SimulatedRequest {
  principal: string;
  action: string;
  resource: string;
  /** The account that owns the resource. */
  resourceAccount: string;
  context?: Record<string, string | string[]>;
}

/** The simulator's verdict on one request; throws on a policy or request it cannot validate. */
export async function simulate(
  identityPolicy: PolicyDocument,
  request: SimulatedRequest,
  resourcePolicy?: PolicyDocument,
): Promise<Verdict> {
  const response = await runSimulation(
    {
      identityPolicies: [{ name: "under-test", policy: identityPolicy }],
      serviceControlPolicies: [],
      resourceControlPolicies: [],
      // eslint-disable-next-line @typescript-eslint/no-explicit-any
      resourcePolicy: resourcePolicy as any,
      request: {
        principal: request.principal,
        action: request.action,
        resource: { resource: request.resource, accountId: request.resourceAccount },
        contextVariables: request.context ?? {},
      },
    },
    {},
  );
  if (response.resultType === "error") {
    throw new Error(`simulation refused: ${JSON.stringify(response.errors)}`);
  }
  return response.overallResult as Verdict;
}
