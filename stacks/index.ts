// The Pulumi program: `pulumi up -s <stack>` with a config from stacks/Pulumi.<stack>.yaml.
import * as pulumi from "@pulumi/pulumi";
import { budgetSyncStack } from "./budgetSyncStack.ts";
import { StackConfigError, isHostedConfig, namespaceConfig, parseStackConfig } from "./config.ts";
import { hostedStack } from "./hostedStack.ts";

export default async function () {
  try {
    const config = parseStackConfig(namespaceConfig(pulumi.runtime.allConfig()));
    // The stacks check the config against the region too, before declaring any resource.
    if (isHostedConfig(config)) return await hostedStack(config);
    return await budgetSyncStack(config);
  } catch (error) {
    // RunError prints its message alone: the problems, not a stack trace.
    if (error instanceof StackConfigError) throw new pulumi.RunError(error.message);
    throw error;
  }
}
