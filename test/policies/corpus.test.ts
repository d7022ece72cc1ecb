import { runSimulation } from "@cloud-copilot/iam-simulate";
import { afterAll, describe, expect, it } from "vitest";
import { isReadLevel } from "../../lib/iamActions.ts";
import { parsePolicyDocument, statementActions, statementReaches } from "../../lib/iamAnalysis.ts";
import { CORPUS, CUSTOMER, PROBES, SPENDFLO, type CorpusCase } from "./corpus.ts";
import { expandActionPattern } from "../../lib/iamActions.ts";

// iam-simulate (AGPL) is a devDependency, used here as an oracle only; runtime code never imports it.

/** What the pack's analysis says SpendFlo is granted, among the probe actions. */
async function ours(c: CorpusCase): Promise<Set<string>> {
  const granted = new Set<string>();
  for (const s of parsePolicyDocument(c.doc)) {
    if (c.kind !== "identity" && !statementReaches(s, { kind: "account", account: SPENDFLO }))
      continue;
    for (const a of await statementActions(s)) granted.add(a.action.toLowerCase());
  }
  return new Set(PROBES.map((p) => p.action).filter((a) => granted.has(a.toLowerCase())));
}

const ALLOW_ALL = {
  Version: "2012-10-17",
  Statement: [{ Effect: "Allow", Action: "*", Resource: "*" }],
};

/** A key's default policy and a role's trust policy delegate to the account's IAM policies. */
const KEY_DEFAULT = {
  Version: "2012-10-17",
  Statement: [
    {
      Effect: "Allow",
      Principal: { AWS: `arn:aws:iam::${CUSTOMER}:root` },
      Action: "kms:*",
      Resource: "*",
    },
  ],
};
const TRUST_ACCOUNT = {
  Version: "2012-10-17",
  Statement: [
    {
      Effect: "Allow",
      Principal: { AWS: `arn:aws:iam::${CUSTOMER}:root` },
      Action: "sts:AssumeRole",
    },
  ],
};

/** The simulator's verdict for each probe; undefined where it refuses the document or request. */
async function oracle(c: CorpusCase): Promise<Map<string, boolean> | undefined> {
  const doc = typeof c.doc === "string" ? JSON.parse(c.doc) : c.doc;
  const principal =
    c.kind === "identity"
      ? `arn:aws:iam::${CUSTOMER}:user/spendflo-reader`
      : `arn:aws:iam::${SPENDFLO}:role/spendflo-poller`;
  const out = new Map<string, boolean>();
  for (const p of PROBES) {
    const response = await runSimulation(
      {
        // A cross-account caller's own account could allow anything: only the resource policy decides.
        identityPolicies: [{ name: "under-test", policy: c.kind === "identity" ? doc : ALLOW_ALL }],
        serviceControlPolicies: [],
        resourceControlPolicies: [],
        resourcePolicy:
          c.kind !== "identity"
            ? doc
            : p.action.startsWith("kms:")
              ? KEY_DEFAULT
              : p.action.startsWith("sts:")
                ? TRUST_ACCOUNT
                : undefined,
        request: {
          principal,
          action: p.action,
          resource: { resource: p.resource, accountId: CUSTOMER },
          contextVariables: {
            "aws:PrincipalAccount": principal.split(":")[4],
            "aws:PrincipalArn": principal,
            "aws:SecureTransport": "true",
            ...(c.context ?? {}),
          },
        },
      },
      {},
    );
    if (response.resultType === "error") return undefined;
    out.set(p.action, response.overallResult === "Allowed");
  }
  return out;
}

const stats = {
  cases: 0,
  oracleRan: 0,
  probes: 0,
  agree: 0,
  conservative: 0,
  refused: [] as string[],
};

describe("adversarial corpus", () => {
  it("has at least 40 documents", () => {
    expect(CORPUS.length).toBeGreaterThanOrEqual(40);
  });

  it.each(CORPUS.map((c) => [c.name, c] as const))("%s", async (_, c) => {
    stats.cases++;
    const granted = await ours(c);
    const levels = new Map<string, string>();
    for (const a of granted) levels.set(a, (await expandActionPattern(a))[0].accessLevel);
    const writes = [...granted].filter((a) => !isReadLevel(levels.get(a) ?? "Unknown"));
    // 1. The hand-labelled answer.
    expect(writes.sort()).toEqual([...c.writes].sort());
    // 2. The oracle: whatever the simulator allows, the analysis reports (never misses a grant);
    //    and, except where the pack is deliberately conservative, nothing more.
    const sim = await oracle(c);
    if (!sim) {
      stats.refused.push(c.name);
      expect(c.conservative, `the simulator refused "${c.name}"`).toBeDefined();
      return;
    }
    stats.oracleRan++;
    for (const [action, allowed] of sim) {
      stats.probes++;
      if (allowed) expect(granted.has(action), `${action} allowed by the simulator`).toBe(true);
      if (allowed === granted.has(action)) stats.agree++;
      else if (c.conservative) stats.conservative++;
      else
        expect(granted.has(action), `${action} reported but the simulator denies it`).toBe(allowed);
    }
  });

  afterAll(() => {
    // Figures for the closing note.
    console.log(
      `corpus: ${stats.cases} documents, oracle ran on ${stats.oracleRan} (${stats.probes} probes): ` +
        `${stats.agree} agree, ${stats.conservative} deliberately conservative, refused by the simulator: ${stats.refused.join("; ") || "none"}`,
    );
  });
});
