import { randomUUID } from "node:crypto";
import { readFile } from "node:fs/promises";
import { z } from "zod";
import { MASK, Redactor } from "../redact.ts";
import {
  buildSyncConfigRequest,
  DEFAULT_FREQUENCY,
  SYNC_CONFIG_PATH,
  syncConfigRequestSchema,
  type SyncConfigRequest,
} from "../../lib/spendflo/syncConfig.ts";
import { CliError, ExitCode, UsageError, type ExitCodeValue } from "../errors.ts";
import {
  DEFAULT_RETRY_POLICY,
  postWithRetry,
  realHttpDeps,
  type AttemptOutcome,
  type HttpDeps,
  type PostResult,
  type RetryPolicy,
} from "../http/retry.ts";
import { processIo, type CommandIo } from "../io.ts";
import {
  defineCommand,
  dryRunFlag,
  flag,
  flagsSchema,
  jsonFlag,
  stackOutputsFlag,
} from "../options.ts";
import { loadStackOutputs, type LoadedOutputs } from "../stackOutputsInput.ts";

/**
 * `budget-sync register`: the guide's Step 5 "Via API", `POST <api-url>/api/sync/config`, with
 * the sync config taken from the stack outputs so nobody copies an access key by hand. Every
 * byte it prints goes through one Redactor that knows the API key and every secret of the input.
 */

export const API_KEY_ENV = "SPENDFLO_API_KEY";

const flags = {
  apiUrl: flag(
    z.string({ error: "is required: the API's base URL, such as https://api.spendflo.com" }),
    {
      type: "string",
      describe: "SpendFlo API base URL; the config is POSTed to <url>/api/sync/config (https only)",
    },
  ),
  customerId: flag(z.string({ error: "is required: the customer's SpendFlo id" }), {
    type: "string",
    describe: "The customer's SpendFlo id (customerId in the request)",
  }),
  stackOutputs: stackOutputsFlag(
    "File of `pulumi stack output --json --show-secrets`, or - to read it from stdin",
    "a file of `pulumi stack output --json --show-secrets`, or - for stdin",
  ),
  customer: flag(z.string().min(1).optional(), {
    type: "string",
    describe:
      "Hosted stack only: the customer slug whose customers.<slug>.syncSourceConfig is sent (SpendFlo's read-only role for that customer and its external id, never the customer's key)",
  }),
  frequency: flag(z.string().default(DEFAULT_FREQUENCY), {
    type: "string",
    default: DEFAULT_FREQUENCY,
    describe: 'How often SpendFlo polls: "hourly", "daily" or "every_<N>_hours" (2-23)',
  }),
  disabled: flag(z.boolean().default(false), {
    type: "boolean",
    default: false,
    describe: "Register the sync switched off (enabled: false)",
  }),
  dryRun: dryRunFlag("Print the request that would be sent (secrets masked) and send nothing"),
  json: jsonFlag("Print the result as JSON (secrets masked)"),
  apiKeyFile: flag(z.string().min(1).optional(), {
    type: "string",
    describe: `File holding the SpendFlo API key (default: the ${API_KEY_ENV} environment variable)`,
  }),
  idempotencyKey: flag(
    z
      .string()
      .regex(/^[\x21-\x7e]{1,255}$/, "must be 1 to 255 visible ASCII characters")
      .optional(),
    {
      type: "string",
      describe:
        "Reuse the Idempotency-Key of an earlier run that may have arrived (default: a new one per run)",
    },
  ),
  timeout: flag(
    z
      .number({ error: "must be a number of seconds" })
      .positive("must be more than 0 seconds")
      .max(600, "must be at most 600 seconds")
      .default(30),
    { type: "number", default: 30, describe: "Seconds to wait for each attempt" },
  ),
  // Declared only to refuse it without echoing its value (yargs would list it as unknown).
  apiKey: flag(z.unknown().optional(), { type: "string", hidden: true }),
};

const optionsSchema = flagsSchema(flags)
  .superRefine((argv, ctx) => {
    if (argv.apiKey !== undefined) {
      ctx.addIssue({
        code: "custom",
        path: ["apiKey"],
        message: `is not accepted: a key on the command line shows in \`ps\` and shell history; set ${API_KEY_ENV} or use --api-key-file`,
      });
    }
  })
  .transform((argv) => ({
    apiUrl: argv.apiUrl,
    customerId: argv.customerId,
    stackOutputs: argv.stackOutputs,
    customer: argv.customer,
    frequency: argv.frequency,
    enabled: !argv.disabled,
    dryRun: argv.dryRun,
    json: argv.json,
    apiKeyFile: argv.apiKeyFile,
    idempotencyKey: argv.idempotencyKey,
    timeoutMs: Math.round(argv.timeout * 1000),
  }));

export type RegisterOptions = z.output<typeof optionsSchema>;

export interface RegisterDeps {
  http: HttpDeps;
  env: Record<string, string | undefined>;
  newIdempotencyKey: () => string;
  retryPolicy: Partial<RetryPolicy>;
}

export const defaultRegisterDeps = (): RegisterDeps => ({
  http: realHttpDeps,
  env: process.env,
  newIdempotencyKey: randomUUID,
  retryPolicy: {},
});

const LOOPBACK_HOSTS = new Set(["localhost", "127.0.0.1", "[::1]"]);

/** `<base>/api/sync/config`; https only, except to this machine (tests, a local mock). */
export function syncConfigUrl(apiUrl: string): string {
  let url: URL;
  try {
    url = new URL(apiUrl);
  } catch {
    throw new UsageError(
      `--api-url: not a URL (expected the base URL, such as https://api.spendflo.com)`,
    );
  }
  if (url.username || url.password) {
    throw new UsageError(
      "--api-url: must not carry a user name or password; the API key comes from the environment",
    );
  }
  if (
    url.protocol !== "https:" &&
    !(url.protocol === "http:" && LOOPBACK_HOSTS.has(url.hostname))
  ) {
    throw new UsageError(
      `--api-url: must be https (plain ${url.protocol.replace(":", "")} would send the access key in clear text); http is allowed only to localhost`,
    );
  }
  url.search = "";
  url.hash = "";
  const base = url.pathname.replace(/\/+$/, "");
  url.pathname = base.endsWith(SYNC_CONFIG_PATH) ? base : `${base}${SYNC_CONFIG_PATH}`;
  return url.toString();
}

/** The API key from `--api-key-file` or SPENDFLO_API_KEY; undefined when neither is set. */
async function readApiKey(
  options: RegisterOptions,
  env: RegisterDeps["env"],
): Promise<string | undefined> {
  let key: string | undefined;
  let from: string;
  if (options.apiKeyFile !== undefined) {
    from = `--api-key-file ${options.apiKeyFile}`;
    try {
      key = (await readFile(options.apiKeyFile, "utf8")).trim();
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      throw new UsageError(
        `${from}: cannot read it (${code === "ENOENT" ? "no such file" : (code ?? "unreadable")})`,
      );
    }
  } else {
    from = API_KEY_ENV;
    key = env[API_KEY_ENV]?.trim();
    if (!key) return undefined;
  }
  if (!key) throw new UsageError(`${from}: the API key is empty`);
  // A header cannot carry whitespace or non-ASCII, and fetch's error would quote the whole value.
  if (!/^[\x21-\x7e]+$/.test(key)) {
    throw new UsageError(
      `${from}: the API key holds spaces, line breaks or non-ASCII characters; it cannot be sent in a header`,
    );
  }
  return key;
}

/** A server's error message, one line, no terminal control characters, at most 500 characters. */
export function serverMessage(body: string): string {
  let message = body;
  try {
    const json = JSON.parse(body) as unknown;
    const pick = (value: unknown): string | undefined => {
      if (typeof value === "string") return value;
      if (value && typeof value === "object") {
        const record = value as Record<string, unknown>;
        for (const key of ["message", "error", "detail", "title", "errors"]) {
          const found = pick(
            Array.isArray(record[key]) ? (record[key] as unknown[])[0] : record[key],
          );
          if (found) return found;
        }
      }
      return undefined;
    };
    message = pick(json) ?? body;
  } catch {
    // Not JSON: the text itself.
  }
  const oneLine = message
    .replace(/[\p{Cc}\p{Cf}]+/gu, " ")
    .replace(/\s+/g, " ")
    .trim();
  return oneLine.length > 500 ? `${oneLine.slice(0, 500)}...` : oneLine;
}

const STATUS_HINTS: Record<number, string> = {
  400: "the API did not accept the config as sent",
  401: `the API key is wrong, expired or revoked (${API_KEY_ENV} or --api-key-file)`,
  403: "the API key may not register syncs for this customer",
  404: "no such API path: --api-url should be the base URL, such as https://api.spendflo.com",
  409: "a sync config conflicts with this one",
  422: "the API did not accept the config as sent",
};

function describeOutcome(outcome: AttemptOutcome, timeoutMs: number): string {
  switch (outcome.kind) {
    case "timeout":
      return `no answer within ${timeoutMs / 1000} s`;
    case "network":
      return `network error ${outcome.code}`;
    case "response": {
      const message = serverMessage(outcome.body);
      return `HTTP ${outcome.status}${message ? `: ${message}` : ""}`;
    }
  }
}

/**
 * Why a 2xx answer is not SpendFlo's API, or undefined when it is: the API answers JSON (or 204
 * No Content). A sign-in page, a captive portal or a proxy also answer 200, with HTML or text,
 * and taking that for a registration would leave a sync that was never configured.
 */
export function notAnApiAnswer(answer: {
  status: number;
  body: string;
  contentType?: string;
}): string | undefined {
  if (answer.status === 204 && answer.body.trim() === "") return undefined;
  const type = answer.contentType?.split(";")[0]?.trim().toLowerCase();
  const jsonType = type === undefined || type === "application/json" || type.endsWith("+json");
  // The API answers a JSON object; `null`, a bare string or a number is no answer of it either.
  let parsed: unknown;
  let parses = true;
  try {
    parsed = JSON.parse(answer.body);
  } catch {
    parses = false;
  }
  const isObject = parses && typeof parsed === "object" && parsed !== null;
  if (jsonType && isObject) return undefined;
  const what = !jsonType
    ? `content type ${type}${type === "text/html" ? " (a web page)" : ""}`
    : answer.body.trim() === ""
      ? "an empty body"
      : parses
        ? "JSON that is no object"
        : "a body that is not JSON";
  return `HTTP ${answer.status} with ${what} is not an answer of SpendFlo's API, which answers JSON: the registration is not confirmed. A proxy or a sign-in page may have answered: check --api-url (the API's base URL, such as https://api.spendflo.com) and any proxy settings (HTTPS_PROXY), then run again`;
}

/** The base URL to pass as --api-url, from a redirect's Location (absolute or relative). */
function redirectBaseUrl(location: string, requested: string): string | undefined {
  let target: URL;
  try {
    target = new URL(location, requested);
  } catch {
    return undefined;
  }
  target.search = "";
  target.hash = "";
  const path = target.pathname.replace(/\/+$/, "");
  // Only a redirect to the same API path names a new home of the API; anything else (a sign-in
  // page, a portal) is no base URL to give.
  if (!path.endsWith(SYNC_CONFIG_PATH)) return undefined;
  target.pathname = path.slice(0, -SYNC_CONFIG_PATH.length);
  return target.toString().replace(/\/+$/, "");
}

/**
 * A hosted customer's key is the customer's alone: it can write, and a rotation on the customer's
 * side would break the sync. Outputs of a hosted stack deployed before the customers' read-only
 * sync roles carry it as the sync config; they are refused, not sent.
 */
function refuseCustomerKey(outputs: LoadedOutputs): void {
  const source = outputs.syncSourceConfig;
  if (!outputs.customer || (!source.accessKeyId && !source.secretAccessKey)) return;
  throw new UsageError(
    `--customer ${outputs.customer}: its syncSourceConfig holds an access key, the customer's own upload key, which is never sent to SpendFlo: these outputs predate the customers' read-only sync roles. Set hosted.pollerRoleArn and each customer's externalId, run \`pulumi up\`, then register with the new outputs (syncSourceConfig: roleArn and externalId)`,
  );
}

function describeAccess(request: SyncConfigRequest): string {
  const source = request.sourceConfig;
  if ("accessKeyId" in source) return `access key ${source.accessKeyId} (secret ${MASK})`;
  if ("roleArn" in source) return `role ${source.roleArn}, external id ${source.externalId}`;
  return "SpendFlo's own account (bucket policy), no credentials";
}

/** What `--json` prints; every string already redacted. */
interface RegisterReport {
  ok: boolean;
  dryRun: boolean;
  request: {
    method: "POST";
    url: string;
    headers: Record<string, string>;
    body: SyncConfigRequest;
  };
  status?: number;
  attempts?: { attempt: number; result: string; delayMs?: number }[];
  response?: unknown;
  error?: string;
}

/**
 * Registers the sync and returns the exit code: 0 registered (or dry run), 1 the API refused or
 * stayed unreachable. Bad usage or outputs throw a UsageError (exit 2). Nothing thrown or printed
 * holds a secret.
 */
export async function runRegister(
  options: RegisterOptions,
  io: CommandIo = processIo,
  deps: Partial<RegisterDeps> = {},
): Promise<ExitCodeValue> {
  const d: RegisterDeps = { ...defaultRegisterDeps(), ...deps };
  const redactor = new Redactor();
  const out = (text: string) => io.stdout(redactor.text(text));
  const err = (text: string) => io.stderr(redactor.text(text));
  try {
    const apiKey = await readApiKey(options, d.env);
    redactor.add(apiKey);
    const outputs = await loadStackOutputs(options.stackOutputs, options.customer, io.readStdin);
    redactor.add(...outputs.secrets);
    refuseCustomerKey(outputs);
    const url = syncConfigUrl(options.apiUrl);

    const candidate = buildSyncConfigRequest({
      customerId: options.customerId,
      enabled: options.enabled,
      frequency: options.frequency,
      sourceConfig: outputs.syncSourceConfig,
    });
    const parsed = syncConfigRequestSchema.safeParse(candidate);
    if (!parsed.success) {
      const where = (path: PropertyKey[]) => {
        const top = String(path[0]);
        if (top === "customerId") return "--customer-id";
        if (top === "frequency") return "--frequency";
        const field = ["syncSourceConfig", ...path.slice(1).map(String)].join(".");
        return `stack outputs ${options.customer ? `customers.${options.customer}.` : ""}${field}`;
      };
      throw new UsageError(
        parsed.error.issues.map((issue) => `${where(issue.path)}: ${issue.message}`).join("\n"),
      );
    }
    const request = parsed.data;
    const body = JSON.stringify(request);
    const idempotencyKey = options.idempotencyKey ?? d.newIdempotencyKey();
    const shownHeaders = {
      Authorization: `Bearer ${apiKey === undefined ? "(none: set SPENDFLO_API_KEY)" : MASK}`,
      "Content-Type": "application/json",
      "Idempotency-Key": idempotencyKey,
    };
    const report: RegisterReport = {
      ok: true,
      dryRun: options.dryRun,
      request: { method: "POST", url, headers: shownHeaders, body: redactor.json(request) },
    };
    const summary = [
      `  customer   ${request.customerId}${options.customer ? ` (hosted customer ${options.customer})` : ""}`,
      `  bucket     s3://${request.sourceConfig.bucketName}/${request.sourceConfig.prefix} (${request.sourceConfig.region})`,
      `  access     ${describeAccess(request)}`,
      `  frequency  ${request.frequency}, ${request.enabled ? "enabled" : "disabled"}`,
    ];

    if (options.dryRun) {
      if (options.json) {
        out(`${JSON.stringify(report, null, 2)}\n`);
      } else {
        out(
          [
            `Dry run: nothing sent. Would POST ${url}`,
            ...Object.entries(shownHeaders).map(([name, value]) => `  ${name}: ${value}`),
            "",
            JSON.stringify(report.request.body, null, 2),
            "",
          ].join("\n"),
        );
        if (apiKey === undefined)
          err(`note: no API key yet; set ${API_KEY_ENV} or pass --api-key-file for the real run\n`);
      }
      return ExitCode.Ok;
    }
    if (apiKey === undefined) {
      throw new UsageError(
        `no API key: set ${API_KEY_ENV} or pass --api-key-file FILE (never the key itself on the command line)`,
      );
    }

    const policy: RetryPolicy = {
      ...DEFAULT_RETRY_POLICY,
      ...d.retryPolicy,
      timeoutMs: options.timeoutMs,
    };
    const started = d.http.now();
    const result: PostResult = await postWithRetry(
      url,
      {
        headers: {
          Authorization: `Bearer ${apiKey}`,
          "Content-Type": "application/json",
          "Idempotency-Key": idempotencyKey,
        },
        body,
      },
      policy,
      {
        ...d.http,
        onRetry: (record, delayMs) =>
          err(
            `attempt ${record.attempt} of ${policy.maxAttempts}: ${describeOutcome(record.outcome, policy.timeoutMs)}; retrying in ${(delayMs / 1000).toFixed(1)} s\n`,
          ),
      },
    );
    const elapsedS = ((d.http.now() - started) / 1000).toFixed(1);
    report.attempts = result.attempts.map((a) => ({
      attempt: a.attempt,
      result: describeOutcome(a.outcome, policy.timeoutMs),
      ...(a.delayMs !== undefined ? { delayMs: a.delayMs } : {}),
    }));
    if (result.last.kind === "response") report.status = result.last.status;
    const attemptsText = `${result.attempts.length} attempt${result.attempts.length === 1 ? "" : "s"}`;

    const notTheApi =
      result.kind === "ok" && result.last.kind === "response"
        ? notAnApiAnswer(result.last)
        : undefined;
    if (result.kind === "ok" && result.last.kind === "response" && !notTheApi) {
      let response: unknown = result.last.body;
      try {
        response = JSON.parse(result.last.body);
      } catch {
        // 204 No Content: nothing to parse.
      }
      report.response = redactor.json(response);
      if (options.json) {
        out(`${JSON.stringify(report, null, 2)}\n`);
      } else {
        const id =
          response && typeof response === "object"
            ? (response as Record<string, unknown>).id
            : undefined;
        out(
          [
            `Registered the S3 sync with SpendFlo (HTTP ${result.last.status}, ${attemptsText}).`,
            ...summary,
            ...(typeof id === "string" || typeof id === "number" ? [`  config id  ${id}`] : []),
            "",
          ].join("\n"),
        );
      }
      return ExitCode.Ok;
    }

    const last = describeOutcome(result.last, policy.timeoutMs);
    let message: string;
    if (notTheApi) {
      message = notTheApi;
    } else if (result.kind === "refused" && result.last.kind === "response") {
      const { status, location } = result.last;
      const base = location ? redirectBaseUrl(location, url) : undefined;
      const hint =
        status >= 300 && status < 400
          ? `the API redirects${location ? ` to ${location}` : ""}; redirects are not followed, as the request carries the keys: ${base ? `use ${base} as --api-url (the base URL, without ${SYNC_CONFIG_PATH})` : `that is not SpendFlo's API (a sign-in page or a proxy?): check --api-url, the base URL such as https://api.spendflo.com`}`
          : STATUS_HINTS[status];
      message = `SpendFlo's API refused the registration: ${last}${hint ? ` (${hint})` : ""}`;
    } else {
      message =
        `SpendFlo's API stayed unreachable after ${attemptsText} over ${elapsedS} s; last: ${last}` +
        `${result.stoppedBecause ? ` (stopped: ${result.stoppedBecause})` : ""}.` +
        ` If it may have arrived, run again with --idempotency-key ${idempotencyKey} so it cannot register twice.`;
    }
    report.ok = false;
    report.error = message;
    if (options.json) {
      out(`${JSON.stringify(report, null, 2)}\n`);
      return ExitCode.Finding;
    }
    throw new CliError(message, ExitCode.Finding);
  } catch (error) {
    throw redactor.error(error);
  }
}

export const registerCommand = defineCommand({
  command: "register",
  describe: "Register the S3 sync with SpendFlo's API (the guide's Step 5), from the stack outputs",
  flags,
  schema: optionsSchema,
  help: (yargs) =>
    yargs
      .example(
        "# Register a customer's own stack\npulumi stack output --json --show-secrets \\\n  | $0 register --api-url https://api.spendflo.com --customer-id acme --stack-outputs -",
        "",
      )
      .epilog(
        `The API key comes from ${API_KEY_ENV} or --api-key-file, never from the command line. Up to 5 attempts, with backoff, on network errors, timeouts, 429 and 5xx.\nExit codes: 0 registered (or dry run); 1 the API refused, or stayed unreachable after the retries; 2 bad usage or bad stack outputs.`,
      ),
  run: runRegister,
});
