import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { UsageError } from "../../../cli/errors.ts";
import {
  runOnboardingKit,
  type OnboardingKitOptions,
} from "../../../cli/commands/onboardingKit.ts";
import { hostedCustomerBlock } from "../../helpers/hostedOutputs.ts";

const ACME_SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYACMEKEY01";
const GLOBEX_SECRET = "Hh3Jj5Kk7Ll9Zz1Xx2Cc4Vv6Bb8Nn0Mm+/qwer";
const SECRETS = [ACME_SECRET, GLOBEX_SECRET];

/** `pulumi stack output -s hosted --json --show-secrets` of the hosted stack. */
const hostedOutputs = {
  bucketName: "spendflo-budget-uploads",
  bucketArn: "arn:aws:s3:::spendflo-budget-uploads",
  region: "us-east-1",
  prefix: "customers/",
  manageBucket: true,
  customers: {
    acme: {
      name: "Acme Corp",
      ...hostedCustomerBlock("acme", "AKIAACMEACMEACME1234", ACME_SECRET),
    },
    globex: hostedCustomerBlock("globex", "AKIAGLOBEXGLOBEX5678", GLOBEX_SECRET),
  },
};

function outputsFile(value: unknown): string {
  const dir = mkdtempSync(path.join(tmpdir(), "budget-sync-kit-"));
  const file = path.join(dir, "outputs.json");
  writeFileSync(file, typeof value === "string" ? value : JSON.stringify(value));
  return file;
}

async function kit(options: Partial<OnboardingKitOptions>, outputs: unknown = hostedOutputs) {
  let stdout = "";
  let stderr = "";
  let error: Error | undefined;
  let code: number | undefined;
  try {
    code = await runOnboardingKit(
      {
        stackOutputs: "-",
        customer: "acme",
        showSecrets: false,
        json: false,
        ...options,
      },
      {
        readStdin: async () => (typeof outputs === "string" ? outputs : JSON.stringify(outputs)),
        stdout: (t) => void (stdout += t),
        stderr: (t) => void (stderr += t),
        stderrIsTerminal: false,
      },
    );
  } catch (e) {
    error = e as Error;
  }
  const printed = `${stdout}${stderr}${error?.message ?? ""}`;
  return { code, stdout, stderr, error, printed };
}

const ACME_COMMANDS = [
  "# Store the key pair in a profile: aws asks for it, so it never sits on a command line",
  "aws configure --profile spendflo-acme",
  "# Test access (Step 2): expect an empty listing or your earlier files",
  "aws s3 ls s3://spendflo-budget-uploads/customers/acme/budgets/ --profile spendflo-acme --region us-east-1",
  "# Upload a budget file (Step 3)",
  "aws s3 cp /path/to/budget-export.csv s3://spendflo-budget-uploads/customers/acme/budgets/budget_$(date -u +%Y%m%d).csv --profile spendflo-acme --region us-east-1",
  "# Or check the file against SpendFlo's format first, then upload it under the same name",
  "AWS_PROFILE=spendflo-acme AWS_REGION=us-east-1 budget-sync upload /path/to/budget-export.csv --bucket spendflo-budget-uploads --prefix customers/acme/budgets/",
];

describe("onboarding-kit", () => {
  it("prints the guide's Step 1 block for the customer, secret masked, then the commands", async () => {
    const run = await kit({});
    expect(run.code).toBe(0);
    expect(run.stdout).toBe(
      [
        "Bucket Name: spendflo-budget-uploads",
        "Region: us-east-1",
        "Access Key ID: AKIAACMEACMEACME1234",
        "Secret Access Key: ****",
        "Prefix: customers/acme/budgets/",
        "",
        ...ACME_COMMANDS,
        "",
      ].join("\n"),
    );
    expect(run.stderr).toBe(
      "budget-sync: the secret access key is masked; add --show-secrets to print it for the handover (send it through a channel meant for secrets)\n",
    );
    for (const secret of SECRETS) expect(run.printed).not.toContain(secret);
  });

  it("prints the customer's own secret with --show-secrets, and nobody else's", async () => {
    const run = await kit({ customer: "globex", showSecrets: true });
    expect(run.stdout.split("\n").slice(0, 5)).toEqual([
      "Bucket Name: spendflo-budget-uploads",
      "Region: us-east-1",
      "Access Key ID: AKIAGLOBEXGLOBEX5678",
      `Secret Access Key: ${GLOBEX_SECRET}`,
      "Prefix: customers/globex/budgets/",
    ]);
    expect(run.stderr).toBe("");
    expect(run.printed).not.toContain(ACME_SECRET);
    // The secret never lands in a command line.
    for (const line of run.stdout.split("\n").slice(5)) expect(line).not.toContain(GLOBEX_SECRET);
  });

  it("prints JSON for machines, masked by default", async () => {
    const run = await kit({ json: true });
    const json = JSON.parse(run.stdout);
    expect(json).toMatchObject({
      customer: "acme",
      name: "Acme Corp",
      bucketName: "spendflo-budget-uploads",
      region: "us-east-1",
      accessKeyId: "AKIAACMEACMEACME1234",
      secretAccessKey: "****",
      prefix: "customers/acme/budgets/",
      profile: "spendflo-acme",
      secretMasked: true,
      commands: ACME_COMMANDS,
    });
    expect(json.step1).toContain("Secret Access Key: ****\nPrefix: customers/acme/budgets/");
    for (const secret of SECRETS) expect(run.printed).not.toContain(secret);
  });

  it("reads the outputs from a file", async () => {
    const run = await kit({ stackOutputs: outputsFile(hostedOutputs) }, "");
    expect(run.code).toBe(0);
    expect(run.stdout).toContain("Prefix: customers/acme/budgets/");
  });

  it.each([
    [
      "an unknown customer",
      { customer: "initech" },
      hostedOutputs,
      "--customer initech: no such customer in the stack outputs (customers: acme, globex); is it in another shard's outputs?",
    ],
    [
      "a customer's own stack",
      {},
      {
        accessMode: "iam-user",
        bucketName: "acme-budget-exports",
        syncSourceConfig: {
          bucketName: "acme-budget-exports",
          region: "us-east-1",
          prefix: "budgets/",
        },
      },
      "--stack-outputs: these are the outputs of a customer's own stack (they have no \"customers\"), not of SpendFlo's hosted stack: onboarding-kit prints the guide's Option 1 block for one customer of the hosted bucket. For a stack of your own, register it with `budget-sync register --stack-outputs FILE` and test it with `budget-sync test-connection --stack-outputs FILE`",
    ],
    [
      "outputs printed without --show-secrets",
      {},
      {
        ...hostedOutputs,
        customers: { acme: { ...hostedOutputs.customers.acme, secretAccessKey: "[secret]" } },
      },
      '--stack-outputs: the secrets show as "[secret]": run `pulumi stack output --json --show-secrets` (with --show-secrets)',
    ],
    [
      "hosted outputs printed without --show-secrets (the whole customers output is one secret)",
      {},
      { ...hostedOutputs, customers: "[secret]" },
      '--stack-outputs: the secrets show as "[secret]": run `pulumi stack output --json --show-secrets` (with --show-secrets)',
    ],
    [
      "an offline plan's outputs (budget-sync plan --json)",
      {},
      { "budget-sync:offline-plan": { note: "", accountId: "123456789012" }, ...hostedOutputs },
      "--stack-outputs: these are the placeholders of an offline `budget-sync plan`, not a deployed stack's outputs (they carry the offline plan's marker \"budget-sync:offline-plan\"); nothing is sent or used.\n  Deploy the stack with `pulumi up`, then pass its real outputs: `pulumi stack output --json --show-secrets | budget-sync ... --stack-outputs -`",
    ],
    [
      "text that is not JSON",
      {},
      `{"customers": {"acme": {"secretAccessKey": "${ACME_SECRET}"`,
      "--stack-outputs: not valid JSON; expected the output of `pulumi stack output --json --show-secrets` (not the table without --json)",
    ],
  ])(
    "refuses %s with a usage error that quotes no secret",
    async (_, options, outputs, message) => {
      const run = await kit(options, outputs);
      expect(run.error).toBeInstanceOf(UsageError);
      expect(run.error!.message).toBe(message);
      for (const secret of SECRETS) expect(run.printed).not.toContain(secret);
    },
  );

  it("names a few customers, not hundreds, when the customer is not found", async () => {
    const customers = Object.fromEntries(
      Array.from({ length: 300 }, (_, i) => {
        const id = `customer-${String(i).padStart(3, "0")}`;
        return [
          id,
          hostedCustomerBlock(
            id,
            `AKIA${String(i).padStart(16, "0")}`,
            `secret${i}`.padEnd(40, "x"),
          ),
        ];
      }),
    );
    const run = await kit({ customer: "acme" }, { ...hostedOutputs, customers });
    expect(run.error!.message).toBe(
      "--customer acme: no such customer in the stack outputs (customers: customer-000, customer-001, customer-002, customer-003, customer-004, customer-005, customer-006, customer-007, customer-008, customer-009 and 290 more); is it in another shard's outputs?",
    );
  });
});
