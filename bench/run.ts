/**
 * `npm run bench`: every benchmark section, one after another; `npm run bench -- files` runs
 * only the sections named. Each section prints its own figures and is runnable alone too
 * (`npx tsx bench/files.ts`). Benchmarks are not part of CI.
 */
import { runFilesBench } from "./files.ts";
import { runHostedBench } from "./hosted.ts";
import { runPlanBench } from "./plan.ts";
import { runReviewBench } from "./review.ts";

const SECTIONS: Record<string, () => Promise<unknown>> = {
  /** validate / upload of budget files: throughput, peak memory, upload beside `aws s3 cp`. */
  files: () => runFilesBench(),
  /** `plan` of every example stack: wall and CPU time of the command. */
  plan: () => runPlanBench(),
  /** `plan` of the hosted stack with many customers. */
  hosted: () => runHostedBench(),
  /** `review` of the hosted stack with many customers, beside its `plan`. */
  review: () => runReviewBench(),
};

const wanted = process.argv.slice(2).filter((a) => !a.startsWith("-"));
for (const name of wanted) {
  if (!(name in SECTIONS)) {
    console.error(
      `unknown bench section "${name}" (sections: ${Object.keys(SECTIONS).join(", ")})`,
    );
    process.exit(2);
  }
}
for (const [name, run] of Object.entries(SECTIONS)) {
  if (wanted.length > 0 && !wanted.includes(name)) continue;
  console.log(`\n=== bench: ${name} ===`);
  await run();
}
