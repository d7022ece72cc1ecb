/**
 * The plans the unit suite makes in its own process, on reused workers (cli/plan/offlineEngine.ts),
 * are the plans users get: for every example stack, `budget-sync plan --stack NAME --json` run as
 * a process (new workers, one plan) prints exactly what the same plan prints in this process
 * after every other stack has run on the same workers. A module of our program that declared a
 * resource when imported, or a run that left state behind, would make them differ.
 */
import { readdirSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { REPO, runCli } from "../helpers/cli.ts";
import { planJson } from "../../cli/commands/plan.ts";
import { computePlan } from "../../cli/plan/computePlan.ts";

const STACKS = readdirSync(path.join(REPO, "stacks"))
  .map((f) => /^Pulumi\.(.+)\.yaml$/.exec(f)?.[1])
  .filter((s): s is string => s !== undefined)
  .sort();

describe("plans in a process of their own and on reused workers", () => {
  it("are the same for every example stack", async () => {
    const asProcess = new Map<string, string>();
    // Two at a time, as on the 2-core CI machine.
    for (let i = 0; i < STACKS.length; i += 2) {
      await Promise.all(
        STACKS.slice(i, i + 2).map(async (stack) => {
          const result = await runCli(["plan", "--stack", stack, "--json"]);
          expect(result.code, `${stack}: ${result.stderr}`).toBe(0);
          asProcess.set(stack, result.stdout);
        }),
      );
    }
    // In this process: every stack once, then each again after all the others.
    for (const stack of STACKS) await computePlan({ stack });
    for (const stack of [...STACKS].reverse()) {
      const { plan } = await computePlan({ stack });
      // Through JSON, as the command prints it.
      const reused: unknown = JSON.parse(JSON.stringify(planJson(plan)));
      expect(reused, stack).toEqual(JSON.parse(asProcess.get(stack)!));
    }
  });
});
