/**
 * The GitHub Actions job for `review --against` in docs/access-review.md stays true: it is YAML, it reviews the
 * merge base and the head, comments or (for a fork) writes the job summary, fails on exit 1, and
 * every `budget-sync review` flag it uses is one the command has.
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { load as loadYaml } from "js-yaml";
import { describe, expect, it } from "vitest";
import { REPO } from "../../helpers/cli.ts";
import { runInProcess } from "../../helpers/inProcess.ts";

const DOC = readFileSync(path.join(REPO, "docs/access-review.md"), "utf8");

interface Step {
  name?: string;
  if?: string;
  run?: string;
  uses?: string;
}

function workflow() {
  const block = /```yaml\n(# \.github\/workflows\/access-review\.yml\n[\s\S]*?)```/.exec(DOC);
  if (!block) throw new Error("docs/access-review.md: no access-review workflow");
  return loadYaml(block[1]!) as {
    on: string;
    permissions: Record<string, string>;
    jobs: { review: { steps: Step[] } };
  };
}

describe("the access-review workflow of docs/access-review.md", () => {
  it("reviews the merge base and the head, comments or writes the job summary, fails on a flagged diff", () => {
    const flow = workflow();
    expect(flow.on).toBe("pull_request");
    expect(flow.permissions["pull-requests"]).toBe("write");
    const steps = flow.jobs.review.steps;
    const run = steps.map((s) => s.run ?? "").join("\n");
    expect(run).toContain("git merge-base");
    expect(run).toMatch(/budget-sync review [^\n]*--out "\$RUNNER_TEMP\/base\.json"/);
    expect(run).toMatch(/--against "\$RUNNER_TEMP\/base\.json"/);
    const comment = steps.find((s) => s.run?.startsWith("gh pr comment"))!;
    const summary = steps.find((s) => s.run?.includes("GITHUB_STEP_SUMMARY"))!;
    expect(comment.if).toBe("github.event.pull_request.head.repo.full_name == github.repository");
    expect(summary.if).toBe("github.event.pull_request.head.repo.full_name != github.repository");
    expect(steps.at(-1)).toMatchObject({ if: "steps.review.outputs.code != '0'", run: "exit 1" });
    // Untrusted pull-request values never reach a shell line through an expression.
    expect(run).not.toMatch(/\$\{\{/);
  });

  it("uses only flags `budget-sync review` has", async () => {
    const help = (await runInProcess(["review", "--help"])).stdout;
    const known = new Set([...help.matchAll(/^\s+(--[a-z-]+)/gm)].map((m) => m[1]));
    const used = [...DOC.matchAll(/budget-sync review([^\n`]*(?:\\\n[^\n`]*)*)/g)].flatMap((m) =>
      [...m[1]!.matchAll(/(^|\s)(--[a-z-]+)/g)].map((f) => f[2]!),
    );
    expect(used.length).toBeGreaterThanOrEqual(5);
    for (const flag of used) expect(known, flag).toContain(flag);
  });
});
