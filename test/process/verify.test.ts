/**
 * `budget-sync verify` and `budget-sync test-connection` as people run them: the real bin in a
 * child process against s3rver, files uploaded with the real `budget-sync upload`.
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { GOOD_CSV } from "../helpers/budgetCsv.ts";
import { runCli } from "../helpers/cli.ts";
import { startS3rver, type RunningS3rver } from "../helpers/s3rver.ts";
import { expectNoSecret, OWN_SECRET, ownStackOutputs } from "../helpers/stackOutputs.ts";

// A reader key of its own on s3rver's account (s3rver's own key id is its secret too).
const { DUMMY_ACCOUNT } = createRequire(import.meta.url)("s3rver/lib/models/account.js") as {
  DUMMY_ACCOUNT: { createKeyPair(id: string, secret: string): void };
};
const READER_KEY_ID = "AKIAOWNSTACKREADER01";

const BUCKET = "budget-exports";
let s3: RunningS3rver;
let dir: string;
let csv: string;

/** YYYYMMDD of `days` days before today (UTC). */
const daysAgo = (days: number) =>
  new Date(Date.now() - days * 86_400_000).toISOString().slice(0, 10).replaceAll("-", "");
const LATER = daysAgo(1);
const EARLIER = daysAgo(4);

const cli = (args: string[]) => runCli(args, { env: s3.env });

beforeAll(async () => {
  s3 = await startS3rver([BUCKET]);
  DUMMY_ACCOUNT.createKeyPair(READER_KEY_ID, OWN_SECRET);
  dir = await mkdtemp(join(tmpdir(), "budget-sync-process-verify-"));
  csv = join(dir, "export.csv");
  await writeFile(csv, GOOD_CSV);
  // The later day's file first, then an earlier day's, sent afterwards with --date: uploaded
  // last, yet not the newest budget.
  const uploads = [
    [LATER, "budgets/"],
    [EARLIER, "budgets/"],
    [LATER, "healthy/"],
  ] as const;
  for (const [date, prefix] of uploads) {
    const upload = await cli([
      "upload",
      csv,
      "--bucket",
      BUCKET,
      "--prefix",
      prefix,
      "--date",
      date,
    ]);
    expect(upload.code, upload.stderr).toBe(0);
  }
  // Each a second after the one before, as S3 would have stamped them uploaded a second apart.
  const now = Math.floor(Date.now() / 1000) * 1000;
  for (const [i, [date, prefix]] of uploads.entries()) {
    const when = new Date(now - (uploads.length - 1 - i) * 1000);
    await s3.setLastModified(BUCKET, `${prefix}budget_${date}.csv`, when);
  }
});
afterAll(async () => {
  await s3?.close();
  await rm(dir, { recursive: true, force: true });
});

describe("budget-sync verify, run as a process", () => {
  it("a healthy prefix: exit 0, the newest file checked, nothing on stderr", async () => {
    const result = await cli(["verify", "--bucket", BUCKET, "--prefix", "healthy/"]);
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(`newest: healthy/budget_${LATER}.csv (`);
    expect(result.stdout).toMatch(/\nhealthy\n$/);
  });

  it("takes the newest by the date in the name, not the upload time, and says the two disagree", async () => {
    const human = await cli(["verify", "--bucket", BUCKET]);
    expect(human.code).toBe(0);
    expect(human.stdout).toContain(`newest: budgets/budget_${LATER}.csv (`);
    expect(human.stdout).toContain(`warning: budgets/budget_${EARLIER}.csv was uploaded last (`);
    expect(human.stdout).toContain(
      `but budgets/budget_${LATER}.csv has the later date in its name, so it is the newest`,
    );
    const json = JSON.parse((await cli(["verify", "--bucket", BUCKET, "--json"])).stdout);
    expect(json.newest.key).toBe(`budgets/budget_${LATER}.csv`);
    expect(json.uploadedLast.key).toBe(`budgets/budget_${EARLIER}.csv`);
  });

  it("no budget file: exit 1, the guide's 'No files found' fixes; --json the same as a document", async () => {
    const human = await cli(["verify", "--bucket", BUCKET, "--prefix", "empty/"]);
    expect(human.code).toBe(1);
    expect(human.stdout).toContain(`FINDING: no budget files found under s3://${BUCKET}/empty/`);
    expect(human.stdout).toMatch(/\nnot healthy\n$/);
    const json = await cli(["verify", "--bucket", BUCKET, "--prefix", "empty/", "--json"]);
    expect(json.code).toBe(1);
    expect(JSON.parse(json.stdout)).toMatchObject({ healthy: false, budgetFiles: 0, newest: null });
  });

  it("bad usage: exit 2, the flag named", async () => {
    const result = await cli(["verify", "--bucket", BUCKET, "--max-age-hours", "abc", "--json"]);
    expect(result.code).toBe(2);
    expect(JSON.parse(result.stdout)).toEqual({
      error: { message: "--max-age-hours: must be a number", exitCode: 2, usage: true },
    });
  });
});

describe("budget-sync test-connection, run as a process", () => {
  it("lists the prefix: exit 0, the newest file by the date in its name, the disagreement told", async () => {
    const result = await cli(["test-connection", "--bucket", BUCKET, "--prefix", "budgets/"]);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(
      `Connection OK: listed s3://${BUCKET}/budgets/ (us-east-1) as the default credential chain.`,
    );
    expect(result.stdout).toContain(`2 files; newest: budgets/budget_${LATER}.csv`);
    expect(result.stdout).toContain(`Read OK: the first byte of budgets/budget_${LATER}.csv.`);
    expect(result.stderr).toMatch(
      new RegExp(`^warning: budgets/budget_${EARLIER}\\.csv was uploaded last \\(`),
    );
  });

  it("--json with the reader key of stack outputs, the secret never printed", async () => {
    const outputs = ownStackOutputs(BUCKET, READER_KEY_ID);
    const result = await runCli(
      ["test-connection", "--stack-outputs", "-", "--prefix", "healthy/", "--json"],
      {
        env: s3.env,
        input: JSON.stringify(outputs),
      },
    );
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({
      ok: true,
      bucket: BUCKET,
      principal: `the reader key ${READER_KEY_ID} from the stack outputs`,
      fileCount: 1,
      newest: { key: `healthy/budget_${LATER}.csv` },
    });
    expectNoSecret(result.stdout + result.stderr);
  });

  it("a bucket that does not exist: exit 1 in the guide's words", async () => {
    const result = await cli([
      "test-connection",
      "--bucket",
      "no-such-budgets",
      "--prefix",
      "budgets/",
    ]);
    expect(result.code).toBe(1);
    expect(result.stdout).toContain(
      "Connection FAILED: No such bucket: no-such-budgets does not exist (in us-east-1)",
    );
  });

  it("bad usage: a prefix without its slash, exit 2", async () => {
    const result = await cli(["test-connection", "--bucket", BUCKET, "--prefix", "budgets"]);
    expect(result.code).toBe(2);
    expect(result.stderr).toBe(
      'budget-sync: --prefix budgets: must end with "/" (try "budgets/")\nRun with --help for usage.\n',
    );
  });
});
