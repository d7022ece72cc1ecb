// First: the packages only Pulumi's closure serialization uses load when used (deferredModules.ts).
import "../deferOnLoad.ts";
import { z } from "zod";
import { usd } from "../../lib/aws/costEstimate.ts";
import { markOfflineOutputs } from "../../lib/spendflo/offlinePlaceholders.ts";
import type { PlannedResource } from "../../lib/stack/plannedResource.ts";
import { policies as packPolicies } from "../../policies/all.ts";
import { processIo, type CommandIo } from "../io.ts";
import {
  defineCommand,
  flagsSchema,
  jsonFlag,
  oneStackSource,
  planTargetFlags,
} from "../options.ts";
import {
  DEFAULT_ACCOUNT_ID,
  DEFAULT_STACK,
  computePlan,
  planExitCode,
  type Plan,
  type PlanStage,
} from "../plan/computePlan.ts";
import { describeResource } from "../plan/render.ts";

const flags = {
  ...planTargetFlags({
    stack: `Stack to plan: reads Pulumi.<NAME>.yaml from the project's stack config directory (ours: stacks/, default ${DEFAULT_STACK}; with --program, that project's stackConfigDir or its own directory, default its only stack)`,
    accountId: `AWS account id the offline engine pretends to be (default ${DEFAULT_ACCOUNT_ID})`,
    policyConfig:
      "Policy pack config, the JSON `pulumi preview --policy-pack-config` takes (e.g. SpendFlo's account ids)",
  }),
  json: jsonFlag("Print JSON for machines"),
};
const optionsSchema = flagsSchema(flags).refine(...oneStackSource);

export type PlanOptions = z.output<typeof optionsSchema>;

/** `plan --json`: `{ stack, resources: [{ urn, type, name, id, parent, inputs }], outputs, violations }`. */
export function planJson(plan: Plan) {
  return {
    stack: plan.stack,
    project: plan.project,
    accountId: plan.accountId,
    region: plan.region,
    resources: plan.resources.map((r) => ({
      urn: r.urn,
      type: r.type,
      name: r.name,
      id: r.id ?? null,
      parent: r.parent ?? null,
      inputs: r.inputs,
    })),
    // Marked inside the object, so `jq .outputs` handed to register still says what it is.
    outputs: markOfflineOutputs(plan.outputs, plan.accountId),
    violations: plan.violations,
    undecided: plan.undecided,
    cost: plan.cost,
    warnings: plan.warnings,
  };
}

const STAGE_LABELS: Record<PlanStage, string> = {
  preview: "at preview",
  "before-create": "during up, before creation",
  "after-create": "after up",
};

/** `1 resource`, `2 resources`. */
function counted(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? "" : "s"}`;
}

/** The human plan: resources as a tree under their components, then outputs, then findings. */
export function planText(plan: Plan): string {
  const out: string[] = [];
  const custom = plan.resources.filter((r) => r.custom).length;
  // An adopted resource (the `import` option) already exists: Pulumi imports it, creates nothing.
  const imports = plan.resources.filter((r) => r.custom && r.options.importId).length;
  out.push(
    `Plan of stack ${plan.stack} (project ${plan.project}, account ${plan.accountId}, ${plan.region}), computed offline`,
    `${counted(custom - imports, "resource")} to create${imports ? `, ${imports} to import` : ""}, in ${counted(plan.resources.length - custom, "component")}`,
    "",
  );
  const byParent = new Map<string | undefined, PlannedResource[]>();
  const urns = new Set(plan.resources.map((r) => r.urn));
  for (const r of plan.resources) {
    const parent = r.parent && urns.has(r.parent) ? r.parent : undefined;
    byParent.set(parent, [...(byParent.get(parent) ?? []), r]);
  }
  const walk = (parent: string | undefined, indent: string) => {
    const children = byParent.get(parent) ?? [];
    children.forEach((r, index) => {
      const last = index === children.length - 1;
      out.push(`${indent}${last ? "└─ " : "├─ "}${r.name}  (${r.type})`);
      const detailIndent = `${indent}${last ? "   " : "│  "}`;
      for (const line of describeResource(r)) out.push(`${detailIndent}  ${line}`);
      walk(r.urn, detailIndent);
    });
  };
  walk(undefined, "");
  out.push("", "Outputs:");
  const outputs = Object.entries(plan.outputs);
  if (!outputs.length) out.push("  (none)");
  for (const [key, value] of outputs) {
    out.push(`  ${key}: ${typeof value === "string" ? value : JSON.stringify(value)}`);
  }
  out.push("");
  if (plan.violations.length) {
    out.push(`Policy violations (${plan.violations.length}):`);
    for (const v of plan.violations) {
      out.push(`  [${v.level}, ${STAGE_LABELS[v.stage]}] ${v.policy}: ${v.message}`);
    }
    const later = plan.violations.filter((v) => v.stage !== "preview");
    if (later.length) {
      const before = later.filter((v) => v.stage === "before-create").length;
      const after = later.length - before;
      out.push(
        `  A preview of a new stack does not show ${later.length} of these: pulumi up ${[
          before ? `stops ${before} before the resource that carries it is created` : "",
          after ? `reports ${after} only after the resources exist` : "",
        ]
          .filter(Boolean)
          .join(", and ")}.`,
      );
    }
  } else {
    out.push(`Policy violations: none (${packPolicies.length} policies of the budget-sync pack)`);
  }
  const atPreview = plan.undecided.filter((u) => u.stage === "preview");
  if (atPreview.length) {
    out.push(
      "",
      `Undecided at preview (pulumi preview says "can't run policy ... during preview"; pulumi up decides them, as above):`,
    );
    for (const u of atPreview) out.push(`  ${u.policy}: ${u.message}`);
  }
  const offline = plan.undecided.filter((u) => u.stage === "offline");
  if (offline.length) {
    out.push(
      "",
      "Undecided offline (built from provider functions this plan cannot answer, see the warnings; run pulumi preview with the policy pack):",
    );
    for (const u of offline) out.push(`  [${u.level}] ${u.policy}: ${u.message}`);
  }
  out.push("", `Estimated cost: ${usd(plan.cost.totalUsd)} a month`);
  for (const item of plan.cost.items) {
    out.push(`  ${usd(item.usdPerMonth).padStart(9)}  ${item.item}: ${item.assumption}`);
    // Every line's count x price, so the figure can be checked by hand.
    for (const line of item.lines) out.push(`             ${line.arithmetic}`);
  }
  for (const assumption of plan.cost.assumptions) out.push(`  assuming ${assumption}`);
  for (const warning of plan.warnings) out.push(`warning: ${warning}`);
  return `${out.join("\n")}\n`;
}

/** Computes and prints the plan; returns the exit code. */
export async function runPlan(options: PlanOptions, io: CommandIo = processIo): Promise<number> {
  const { plan } = await computePlan(options);
  io.stdout(options.json ? `${JSON.stringify(planJson(plan), null, 2)}\n` : planText(plan));
  return planExitCode(plan);
}

export const planCommand = defineCommand({
  command: "plan",
  describe:
    "Compute the plan of a stack offline: every resource, its key settings, the outputs (secrets masked)",
  flags,
  schema: optionsSchema,
  help: (yargs) =>
    yargs
      .example("$0 plan", `Plan the default stack (${DEFAULT_STACK})`)
      .example("$0 plan --stack role --json", "Plan stacks/Pulumi.role.yaml as JSON")
      .epilogue(
        "No AWS account, no Pulumi CLI, no network: the program runs under Pulumi's mocks, then the budget-sync policy pack judges every resource. The region comes from aws:region in the stack config (default us-east-1). Exit 0 clean, 1 a mandatory policy violation, 2 bad usage, bad config or a program that throws.",
      ),
  run: runPlan,
});
