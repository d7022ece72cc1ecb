/**
 * `budget-sync plan` of hosted configs as people change them: onboarding and offboarding
 * customers, and a config with a mistake. Several programs, each in its own process.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { runCli } from "../helpers/cli.ts";
import {
  HOSTED_HEAD,
  MOCK_SECRET,
  customerLine as line,
  ofType,
  stackFile,
  type PlanJson,
} from "../helpers/plan.ts";

async function plan(args: string[]): Promise<PlanJson> {
  const result = await runCli(["plan", ...args, "--json"]);
  expect(result.code, result.stderr).toBe(0);
  expect(result.stdout).not.toMatch(MOCK_SECRET);
  expect(result.stderr).not.toMatch(MOCK_SECRET);
  return JSON.parse(result.stdout) as PlanJson;
}

const head = HOSTED_HEAD;
/** Every resource that would survive a change, by URN, with its inputs. */
const byUrn = (p: PlanJson) => new Map(p.resources.map((r) => [r.urn, JSON.stringify(r.inputs)]));

describe("onboarding and offboarding change only the customer concerned", () => {
  const customers = ["acme", "globex", "initech"];
  const config = (ids: string[]) =>
    `${head}  budget-sync:customers:\n${ids.map(line).join("\n")}\n`;
  let all: PlanJson;
  let reordered: PlanJson;
  let withoutGlobex: PlanJson;
  beforeAll(async () => {
    [all, reordered, withoutGlobex] = await Promise.all([
      plan(["--config", stackFile(config(customers))]),
      plan(["--config", stackFile(config(["initech", "acme", "globex"]))]),
      plan(["--config", stackFile(config(["acme", "initech"]))]),
    ]);
  });

  it("names resources by customer id, so reordering the list changes nothing", () => {
    const a = byUrn(all);
    const b = byUrn(reordered);
    expect([...b.keys()].sort()).toEqual([...a.keys()].sort());
    for (const [urn, inputs] of b) {
      if (!urn.includes("aws:iam/accessKey")) expect(inputs, urn).toBe(a.get(urn));
    }
  });

  it("removing a customer removes its user, role, policies and key, and touches nothing else", () => {
    const before = byUrn(all);
    const after = byUrn(withoutGlobex);
    const removed = [...before.keys()].filter((urn) => !after.has(urn));
    expect(removed.map((urn) => urn.split("::").pop()).sort()).toEqual([
      "customer-globex",
      "customer-globex",
      "customer-globex-access",
      "customer-globex-key",
      "customer-globex-reader",
      "customer-globex-reader-access",
    ]);
    for (const [urn, inputs] of after) expect(before.get(urn), urn).toBe(inputs);
    // The files stay: the bucket is untouched and never force-destroyed.
    const [bucket] = ofType(withoutGlobex, "aws:s3/bucket:Bucket");
    expect(bucket!.inputs.forceDestroy).toBe(false);
  });
});

describe("a hosted config with a mistake", () => {
  it("stops before planning anything, naming the key (exit 2)", async () => {
    const result = await runCli([
      "plan",
      "--config",
      stackFile(
        `${head}  budget-sync:customers:\n    - { id: acme, externalId: acme-5f0c8e2a9d31b7c4 }\n    - { id: acme, externalId: acme-6e1d9f3b0e42c8d5 }\n`,
      ),
    ]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(
      'budget-sync:customers.1.id: "acme" is listed twice (first as customers.0)',
    );
    expect(result.stdout).toBe("");
  });
});
