/**
 * The offline engine's reuse of its workers: a thread that has run our own stacks' program runs
 * it again for the next plan, each pass in a Pulumi store of its own. A plan must come out the
 * same on workers that ran other stacks before, in either order: nothing of one run may reach
 * the next. (That it also comes out as on new workers, the command line's one plan, and so that
 * nothing our program imports declares a resource, is test/process/planReuse.test.ts.)
 */
import { readdirSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { runOffline, type OfflineRunOptions } from "../../../cli/plan/offlineEngine.ts";
import { OUR_PROGRAM } from "../../../cli/plan/offlinePass.ts";
import { DEFAULT_ACCOUNT_ID } from "../../../cli/plan/computePlan.ts";
import { loadProject, readStackConfig, stackConfigPath } from "../../../cli/plan/stackFiles.ts";
import { REPO } from "../../helpers/cli.ts";

const STACKS = readdirSync(path.join(REPO, "stacks"))
  .map((f) => /^Pulumi\.(.+)\.yaml$/.exec(f)?.[1])
  .filter((s): s is string => s !== undefined)
  .sort();

function optionsFor(stack: string): OfflineRunOptions {
  const project = loadProject();
  const values = readStackConfig(stackConfigPath(project, stack), project);
  const region = values.config["aws:region"] ?? "eu-west-1";
  return {
    programPath: project.program,
    project: project.name,
    stack,
    config: { ...values.config, "aws:region": region },
    secretKeys: values.secretKeys,
    secretValues: values.secretValues,
    cloud: { accountId: DEFAULT_ACCOUNT_ID, region },
  };
}

/** Everything a plan is made of, comparable with `toEqual` (Maps and Sets as entries). */
function comparable(run: Awaited<ReturnType<typeof runOffline>>): unknown {
  return JSON.parse(
    JSON.stringify(run, (_, value: unknown) =>
      value instanceof Map || value instanceof Set ? [...value] : value,
    ),
  );
}

describe("the offline engine's reused workers", () => {
  it("runs our stacks' program, the one program it reuses workers for", () => {
    expect(loadProject().program).toBe(OUR_PROGRAM);
  });

  // As new workers do, the command line's one plan: test/process/planReuse.test.ts.
  it("plans every example stack the same whatever ran on its workers before", async () => {
    const first = new Map<string, unknown>();
    for (const stack of STACKS) first.set(stack, comparable(await runOffline(optionsFor(stack))));
    for (const stack of [...STACKS].reverse()) {
      expect(comparable(await runOffline(optionsFor(stack))), stack).toEqual(first.get(stack));
    }
  });

  it("keeps nothing of a failed run: the next plan on the same workers is whole", async () => {
    const before = comparable(await runOffline(optionsFor("own-bucket")));
    const broken = optionsFor("own-bucket");
    broken.config = { ...broken.config, "budget-sync:bucketName": "Not A Bucket" };
    await expect(runOffline(broken)).rejects.toThrow(/bucketName/);
    expect(comparable(await runOffline(optionsFor("own-bucket")))).toEqual(before);
  });
});
