/**
 * Wrong credentials, as people meet them: a key S3 does not know, a secret that does not match,
 * an expired session, a policy that denies. Each fails at once (no minute of retries), in the
 * guide's troubleshooting words, with IAM's delay for a brand-new key named, and no runtime
 * warning. InvalidAccessKeyId comes from s3rver itself; the others from a store that refuses.
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { GOOD_CSV } from "../helpers/budgetCsv.ts";
import { runCli, type CliResult } from "../helpers/cli.ts";
import { startRefusingStore } from "../helpers/refusingStore.ts";
import { startS3rver, type RunningS3rver } from "../helpers/s3rver.ts";

const BUCKET = "budget-uploads";
const NEW_KEY_NOTE =
  "A key or permission created a minute ago may not work yet (IAM is eventually consistent): if yours is that new, wait a minute and run again.";
let s3: RunningS3rver;
let dir: string;
let csv: string;

beforeAll(async () => {
  s3 = await startS3rver([BUCKET]);
  dir = await mkdtemp(join(tmpdir(), "budget-sync-process-credentials-"));
  csv = join(dir, "budget.csv");
  await writeFile(csv, GOOD_CSV);
});
afterAll(async () => {
  await s3?.close();
  await rm(dir, { recursive: true, force: true });
});

/** No retries' notice, no Node warning (MaxListenersExceededWarning came with the retries). */
function expectNoRetryNorWarning(result: CliResult): void {
  expect(result.stderr).not.toMatch(/retrying|Warning/i);
}

const COMMANDS: [string, string[]][] = [
  ["upload", ["upload", "CSV", "--bucket", BUCKET, "--date", "20250301"]],
  ["verify", ["verify", "--bucket", BUCKET]],
  ["test-connection", ["test-connection", "--bucket", BUCKET, "--prefix", "budgets/"]],
];
const args = (template: string[]) => template.map((a) => (a === "CSV" ? csv : a));

describe("a key S3 does not know (s3rver: InvalidAccessKeyId)", () => {
  const env = () => ({ ...s3.env, AWS_ACCESS_KEY_ID: "AKIAUNKNOWNKEY000000" });

  it.each(COMMANDS)(
    "%s fails at once, exit 1, with the guide's advice",
    async (_name, template) => {
      const result = await runCli(args(template), { env: env() });
      expect(result.code).toBe(1);
      expectNoRetryNorWarning(result);
      const said = result.stdout + result.stderr;
      expect(said).toMatch(/verify the Access Key ID and Secret are correct/);
      expect(said).toContain(NEW_KEY_NOTE);
    },
    30_000,
  );

  it("under --json the failure names S3's code", async () => {
    const result = await runCli([...args(COMMANDS[0][1]), "--json"], { env: env() });
    expect(result.code).toBe(1);
    expect(JSON.parse(result.stdout)).toMatchObject({
      error: { code: "InvalidAccessKeyId", exitCode: 1 },
    });
    expect(result.stderr).toBe(
      `budget-sync: S3 refused uploading to s3://${BUCKET}/budgets/budget_20250301.csv: InvalidAccessKeyId: AWS does not know this Access Key ID. As the guide's troubleshooting says, verify the Access Key ID and Secret are correct (AWS_ACCESS_KEY_ID, or the profile AWS_PROFILE names): a key mistyped, deleted, rotated away or of another partition is refused. ${NEW_KEY_NOTE}\n`,
    );
  }, 30_000);
});

describe.each([
  ["SignatureDoesNotMatch", /verify the Access Key ID and Secret are correct/, true],
  ["ExpiredToken", /[Ee]xpired.*: refresh/, false],
  ["AccessDenied", /IAM policy|Verify the IAM policy grants/, true],
])("a store that answers %s", (code, advice, newKeyNote) => {
  it.each(COMMANDS)(
    "%s fails at once, exit 1, with the guide's advice for it",
    async (_name, template) => {
      const store = await startRefusingStore(code);
      try {
        const result = await runCli(args(template), {
          env: { ...s3.env, AWS_ENDPOINT_URL: store.endpoint },
        });
        expect(result.code).toBe(1);
        expectNoRetryNorWarning(result);
        const said = result.stdout + result.stderr;
        expect(said).toMatch(advice);
        if (newKeyNote) expect(said).toContain(NEW_KEY_NOTE);
        // Each request once: the SDK does not retry a refusal, and neither do we.
        expect(new Set(store.requests).size).toBe(store.requests.length);
      } finally {
        await store.close();
      }
    },
    30_000,
  );
});
