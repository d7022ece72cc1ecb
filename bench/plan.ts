/**
 * Bench: `budget-sync plan` of every example stack, as a user runs it: a fresh Node per run
 * (`node bin/budget-sync.js plan --stack NAME`), wall and CPU time (the process's own, worker
 * threads included), median of `BENCH_PLAN_RUNS` runs (default 5). A plan runs the program twice
 * (the preview and update passes, on two worker threads at once), so on a machine with two free
 * cores its wall time is about one pass's. Then the same plans in one process, on reused workers.
 *
 *   npx tsx bench/plan.ts
 *   BENCH_PLAN_RUNS=3 npx tsx bench/plan.ts own-bucket hosted
 */
import { spawn } from "node:child_process";
import { readdirSync } from "node:fs";
import { cpus, loadavg } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const BIN = path.join(REPO, "bin/budget-sync.js");

/** Preloaded into the child: reports its CPU time (all threads) on stderr at exit. */
const USAGE = `data:text/javascript,${encodeURIComponent(
  'process.on("exit", () => { const u = process.resourceUsage(); process.stderr.write(`bench-cpu ${Math.round((u.userCPUTime + u.systemCPUTime) / 1000)}\\n`); });',
)}`;

function planOnce(stack: string): Promise<{ wallMs: number; cpuMs: number }> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(process.execPath, ["--import", USAGE, BIN, "plan", "--stack", stack], {
      cwd: REPO,
      stdio: ["ignore", "ignore", "pipe"],
    });
    let stderr = "";
    child.stderr.on("data", (d) => (stderr += d));
    child.on("error", reject);
    child.on("close", (code) => {
      const cpu = /bench-cpu (\d+)/.exec(stderr);
      if (code !== 0 || !cpu)
        return reject(new Error(`plan --stack ${stack}: exit ${code}\n${stderr}`));
      resolve({ wallMs: performance.now() - t0, cpuMs: Number(cpu[1]) });
    });
  });
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

export async function runPlanBench(stacks?: string[]): Promise<void> {
  const runs = Number(process.env.BENCH_PLAN_RUNS ?? 5);
  const all = readdirSync(path.join(REPO, "stacks"))
    .map((f) => /^Pulumi\.(.+)\.yaml$/.exec(f)?.[1])
    .filter((s): s is string => s !== undefined);
  const chosen = stacks?.length ? stacks : all;
  console.log(
    `budget-sync plan, median of ${runs} runs, Node ${process.version}, ${cpus().length} cores, load average ${loadavg()[0]!.toFixed(1)} at the start`,
  );
  console.log("stack            wall s   CPU s");
  for (const stack of chosen) {
    const results = [];
    for (let i = 0; i < runs; i++) results.push(await planOnce(stack));
    console.log(
      `${stack.padEnd(15)} ${(median(results.map((r) => r.wallMs)) / 1000).toFixed(2).padStart(7)} ${(median(results.map((r) => r.cpuMs)) / 1000).toFixed(2).padStart(7)}`,
    );
  }
  await runInProcessBench(chosen, runs);
}

/**
 * The same plans in one process (`computePlan`, as the test suites make them): the first plan of
 * a stack starts the engine's two workers; the next ones run on them (cli/plan/offlineEngine.ts).
 * Wall time, and this process's CPU time (worker threads included), per stack.
 */
async function runInProcessBench(stacks: string[], runs: number): Promise<void> {
  const { computePlan } = await import("../cli/plan/computePlan.ts");
  const measure = async (stack: string) => {
    const cpu = process.cpuUsage();
    const t0 = performance.now();
    await computePlan({ stack });
    const used = process.cpuUsage(cpu);
    return { wallMs: performance.now() - t0, cpuMs: (used.user + used.system) / 1000 };
  };
  const first = await measure(stacks[0]!);
  console.log(
    `\nin one process: the first plan (${stacks[0]}, the engine's workers started) ${(first.wallMs / 1000).toFixed(2)} s wall, ${(first.cpuMs / 1000).toFixed(2)} s CPU; then each stack on the same workers, median of ${runs}:`,
  );
  console.log("stack            wall s   CPU s");
  for (const stack of stacks) {
    const results = [];
    for (let i = 0; i < runs; i++) results.push(await measure(stack));
    console.log(
      `${stack.padEnd(15)} ${(median(results.map((r) => r.wallMs)) / 1000).toFixed(2).padStart(7)} ${(median(results.map((r) => r.cpuMs)) / 1000).toFixed(2).padStart(7)}`,
    );
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  await runPlanBench(process.argv.slice(2).filter((a) => !a.startsWith("-")));
}
