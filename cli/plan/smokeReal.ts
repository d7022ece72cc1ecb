/**
 * `npm run smoke:real [-- --stack NAME ...] [-- --keep]`: the real engine against our offline one.
 * For each example stack, `pulumi preview --policy-pack policies` on a local backend, and
 * `budget-sync plan --json`, with the same policy config; any policy that one reports and the
 * other does not (as a mandatory or advisory violation, or as undecided) is a difference, exit 1.
 * Skipped, exit 0, when no `pulumi` binary is on PATH. Run it when upgrading Pulumi, @pulumi/aws or
 * @pulumi/policy.
 *
 * Nothing is deployed and no AWS account is used: a throwaway copy of the project (so `stack init`
 * writes its encryption salt there, not into stacks/), a `file://` backend in a temporary folder,
 * a random passphrase, fake credentials with the provider's credential, account-id, metadata and
 * region checks off, and STS pointed at a local stub that answers `GetCallerIdentity` with
 * plan's account (123456789012), which the program asks for.
 */
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import {
  accessSync,
  constants,
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { createServer, type Server } from "node:http";
import { tmpdir } from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { PACK_NAME } from "../../policies/all.ts";
import { DEFAULT_ACCOUNT_ID, withStackAccounts } from "./computePlan.ts";
import { loadProject, OUR_PROJECT_DIR, readStackConfig, stackConfigPath } from "./stackFiles.ts";
import {
  compareVerdicts,
  describeDifference,
  describeVerdict,
  EventLogError,
  planVerdict,
  previewErrors,
  previewFinished,
  previewVerdict,
} from "./smokeVerdict.ts";

const REPO = OUR_PROJECT_DIR;
/** What the copy of the project needs to run the program and the pack. */
const PROJECT_FILES = ["Pulumi.yaml", "package.json", "tsconfig.json"];
const PROJECT_DIRS = ["stacks", "components", "lib", "policies"];

/** The first executable `name` on PATH, or undefined. */
export function findOnPath(
  name: string,
  pathVariable = process.env.PATH ?? "",
): string | undefined {
  for (const dir of pathVariable.split(path.delimiter)) {
    if (!dir) continue;
    const candidate = path.join(dir, name);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
}

/** A local STS that answers GetCallerIdentity (query or JSON protocol) for `account`. */
async function startStubSts(
  account: string,
): Promise<{ server: Server; url: string; calls: () => number }> {
  let calls = 0;
  const server = createServer((req, res) => {
    let body = "";
    req.on("data", (d) => (body += d));
    req.on("end", () => {
      const target = String(req.headers["x-amz-target"] ?? "");
      const arn = `arn:aws:iam::${account}:user/budget-sync-smoke`;
      if (target.endsWith("GetCallerIdentity")) {
        calls++;
        res.writeHead(200, { "content-type": "application/x-amz-json-1.0" });
        res.end(JSON.stringify({ Account: account, Arn: arn, UserId: "AIDASMOKETEST" }));
      } else if (/(^|&)Action=GetCallerIdentity(&|$)/.test(body)) {
        calls++;
        res.writeHead(200, { "content-type": "text/xml" });
        res.end(
          `<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><GetCallerIdentityResult><Arn>${arn}</Arn><UserId>AIDASMOKETEST</UserId><Account>${account}</Account></GetCallerIdentityResult><ResponseMetadata><RequestId>00000000-0000-4000-a000-000000000000</RequestId></ResponseMetadata></GetCallerIdentityResponse>`,
        );
      } else {
        res.writeHead(400, { "content-type": "text/xml" });
        res.end(
          `<ErrorResponse><Error><Type>Sender</Type><Code>InvalidAction</Code><Message>the smoke test's STS stub answers GetCallerIdentity only</Message></Error></ErrorResponse>`,
        );
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address() as { port: number };
  return { server, url: `http://127.0.0.1:${address.port}`, calls: () => calls };
}

interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a command without blocking: the STS stub answers the CLI from this same process. */
function run(command: string, args: string[], cwd: string, env: NodeJS.ProcessEnv): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, env, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    child.on("error", reject);
    child.on("close", (status) => resolve({ status, stdout, stderr }));
  });
}

function tail(text: string, lines = 15): string {
  return text.trim().split("\n").slice(-lines).join("\n");
}

function parseArgs(argv: string[]): { stacks: string[]; keep: boolean } {
  const stacks: string[] = [];
  let keep = false;
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === "--stack" && argv[i + 1]) stacks.push(argv[++i]!);
    else if (argv[i] === "--keep") keep = true;
    else
      throw new Error(`unknown argument ${argv[i]} (takes --stack NAME, repeatable, and --keep)`);
  }
  return { stacks, keep };
}

export async function smokeReal(argv: string[]): Promise<number> {
  const out = (line: string) => process.stdout.write(`${line}\n`);
  const pulumi = findOnPath("pulumi");
  if (!pulumi) {
    out(
      "smoke:real: skipped: no `pulumi` binary on PATH. Install the Pulumi CLI to compare a real `pulumi preview --policy-pack policies` of each example stack with `budget-sync plan`.",
    );
    return 0;
  }
  const options = parseArgs(argv);
  const project = loadProject();
  const stacks = options.stacks.length
    ? options.stacks
    : readdirSync(path.join(REPO, "stacks"))
        .map((f) => /^Pulumi\.(.+)\.yaml$/.exec(f)?.[1])
        .filter((s): s is string => !!s)
        .sort();

  const work = mkdtempSync(path.join(tmpdir(), "budget-sync-smoke-"));
  const copy = path.join(work, "project");
  mkdirSync(copy);
  for (const file of PROJECT_FILES) cpSync(path.join(REPO, file), path.join(copy, file));
  for (const dir of PROJECT_DIRS)
    cpSync(path.join(REPO, dir), path.join(copy, dir), { recursive: true });
  symlinkSync(path.join(REPO, "node_modules"), path.join(copy, "node_modules"));
  const state = path.join(work, "state");
  mkdirSync(state);
  const sts = await startStubSts(DEFAULT_ACCOUNT_ID);

  // Only what the CLI needs: no AWS profile, token or region of the caller's leaks in.
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    PULUMI_HOME: process.env.PULUMI_HOME,
    PULUMI_BACKEND_URL: pathToFileURL(state).href,
    PULUMI_CONFIG_PASSPHRASE: randomBytes(24).toString("hex"),
    PULUMI_SKIP_UPDATE_CHECK: "true",
    PULUMI_SKIP_CONFIRMATIONS: "true",
    AWS_ACCESS_KEY_ID: "AKIASMOKETESTNOTREAL",
    AWS_SECRET_ACCESS_KEY: "smoke-test-not-a-secret",
    AWS_EC2_METADATA_DISABLED: "true",
  };
  for (const key of Object.keys(env)) if (env[key] === undefined) delete env[key];

  const version = (await run(pulumi, ["version"], copy, env)).stdout.trim();
  out(
    `smoke:real: ${pulumi} ${version}; backend ${env.PULUMI_BACKEND_URL}; ${stacks.length} stack(s)`,
  );

  let failed = 0;
  try {
    for (const stack of stacks) {
      const policyConfig = path.join(work, `policy-config.${stack}.json`);
      const values = readStackConfig(stackConfigPath(project, stack), project);
      writeFileSync(
        policyConfig,
        JSON.stringify(withStackAccounts({}, values.config, project.name), null, 2),
      );
      const step = async (args: string[]) => {
        const r = await run(pulumi, args, copy, env);
        if (r.status !== 0) {
          throw new Error(
            `pulumi ${args.join(" ")} failed (${r.status}):\n${tail(r.stderr || r.stdout)}`,
          );
        }
      };
      const events = path.join(work, `events.${stack}.jsonl`);
      let preview: Run;
      try {
        await step([
          "stack",
          "init",
          stack,
          "--secrets-provider",
          "passphrase",
          "--non-interactive",
        ]);
        for (const [key, value] of [
          ["aws:skipCredentialsValidation", "true"],
          ["aws:skipRequestingAccountId", "true"],
          ["aws:skipMetadataApiCheck", "true"],
          ["aws:skipRegionValidation", "true"],
        ]) {
          await step(["config", "set", "-s", stack, key!, value!]);
        }
        await step(["config", "set", "-s", stack, "--path", "aws:endpoints[0].sts", sts.url]);
        preview = await run(
          pulumi,
          [
            "preview",
            "-s",
            stack,
            "--non-interactive",
            "--diff=false",
            "--policy-pack",
            path.join(copy, "policies"),
            "--policy-pack-config",
            policyConfig,
            "--event-log",
            events,
          ],
          copy,
          env,
        );
      } catch (error) {
        failed++;
        out(`${stack}: FAILED before preview: ${(error as Error).message}`);
        continue;
      }
      if (!existsSync(events)) {
        failed++;
        out(
          `${stack}: FAILED: pulumi preview (exit ${preview.status}) wrote no event log:\n${tail(preview.stderr || preview.stdout)}`,
        );
        continue;
      }
      const log = readFileSync(events, "utf8");
      const plan = await run(
        process.execPath,
        [
          path.join(REPO, "bin/budget-sync.js"),
          "plan",
          "--stack",
          stack,
          "--json",
          "--policy-config",
          policyConfig,
        ],
        REPO,
        { ...process.env },
      );
      if (plan.status !== 0 && plan.status !== 1) {
        failed++;
        out(`${stack}: FAILED: budget-sync plan exited ${plan.status}:\n${tail(plan.stderr)}`);
        continue;
      }
      let previewSide;
      try {
        previewSide = previewVerdict(log, PACK_NAME);
      } catch (error) {
        if (!(error instanceof EventLogError)) throw error;
        failed++;
        out(`${stack}: FAILED: ${error.message}`);
        continue;
      }
      // A preview that did not reach its end decided nothing, unless our pack's mandatory
      // findings stopped it.
      if (!previewFinished(log) && !(preview.status !== 0 && previewSide.mandatory.length)) {
        failed++;
        const errors = previewErrors(log);
        out(
          `${stack}: FAILED: pulumi preview exited ${preview.status}:\n${errors.length ? errors.join("\n") : tail(preview.stderr || preview.stdout)}`,
        );
        continue;
      }
      const planSide = planVerdict(JSON.parse(plan.stdout));
      const differences = compareVerdicts(planSide, previewSide);
      if (differences.length) {
        failed++;
        out(`${stack}: DIFFERS`);
        for (const d of differences) out(`  ${describeDifference(d)}`);
        out(`  plan: ${describeVerdict(planSide)}`);
        out(`  preview: ${describeVerdict(previewSide)}`);
      } else {
        out(`${stack}: same verdict (${describeVerdict(planSide)})`);
      }
    }
  } finally {
    sts.server.close();
    if (options.keep) out(`smoke:real: kept ${work}`);
    else rmSync(work, { recursive: true, force: true });
  }
  out(
    failed
      ? `smoke:real: ${failed} of ${stacks.length} stack(s) differ or failed`
      : `smoke:real: every stack has the same verdict in pulumi preview and budget-sync plan (STS stub asked ${sts.calls()} time(s))`,
  );
  return failed ? 1 : 0;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  smokeReal(process.argv.slice(2)).then(
    (code) => (process.exitCode = code),
    (error: unknown) => {
      process.stderr.write(
        `smoke:real: ${error instanceof Error ? error.message : String(error)}\n`,
      );
      process.exitCode = 2;
    },
  );
}
