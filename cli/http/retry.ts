/**
 * One JSON POST with a timeout per attempt and retries: exponential backoff with jitter on
 * network errors, timeouts, 429 (honouring Retry-After) and 5xx; no retry on any other status.
 * Node's built-in fetch; the clock, the sleep and the randomness are injectable for tests.
 */

export interface RetryPolicy {
  /** Attempts in all, the first included. */
  maxAttempts: number;
  /** Each attempt is aborted after this long (headers and body). */
  timeoutMs: number;
  /** The backoff before retry n is drawn from [d/2, d] with d = min(maxDelayMs, baseDelayMs * 2^(n-1)). */
  baseDelayMs: number;
  maxDelayMs: number;
  /** A Retry-After longer than this ends the retries rather than blocking for it. */
  maxRetryAfterMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = {
  maxAttempts: 5,
  timeoutMs: 30_000,
  baseDelayMs: 1_000,
  maxDelayMs: 16_000,
  maxRetryAfterMs: 120_000,
};

export interface HttpDeps {
  fetch: typeof fetch;
  sleep: (ms: number) => Promise<void>;
  /** In [0, 1): the jitter. */
  random: () => number;
  now: () => number;
  /** Told before each retry, to show progress. */
  onRetry?: (attempt: AttemptRecord, delayMs: number) => void;
}

export const realHttpDeps: HttpDeps = {
  fetch: (...args) => fetch(...args),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
  random: Math.random,
  now: Date.now,
};

export type AttemptOutcome =
  | {
      kind: "response";
      status: number;
      body: string;
      retryAfterMs?: number;
      location?: string;
      contentType?: string;
    }
  | { kind: "timeout" }
  | { kind: "network"; code: string };

export interface AttemptRecord {
  /** 1-based. */
  attempt: number;
  outcome: AttemptOutcome;
  /** The wait before the next attempt, when there is one. */
  delayMs?: number;
}

export interface PostResult {
  /** `ok` a 2xx; `refused` a status that is not retried (4xx but 429); `exhausted` retries spent. */
  kind: "ok" | "refused" | "exhausted";
  attempts: AttemptRecord[];
  /** The last attempt's outcome. */
  last: AttemptOutcome;
  /** Why retrying stopped early, e.g. a Retry-After too long to wait. */
  stoppedBecause?: string;
}

/** The backoff before retry `retry` (1 for the first retry): exponential, capped, half jitter. */
export function backoffDelayMs(retry: number, policy: RetryPolicy, random: () => number): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (retry - 1));
  return Math.round(ceiling / 2 + (ceiling / 2) * random());
}

/** Retry-After in milliseconds: delay-seconds or an HTTP date; undefined when absent or unreadable. */
export function parseRetryAfterMs(header: string | null, now: number): number | undefined {
  if (header === null || header.trim() === "") return undefined;
  const value = header.trim();
  if (/^\d+$/.test(value)) return Number(value) * 1000;
  const date = Date.parse(value);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, date - now);
}

export function isRetryableStatus(status: number): boolean {
  return status === 429 || status >= 500;
}

async function attemptOnce(
  url: string,
  init: { headers: Record<string, string>; body: string },
  policy: RetryPolicy,
  deps: HttpDeps,
): Promise<AttemptOutcome> {
  try {
    const response = await deps.fetch(url, {
      method: "POST",
      headers: init.headers,
      body: init.body,
      // A redirect is answered, not followed: the request carries the API key and a secret.
      redirect: "manual",
      signal: AbortSignal.timeout(policy.timeoutMs),
    });
    const body = await response.text();
    return {
      kind: "response",
      status: response.status,
      body,
      retryAfterMs: parseRetryAfterMs(response.headers.get("retry-after"), deps.now()),
      ...(response.headers.get("location") ? { location: response.headers.get("location")! } : {}),
      ...(response.headers.get("content-type")
        ? { contentType: response.headers.get("content-type")! }
        : {}),
    };
  } catch (error) {
    const name = (error as Error | undefined)?.name;
    if (name === "TimeoutError" || name === "AbortError") return { kind: "timeout" };
    // undici: TypeError("fetch failed") with the system error as its cause.
    const cause = (error as { cause?: { code?: unknown; message?: unknown } } | undefined)?.cause;
    const code = typeof cause?.code === "string" ? cause.code : undefined;
    if (error instanceof TypeError && (code || error.message === "fetch failed")) {
      // Without a system error code, undici's own reason ("bad port", ...) says what happened.
      const reason =
        typeof cause?.message === "string" && cause.message ? cause.message : "no connection";
      return { kind: "network", code: code ?? reason };
    }
    throw error;
  }
}

/** POSTs `body` to `url`, retrying as the policy says. Throws only on programming errors. */
export async function postWithRetry(
  url: string,
  init: { headers: Record<string, string>; body: string },
  policy: RetryPolicy,
  deps: HttpDeps,
): Promise<PostResult> {
  const attempts: AttemptRecord[] = [];
  for (let attempt = 1; ; attempt++) {
    const outcome = await attemptOnce(url, init, policy, deps);
    const record: AttemptRecord = { attempt, outcome };
    attempts.push(record);
    if (outcome.kind === "response" && outcome.status >= 200 && outcome.status < 300) {
      return { kind: "ok", attempts, last: outcome };
    }
    if (outcome.kind === "response" && !isRetryableStatus(outcome.status)) {
      return { kind: "refused", attempts, last: outcome };
    }
    if (attempt >= policy.maxAttempts) return { kind: "exhausted", attempts, last: outcome };
    const backoff = backoffDelayMs(attempt, policy, deps.random);
    const retryAfter = outcome.kind === "response" ? outcome.retryAfterMs : undefined;
    if (retryAfter !== undefined && retryAfter > policy.maxRetryAfterMs) {
      return {
        kind: "exhausted",
        attempts,
        last: outcome,
        stoppedBecause: `the API asked to retry after ${Math.round(retryAfter / 1000)} s, longer than the ${Math.round(policy.maxRetryAfterMs / 1000)} s we wait`,
      };
    }
    // Retry-After is a floor: never sooner than the server asked, later if the backoff says so.
    const delayMs = Math.max(retryAfter ?? 0, backoff);
    record.delayMs = delayMs;
    deps.onRetry?.(record, delayMs);
    await deps.sleep(delayMs);
  }
}
