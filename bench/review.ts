/**
 * Bench: `budget-sync review` of the hosted stack with 100 and 1,000 generated customers, beside
 * `budget-sync plan` of the same config: what the access analysis and the page add to the plan.
 *
 *   npx tsx bench/review.ts
 *   BENCH_REVIEW_SIZES=100,3000 npx tsx bench/review.ts
 *
 * Per size, fresh child processes as a user starts them: `plan --json`, then `review --out
 * FILE.html`, then `review --json`; wall time, CPU, peak memory, and the size of what it writes.
 * Timings belong here, never in `npm test`.
 */
import { mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { hostedStackYaml, runChild, type ChildRun } from "./hosted.ts";

const BIN = path.join(path.dirname(fileURLToPath(import.meta.url)), "../bin/budget-sync.js");
const DEFAULT_SIZES = [100, 1000];

function sizes(): number[] {
  const env = process.env.BENCH_REVIEW_SIZES;
  return env ? env.split(",").map((s) => Number(s.trim())) : DEFAULT_SIZES;
}

function ok(run: ChildRun, what: string): ChildRun {
  if (run.code !== 0) throw new Error(`${what} exited ${run.code}:\n${run.stderr}`);
  return run;
}

const s = (ms: number) => (ms / 1000).toFixed(1).padStart(6);

/** Runs the bench and prints its table. */
export async function runReviewBench(): Promise<void> {
  const dir = mkdtempSync(path.join(tmpdir(), "budget-sync-bench-review-"));
  try {
    console.log(
      "hosted stack: plan --json, then review --out FILE.html and review --json, N generated customers",
    );
    console.log(
      "customers | plan wall s  CPU s | review html wall s  CPU s  peak MB  page KB | review json wall s  JSON KB",
    );
    for (const customers of sizes()) {
      const config = path.join(dir, `Pulumi.hosted-${customers}.yaml`);
      writeFileSync(config, hostedStackYaml(customers));
      const page = path.join(dir, `review-${customers}.html`);
      const plan = ok(await runChild([BIN, "plan", "--config", config, "--json"]), "plan");
      const html = ok(await runChild([BIN, "review", "--config", config, "--out", page]), "review");
      const json = ok(
        await runChild([BIN, "review", "--config", config, "--json"]),
        "review --json",
      );
      console.log(
        [
          String(customers).padStart(9),
          `${s(plan.wallMs)}     ${s(plan.cpuMs)}`,
          `${s(html.wallMs)}            ${s(html.cpuMs)}  ${String(html.maxRssMb).padStart(7)}  ${String(
            Math.round(statSync(page).size / 1024),
          ).padStart(7)}`,
          `${s(json.wallMs)}             ${String(Math.round(json.stdout.length / 1024)).padStart(7)}`,
        ].join(" | "),
      );
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await runReviewBench();
