/** `budget-sync onboarding-kit` as people run it: the real bin in a child process. */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { runCli } from "../helpers/cli.ts";
import { expectNoSecret, hostedOutputs, ownStackOutputs } from "../helpers/stackOutputs.ts";

function outputsFile(value: unknown): string {
  const file = path.join(mkdtempSync(path.join(tmpdir(), "budget-sync-kit-")), "outputs.json");
  writeFileSync(file, JSON.stringify(value));
  return file;
}

const MASKED_NOTICE =
  "budget-sync: the secret access key is masked; add --show-secrets to print it for the handover (send it through a channel meant for secrets)\n";

describe("budget-sync onboarding-kit, run as a process", () => {
  it("prints the customer's Step 1 block from stdin, secret masked: exit 0", async () => {
    const result = await runCli(["onboarding-kit", "--stack-outputs", "-", "--customer", "acme"], {
      input: JSON.stringify(hostedOutputs()),
    });
    expect(result.code).toBe(0);
    expect(result.stdout.split("\n").slice(0, 5)).toEqual([
      "Bucket Name: spendflo-budget-uploads",
      "Region: us-east-1",
      "Access Key ID: AKIAACMEACMEACME1234",
      "Secret Access Key: ****",
      "Prefix: customers/acme/budgets/",
    ]);
    expect(result.stderr).toBe(MASKED_NOTICE);
    expectNoSecret(result.stdout + result.stderr);
  });

  it("--json from a file: one JSON document, the secret masked", async () => {
    const result = await runCli([
      "onboarding-kit",
      "--stack-outputs",
      outputsFile(hostedOutputs()),
      "--customer",
      "globex",
      "--json",
    ]);
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({
      customer: "globex",
      accessKeyId: "AKIAGLOBEXGLOBEX5678",
      secretMasked: true,
    });
    expectNoSecret(result.stdout + result.stderr);
  });

  it("an unknown customer: exit 2, the customers there are; --json the failure as JSON", async () => {
    const result = await runCli(
      ["onboarding-kit", "--stack-outputs", "-", "--customer", "initech", "--json"],
      { input: JSON.stringify(hostedOutputs()) },
    );
    expect(result.code).toBe(2);
    const message =
      "--customer initech: no such customer in the stack outputs (customers: acme, globex); is it in another shard's outputs?";
    expect(result.stderr).toBe(`budget-sync: ${message}\nRun with --help for usage.\n`);
    expect(JSON.parse(result.stdout)).toEqual({ error: { message, exitCode: 2, usage: true } });
  });

  it("a customer's own stack outputs: says what they are and what to run instead, not 'drop --customer'", async () => {
    const result = await runCli([
      "onboarding-kit",
      "--stack-outputs",
      outputsFile(ownStackOutputs()),
      "--customer",
      "acme",
    ]);
    expect(result.code).toBe(2);
    expect(result.stderr).not.toContain("drop --customer");
    expect(result.stderr).toContain(
      "these are the outputs of a customer's own stack (they have no \"customers\"), not of SpendFlo's hosted stack",
    );
    expect(result.stderr).toContain("budget-sync register --stack-outputs FILE");
    expectNoSecret(result.stdout + result.stderr);
  });

  it("a customer id that is no slug, or no --stack-outputs: exit 2, the flag named", async () => {
    const bad = await runCli(["onboarding-kit", "--stack-outputs", "-", "--customer", "Acme"], {
      input: JSON.stringify(hostedOutputs()),
    });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain(
      "--customer: must be a lowercase slug: only a-z, 0-9 and hyphens (e.g. acme-corp)",
    );
    const missing = await runCli(["onboarding-kit", "--customer", "acme"]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain("--stack-outputs: is required");
  });
});
