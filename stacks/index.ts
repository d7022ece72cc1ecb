// The Pulumi program: `pulumi up -s <stack>` with a config from stacks/Pulumi.<stack>.yaml.
import * as pulumi from "@pulumi/pulumi";
import { budgetSyncStack } from "./budgetSyncStack.ts";
import { StackConfigError, isHostedConfig, namespaceConfig, parseStackConfig } from "./config.ts";
import { hostedStack } from "./hostedStack.ts";

export default async function () {
  let config;
  try {
    config = parseStackConfig(namespaceConfig(pulumi.runtime.allConfig()));
  } catch (error) {
    // RunError prints its message alone: the problems, not a stack trace.
    if (error instanceof StackConfigError) throw new pulumi.RunError(error.message);
    throw error;
  }
  if (isHostedConfig(config)) return hostedStack(config);
  return budgetSyncStack(config);
}
