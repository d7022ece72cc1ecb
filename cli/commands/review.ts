import { existsSync, renameSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { z } from "zod";
import { buildReview } from "../review/accessReview.ts";
import { CliError, ExitCode } from "../errors.ts";
import { processIo, type CommandIo } from "../io.ts";
import {
  defineCommand,
  flag,
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
  type PlanTarget,
} from "../plan/computePlan.ts";
import type { Review } from "../review/contract.ts";
import { diffReviews, readReviewFile, type ReviewDiff } from "../review/diff.ts";
import { reviewHtml } from "../review/html.ts";
import { diffMarkdown, reviewMarkdown } from "../review/markdown.ts";
import { diffText, reviewText } from "../review/text.ts";

const FORMATS: Record<string, "html" | "md" | "json"> = {
  ".html": "html",
  ".htm": "html",
  ".md": "md",
  ".markdown": "md",
  ".json": "json",
};

const flags = {
  ...planTargetFlags({
    stack: `Stack to review: Pulumi.<NAME>.yaml in the project's stack config directory (ours: stacks/, default ${DEFAULT_STACK})`,
    accountId: `Your AWS account id, for the ARNs (default: the offline placeholder ${DEFAULT_ACCOUNT_ID}, labelled so)`,
    policyConfig:
      "Policy pack config, the JSON `pulumi preview --policy-pack-config` takes (SpendFlo's account ids)",
  }),
  out: flag(
    z
      .string()
      .min(1)
      .refine((f) => FORMATS[path.extname(f).toLowerCase()] !== undefined, {
        message: "must end in .html, .md or .json (the format to write)",
      })
      .optional(),
    {
      type: "string",
      describe:
        "Write the review to FILE: .html (a self-contained page), .md (Markdown; with --against, the diff) or .json (the contract)",
    },
  ),
  against: flag(z.string().min(1).optional(), {
    type: "string",
    describe:
      "An earlier `review --json`: show the grants added and removed, worst first; exit 1 on a new Write or any new grant to SpendFlo",
  }),
  json: jsonFlag("Print the review as JSON (with --against: the diff)"),
};
const optionsSchema = flagsSchema(flags).refine(...oneStackSource);

export type ReviewCommandOptions = z.output<typeof optionsSchema>;

/** The review of a stack or program: its plan, then the access analysis over it. */
export async function computeReview(
  options: PlanTarget,
  now?: Date,
): Promise<{ review: Review; exitCode: number }> {
  const { plan, run, policyConfig } = await computePlan({
    stack: options.stack,
    config: options.config,
    program: options.program,
    accountId: options.accountId,
    policyConfig: options.policyConfig,
  });
  const review = await buildReview(plan, run, policyConfig, {
    accountIdIsPlaceholder: options.accountId === undefined,
    now: now ?? sourceDateEpoch(),
  });
  return { review, exitCode: planExitCode(plan) };
}

/** `SOURCE_DATE_EPOCH` (reproducible builds), when set: the review's time. */
function sourceDateEpoch(): Date | undefined {
  const epoch = process.env.SOURCE_DATE_EPOCH;
  if (!epoch || !/^\d+$/.test(epoch)) return undefined;
  return new Date(Number(epoch) * 1000);
}

/** Writes a file whole or not at all: a temporary file beside it, then a rename. */
function writeWhole(file: string, content: string): void {
  const temporary = path.join(
    path.dirname(file),
    `.${path.basename(file)}.${process.pid}.${Date.now()}.tmp`,
  );
  try {
    writeFileSync(temporary, content);
    renameSync(temporary, file);
  } catch (error) {
    rmSync(temporary, { force: true });
    throw new CliError(
      `--out ${file}: cannot write it (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`,
      ExitCode.Usage,
    );
  }
}

/** The file `--out` writes, in its format. */
export function renderOut(
  format: "html" | "md" | "json",
  review: Review,
  diff: ReviewDiff | undefined,
): string {
  if (format === "json") return `${JSON.stringify(review, null, 2)}\n`;
  if (format === "html") return reviewHtml(review, diff);
  return diff ? diffMarkdown(diff, review) : reviewMarkdown(review);
}

/** `1 principal`, `2 principals`. */
function counted(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? "" : "s"}`;
}

/** Runs `budget-sync review`; returns the exit code. */
export async function runReview(
  options: ReviewCommandOptions,
  io: CommandIo = processIo,
): Promise<number> {
  // A bad earlier review is bad input: refused before the plan runs.
  const old = options.against ? readReviewFile(options.against) : undefined;
  if (options.out && !existsSync(path.dirname(path.resolve(options.out)))) {
    throw new CliError(
      `--out ${options.out}: cannot write it (ENOENT: no folder ${path.dirname(options.out)})`,
      ExitCode.Usage,
    );
  }
  const { review, exitCode } = await computeReview(options);
  const diff = old ? diffReviews(old, review) : undefined;
  if (options.out) {
    writeWhole(
      options.out,
      renderOut(FORMATS[path.extname(options.out).toLowerCase()]!, review, diff),
    );
  }
  if (options.json) {
    io.stdout(`${JSON.stringify(diff ?? review, null, 2)}\n`);
  } else {
    if (diff) io.stdout(diffText(diff, review, options.against!));
    if (!options.out) io.stdout(`${diff ? "\n" : ""}${reviewText(review)}`);
    else {
      const marked = review.summary.filter((l) => l.writes).length;
      io.stdout(
        `Wrote ${options.out}: ${counted(review.principals.length, "principal")} on ${counted(
          review.buckets.length,
          "budget bucket",
        )}; ${marked} can change something.\n`,
      );
    }
  }
  return Math.max(exitCode, diff?.failing ? ExitCode.Finding : ExitCode.Ok);
}

export const reviewCommand = defineCommand({
  command: "review",
  describe:
    "Who can do what on the budget bucket and its key: a page to sign off, Markdown, JSON, and a diff for pull requests",
  flags,
  schema: optionsSchema,
  help: (yargs) =>
    yargs
      .example(`# Who can do what in the default stack (${DEFAULT_STACK})\n$0 review`, "")
      .example(
        "# The page a customer's security team signs off\n$0 review --stack role --account-id 111122223333 --out review.html",
        "",
      )
      .example(
        "# The pull-request diff against the merge base's `review --json`\n$0 review --against base.json --out diff.md",
        "",
      )
      .epilogue(
        "Offline: the plan's own engine and the policy pack's IAM analysis, no AWS account. For every budget bucket and its KMS key: who (SpendFlo, uploaders, the exporter, hosted customers, accounts, AWS services, the public), what (actions by access level), where (bucket, prefix, key), when (conditions), through what (resource and Sid), the explicit denies, and the pack's verdict. Identity policies outside the stack are not visible offline: IAM Access Analyzer covers them once deployed. Exit 0 clean; 1 a mandatory policy finding, or (with --against) a new Write or a new grant to SpendFlo; 2 bad usage, bad config, an unreadable --against file or a program that throws.",
      ),
  run: runReview,
});
