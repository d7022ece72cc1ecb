import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { COMMANDS } from "../../cli/main.ts";
import { runCli } from "../helpers/cli.ts";

describe("the command line's own messages", () => {
  it("says what is wrong with a value in a command line's words, one problem per flag", async () => {
    const cases: [string[], string][] = [
      [
        ["upload", "x.csv", "--bucket", "b", "--date", "1", "--date", "2"],
        "--date: is given more than once: give it once",
      ],
      [["upload", "x.csv", "--bucket", ""], "--bucket: must not be empty"],
      [
        ["verify", "--bucket", "bucket", "--max-age-hours", "abc"],
        "--max-age-hours: must be a number",
      ],
      [
        ["upload", "x.csv", "--bucket", "b", "--date", "2025-02-05"],
        "--date: must be a date as YYYYMMDD, such as 20250205",
      ],
      [
        ["validate", "-"],
        "FILE: name at least one budget file (a path: reading standard input is not supported)",
      ],
    ];
    for (const [args, message] of cases) {
      const result = await runCli(args);
      expect(result.code, args.join(" ")).toBe(2);
      expect(result.stderr).toBe(`budget-sync: ${message}\nRun with --help for usage.\n`);
    }
  });

  it("prints its version", async () => {
    const result = await runCli(["--version"]);
    expect(result).toMatchObject({ code: 0, stdout: expect.stringMatching(/^\d+\.\d+\.\d+\n$/) });
  });

  it("gives a failure as JSON on stdout under --json, beside the message on stderr", async () => {
    const usage = await runCli([
      "verify",
      "--bucket",
      "bucket",
      "--max-age-hours",
      "abc",
      "--json",
    ]);
    expect(usage.code).toBe(2);
    expect(JSON.parse(usage.stdout)).toEqual({
      error: { message: "--max-age-hours: must be a number", exitCode: 2, usage: true },
    });
    const missing = await runCli([
      "upload",
      "/nonexistent/budget.csv",
      "--bucket",
      "bucket",
      "--json",
    ]);
    expect(missing.code).toBe(2);
    expect(JSON.parse(missing.stdout)).toEqual({
      error: { message: "/nonexistent/budget.csv: no such file", exitCode: 2 },
    });
    expect(missing.stderr).toBe("budget-sync: /nonexistent/budget.csv: no such file\n");
  });

  it("shows every command's --help (exit 0), each example a command that can be copied whole", async () => {
    for (const command of Object.keys(COMMANDS)) {
      const { code, stdout, stderr } = await runCli([command, "--help"]);
      // Exit 0, its usage, and nothing on stderr: no runtime warning either.
      expect([code, stderr], command).toEqual([0, ""]);
      expect(stdout, command).toMatch(new RegExp(`^budget-sync ${command}\\b`));
      const examples = /\nExamples:\n([\s\S]*?)\n\n/.exec(stdout)?.[1];
      expect(examples, command).toBeDefined();
      const lines = examples!.split("\n").map((line) => line.trim());
      lines.forEach((line, i) => {
        if (line.startsWith("#")) return;
        // A line is a command, or goes on from one that ends in a backslash: never a fragment
        // that the help's wrapping cut from the line before.
        const continued = i > 0 && lines[i - 1].endsWith("\\");
        expect(
          continued || /^(budget-sync|pulumi|[A-Z_]+=)/.test(line),
          `${command}: ${line}`,
        ).toBe(true);
        expect(line.length).toBeLessThan(100);
      });
    }
  });

  it("never shows the offline stand-in for a secret in a config error", async () => {
    const dir = mkdtempSync(join(tmpdir(), "budget-sync-cli-"));
    try {
      const file = join(dir, "Pulumi.secret.yaml");
      writeFileSync(
        file,
        "config:\n  budget-sync:bucketName: acme-budgets\n  budget-sync:prefix:\n    secure: AAABAGVuY3J5cHRlZA==\n",
      );
      const result = await runCli(["plan", "--config", file]);
      expect(result.code).toBe(2);
      expect(result.stderr).toContain("budget-sync:prefix:");
      expect(result.stderr).not.toMatch(/placeholder/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("the Node it runs on", () => {
  // `.ci/run` runs the suites once per Node and says which major it means to test.
  it.runIf(process.env.BUDGET_SYNC_CI_NODE_MAJOR)(
    "is the major CI asked for (runCli starts the bin with this very executable)",
    () => {
      expect(process.versions.node.split(".")[0]).toBe(process.env.BUDGET_SYNC_CI_NODE_MAJOR);
    },
  );

  it("an unknown command: exit 2, the commands named", async () => {
    const result = await runCli(["uplaod", "x.csv"]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/Did you mean upload\?/);
  });
});
