import { describe, expect, it } from "vitest";
import { UsageError } from "../../cli/errors.ts";
import { selectStackOutputs } from "../../cli/stackOutputsInput.ts";

/** `--stack-outputs` as register, onboarding-kit and test-connection read it. */
const SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
const sync = {
  bucketName: "acme-budget-exports",
  region: "us-east-1",
  prefix: "budgets/",
  accessKeyId: "AKIAIOSFODNN7EXAMPLE",
  secretAccessKey: SECRET,
};
const iamUser = {
  accessMode: "iam-user",
  bucketName: "acme-budget-exports",
  bucketArn: "arn:aws:s3:::acme-budget-exports",
  region: "us-east-1",
  prefix: "budgets/",
  readerUserName: "spendflo-budget-sync-dev",
  accessKeyId: "AKIAIOSFODNN7EXAMPLE",
  secretAccessKey: SECRET,
  syncSourceConfig: sync,
};

function refusal(value: unknown, customer?: string): string {
  try {
    selectStackOutputs(JSON.stringify(value), customer);
  } catch (error) {
    expect(error).toBeInstanceOf(UsageError);
    expect((error as Error).message).not.toContain(SECRET);
    return (error as Error).message;
  }
  throw new Error("expected a refusal");
}

describe("selectStackOutputs", () => {
  it('says "[secret]" placeholders for hosted outputs printed without --show-secrets', () => {
    const hosted = {
      bucketName: "spendflo-budget-uploads",
      region: "us-east-1",
      prefix: "customers/",
      manageBucket: true,
      customerPrefixes: { acme: "customers/acme/budgets/" },
      customers: "[secret]",
    };
    const message =
      '--stack-outputs: the secrets show as "[secret]": run `pulumi stack output --json --show-secrets` (with --show-secrets)';
    expect(refusal(hosted, "acme")).toBe(message);
    expect(refusal(hosted)).toBe(message);
  });

  it("names what is wrong in plain words, not zod's", () => {
    const message = refusal({
      ...iamUser,
      readerUserName: undefined,
      syncSourceConfig: { ...sync, prefix: "", extra: 1 },
    });
    expect(message).toBe(
      [
        "--stack-outputs: not our stack's outputs:",
        "outputs.syncSourceConfig.prefix: must not be empty",
        'outputs.syncSourceConfig: has a key it should not have: "extra"',
        "outputs.readerUserName: is missing (expected text)",
      ].join("\n"),
    );
    expect(message).not.toMatch(/Too small|expected string to have|Unrecognized key|received/);
  });

  it("a hosted customer's block without its sync config", () => {
    const message = refusal(
      { customers: { acme: { name: "Acme", syncSourceConfig: undefined } } },
      "acme",
    );
    expect(message).toBe(
      "--stack-outputs: not the hosted stack's outputs:\noutputs.customers.acme.syncSourceConfig: is missing (expected an object)",
    );
  });
});
