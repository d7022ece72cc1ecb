/**
 * The command line in this process: `main(args)` with stdout and stderr captured, for tests that
 * are about what a command prints and returns rather than about the process (those run the real
 * bin: test/process/). `plan` runs each program on worker threads, so many plans run in one test
 * process; `planOnce` plans each distinct set of options once per test file.
 */
import { main } from "../../cli/main.ts";
import { planCommand, planJson, planText } from "../../cli/commands/plan.ts";
import { computePlan, planExitCode, type PlanTarget } from "../../cli/plan/computePlan.ts";
import type { CliResult } from "./cli.ts";

/** `budget-sync ARGS`, in process: exit code, stdout and stderr as the bin would print them. */
export async function runInProcess(args: string[]): Promise<CliResult> {
  let stdout = "";
  let stderr = "";
  const write = { out: process.stdout.write, err: process.stderr.write };
  // yargs prints help and its errors through the console.
  const consoleLog = { log: console.log, error: console.error };
  console.log = (...parts: unknown[]) => void (stdout += `${parts.join(" ")}\n`);
  console.error = (...parts: unknown[]) => void (stderr += `${parts.join(" ")}\n`);
  const exitCode = process.exitCode;
  process.stdout.write = ((chunk: string | Uint8Array) => {
    stdout += String(chunk);
    return true;
  }) as typeof process.stdout.write;
  process.stderr.write = ((chunk: string | Uint8Array) => {
    stderr += String(chunk);
    return true;
  }) as typeof process.stderr.write;
  try {
    const code = await main(args);
    return { code, stdout, stderr };
  } finally {
    process.stdout.write = write.out;
    process.stderr.write = write.err;
    console.log = consoleLog.log;
    console.error = consoleLog.error;
    process.exitCode = exitCode;
  }
}

const plans = new Map<string, ReturnType<typeof computePlan>>();

/** `computePlan(options)`, once per distinct options in this test file. */
export function planOnce(options: PlanTarget): ReturnType<typeof computePlan> {
  const key = JSON.stringify(options, Object.keys(options).sort());
  let plan = plans.get(key);
  if (!plan) {
    plan = computePlan(options);
    plans.set(key, plan);
    // A failure is not kept: the next caller meets it again, as the command would.
    plan.catch(() => plans.delete(key));
  }
  return plan;
}

const PLAN_FLAGS: Record<string, keyof PlanTarget> = {
  "--stack": "stack",
  "--config": "config",
  "--program": "program",
  "--account-id": "accountId",
  "--policy-config": "policyConfig",
};

/**
 * `budget-sync plan ARGS` as it prints (stdout, exit code), in process, planning each distinct
 * program and config once per test file: `--json` and the human form of one stack share the run.
 * Anything but a plan that computes (bad flags, bad config, a program that throws, `--help`) goes
 * through `main` as the command would.
 */
export async function runPlanInProcess(args: string[]): Promise<CliResult> {
  const [command, ...rest] = args;
  const options: PlanTarget = {};
  let json = false;
  let plain = command === "plan";
  for (let i = 0; plain && i < rest.length; i++) {
    const flag = rest[i]!;
    if (flag === "--json") json = true;
    else if (PLAN_FLAGS[flag] && rest[i + 1] !== undefined && !rest[i + 1]!.startsWith("--")) {
      (options as Record<string, string>)[PLAN_FLAGS[flag]] = rest[++i]!;
    } else plain = false;
  }
  if (!plain) return runInProcess(args);
  let plan;
  try {
    planCommand.parse({ ...options });
    ({ plan } = await planOnce(options));
  } catch {
    return runInProcess(args);
  }
  return {
    code: planExitCode(plan),
    stdout: json ? `${JSON.stringify(planJson(plan), null, 2)}\n` : planText(plan),
    stderr: "",
  };
}
