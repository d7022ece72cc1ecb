// `npm run smoke:real` as a user runs it: skipped without a Pulumi CLI; with one (here a stand-in
// `pulumi` that records how it is called and answers a preview with canned engine events), it
// previews each stack on a throwaway local backend and reports where the verdict differs from
// `budget-sync plan`'s. The real CLI is not on this machine; whoever has it runs the real thing.
import { spawn } from "node:child_process";
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { REPO } from "../helpers/cli.ts";

function smoke(args: string[], env: NodeJS.ProcessEnv) {
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
    const child = spawn(process.execPath, ["--import", "tsx", "cli/plan/smokeReal.ts", ...args], {
      cwd: REPO,
      env,
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}

/** A stand-in for the Pulumi CLI: records each call; `preview` asks the STS it was given, writes events. */
const FAKE_PULUMI = `#!${process.execPath}
const fs = require("node:fs");
const path = require("node:path");
const args = process.argv.slice(2);
const log = path.join(__dirname, "calls.jsonl");
const record = (extra) =>
  fs.appendFileSync(log, JSON.stringify({ args, cwd: process.cwd(), env: {
    PULUMI_BACKEND_URL: process.env.PULUMI_BACKEND_URL,
    PULUMI_CONFIG_PASSPHRASE: process.env.PULUMI_CONFIG_PASSPHRASE,
    AWS_ACCESS_KEY_ID: process.env.AWS_ACCESS_KEY_ID,
    AWS_PROFILE: process.env.AWS_PROFILE,
  }, ...extra }) + "\\n");
if (args[0] === "version") { record({}); console.log("v3.999.0-fake"); process.exit(0); }
if (args[0] !== "preview") { record({}); process.exit(0); }
const calls = fs.readFileSync(log, "utf8").trim().split("\\n").map((l) => JSON.parse(l));
const sts = calls.find((c) => c.args.includes("aws:endpoints[0].sts")).args.at(-1);
fetch(sts, { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded" },
  body: "Action=GetCallerIdentity&Version=2011-06-15" })
  .then((r) => r.text())
  .then((sts) => {
    record({ sts });
    const event = (policyName, enforcementLevel, message) => JSON.stringify({ sequence: 1, timestamp: 1,
      policyEvent: { resourceUrn: "urn:pulumi:own-bucket::budget-sync::aws:iam/user:User::x",
        message: "<{%fg 12%}>" + message + "<{%reset%}>\\n", color: "raw", policyName,
        policyPackName: "budget-sync", policyPackVersion: "0.1.0", policyPackVersionTag: "0.1.0", enforcementLevel } });
    fs.writeFileSync(args[args.indexOf("--event-log") + 1], [
      event("spendflo-read-only", "mandatory", "SpendFlo's user may write: s3:PutObject"),
      event("audit-data-events", "advisory", "no data events"),
      event("spendflo-prefer-role", "advisory", "a long-lived key"),
      event("budget-bucket-encrypted", "advisory", "can't run policy 'budget-bucket-encrypted' from policy pack 'budget-sync@v0.1.0' during preview: unknown"),
      JSON.stringify({ sequence: 2, timestamp: 2, summaryEvent: { maybeCorrupt: false, durationSeconds: 1, resourceChanges: {} } }),
    ].join("\\n") + "\\n");
    process.exit(255);
  });
`;

describe("npm run smoke:real", () => {
  it("is skipped, exit 0, saying why, when no pulumi binary is on PATH", async () => {
    const empty = mkdtempSync(path.join(tmpdir(), "budget-sync-nopath-"));
    const result = await smoke([], { HOME: process.env.HOME, PATH: empty });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain("smoke:real: skipped: no `pulumi` binary on PATH");
    rmSync(empty, { recursive: true });
  });

  it("previews on a throwaway local backend with fake credentials, and reports each difference from plan, exit 1", async () => {
    const bin = mkdtempSync(path.join(tmpdir(), "budget-sync-fakepulumi-"));
    writeFileSync(path.join(bin, "pulumi"), FAKE_PULUMI);
    chmodSync(path.join(bin, "pulumi"), 0o755);
    const stackFile = path.join(REPO, "stacks/Pulumi.own-bucket.yaml");
    const before = readFileSync(stackFile, "utf8");

    const result = await smoke(["--stack", "own-bucket"], {
      HOME: process.env.HOME,
      PATH: `${bin}${path.delimiter}${process.env.PATH}`,
      AWS_PROFILE: "someones-real-profile",
    });
    expect(result.code, result.stderr).toBe(1);
    expect(result.stdout).toContain("own-bucket: DIFFERS");
    expect(result.stdout).toContain(
      "spendflo-read-only: mandatory violation in pulumi preview, not in budget-sync plan",
    );
    expect(result.stdout).toContain(
      "budget-bucket-encrypted: could not decide in pulumi preview, not in budget-sync plan",
    );
    // The advisories both report are no difference.
    expect(result.stdout).not.toContain("audit-data-events: ");

    const calls = readFileSync(path.join(bin, "calls.jsonl"), "utf8")
      .trim()
      .split("\n")
      .map(
        (l) =>
          JSON.parse(l) as {
            args: string[];
            cwd: string;
            env: Record<string, string>;
            sts?: string;
          },
      );
    const commands = calls.map((c) => c.args.slice(0, 2).join(" "));
    expect(commands[0]).toBe("version");
    expect(
      calls.some(
        (c) =>
          c.args.join(" ") ===
          "stack init own-bucket --secrets-provider passphrase --non-interactive",
      ),
    ).toBe(true);
    for (const key of [
      "aws:skipCredentialsValidation",
      "aws:skipRequestingAccountId",
      "aws:skipMetadataApiCheck",
    ]) {
      expect(
        calls.some((c) => c.args.join(" ") === `config set -s own-bucket ${key} true`),
        key,
      ).toBe(true);
    }
    const preview = calls.find((c) => c.args[0] === "preview")!;
    const packDir = preview.args[preview.args.indexOf("--policy-pack") + 1]!;
    // A copy of the project, so stack init never writes into stacks/; removed afterwards.
    expect(packDir.startsWith(REPO)).toBe(false);
    expect(path.basename(packDir)).toBe("policies");
    expect(preview.cwd).toBe(path.dirname(packDir));
    expect(existsSync(packDir)).toBe(false);
    expect(readFileSync(stackFile, "utf8")).toBe(before);
    expect(preview.args).toEqual(
      expect.arrayContaining(["--policy-pack-config", "--event-log", "-s", "own-bucket"]),
    );
    expect(preview.env.PULUMI_BACKEND_URL).toMatch(/^file:\/\//);
    expect(preview.env.PULUMI_CONFIG_PASSPHRASE).toMatch(/^[0-9a-f]{48}$/);
    expect(preview.env.AWS_ACCESS_KEY_ID).toBe("AKIASMOKETESTNOTREAL");
    expect(preview.env.AWS_PROFILE).toBeUndefined();
    // The program's getCallerIdentity reaches the stub STS, which answers with plan's account.
    expect(preview.sts).toContain("<Account>123456789012</Account>");
    rmSync(bin, { recursive: true });
  });
});
