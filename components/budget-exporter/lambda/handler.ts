/**
 * The exporter Lambda (the guide's Step 4 Option A): fetch budget rows from the FP&A tool, write
 * the guide's CSV, validate it with the shared budget-file module and upload it as
 * `<prefix>budget_<YYYYMMDD>.csv`. Invalid data is never uploaded: the invocation fails instead,
 * so the Errors alarm and the on-failure destination tell someone.
 *
 * Bundled by esbuild when the Pulumi program runs (see `bundle.ts`); settings come from the
 * function's environment, the source's bearer token from SSM Parameter Store at run time.
 */
import { S3Client } from "@aws-sdk/client-s3";
import { GetParameterCommand, SSMClient } from "@aws-sdk/client-ssm";
import { Upload } from "@aws-sdk/lib-storage";
import { parse } from "csv-parse/sync";
import { BUDGET_CONTENT_TYPES, validateBudgetData } from "../../../lib/budget-file/budgetFile.ts";
import { budgetFileKey } from "../../../lib/aws/s3Naming.ts";
import { EXPORTER_ENV } from "./env.ts";
import {
  columnMappingProblems,
  sourceRowOfLine,
  toBudgetCsv,
  unmappedRequiredColumns,
  type ColumnMapping,
  type SourceRow,
} from "./budgetRows.ts";

export { EXPORTER_ENV };

export interface ExporterSettings {
  bucket: string;
  prefix: string;
  source: {
    type: "json" | "csv";
    url: string;
    /** JSON: the dotted path of the array of rows inside the answer; absent: the answer is the array. */
    rowsPath?: string;
    /** SSM parameter (SecureString) holding the bearer token, read at every run. */
    tokenParameter?: string;
    /** How long the source may take, answer and body together. */
    timeoutMs: number;
    /** A larger answer fails the run rather than the Lambda's memory. */
    maxBytes: number;
  };
  mapping: ColumnMapping;
  /** IANA time zone whose calendar date goes in the key (the schedule's zone). */
  timezone: string;
}

export const EXPORTER_DEFAULTS = {
  sourceTimeoutMs: 45_000,
  maxSourceBytes: 50 * 1024 * 1024,
  timezone: "UTC",
} as const;

/** A run that must fail: its message is what the alarm's reader needs, and never holds a secret. */
export class ExportError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ExportError";
  }
}

/** Reads the settings from the function's environment; throws ExportError naming what is wrong. */
export function exporterSettingsFromEnv(env: Record<string, string | undefined>): ExporterSettings {
  const required = (name: string): string => {
    const value = env[name];
    if (!value) throw new ExportError(`the environment variable ${name} is not set`);
    return value;
  };
  const type = required(EXPORTER_ENV.sourceType);
  if (type !== "json" && type !== "csv") {
    throw new ExportError(`${EXPORTER_ENV.sourceType} must be "json" or "csv" (it is "${type}")`);
  }
  let mapping: ColumnMapping = {};
  const rawMapping = env[EXPORTER_ENV.mapping];
  if (rawMapping) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(rawMapping);
    } catch {
      throw new ExportError(`${EXPORTER_ENV.mapping} is not JSON`);
    }
    if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) {
      throw new ExportError(`${EXPORTER_ENV.mapping} must be a JSON object`);
    }
    const problems = columnMappingProblems(parsed as Record<string, unknown>);
    if (problems.length) throw new ExportError(problems.join("; "));
    mapping = parsed as ColumnMapping;
  }
  const positive = (name: string, fallback: number): number => {
    const raw = env[name];
    if (raw === undefined || raw === "") return fallback;
    const value = Number(raw);
    if (!Number.isFinite(value) || value <= 0)
      throw new ExportError(`${name} must be a positive number`);
    return value;
  };
  return {
    bucket: required(EXPORTER_ENV.bucket),
    prefix: env[EXPORTER_ENV.prefix] ?? "budgets/",
    source: {
      type,
      url: required(EXPORTER_ENV.sourceUrl),
      rowsPath: env[EXPORTER_ENV.rowsPath] || undefined,
      tokenParameter: env[EXPORTER_ENV.tokenParameter] || undefined,
      timeoutMs: positive(EXPORTER_ENV.sourceTimeoutMs, EXPORTER_DEFAULTS.sourceTimeoutMs),
      maxBytes: positive(EXPORTER_ENV.maxSourceBytes, EXPORTER_DEFAULTS.maxSourceBytes),
    },
    mapping,
    timezone: env[EXPORTER_ENV.timezone] || EXPORTER_DEFAULTS.timezone,
  };
}

/** The source's address for messages: scheme, host and path, never a query (it may hold a key). */
export function describeUrl(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}${u.pathname}`;
  } catch {
    return "(an invalid URL)";
  }
}

/** The calendar date in a time zone, as a Date at UTC midnight (what `budgetFileKey` formats). */
export function dateIn(timezone: string, now: Date): Date {
  const parts = new Intl.DateTimeFormat("en-US", {
    timeZone: timezone,
    year: "numeric",
    month: "2-digit",
    day: "2-digit",
  }).formatToParts(now);
  const get = (type: string) => Number(parts.find((p) => p.type === type)!.value);
  return new Date(Date.UTC(get("year"), get("month") - 1, get("day")));
}

export interface ExporterDeps {
  s3: S3Client;
  ssm?: SSMClient;
  now?: () => Date;
  log?: (message: string) => void;
}

export interface ExportResult {
  statusCode: 200;
  body: string;
}

/** One run: fetch, write, validate, upload. Throws ExportError when anything stops it. */
export async function runExport(
  settings: ExporterSettings,
  deps: ExporterDeps,
): Promise<ExportResult> {
  const log = deps.log ?? ((message: string) => console.log(message));
  const token = settings.source.tokenParameter
    ? await readToken(settings.source.tokenParameter, deps.ssm ?? new SSMClient({}))
    : undefined;
  const body = await fetchSource(settings.source, token);
  const rows = parseRows(body, settings.source);
  const where = describeUrl(settings.source.url);
  // An empty file would read as "every budget was removed"; refuse it like any invalid data.
  if (rows.length === 0) {
    throw new ExportError(`the source ${where} returned no budget rows; nothing was uploaded`);
  }
  const unmapped = unmappedRequiredColumns(rows, settings.mapping);
  if (unmapped.length) {
    const seen = [...new Set(rows.flatMap((row) => Object.keys(row)))].slice(0, 12);
    throw new ExportError(
      `no row from ${where} has ${unmapped.map((u) => `the field "${u.field}" (for ${u.column})`).join(", ")}; the rows have ${seen.map((f) => `"${f}"`).join(", ")}: fix the exporter's mapping; nothing was uploaded`,
    );
  }
  const csv = toBudgetCsv(rows, settings.mapping);

  const report = await validateBudgetData(csv.text, { format: "csv", maxIssues: 20 });
  if (!report.valid) {
    const locate = (line: number) => {
      const row = sourceRowOfLine(csv.rowLines, line);
      return row === undefined ? `line ${line}` : `source row ${row}`;
    };
    const details = report.unreadable
      ? [report.unreadable]
      : report.errors.map(
          (e) => `${locate(e.line)}${e.column ? `, ${e.column}` : ""}: ${e.message}`,
        );
    const more = report.errorCount > report.errors.length;
    throw new ExportError(
      `the budget data from ${where} is not a valid budget file (${report.errorCount || 1} error${report.errorCount > 1 ? "s" : ""}${more ? `, the first ${report.errors.length} shown` : ""}); nothing was uploaded:\n  ${details.join("\n  ")}`,
    );
  }
  for (const warning of report.warnings) log(`warning: line ${warning.line}: ${warning.message}`);

  const key = budgetFileKey(
    settings.prefix,
    dateIn(settings.timezone, (deps.now ?? (() => new Date()))()),
    "csv",
  );
  const bytes = Buffer.from(csv.text, "utf8");
  try {
    // lib-storage sends one PutObject for a small file and a multipart upload for a large one,
    // aborting the parts if it fails (hence s3:AbortMultipartUpload in the role).
    await new Upload({
      client: deps.s3,
      params: {
        Bucket: settings.bucket,
        Key: key,
        Body: bytes,
        ContentType: BUDGET_CONTENT_TYPES.csv,
      },
      leavePartsOnError: false,
    }).done();
  } catch (error) {
    throw new ExportError(
      `the upload to s3://${settings.bucket}/${key} failed: ${errorText(error)}`,
    );
  }
  log(`Uploaded s3://${settings.bucket}/${key}: ${report.rows} rows, ${bytes.length} bytes`);
  return { statusCode: 200, body: `Uploaded: ${key}` };
}

async function readToken(name: string, ssm: SSMClient): Promise<string> {
  try {
    const answer = await ssm.send(new GetParameterCommand({ Name: name, WithDecryption: true }));
    const value = answer.Parameter?.Value;
    if (!value) throw new ExportError(`the SSM parameter ${name} is empty`);
    return value;
  } catch (error) {
    if (error instanceof ExportError) throw error;
    throw new ExportError(`the SSM parameter ${name} could not be read: ${errorText(error)}`);
  }
}

/** Fetches the source's body, bounded in time and size. */
async function fetchSource(source: ExporterSettings["source"], token?: string): Promise<string> {
  const where = describeUrl(source.url);
  const signal = AbortSignal.timeout(source.timeoutMs);
  const seconds = Math.round(source.timeoutMs / 100) / 10;
  const timedOut = () =>
    new ExportError(`the source ${where} did not answer within ${seconds} s; nothing was uploaded`);
  let response: Response;
  try {
    response = await fetch(source.url, {
      headers: {
        accept: source.type === "json" ? "application/json" : "text/csv, text/plain",
        ...(token ? { authorization: `Bearer ${token}` } : {}),
      },
      signal,
      redirect: "follow",
    });
  } catch (error) {
    if (signal.aborted) throw timedOut();
    throw new ExportError(`the source ${where} could not be reached: ${errorText(error)}`);
  }
  if (!response.ok) {
    await response.body?.cancel().catch(() => undefined);
    throw new ExportError(
      `the source ${where} answered HTTP ${response.status}${response.statusText ? ` ${response.statusText}` : ""}; nothing was uploaded`,
    );
  }
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    const reader = response.body?.getReader();
    while (reader) {
      const { done, value } = await reader.read();
      if (done) break;
      size += value.byteLength;
      if (size > source.maxBytes) {
        await reader.cancel();
        throw new ExportError(
          `the source ${where} sent more than ${source.maxBytes} bytes; nothing was uploaded`,
        );
      }
      chunks.push(value);
    }
  } catch (error) {
    if (error instanceof ExportError) throw error;
    if (signal.aborted) throw timedOut();
    throw new ExportError(`reading the answer of ${where} failed: ${errorText(error)}`);
  }
  return Buffer.concat(chunks).toString("utf8");
}

function parseRows(body: string, source: ExporterSettings["source"]): SourceRow[] {
  const where = describeUrl(source.url);
  if (source.type === "csv") {
    try {
      return parse(body, { columns: true, bom: true, skip_empty_lines: true, trim: false });
    } catch (error) {
      throw new ExportError(`the CSV from ${where} cannot be parsed: ${errorText(error)}`);
    }
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    throw new ExportError(`the source ${where} did not answer JSON`);
  }
  let rows = parsed;
  if (source.rowsPath) {
    for (const part of source.rowsPath.split(".")) {
      rows =
        rows !== null && typeof rows === "object" && !Array.isArray(rows)
          ? (rows as Record<string, unknown>)[part]
          : undefined;
    }
  }
  if (!Array.isArray(rows)) {
    const shape =
      rows === null || rows === undefined
        ? "nothing"
        : typeof rows === "object"
          ? `an object with the keys ${Object.keys(rows).slice(0, 5).join(", ")}`
          : `a ${typeof rows}`;
    throw new ExportError(
      `the JSON from ${where}${source.rowsPath ? ` at "${source.rowsPath}"` : ""} is ${shape}, not an array of rows${source.rowsPath ? "" : " (set the source's rowsPath if the rows sit inside the answer)"}`,
    );
  }
  const notObject = rows.findIndex((r) => r === null || typeof r !== "object" || Array.isArray(r));
  if (notObject >= 0) {
    throw new ExportError(`row ${notObject + 1} of the JSON from ${where} is not an object`);
  }
  return rows as SourceRow[];
}

function errorText(error: unknown): string {
  if (error instanceof Error) {
    const cause = (error as { cause?: unknown }).cause;
    return cause instanceof Error ? `${error.message} (${cause.message})` : error.message;
  }
  return String(error);
}

/** A handler with its clients; the deployed one uses the SDK's default chain. */
export function createHandler(deps: Partial<ExporterDeps> = {}) {
  let s3: S3Client | undefined = deps.s3;
  return async (): Promise<ExportResult> => {
    const settings = exporterSettingsFromEnv(process.env);
    s3 ??= new S3Client({});
    return runExport(settings, { ...deps, s3 });
  };
}

/** The Lambda entry point (`index.handler`). */
export const handler = createHandler();
