/**
 * The exporter's environment variables, shared by the component (which sets them) and the
 * handler (which reads them). A file of its own so the Pulumi program does not load the
 * handler's AWS SDK clients just to name them.
 */
/** The variables the component sets; none of them holds a secret. */
export const EXPORTER_ENV = {
  bucket: "BUDGET_BUCKET",
  prefix: "BUDGET_PREFIX",
  sourceType: "SOURCE_TYPE",
  sourceUrl: "SOURCE_URL",
  rowsPath: "SOURCE_ROWS_PATH",
  tokenParameter: "SOURCE_TOKEN_PARAMETER",
  sourceTimeoutMs: "SOURCE_TIMEOUT_MS",
  maxSourceBytes: "SOURCE_MAX_BYTES",
  mapping: "COLUMN_MAPPING",
  timezone: "EXPORT_TIMEZONE",
} as const;
