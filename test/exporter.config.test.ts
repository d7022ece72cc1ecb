import { describe, expect, it } from "vitest";
import { StackConfigError, parseStackConfig } from "../stacks/config.ts";

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
