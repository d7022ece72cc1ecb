// The comparison behind `npm run smoke:real`: engine events of `pulumi preview` against
// `budget-sync plan --json`. Event lines are shaped as apitype.EngineEvent (pulumi/pulumi
// sdk/go/common/apitype/events.go), messages as pkg/engine/events.go `policyViolationEvent`
// writes them (display markup around the policy's message).
import { describe, expect, it } from "vitest";
import {
  compareVerdicts,
  describeDifference,
  EventLogError,
  planVerdict,
  previewErrors,
  previewFindings,
  previewFinished,
  previewVerdict,
} from "../../../cli/plan/smokeVerdict.ts";

const URN = "urn:pulumi:dev::budget-sync::aws:iam/userPolicy:UserPolicy::reader";

function policyEvent(
  policyName: string,
  enforcementLevel: string,
  message: string,
  pack = "budget-sync",
) {
  return JSON.stringify({
    sequence: 7,
    timestamp: 1767225600,
    policyEvent: {
      resourceUrn: URN,
      message: `<{%fg 12%}>${message}<{%reset%}>\n`,
      color: "raw",
      policyName,
      policyPackName: pack,
      policyPackVersion: "0.1.0",
      policyPackVersionTag: "0.1.0",
      enforcementLevel,
    },
  });
}

const SUMMARY = JSON.stringify({
  sequence: 9,
  timestamp: 1767225601,
  summaryEvent: {
    maybeCorrupt: false,
    durationSeconds: 3,
    resourceChanges: { create: 12 },
    policyPacks: { "budget-sync": "0.1.0" },
  },
});

const LOG = [
  JSON.stringify({ sequence: 0, timestamp: 1767225600, preludeEvent: { config: {} } }),
  policyEvent("spendflo-read-only", "mandatory", "SpendFlo's user reader may write: s3:PutObject"),
  policyEvent("audit-data-events", "advisory", "no trail records S3 data events for acme"),
  policyEvent("spendflo-prefer-role", "warning", "a long-lived key"),
  policyEvent(
    "budget-bucket-encrypted",
    "advisory",
    "can't run policy 'budget-bucket-encrypted' from policy pack 'budget-sync@v0.1.0' during preview: can't read unknown property",
  ),
  policyEvent("some-policy", "mandatory", "another pack's finding", "other-pack"),
  SUMMARY,
].join("\n");

describe("smoke:real: the preview's verdict from engine events", () => {
  it("reads policy events of our pack: mandatory, advisory (or the older 'warning'), and 'can't run ... during preview' as undecided", () => {
    expect(previewVerdict(LOG, "budget-sync")).toEqual({
      mandatory: ["spendflo-read-only"],
      advisory: ["audit-data-events", "spendflo-prefer-role"],
      undecided: ["budget-bucket-encrypted"],
    });
    const [first] = previewFindings(LOG, "budget-sync");
    expect(first).toEqual({
      policy: "spendflo-read-only",
      outcome: "mandatory",
      urn: URN,
      message: "SpendFlo's user reader may write: s3:PutObject",
    });
  });

  it("refuses a log line that is not JSON rather than read a clean verdict", () => {
    expect(() => previewVerdict(`${LOG}\n{"policyEvent": {"policyNa`, "budget-sync")).toThrow(
      EventLogError,
    );
    expect(() => previewVerdict(`${LOG}\n{"policyEvent": {"policyNa`, "budget-sync")).toThrow(
      "line 8",
    );
  });

  it("tells a preview that ran to its end from one that stopped, and what the engine said went wrong", () => {
    expect(previewFinished(LOG)).toBe(true);
    const failed = [
      JSON.stringify({
        sequence: 1,
        timestamp: 1,
        diagnosticEvent: {
          urn: "",
          message: "<{%fg 1%}>error: Running program failed: boom<{%reset%}>\n",
          color: "raw",
          severity: "error",
        },
      }),
      JSON.stringify({
        sequence: 2,
        timestamp: 1,
        diagnosticEvent: { message: "a warning", color: "raw", severity: "warning" },
      }),
    ].join("\n");
    expect(previewFinished(failed)).toBe(false);
    expect(previewErrors(failed)).toEqual(["error: Running program failed: boom"]);
  });
});

describe("smoke:real: plan's verdict and the differences", () => {
  const plan = {
    violations: [
      { policy: "audit-data-events", level: "advisory", message: "m", urn: URN },
      { policy: "spendflo-prefer-role", level: "advisory", message: "m", urn: URN },
      { policy: "audit-data-events", level: "advisory", message: "again", urn: URN },
    ],
  };

  it("reads plan --json's violations, and undecided policies where plan lists them", () => {
    expect(planVerdict(plan)).toEqual({
      mandatory: [],
      advisory: ["audit-data-events", "spendflo-prefer-role"],
      undecided: [],
    });
    expect(
      planVerdict({
        violations: [],
        undecided: [{ policy: "budget-bucket-tls-only" }, "budget-bucket-lifecycle"],
      }).undecided,
    ).toEqual(["budget-bucket-lifecycle", "budget-bucket-tls-only"]);
  });

  it("compares only what a preview shows: findings of later stages and offline undecided ones are left out", () => {
    expect(
      planVerdict({
        violations: [
          { policy: "spendflo-read-only", level: "mandatory", stage: "preview" },
          { policy: "spendflo-read-only-resource", level: "mandatory", stage: "before-create" },
          { policy: "budget-bucket-tls-only", level: "mandatory", stage: "after-create" },
        ],
        undecided: [
          { policy: "spendflo-scoped", stage: "preview" },
          { policy: "spendflo-read-only", stage: "offline" },
        ],
      }),
    ).toEqual({ mandatory: ["spendflo-read-only"], advisory: [], undecided: ["spendflo-scoped"] });
  });

  it("names each policy one side reports and the other does not, by outcome", () => {
    const differences = compareVerdicts(planVerdict(plan), previewVerdict(LOG, "budget-sync"));
    expect(differences.map(describeDifference)).toEqual([
      "budget-bucket-encrypted: could not decide in pulumi preview, not in budget-sync plan",
      "spendflo-read-only: mandatory violation in pulumi preview, not in budget-sync plan",
    ]);
    expect(
      compareVerdicts(
        { mandatory: ["spendflo-scoped"], advisory: [], undecided: [] },
        { mandatory: [], advisory: ["spendflo-scoped"], undecided: [] },
      ).map(describeDifference),
    ).toEqual([
      "spendflo-scoped: advisory violation in pulumi preview, not in budget-sync plan",
      "spendflo-scoped: mandatory violation in budget-sync plan, not in pulumi preview",
    ]);
  });

  it("finds none when both agree", () => {
    const same = previewVerdict(
      [
        policyEvent("audit-data-events", "advisory", "x"),
        policyEvent("spendflo-prefer-role", "advisory", "y"),
        SUMMARY,
      ].join("\n"),
      "budget-sync",
    );
    expect(compareVerdicts(planVerdict(plan), same)).toEqual([]);
  });
});
