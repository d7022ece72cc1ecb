/**
 * Engine conformance: the pack driven through @pulumi/policy's own analyzer RPC functions with
 * requests shaped as the Pulumi engine sends them (test/helpers/analyzerRpc.ts cites the engine
 * source of each), over the records of one offline run per stack or program:
 * (a) a preview of a brand-new stack: `Analyze` of each resource's inputs (unknown where they
 *     derive from a new resource's output), then `AnalyzeStack` of the planned outputs (every
 *     output the program did not set unknown);
 * (b) the update: `Analyze` of each resource's inputs, known by then, before its step;
 * (c) the stack after the update: `AnalyzeStack` of the outputs as AWS fills them.
 * Each deployment is its own analyzer process in the engine; here, `newDeployment()` between them.
 *
 * For every example stack and for an adversarial program, the verdict the three give together is
 * `budget-sync plan`'s, finding by finding, with the same stage; and the stages are the ones the
 * program deserves (example stacks decide everything at preview).
 */
import { readdirSync } from "node:fs";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { policies } from "../../policies/all.ts";
import { newDeployment } from "../../policies/support/programInputs.ts";
import { maskValues } from "../../cli/plan/render.ts";
import { computePlan, type Plan, type PlanStage } from "../../cli/plan/computePlan.ts";
import {
  analyze,
  analyzeStack,
  analyzerInfo,
  configure,
  startPack,
  type Diagnostic,
} from "../helpers/analyzerRpc.ts";
import { REPO } from "../helpers/cli.ts";

interface Finding {
  policy: string;
  level: string;
  urn: string;
  message: string;
  stage: PlanStage;
}

/** The part of an engine diagnostic's message that is the policy's own (the SDK prefixes the description). */
const own = (d: Diagnostic) => d.message.split("\n").slice(1).join("\n") || d.message;
const CANT_RUN = /^can't run policy '([^']+)' from policy pack '[^']+' during preview: (.*)$/s;

/** The three passes through the RPC functions, and the verdict they give together. */
async function engineVerdict(plan: Awaited<ReturnType<typeof computePlan>>) {
  const { run, policyConfig } = plan;
  const mask = (m: string) => maskValues(m, run.secretValues) as string;
  await configure(policyConfig);

  newDeployment();
  const preview: Diagnostic[] = [];
  for (const r of run.preview)
    preview.push(...(await analyze(r, run.previewSecretInputPaths.get(r.urn))));
  const previewStack = await analyzeStack(run.preview);

  newDeployment();
  const update: Diagnostic[] = [];
  for (const r of run.resources)
    update.push(...(await analyze(r, run.secretInputPaths.get(r.urn))));
  const afterUpdate = await analyzeStack(run.resources);
  // The analyzer process of the update ends here: nothing of it stays for the next test.
  newDeployment();

  const undecided = [...preview, ...previewStack]
    .map((d) => CANT_RUN.exec(d.message))
    .filter((m) => m !== null)
    .map((m) => ({ policy: m[1]!, message: mask(m[2]!) }));
  const findings: Finding[] = [];
  const seen = new Set<string>();
  const add = (ds: Diagnostic[], stage: PlanStage) => {
    for (const d of ds) {
      if (CANT_RUN.test(d.message)) continue;
      const f = { policy: d.policy, level: d.level, urn: d.urn, message: mask(own(d)), stage };
      // As plan shows them: a finding once, at the earliest stage that shows it.
      const key = f.message;
      if (seen.has(key)) continue;
      seen.add(key);
      findings.push(f);
    }
  };
  add([...preview, ...previewStack], "preview");
  add(update, "before-create");
  add(afterUpdate, "after-create");
  return { findings, undecided };
}

const sorted = <T>(list: T[]) =>
  [...list].sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));

function planFindings(plan: Plan): Finding[] {
  return plan.violations.map(({ policy, level, urn, message, stage }) => ({
    policy,
    level,
    urn,
    message,
    stage,
  }));
}

const stacks = readdirSync(path.join(REPO, "stacks"))
  .map((f) => /^Pulumi\.(.+)\.yaml$/.exec(f)?.[1])
  .filter((s): s is string => s !== undefined);

beforeAll(async () => {
  await startPack();
});

describe("every example stack, as the engine runs the pack", () => {
  it.each(stacks)(
    "%s: every policy decides at preview, and the verdict is plan's",
    async (stack) => {
      const planned = await computePlan({ stack });
      const engine = await engineVerdict(planned);
      // Nothing the real preview of a new stack cannot decide.
      expect(engine.undecided).toEqual([]);
      expect(planned.plan.undecided).toEqual([]);
      expect(sorted(engine.findings)).toEqual(sorted(planFindings(planned.plan)));
      // Our stacks are clean: what is left is advisory, and shown at preview.
      for (const f of engine.findings) {
        expect(f.level, f.message).toBe("advisory");
        expect(f.stage, f.message).toBe("preview");
      }
    },
  );
});

describe("a program that grants SpendFlo a write by every path", () => {
  const dir = path.join(REPO, "test/fixtures/programs/spendflo-writes");
  let planned: Awaited<ReturnType<typeof computePlan>>;
  let engine: Awaited<ReturnType<typeof engineVerdict>>;
  beforeAll(async () => {
    planned = await computePlan({
      program: dir,
      stack: "dev",
      policyConfig: path.join(dir, "policy-config.json"),
    });
    engine = await engineVerdict(planned);
  });
  const at = (name: string) => (f: Finding) => f.urn.endsWith(`::${name}`);
  const spendflo = (fs: Finding[]) =>
    fs.filter((f) => f.policy.startsWith("spendflo-read-only") && f.level === "mandatory");

  it("gets plan's verdict from the engine's calls, finding by finding and stage by stage", () => {
    expect(sorted(engine.findings)).toEqual(sorted(planFindings(planned.plan)));
    expect(sorted(engine.undecided)).toEqual(
      sorted(
        planned.plan.undecided
          .filter((u) => u.stage === "preview")
          .map((u) => ({ policy: u.policy, message: u.message })),
      ),
    );
  });

  it("decides at preview what the program wrote plainly: a key policy and a trusting role", () => {
    const found = spendflo(engine.findings);
    expect(found.filter(at("key")).map((f) => f.stage)).toEqual(["preview"]);
    expect(found.filter(at("trusting")).map((f) => f.stage)).toEqual(["preview"]);
    expect(found.find(at("key"))!.message).toContain("kms:Encrypt");
  });

  it("says what a preview cannot decide: documents built from the new bucket's ARN", () => {
    const policies = new Set(planned.plan.undecided.map((u) => u.policy));
    expect(policies).toContain("spendflo-read-only");
    const readOnly = planned.plan.undecided.find((u) => u.policy === "spendflo-read-only")!;
    expect(readOnly.message).toContain('aws.iam.RolePolicy "reader-delete" .policy is not known');
  });

  it("stops before creation every grant whose resource shows it: bucket policy, inline policy, attachment", () => {
    const found = spendflo(engine.findings);
    for (const name of ["bucket-policy", "reader-delete", "reader-writer"]) {
      const f = found.filter(at(name));
      expect(
        f.map((x) => [x.policy, x.stage]),
        name,
      ).toEqual([["spendflo-read-only-resource", "before-create"]]);
    }
  });

  it("catches every path the pack knows: each resource that grants SpendFlo a write draws a mandatory finding", () => {
    const found = spendflo(engine.findings);
    const named = (name: string) =>
      found.some((f) => f.urn.endsWith(`::${name}`) || f.message.includes(`"${name}"`));
    for (const name of [
      "bucket-policy",
      "reader-delete",
      "reader-writer",
      "writers-put",
      "key",
      "trusting",
      "reader-invoke",
      "sync-user-plain",
      "writers-plain",
      "plain-everywhere",
      "exclusive-attachments",
      "managed",
      "inline",
      "point-policy",
      "key2-policy",
      "key2-grant",
      "queue-policy",
      "fn-spendflo",
      "grant",
      "inline-acl",
    ]) {
      expect(named(name), name).toBe(true);
    }
  });

  it("reports after up the grant spread over a group, its policy and a membership", () => {
    const found = spendflo(engine.findings).filter(at("writers-put"));
    expect(found.map((f) => [f.policy, f.stage])).toEqual([["spendflo-read-only", "after-create"]]);
    expect(found[0]!.message).toContain("through group");
  });

  it("judges the bare bucket's missing protections at preview, from what the program set", () => {
    const bucket = engine.findings.filter(at("budgets")).filter((f) => f.level === "mandatory");
    expect(new Set(bucket.map((f) => f.policy))).toEqual(
      new Set([
        "budget-bucket-encrypted",
        "budget-bucket-versioned",
        "budget-bucket-public-access-blocked",
        "budget-bucket-lifecycle",
        "budget-bucket-tls-only",
      ]),
    );
    // AWS encrypts every new bucket with AES256: after up the output says so, and still the
    // program set no encryption, which is what the pack judges.
    expect(bucket.find((f) => f.policy === "budget-bucket-encrypted")!.stage).toBe("preview");
  });
});

describe("the pack's policies as GetAnalyzerInfo describes them to the engine", () => {
  it("each has a severity, the steps that fix a finding, and a link to AWS's documentation", async () => {
    const info = await analyzerInfo();
    expect(info).toHaveLength(policies.length);
    for (const p of info) {
      expect(p.severity, p.name).toMatch(/^POLICY_SEVERITY_(LOW|MEDIUM|HIGH|CRITICAL)$/);
      expect(p.remediationSteps.length, p.name).toBeGreaterThan(40);
      expect(p.url, p.name).toMatch(/^https:\/\/docs\.aws\.amazon\.com\/[\w./-]+\.html$/);
    }
    // What stops SpendFlo writing, or one customer reading another's budgets, is the worst kind.
    const severity = new Map(info.map((p) => [p.name, p.severity]));
    for (const name of [
      "spendflo-read-only",
      "spendflo-read-only-resource",
      "hosted-customer-isolation",
    ])
      expect(severity.get(name), name).toBe("POLICY_SEVERITY_CRITICAL");
  });
});
