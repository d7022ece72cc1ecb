/**
 * The pack's verdict on one stack as the real engine gives it (`pulumi preview`'s engine events)
 * and as `budget-sync plan --json` gives it, and where the two differ. Pure: `npm run smoke:real`
 * (cli/plan/smokeReal.ts) runs the commands.
 *
 * `pulumi preview --json` prints a digest without policy events (pulumi/pulumi
 * pkg/backend/display/json.go, `ShowPreviewDigest`: "we don't handle policy events in JSON
 * serialization"), so the engine's events are read instead: `--event-log FILE` (or
 * `PULUMI_ENABLE_STREAMING_JSON_PREVIEW=true` with `--json`) writes one `apitype.EngineEvent` per
 * line (sdk/go/common/apitype/events.go), a policy finding as
 * `{ "policyEvent": { "resourceUrn", "message", "policyName", "policyPackName",
 * "enforcementLevel", ... } }` (pkg/backend/display/events.go, `ConvertEngineEvent`). The level
 * is `mandatory` or `advisory` (older engines said `warning`). A stack policy that meets an unknown
 * value reports, from @pulumi/policy's analyzer, an advisory finding whose message starts
 * "can't run policy '<name>' from policy pack ... during preview": it decided nothing.
 */

export type Outcome = "mandatory" | "advisory" | "undecided";

/** For each outcome, the policies that gave it (sorted, once each). */
export type Verdict = Record<Outcome, string[]>;

export interface PreviewFinding {
  policy: string;
  outcome: Outcome;
  urn?: string;
  message: string;
}

const OUTCOMES: Outcome[] = ["mandatory", "advisory", "undecided"];

/** The engine's display markup (`<{%fg 1%}>`...), off a message. */
export function stripColors(text: string): string {
  return text.replace(/<\{%[^%]*%\}>/g, "");
}

function verdictOf(findings: { policy: string; outcome: Outcome }[]): Verdict {
  const verdict: Verdict = { mandatory: [], advisory: [], undecided: [] };
  for (const outcome of OUTCOMES) {
    verdict[outcome] = [
      ...new Set(findings.filter((f) => f.outcome === outcome).map((f) => f.policy)),
    ].sort();
  }
  return verdict;
}

export class EventLogError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "EventLogError";
  }
}

/**
 * The findings of `pack` in an engine event log (JSON lines). Lines that are not JSON objects
 * are refused with their line number: a truncated log must not read as a clean verdict.
 */
export function previewFindings(eventLog: string, pack: string): PreviewFinding[] {
  const findings: PreviewFinding[] = [];
  eventLog.split("\n").forEach((line, i) => {
    if (!line.trim()) return;
    let event: unknown;
    try {
      event = JSON.parse(line);
    } catch {
      throw new EventLogError(`line ${i + 1} of the event log is not JSON: ${line.slice(0, 80)}`);
    }
    const policy = (event as { policyEvent?: Record<string, unknown> }).policyEvent;
    if (!policy || policy.policyPackName !== pack) return;
    const message = stripColors(String(policy.message ?? "")).trim();
    const level = String(policy.enforcementLevel);
    const outcome: Outcome | undefined =
      /^can't run policy '[^']*' from policy pack .* during preview/.test(message)
        ? "undecided"
        : level === "mandatory"
          ? "mandatory"
          : level === "advisory" || level === "warning"
            ? "advisory"
            : undefined;
    if (!outcome) return;
    findings.push({
      policy: String(policy.policyName),
      outcome,
      urn: typeof policy.resourceUrn === "string" ? policy.resourceUrn : undefined,
      message,
    });
  });
  return findings;
}

/** Whether the log shows the preview ran to its end (a summary event), policy failures or not. */
export function previewFinished(eventLog: string): boolean {
  return eventLog.split("\n").some((line) => {
    try {
      return line.trim() !== "" && "summaryEvent" in (JSON.parse(line) as object);
    } catch {
      return false;
    }
  });
}

/** The errors the engine reported (program failures, a missing plugin), markup removed. */
export function previewErrors(eventLog: string): string[] {
  const errors: string[] = [];
  for (const line of eventLog.split("\n")) {
    try {
      const d = (JSON.parse(line) as { diagnosticEvent?: { severity?: string; message?: string } })
        .diagnosticEvent;
      if (d?.severity === "error" && d.message) errors.push(stripColors(d.message).trim());
    } catch {
      // not an event
    }
  }
  return errors;
}

export function previewVerdict(eventLog: string, pack: string): Verdict {
  return verdictOf(previewFindings(eventLog, pack));
}

/**
 * `budget-sync plan --json`'s verdict: `violations: [{ policy, level }]`, and, where plan says
 * which policies could not decide at preview, `undecided: [{ policy }]` (or policy names).
 */
export function planVerdict(plan: unknown): Verdict {
  const p = plan as { violations?: unknown; undecided?: unknown };
  const findings: { policy: string; outcome: Outcome }[] = [];
  // What a preview shows: findings of stage `preview`; the later ones only `pulumi up` reports,
  // and a policy undecided offline (an invoke plan cannot answer) the real preview decides.
  const atPreview = (stage: unknown) => stage === undefined || stage === "preview";
  for (const v of Array.isArray(p.violations) ? p.violations : []) {
    const { policy, level, stage } = v as { policy?: unknown; level?: unknown; stage?: unknown };
    if (
      typeof policy === "string" &&
      (level === "mandatory" || level === "advisory") &&
      atPreview(stage)
    ) {
      findings.push({ policy, outcome: level });
    }
  }
  for (const u of Array.isArray(p.undecided) ? p.undecided : []) {
    const { policy, stage } =
      typeof u === "string"
        ? { policy: u, stage: undefined }
        : (u as { policy?: unknown; stage?: unknown });
    if (typeof policy === "string" && atPreview(stage)) {
      findings.push({ policy, outcome: "undecided" });
    }
  }
  return verdictOf(findings);
}

export interface Difference {
  policy: string;
  outcome: Outcome;
  /** Which side reports the policy with this outcome. */
  onlyIn: "plan" | "preview";
}

/** Per outcome, the policies one side reports and the other does not. */
export function compareVerdicts(plan: Verdict, preview: Verdict): Difference[] {
  const differences: Difference[] = [];
  for (const outcome of OUTCOMES) {
    for (const policy of plan[outcome]) {
      if (!preview[outcome].includes(policy)) differences.push({ policy, outcome, onlyIn: "plan" });
    }
    for (const policy of preview[outcome]) {
      if (!plan[outcome].includes(policy)) {
        differences.push({ policy, outcome, onlyIn: "preview" });
      }
    }
  }
  return differences.sort(
    (a, b) => a.policy.localeCompare(b.policy) || a.outcome.localeCompare(b.outcome),
  );
}

export function describeDifference(d: Difference): string {
  const other = d.onlyIn === "plan" ? "pulumi preview" : "budget-sync plan";
  const side = d.onlyIn === "plan" ? "budget-sync plan" : "pulumi preview";
  const what = d.outcome === "undecided" ? "could not decide" : `${d.outcome} violation`;
  return `${d.policy}: ${what} in ${side}, not in ${other}`;
}

export function describeVerdict(v: Verdict): string {
  const parts = OUTCOMES.filter((o) => v[o].length).map((o) => `${o}: ${v[o].join(", ")}`);
  return parts.length ? parts.join("; ") : "no findings";
}
