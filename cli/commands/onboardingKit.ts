import { z } from "zod";
import { customerIdProblems } from "../../lib/spendflo/hostedBucket.ts";
import { MASK, Redactor } from "../redact.ts";
import { ExitCode, UsageError } from "../errors.ts";
import { processIo, type CommandIo } from "../io.ts";
import { defineCommand, flag, flagsSchema, jsonFlag, stackOutputsFlag } from "../options.ts";
import {
  readStackOutputsText,
  refuseOfflinePlan,
  selectStackOutputs,
} from "../stackOutputsInput.ts";

/**
 * `budget-sync onboarding-kit`: what a SpendFlo engineer hands a hosted customer (the guide's
 * Option 1): exactly the block of Step 1, for that customer, from the hosted stack's outputs, then
 * ready-to-run commands for Steps 2 and 3 on that prefix. The secret access key is masked unless
 * `--show-secrets`; no command it prints carries a secret.
 */

const flags = {
  stackOutputs: stackOutputsFlag(
    "File of `pulumi stack output -s hosted --json --show-secrets`, or - to read it from stdin",
    "a file of `pulumi stack output -s hosted --json --show-secrets`, or - for stdin",
  ),
  customer: flag(
    z
      .string({ error: "is required: the customer's id in the hosted stack (e.g. acme)" })
      .superRefine((id, ctx) => {
        for (const message of customerIdProblems(id)) ctx.addIssue({ code: "custom", message });
      }),
    { type: "string", describe: "The customer's id in the hosted stack's customers (e.g. acme)" },
  ),
  showSecrets: flag(z.boolean().default(false), {
    type: "boolean",
    default: false,
    describe: "Print the secret access key (masked by default)",
  }),
  json: jsonFlag("Print JSON for machines"),
};
const optionsSchema = flagsSchema(flags);

export type OnboardingKitOptions = z.output<typeof optionsSchema>;

/** One customer's kit: the guide's Step 1 fields and the commands that use them. */
export interface OnboardingKit {
  customer: string;
  /** The customer's display name, when the stack outputs carry one. */
  name?: string;
  bucketName: string;
  region: string;
  accessKeyId: string;
  /** The secret access key, or the mask. */
  secretAccessKey: string;
  prefix: string;
  /** The aws CLI profile the commands use. */
  profile: string;
  /** Shell lines, comments included, ready to paste. */
  commands: string[];
}

/** The kit of one customer; `secretAccessKey` is shown as given (mask it before calling). */
export function buildOnboardingKit(fields: {
  customer: string;
  name?: string;
  bucketName: string;
  region: string;
  accessKeyId: string;
  secretAccessKey: string;
  prefix: string;
}): OnboardingKit {
  const profile = `spendflo-${fields.customer}`;
  const target = `s3://${fields.bucketName}/${fields.prefix}`;
  const aws = `--profile ${profile} --region ${fields.region}`;
  return {
    ...fields,
    profile,
    commands: [
      "# Store the key pair in a profile: aws asks for it, so it never sits on a command line",
      `aws configure --profile ${profile}`,
      "# Test access (Step 2): expect an empty listing or your earlier files",
      `aws s3 ls ${target} ${aws}`,
      "# Upload a budget file (Step 3)",
      `aws s3 cp /path/to/budget-export.csv ${target}budget_$(date -u +%Y%m%d).csv ${aws}`,
      "# Or check the file against SpendFlo's format first, then upload it under the same name",
      `AWS_PROFILE=${profile} AWS_REGION=${fields.region} budget-sync upload /path/to/budget-export.csv --bucket ${fields.bucketName} --prefix ${fields.prefix}`,
    ],
  };
}

/** The guide's Step 1 block, line for line, with this customer's values. */
export function step1Block(kit: OnboardingKit): string {
  return [
    `Bucket Name: ${kit.bucketName}`,
    `Region: ${kit.region}`,
    `Access Key ID: ${kit.accessKeyId}`,
    `Secret Access Key: ${kit.secretAccessKey}`,
    `Prefix: ${kit.prefix}`,
  ].join("\n");
}

export function onboardingKitText(kit: OnboardingKit): string {
  return `${step1Block(kit)}\n\n${kit.commands.join("\n")}\n`;
}

/** Prints the kit of one hosted customer; returns the exit code. Bad input throws UsageError. */
export async function runOnboardingKit(
  options: OnboardingKitOptions,
  io: CommandIo = processIo,
): Promise<number> {
  const text = await readStackOutputsText(options.stackOutputs, io.readStdin);
  requireCustomer(text, options.customer);
  const loaded = selectStackOutputs(text, options.customer);
  const source = loaded.syncSourceConfig;
  // The customer's own upload key, beside (never inside) the sync config SpendFlo reads with.
  const key = loaded.uploadKey;
  if (!key) {
    throw new UsageError(
      `--customer ${options.customer}: its block has no accessKeyId and secretAccessKey (the customer's upload key); these are not the hosted stack's outputs`,
    );
  }
  // The selected customer's secret may be printed with --show-secrets; nobody else's, ever.
  const redactor = new Redactor(
    loaded.secrets.filter((s) => !(options.showSecrets && s === key.secretAccessKey)),
  );
  const kit = buildOnboardingKit({
    customer: options.customer,
    name: customerName(text, options.customer),
    bucketName: source.bucketName,
    region: source.region,
    accessKeyId: key.accessKeyId,
    secretAccessKey: options.showSecrets ? key.secretAccessKey : MASK,
    prefix: source.prefix,
  });
  if (options.json) {
    const json = { ...kit, secretMasked: !options.showSecrets, step1: step1Block(kit) };
    io.stdout(`${redactor.text(JSON.stringify(json, null, 2))}\n`);
  } else {
    io.stdout(redactor.text(onboardingKitText(kit)));
  }
  if (!options.showSecrets) {
    io.stderr(
      "budget-sync: the secret access key is masked; add --show-secrets to print it for the handover (send it through a channel meant for secrets)\n",
    );
  }
  return ExitCode.Ok;
}

/**
 * A hosted stack holds hundreds of customers: an unknown one is named with the first few ids, not
 * all of them; a customer's own stack is named as such. Anything else wrong with the text is left
 * to selectStackOutputs to describe.
 */
function requireCustomer(text: string, customer: string): void {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return;
  }
  // A plan's placeholder key must never be handed to a customer: said before anything else.
  refuseOfflinePlan(raw);
  if (raw === null || typeof raw !== "object" || Array.isArray(raw)) return;
  if (!("customers" in raw) && ("syncSourceConfig" in raw || "bucketName" in raw)) {
    // A customer's own stack: dropping --customer would not help, onboarding-kit needs one.
    throw new UsageError(
      `--stack-outputs: these are the outputs of a customer's own stack (they have no "customers"), not of SpendFlo's hosted stack: onboarding-kit prints the guide's Option 1 block for one customer of the hosted bucket. For a stack of your own, register it with \`budget-sync register --stack-outputs FILE\` and test it with \`budget-sync test-connection --stack-outputs FILE\``,
    );
  }
  const customers = (raw as { customers?: unknown }).customers;
  if (customers === null || typeof customers !== "object" || Array.isArray(customers)) return;
  const ids = Object.keys(customers).sort();
  if (ids.includes(customer)) return;
  const shown = ids.slice(0, 10).join(", ");
  const more = ids.length > 10 ? ` and ${ids.length - 10} more` : "";
  throw new UsageError(
    `--customer ${customer}: no such customer in the stack outputs (${ids.length ? `customers: ${shown}${more}` : "it has no customers"}); is it in another shard's outputs?`,
  );
}

/** `customers.<id>.name`, if the outputs carry it (the text was already parsed once). */
function customerName(text: string, customer: string): string | undefined {
  const raw = JSON.parse(text) as { customers?: Record<string, { name?: unknown }> };
  const name = raw.customers?.[customer]?.name;
  return typeof name === "string" ? name : undefined;
}

export const onboardingKitCommand = defineCommand({
  command: "onboarding-kit",
  describe:
    "Print the guide's Option 1 Step 1 block for one hosted customer, then the commands to test and upload",
  flags,
  schema: optionsSchema,
  help: (yargs) =>
    yargs
      .example(
        "# Acme's Step 1 block, secret masked\npulumi stack output -s hosted --json --show-secrets \\\n  | $0 onboarding-kit --stack-outputs - --customer acme",
        "",
      )
      .epilogue(
        "Exit codes: 0 printed; 2 bad usage, unreadable or foreign stack outputs, or a customer the outputs do not have.",
      ),
  run: runOnboardingKit,
});
