import { readFile } from "node:fs/promises";
import { z } from "zod";
import { offlinePlanEvidence } from "../lib/spendflo/offlinePlaceholders.ts";
import { secretValuesIn } from "./redact.ts";
import {
  stackOutputsSchema,
  syncSourceConfigSchema,
  type AccessMode,
  type SyncSourceConfig,
} from "../lib/spendflo/stackOutputs.ts";
import { UsageError } from "./errors.ts";
import { readAllStdin } from "./io.ts";

/**
 * `--stack-outputs FILE|-`: the JSON of `pulumi stack output --json --show-secrets`, from a file
 * or stdin, for `register` and `test-connection`. Errors never quote the input: it holds secrets.
 */

/** What the commands need of the outputs: the sync config and, when known, the principal. */
export interface SelectedOutputs {
  syncSourceConfig: SyncSourceConfig;
  /** Absent for a hosted customer's block that does not say. */
  accessMode?: AccessMode;
  /** IAM user name of the `iam-user` mode. */
  readerUserName?: string;
  /** The principal SpendFlo reads as, when the outputs carry it. */
  principalArn?: string;
  spendfloAccountId?: string;
  /** The hosted customer picked with `--customer`, if any. */
  customer?: string;
  /** That hosted customer's own upload key pair (for `onboarding-kit`; never registered). */
  uploadKey?: { accessKeyId: string; secretAccessKey: string };
}

export interface LoadedOutputs extends SelectedOutputs {
  /** Every secret value anywhere in the input, for the redactor (all customers' keys too). */
  secrets: string[];
}

/** The raw text of `--stack-outputs`: a file path, or `-` for stdin. */
export async function readStackOutputsText(
  source: string,
  readStdin: () => Promise<string> = readAllStdin,
): Promise<string> {
  if (source === "-") return readStdin();
  try {
    return await readFile(source, "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why =
      code === "ENOENT"
        ? "no such file"
        : code === "EISDIR"
          ? "it is a directory"
          : (code ?? "unreadable");
    throw new UsageError(`--stack-outputs ${source}: cannot read it (${why})`);
  }
}

const hostedOutputsSchema = z.looseObject({
  customers: z.record(z.string(), z.looseObject({ syncSourceConfig: syncSourceConfigSchema })),
});

function describeIssues(issues: readonly z.core.$ZodIssue[], where: string): string {
  // Paths and our own words only: never the received value, which may be a secret.
  return issues
    .map(
      (issue) =>
        `${where}${issue.path.length ? `.${issue.path.map(String).join(".")}` : ""}: ${plainIssue(issue)}`,
    )
    .join("\n");
}

const TYPE_WORDS: Record<string, string> = {
  object: "an object",
  string: "text",
  number: "a number",
  boolean: "true or false",
  array: "a list",
  record: "an object",
};

/** One zod issue in the words of a person reading stack outputs, not zod's. */
export function plainIssue(issue: z.core.$ZodIssue): string {
  switch (issue.code) {
    case "invalid_type": {
      const expected = TYPE_WORDS[issue.expected] ?? issue.expected;
      const received = /received (\w+)/.exec(issue.message)?.[1];
      if (received === "undefined") return `is missing (expected ${expected})`;
      return `must be ${expected}${received ? `, not ${TYPE_WORDS[received] ?? received}` : ""}`;
    }
    case "too_small":
      if (issue.origin === "string") {
        return Number(issue.minimum) <= 1
          ? "must not be empty"
          : `must be at least ${String(issue.minimum)} characters`;
      }
      return `must be at least ${String(issue.minimum)}`;
    case "too_big":
      return `must be at most ${String(issue.maximum)}${issue.origin === "string" ? " characters" : ""}`;
    case "unrecognized_keys":
      return `has ${issue.keys.length > 1 ? "keys" : "a key"} it should not have: ${issue.keys.map((k) => `"${k}"`).join(", ")}`;
    case "invalid_union":
      return "does not have the shape of any of our access modes' outputs";
    case "invalid_value":
      return `must be one of ${issue.values.map((v) => JSON.stringify(v)).join(", ")}`;
    case "invalid_format":
      return issue.format === "regex"
        ? "does not have the expected form"
        : issue.format === "starts_with"
          ? `must start with "${(issue as { prefix?: string }).prefix ?? ""}"`
          : `must be ${issue.format}`;
    default:
      return issue.message;
  }
}

/** Pulumi's placeholder for a secret it was not asked to show. */
const SECRET_PLACEHOLDER = "[secret]";

function holdsSecretPlaceholder(node: unknown): boolean {
  if (node === SECRET_PLACEHOLDER) return true;
  if (Array.isArray(node)) return node.some(holdsSecretPlaceholder);
  if (node !== null && typeof node === "object") {
    return Object.values(node).some(holdsSecretPlaceholder);
  }
  return false;
}

/**
 * Parses the outputs text and picks the sync config: the stack's own `syncSourceConfig`, or with
 * `customer` the hosted stack's `customers[customer].syncSourceConfig`. Exit 2 on anything wrong.
 */
export function selectStackOutputs(text: string, customer?: string): LoadedOutputs {
  if (text.trim() === "") {
    throw new UsageError(
      "--stack-outputs: the input is empty; expected `pulumi stack output --json --show-secrets`",
    );
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    // JSON.parse's own message quotes the text around the error, which may be a secret.
    throw new UsageError(
      "--stack-outputs: not valid JSON; expected the output of `pulumi stack output --json --show-secrets` (not the table without --json)",
    );
  }
  if (raw === null || typeof raw !== "object" || Array.isArray(raw)) {
    throw new UsageError("--stack-outputs: expected a JSON object of stack outputs");
  }
  // Where the outputs came from, before what shape they have: a plan's placeholders of any shape
  // are refused with the one message that helps.
  refuseOfflinePlan(raw);
  const secrets = secretValuesIn(raw);
  // Anywhere: a hosted stack's whole `customers` output is one secret and shows as "[secret]".
  if (holdsSecretPlaceholder(raw)) {
    throw new UsageError(
      '--stack-outputs: the secrets show as "[secret]": run `pulumi stack output --json --show-secrets` (with --show-secrets)',
    );
  }
  const withSecrets = (selected: SelectedOutputs): LoadedOutputs => ({ ...selected, secrets });
  const hasCustomers = "customers" in raw;

  if (customer !== undefined) {
    if (!hasCustomers) {
      throw new UsageError(
        `--customer ${customer}: these stack outputs have no "customers": they are a customer's own stack, not the hosted one; drop --customer`,
      );
    }
    const hosted = hostedOutputsSchema.safeParse(raw);
    const customers = (raw as { customers: unknown }).customers;
    const slugs = customers !== null && typeof customers === "object" ? Object.keys(customers) : [];
    if (!slugs.includes(customer)) {
      throw new UsageError(
        `--customer ${customer}: no such customer in the stack outputs (customers: ${slugs.join(", ") || "none"})`,
      );
    }
    if (!hosted.success) {
      throw new UsageError(
        `--stack-outputs: not the hosted stack's outputs:\n${describeIssues(hosted.error.issues, "outputs")}`,
      );
    }
    const block = hosted.data.customers[customer]!;
    const { accessKeyId, secretAccessKey } = block as Record<string, unknown>;
    return withSecrets({
      syncSourceConfig: block.syncSourceConfig,
      customer,
      ...(typeof accessKeyId === "string" && typeof secretAccessKey === "string"
        ? { uploadKey: { accessKeyId, secretAccessKey } }
        : {}),
      accessMode: (block as Record<string, unknown>).accessMode as AccessMode | undefined,
      principalArn: typeof block.principalArn === "string" ? block.principalArn : undefined,
    });
  }
  if (hasCustomers && !("syncSourceConfig" in raw)) {
    const customers = (raw as { customers: unknown }).customers;
    const slugs = customers !== null && typeof customers === "object" ? Object.keys(customers) : [];
    throw new UsageError(
      `--stack-outputs: these are the hosted stack's outputs: name the customer with --customer (one of: ${slugs.join(", ") || "none"})`,
    );
  }
  const parsed = stackOutputsSchema.safeParse(raw);
  if (!parsed.success) {
    throw new UsageError(
      `--stack-outputs: not our stack's outputs:\n${describeIssues(parsed.error.issues, "outputs")}`,
    );
  }
  const outputs = parsed.data;
  const principalArn = (outputs as Record<string, unknown>).principalArn;
  return withSecrets({
    syncSourceConfig: outputs.syncSourceConfig,
    accessMode: outputs.accessMode,
    readerUserName: outputs.accessMode === "iam-user" ? outputs.readerUserName : undefined,
    principalArn:
      typeof principalArn === "string"
        ? principalArn
        : outputs.accessMode === "cross-account-role"
          ? outputs.roleArn
          : undefined,
    spendfloAccountId: outputs.accessMode === "iam-user" ? undefined : outputs.spendfloAccountId,
  });
}

/**
 * Refuses the outputs of an offline `budget-sync plan` (its `outputs`, or the whole document):
 * their account, ARNs and keys are placeholders, and nothing may be registered or tested with
 * them. Exit 2, telling the user where real outputs come from.
 */
export function refuseOfflinePlan(raw: unknown): void {
  const signs = offlinePlanEvidence(raw);
  if (signs.length === 0) return;
  throw new UsageError(
    [
      `--stack-outputs: these are the placeholders of an offline \`budget-sync plan\`, not a deployed stack's outputs (${signs.join("; ")}); nothing is sent or used.`,
      "  Deploy the stack with `pulumi up`, then pass its real outputs: `pulumi stack output --json --show-secrets | budget-sync ... --stack-outputs -`",
    ].join("\n"),
  );
}

/** Reads and selects in one step. */
export async function loadStackOutputs(
  source: string,
  customer: string | undefined,
  readStdin?: () => Promise<string>,
): Promise<LoadedOutputs> {
  return selectStackOutputs(await readStackOutputsText(source, readStdin), customer);
}
