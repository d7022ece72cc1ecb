import { IAMClient } from "@aws-sdk/client-iam";
import {
  GetObjectCommand,
  ListObjectsV2Command,
  type S3Client,
  type _Object,
} from "@aws-sdk/client-s3";
import { AssumeRoleCommand, STSClient } from "@aws-sdk/client-sts";
import { z } from "zod";
import { isAwsRegion } from "../../lib/aws/regions.ts";
import { newestBudgetFile, ordersDisagreeNote } from "../../lib/budget-file/order.ts";
import { Redactor } from "../redact.ts";
import { bucketNameProblems, prefixProblems } from "../../lib/aws/s3Naming.ts";
import { CliError, ExitCode, UsageError, type ExitCodeValue } from "../errors.ts";
import {
  checkPermissions,
  describeVerdict,
  explainPermissionCheckFailure,
  type PermissionCheckNotRun,
  type PermissionVerdict,
} from "../aws/permissionCheck.ts";
import { processIo, type CommandIo } from "../io.ts";
import { defineCommand, flag, flagsSchema, jsonFlag, stackOutputsFlag } from "../options.ts";
import { loadStackOutputs, type LoadedOutputs } from "../stackOutputsInput.ts";
import {
  explainS3Error,
  makeS3Client,
  s3ErrorCode,
  type Credentials,
  type S3Failure,
} from "../aws/testConnectionS3.ts";

/**
 * `budget-sync test-connection`: the guide's Step 2 ("Test S3 Access", `aws s3 ls` of the prefix)
 * and its "Test Connection" button, as one command. It lists the prefix with the default chain or
 * with the reader's own credentials from the stack outputs, reports the file count and the newest
 * file, and on failure names the cause in the guide's troubleshooting words. With
 * `--check-permissions`, IAM's simulator also judges what the reader may do.
 */

const flags = {
  bucket: flag(z.string().optional(), {
    type: "string",
    describe: "Bucket to list (default: the bucketName of --stack-outputs)",
  }),
  prefix: flag(z.string().optional(), {
    type: "string",
    describe: 'Prefix to list, ending in "/" (default: the prefix of --stack-outputs)',
  }),
  region: flag(z.string().optional(), {
    type: "string",
    describe: "The bucket's region (default: the stack outputs', then AWS_REGION)",
  }),
  stackOutputs: stackOutputsFlag(
    "File of `pulumi stack output --json --show-secrets`, or - for stdin: test with the reader's own credentials",
  ),
  customer: flag(z.string().min(1).optional(), {
    type: "string",
    describe: "Hosted stack only: the customer slug whose block of the outputs to test",
  }),
  credentials: flag(z.enum(["auto", "reader", "default"]).default("auto"), {
    choices: ["auto", "reader", "default"] as const,
    default: "auto",
    describe:
      "reader: the key pair of the outputs, or the role assumed with its external id; default: the SDK's default chain (AWS_PROFILE, ...); auto: reader when the outputs have one",
  }),
  checkPermissions: flag(z.boolean().default(false), {
    type: "boolean",
    default: false,
    describe:
      "Also ask IAM's policy simulator that the reader can read the prefix and write nothing (needs iam:SimulatePrincipalPolicy)",
  }),
  json: jsonFlag(),
};
const optionsSchema = flagsSchema(flags);

export type TestConnectionOptions = z.output<typeof optionsSchema>;

export interface TestConnectionDeps {
  env: Record<string, string | undefined>;
  /** The S3 client for a region and credentials (undefined: the default chain). */
  s3: (region: string | undefined, credentials: Credentials | undefined) => S3Client;
  sts: (region: string | undefined) => STSClient;
  iam: (region: string | undefined) => IAMClient;
}

export const defaultTestConnectionDeps = (): TestConnectionDeps => ({
  env: process.env,
  s3: (region, credentials) => makeS3Client(region, credentials),
  sts: (region) => new STSClient(region ? { region } : {}),
  iam: (region) => new IAMClient(region ? { region } : {}),
});

interface Listing {
  files: { key: string; size: number; lastModified?: string }[];
  truncated: boolean;
}

interface Report {
  ok: boolean;
  bucket: string;
  prefix: string;
  region?: string;
  /** Who listed: "the default credential chain", "the reader key AKIA... from the stack outputs", ... */
  principal: string;
  fileCount?: number;
  newest?: { key: string; lastModified?: string; size: number };
  /** Whether the newest file could be read (s3:GetObject, and kms:Decrypt with SSE-KMS). */
  readNewest?: "ok" | "failed";
  warnings: string[];
  failure?: S3Failure;
  /** With --check-permissions: the simulator's verdict, or why the check could not run. */
  permissions?: PermissionVerdict | PermissionCheckNotRun;
  error?: string;
}

const MAX_PAGES = 100;

async function listPrefix(s3: S3Client, bucket: string, prefix: string): Promise<Listing> {
  const objects: _Object[] = [];
  let token: string | undefined;
  let pages = 0;
  do {
    const page = await s3.send(
      new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }),
    );
    objects.push(...(page.Contents ?? []));
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
    pages++;
  } while (token && pages < MAX_PAGES);
  return {
    // A key ending in "/" is a console "folder", not a file.
    files: objects
      .filter((o) => o.Key && !o.Key.endsWith("/"))
      .map((o) => ({
        key: o.Key!,
        size: o.Size ?? 0,
        lastModified: o.LastModified?.toISOString(),
      })),
    truncated: token !== undefined,
  };
}

/**
 * The newest budget file by the date in its `budget_YYYYMMDD` name (the upload time breaks
 * ties), and the file uploaded last when that is another; with no file so named, the file
 * uploaded last, for the read check.
 */
function newestOf(
  files: Listing["files"],
  prefix: string,
): { newest?: Listing["files"][number]; note?: string } {
  const listed = files.map((file) => ({
    key: file.key,
    lastModified: file.lastModified ? new Date(file.lastModified) : undefined,
    file,
  }));
  const order = newestBudgetFile(listed, prefix);
  if (order) {
    return {
      newest: order.newest.file,
      ...(order.uploadedLast ? { note: ordersDisagreeNote(order.newest, order.uploadedLast) } : {}),
    };
  }
  return {
    newest: files.reduce<Listing["files"][number] | undefined>(
      (newest, f) =>
        !newest || [f.lastModified ?? "", f.key] > [newest.lastModified ?? "", newest.key]
          ? f
          : newest,
      undefined,
    ),
  };
}

/** `aws s3 ls` style: date, time, size, name under the prefix. */
function lsLine(file: Listing["files"][number], prefix: string): string {
  const when = file.lastModified
    ? file.lastModified.slice(0, 19).replace("T", " ")
    : "-".repeat(19);
  return `${when} ${String(file.size).padStart(10)} ${file.key.slice(prefix.length)}`;
}

/** The guide's "No files found" fixes, for what the listing shows. */
function listingWarnings(files: Listing["files"], prefix: string): string[] {
  if (files.length === 0) {
    return [
      `No files found under the prefix "${prefix}". The guide's fixes: check the files are in the correct prefix (the exporter's and the registered prefix must match, trailing "/" included); check their extension is .csv or .xlsx; check the naming matches budget_YYYYMMDD.csv.`,
    ];
  }
  const warnings: string[] = [];
  const notBudget = files.filter((f) => !/\.(csv|xlsx)$/i.test(f.key));
  if (notBudget.length) {
    warnings.push(
      `${notBudget.length} file(s) are not .csv or .xlsx and will be ignored, e.g. ${notBudget[0]!.key}`,
    );
  }
  if (!files.some((f) => /budget_\d{8}\.(csv|xlsx)$/i.test(f.key))) {
    warnings.push(
      "No file is named like the guide's budget_YYYYMMDD.csv: check the exporter's naming.",
    );
  }
  return warnings;
}

interface ChosenCredentials {
  credentials?: Credentials;
  /** For messages: who the listing runs as. */
  principal: string;
  accessKeyId?: string;
}

async function chooseCredentials(
  options: TestConnectionOptions,
  outputs: LoadedOutputs | undefined,
  region: string | undefined,
  d: TestConnectionDeps,
  redactor: Redactor,
): Promise<ChosenCredentials> {
  const source = outputs?.syncSourceConfig;
  const hasReader = Boolean(source && (source.accessKeyId || source.roleArn));
  const useReader =
    options.credentials === "reader" || (options.credentials === "auto" && hasReader);
  if (!useReader) {
    return { principal: "the default credential chain" };
  }
  if (!source || !hasReader) {
    throw new UsageError(
      "--credentials reader: the stack outputs carry no reader credentials (cross-account-policy reads with SpendFlo's own account); use --credentials default",
    );
  }
  if (source.accessKeyId) {
    if (!source.secretAccessKey) {
      throw new UsageError(
        "--stack-outputs: syncSourceConfig has an accessKeyId but no secretAccessKey",
      );
    }
    return {
      credentials: { accessKeyId: source.accessKeyId, secretAccessKey: source.secretAccessKey },
      principal: `the reader key ${source.accessKeyId} from the stack outputs`,
      accessKeyId: source.accessKeyId,
    };
  }
  // The role mode: assume the role as SpendFlo would, with its external id.
  const roleArn = source.roleArn!;
  try {
    const assumed = await d.sts(region).send(
      new AssumeRoleCommand({
        RoleArn: roleArn,
        RoleSessionName: "budget-sync-test-connection",
        ExternalId: source.externalId,
        DurationSeconds: 900,
      }),
    );
    const c = assumed.Credentials;
    if (!c?.AccessKeyId || !c.SecretAccessKey)
      throw new Error("STS AssumeRole returned no credentials");
    redactor.add(c.SecretAccessKey, c.SessionToken);
    return {
      credentials: {
        accessKeyId: c.AccessKeyId,
        secretAccessKey: c.SecretAccessKey,
        sessionToken: c.SessionToken,
      },
      principal: `the role ${roleArn} (assumed with its external id)`,
    };
  } catch (error) {
    const code = s3ErrorCode(error);
    if (code === "AccessDenied" || code === "AccessDeniedException") {
      throw new CliError(
        [
          `External id refused: STS AssumeRole of ${roleArn} with the external id of the stack outputs was denied for this caller.`,
          ...(outputs?.customer
            ? [
                "  As SpendFlo's poller (the role of hosted.pollerRoleArn): check the customer's externalId in the stack config matches the outputs, and the poller role existed when the sync role was created.",
                "  As anyone else this is expected: the sync role trusts only the poller. Check the deployed access with `--credentials default --check-permissions` instead.",
              ]
            : [
                "  From SpendFlo's account: check the external id registered with SpendFlo matches the stack output externalId, and the role trusts SpendFlo's account.",
                "  From the customer's own account this is expected: the role trusts only SpendFlo. Check the deployed access with `--credentials default --check-permissions` instead.",
              ]),
        ].join("\n"),
        ExitCode.Finding,
      );
    }
    throw error;
  }
}

/**
 * Tests the connection and returns the exit code: 0 the prefix lists (and, with
 * --check-permissions, the simulator agrees), 1 it does not, or the permissions check could not
 * run (a finding of its own; the listing is still reported). Usage errors throw (exit 2).
 */
export async function runTestConnection(
  options: TestConnectionOptions,
  io: CommandIo = processIo,
  deps: Partial<TestConnectionDeps> = {},
): Promise<ExitCodeValue> {
  const d: TestConnectionDeps = { ...defaultTestConnectionDeps(), ...deps };
  const redactor = new Redactor();
  const out = (text: string) => io.stdout(redactor.text(text));
  const err = (text: string) => io.stderr(redactor.text(text));
  try {
    const outputs = options.stackOutputs
      ? await loadStackOutputs(options.stackOutputs, options.customer, io.readStdin)
      : undefined;
    if (!outputs && options.customer) throw new UsageError("--customer needs --stack-outputs");
    if (!outputs && options.credentials === "reader") {
      throw new UsageError(
        "--credentials reader needs --stack-outputs: the reader's key pair or role comes from `pulumi stack output --json --show-secrets`; without them use --credentials default",
      );
    }
    redactor.add(...(outputs?.secrets ?? []), d.env.AWS_SECRET_ACCESS_KEY, d.env.AWS_SESSION_TOKEN);
    const source = outputs?.syncSourceConfig;

    const bucket = options.bucket ?? source?.bucketName;
    if (!bucket)
      throw new UsageError("--bucket is required (or --stack-outputs, whose bucket is used)");
    const bucketProblems = bucketNameProblems(bucket);
    if (bucketProblems.length)
      throw new UsageError(`--bucket ${bucket}: ${bucketProblems.join("; ")}`);
    const prefix = options.prefix ?? source?.prefix ?? "";
    const problems = prefix === "" ? [] : prefixProblems(prefix);
    if (problems.length) throw new UsageError(`--prefix ${prefix}: ${problems.join("; ")}`);
    const region =
      options.region ??
      source?.region ??
      (d.env.AWS_REGION || d.env.AWS_DEFAULT_REGION || undefined);
    if (options.region !== undefined && !isAwsRegion(options.region)) {
      throw new UsageError(`--region ${options.region}: not an AWS region code such as us-east-1`);
    }
    if (options.checkPermissions && !outputs) {
      throw new UsageError(
        "--check-permissions needs --stack-outputs: it simulates the reader the stack deployed",
      );
    }

    const chosen = await chooseCredentials(options, outputs, region, d, redactor);
    const report: Report = {
      ok: true,
      bucket,
      prefix,
      region,
      principal: chosen.principal,
      warnings: [],
    };
    const lines: string[] = [];
    let readKey: string | undefined;

    const s3 = d.s3(region, chosen.credentials);
    try {
      const listing = await listPrefix(s3, bucket, prefix);
      const { newest, note } = newestOf(listing.files, prefix);
      report.fileCount = listing.files.length;
      report.newest = newest;
      report.warnings = listingWarnings(listing.files, prefix);
      if (note) report.warnings.push(note);
      if (listing.truncated) {
        report.warnings.push(
          `Stopped counting after ${MAX_PAGES} pages (${listing.files.length} files).`,
        );
      }
      lines.push(
        `Connection OK: listed s3://${bucket}/${prefix}${region ? ` (${region})` : ""} as ${chosen.principal}.`,
        ...listing.files
          .slice()
          .sort((a, b) => (a.lastModified ?? "").localeCompare(b.lastModified ?? ""))
          .slice(-20)
          .map((f) => `  ${lsLine(f, prefix)}`),
        listing.files.length > 20 ? `  ... and ${listing.files.length - 20} older` : "",
        `${listing.files.length} file${listing.files.length === 1 ? "" : "s"}${newest ? `; newest: ${newest.key} (${newest.lastModified ?? "no date"})` : ""}.`,
      );
      if (newest) {
        // Listing proves s3:ListBucket only; SpendFlo also reads: fetch the first byte.
        try {
          const object = await s3.send(
            new GetObjectCommand({ Bucket: bucket, Key: newest.key, Range: "bytes=0-0" }),
          );
          await object.Body?.transformToByteArray();
          report.readNewest = "ok";
          lines.push(`Read OK: the first byte of ${newest.key}.`);
        } catch (error) {
          report.readNewest = "failed";
          readKey = newest.key;
          throw error;
        }
      }
    } catch (error) {
      if (error instanceof CliError) throw error;
      const failure = explainS3Error(error, {
        readKey,
        bucket,
        prefix,
        region,
        accessKeyId: chosen.accessKeyId,
        principal: chosen.principal,
      });
      report.ok = false;
      report.failure = failure;
      lines.push(`Connection FAILED: ${failure.message}`);
    }

    if (options.checkPermissions && outputs) {
      const verdict = await simulate(outputs, bucket, prefix, region, d);
      report.permissions = verdict;
      report.ok = report.ok && verdict.ok;
      lines.push(...describeVerdict(verdict));
    }

    if (options.json) {
      out(`${JSON.stringify(redactor.json(report), null, 2)}\n`);
    } else {
      out(`${lines.filter((l) => l !== "").join("\n")}\n`);
      for (const warning of report.warnings) err(`warning: ${warning}\n`);
    }
    return report.ok ? ExitCode.Ok : ExitCode.Finding;
  } catch (error) {
    throw redactor.error(error);
  }
}

async function simulate(
  outputs: LoadedOutputs,
  bucket: string,
  prefix: string,
  region: string | undefined,
  d: TestConnectionDeps,
): Promise<PermissionVerdict | PermissionCheckNotRun> {
  if (!outputs.accessMode) {
    throw new UsageError(
      "--check-permissions: the outputs do not say their access mode (accessMode); it needs a customer stack's outputs",
    );
  }
  const simRegion = region ?? "us-east-1";
  try {
    return await checkPermissions(
      {
        accessMode: outputs.accessMode,
        bucket,
        prefix,
        region: simRegion,
        principalArn: outputs.principalArn,
        readerUserName: outputs.readerUserName,
        spendfloAccountId: outputs.spendfloAccountId,
      },
      { iam: d.iam(simRegion), sts: d.sts(simRegion), s3: d.s3(region, undefined) },
    );
  } catch (error) {
    // The listing's result stands; the check that could not run is a finding of its own.
    return {
      ok: false,
      ran: false,
      reason: explainPermissionCheckFailure(error, simRegion, d.env),
    };
  }
}

export const testConnectionCommand = defineCommand({
  command: "test-connection",
  describe: "List the budget prefix as SpendFlo would (the guide's Step 2 and Test Connection)",
  flags,
  schema: optionsSchema,
  help: (yargs) =>
    yargs
      .example(
        "# List the prefix with the reader key the stack created\npulumi stack output --json --show-secrets | $0 test-connection --stack-outputs -",
        "",
      )
      .example(
        "# List with your own credentials\n$0 test-connection --bucket spendflo-budget-uploads --prefix customers/acme/budgets/",
        "",
      )
      .epilog(
        "AWS access through the SDK's default chain (AWS_PROFILE, AWS_REGION, AWS_ENDPOINT_URL, ...). A wrong key fails at once, with the guide's troubleshooting; a key created a minute ago may not work yet (IAM is eventually consistent).\n--check-permissions needs AWS IAM and STS: against an S3-compatible store, leave it off.\nExit codes: 0 the prefix lists (and the permissions check passes); 1 it does not, or the permissions check fails or could not run (the listing is still reported), the cause named; 2 bad usage or bad stack outputs.",
      ),
  run: runTestConnection,
});
