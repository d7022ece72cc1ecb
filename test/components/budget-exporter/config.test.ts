import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import {
  StackConfigError,
  exporterScheduleWarnings,
  parseStackConfig,
} from "../../../stacks/config.ts";
import { REPO } from "../../helpers/cli.ts";
import { runInProcess as runCli } from "../../helpers/inProcess.ts";

const base = { bucketName: "acme-budget-exports" };
const source = { type: "json", url: "https://fpa.acme.example/budgets" };

function problems(raw: Record<string, unknown>): string[] {
  const values = Object.fromEntries(
    Object.entries({ ...base, ...raw }).map(([k, v]) => [
      k,
      typeof v === "string" ? v : JSON.stringify(v),
    ]),
  );
  try {
    parseStackConfig(values);
    return [];
  } catch (error) {
    if (error instanceof StackConfigError) return error.problems;
    throw error;
  }
}

describe("stack config: exporter, uploader, monitoring, audit", () => {
  it("fills the guide's defaults: cron(0 2 * * ? *) in UTC through Scheduler, 60 s, 256 MB", () => {
    const config = parseStackConfig({
      ...base,
      exporter: JSON.stringify({ source }),
      monitoring: "{}",
      audit: "{}",
      uploader: "{}",
    });
    expect(config.exporter).toMatchObject({
      schedule: "cron(0 2 * * ? *)",
      timezone: "UTC",
      scheduler: "scheduler",
      timeoutSeconds: 60,
      memoryMb: 256,
      logRetentionDays: 30,
      retryAttempts: 2,
    });
    expect(config.monitoring).toEqual({
      emails: [],
      noUploadHours: 48,
      uploadSignal: "eventbridge",
    });
    expect(config.audit).toEqual({ enabled: true, retentionDays: 365 });
    expect(config.uploader).toEqual({ kind: "iam-user", allowList: false });
  });

  it("leaves every component out when its key is absent", () => {
    const config = parseStackConfig(base);
    expect([config.exporter, config.uploader, config.monitoring, config.audit]).toEqual([
      undefined,
      undefined,
      undefined,
      undefined,
    ]);
  });

  it("names each bad key with what to write instead", () => {
    expect(
      problems({
        exporter: {
          source: { type: "xml", url: "http://fpa.acme.example/budgets" },
          timeoutSeconds: 3,
          scheduler: "eventbridge-rule",
          timezone: "Europe/Paris",
          schedule: "daily",
          mapping: { Dept: "d" },
        },
        monitoring: { emails: ["it-at-acme"] },
        audit: { logBucketName: "Audit_Logs" },
        uploader: { kind: "robot" },
      }),
    ).toEqual(
      expect.arrayContaining([
        'budget-sync:exporter.source.type: must be "json" (an array of rows) or "csv"',
        "budget-sync:exporter.source.url: must be an https:// address without credentials (put a token in tokenParameterName)",
        "budget-sync:exporter.timeoutSeconds: must be at least 60: the guide's fix for Lambda timeouts",
        expect.stringMatching(
          /^budget-sync:exporter\.schedule: "daily" must be cron\(\.\.\.\) or rate/,
        ),
        expect.stringMatching(/^budget-sync:exporter\.mapping/),
        "budget-sync:monitoring.emails.0: must be an email address",
        expect.stringMatching(/^budget-sync:audit\.logBucketName: may contain only lowercase/),
        'budget-sync:uploader.kind: must be "iam-user" or "instance-role"',
      ]),
    );
    expect(
      problems({ exporter: { source, scheduler: "eventbridge-rule", timezone: "Europe/Paris" } }),
    ).toEqual([
      'budget-sync:exporter.timezone: needs scheduler "scheduler": EventBridge rules run in UTC only',
    ]);
    expect(problems({ exporter: { source, sourceUrl: "x" } })).toEqual([
      expect.stringContaining('budget-sync:exporter: unknown key "sourceUrl"'),
    ]);
  });
});

describe("exporter.schedule: one that can never fire, or fires more than hourly", () => {
  it("refuses a schedule that never fires, saying why", () => {
    expect(problems({ exporter: { source, schedule: "cron(0 2 31 2 ? *)" } })).toEqual([
      expect.stringMatching(
        /^budget-sync:exporter\.schedule: "cron\(0 2 31 2 \? \*\)" never fires \(no day from \d{4}-\d{2}-\d{2} to 2199 matches its day, month and year fields\): the export would never run$/,
      ),
    ]);
    expect(problems({ exporter: { source, schedule: "cron(0 2 * * ? 2020)" } })[0]).toContain(
      "never fires",
    );
  });

  it("warns that a schedule more frequent than hourly replaces the day's file each run", () => {
    const config = (schedule: string) =>
      parseStackConfig({ ...base, exporter: JSON.stringify({ source, schedule }) });
    expect(exporterScheduleWarnings(config("rate(1 minute)"))).toEqual([
      expect.stringContaining(
        'budget-sync:exporter.schedule: "rate(1 minute)" runs as often as every 1 minute (about 43,830 runs a month): each run replaces the day\'s file',
      ),
    ]);
    expect(exporterScheduleWarnings(config("rate(1 hour)"))).toEqual([]);
    expect(exporterScheduleWarnings(config("cron(0 2 * * ? *)"))).toEqual([]);
  });

  it("shows the warning and the schedule's cost in plan; refuses 31 February with exit 2", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "budget-sync-schedule-"));
    const file = (schedule: string) => {
      const f = path.join(dir, `Pulumi.s${Math.random().toString(36).slice(2)}.yaml`);
      writeFileSync(
        f,
        readFileSync(path.join(REPO, "stacks/Pulumi.exporter.yaml"), "utf8").replace(
          "schedule: cron(0 2 * * ? *)",
          `schedule: ${schedule}`,
        ),
      );
      return f;
    };
    // One after the other: each captures this process's output while it runs.
    const minutely = await runCli(["plan", "--config", file("rate(1 minute)")]);
    const never = await runCli(["plan", "--config", file("cron(0 2 31 2 ? *)")]);
    expect(minutely.code, minutely.stderr).toBe(0);
    expect(`${minutely.stdout}${minutely.stderr}`).toContain(
      'budget-sync:exporter.schedule: "rate(1 minute)" runs as often as every 1 minute',
    );
    expect(minutely.stdout).toContain("43,830 PUT requests (uploads) x $0.005 per 1,000 = $0.22");
    expect(minutely.stdout).toContain("43,830 requests x $0.20 per 1,000,000 = $0.00877");
    expect(never.code).toBe(2);
    expect(never.stderr).toContain(
      'budget-sync:exporter.schedule: "cron(0 2 31 2 ? *)" never fires',
    );
    expect(never.stdout).toBe("");
  });
});
