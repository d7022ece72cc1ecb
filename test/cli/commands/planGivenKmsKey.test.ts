import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { runPlanInProcess as runCli } from "../../helpers/inProcess.ts";

/**
 * A given KMS key (encryption.kmsKeyArn) in every access mode: the reader's kms:Decrypt through
 * S3 on the key that encrypts the bucket is the accepted read, so our own stack passes our own
 * policy pack (it used to fail spendflo-read-only and spendflo-scoped with no way out).
 */
const KEYS = {
  "a key of the account":
    "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab",
  "a key of another account":
    "arn:aws:kms:us-east-1:444455556666:key/1234abcd-12ab-34cd-56ef-1234567890ab",
  "a multi-Region key":
    "arn:aws:kms:us-east-1:123456789012:key/mrk-1234abcd12ab34cd56ef1234567890ab",
  "the AWS-managed key's alias ARN": "arn:aws:kms:us-east-1:123456789012:alias/aws/s3",
};
const ACCESS = {
  "iam-user": "{ mode: iam-user }",
  "cross-account-role":
    '{ mode: cross-account-role, spendfloAccountId: "999988887777", externalId: acme-7f3a }',
  "cross-account-policy": '{ mode: cross-account-policy, spendfloAccountId: "999988887777" }',
};

const cases = Object.entries(ACCESS).flatMap(([mode, access]) =>
  Object.entries(KEYS)
    // The AWS-managed key cannot be shared with another account: the config refuses it there.
    .filter(([what]) => !(mode === "cross-account-policy" && what.includes("AWS-managed")))
    .map(([what, arn]) => [mode, what, access, arn] as const),
);

describe("plan with a given KMS key", () => {
  it.each(cases)("%s, %s: plans with no mandatory violation", async (_mode, _what, access, arn) => {
    const dir = mkdtempSync(path.join(tmpdir(), "budget-sync-kms-"));
    const file = path.join(dir, "Pulumi.test.yaml");
    writeFileSync(
      file,
      [
        "config:",
        "  aws:region: us-east-1",
        "  budget-sync:bucketName: acme-budgets",
        `  budget-sync:encryption: { type: sse-kms, kmsKeyArn: "${arn}" }`,
        `  budget-sync:access: ${access}`,
      ].join("\n"),
    );
    const result = await runCli(["plan", "--config", file, "--json"]);
    expect(result.code, result.stderr + result.stdout.slice(-2000)).toBe(0);
    const plan = JSON.parse(result.stdout) as { violations: { level: string; policy: string }[] };
    expect(plan.violations.filter((v) => v.level === "mandatory")).toEqual([]);
  });
});
