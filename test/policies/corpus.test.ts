import { runSimulation } from "@cloud-copilot/iam-simulate";
import { afterAll, describe, expect, it } from "vitest";
import { isReadLevel } from "../../lib/iam/actions.ts";
import { parsePolicyDocument, statementActions, statementReaches } from "../../lib/iam/analysis.ts";
import { BUCKET_ARN, CORPUS, CUSTOMER, PROBES, SPENDFLO, type CorpusCase } from "./corpus.ts";
import { expandActionPattern } from "../../lib/iam/actions.ts";
import { collectGrants } from "../../lib/iam/stackGrants.ts";
import type { PlannedResource } from "../../lib/stack/plannedResource.ts";
import { T, UnknownValues } from "../../lib/stack/model.ts";
import { spendfloReason } from "../../policies/support/common.ts";
import { res } from "./fixtures.ts";

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
  paths: 0,
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
});

/**
 * Whole-stack paths: the documents reach SpendFlo's user through attachments, groups and roles.
 * The oracle gets the documents the path delivers as the principal's identity policies.
 */
describe("adversarial corpus: grant paths through the stack", () => {
  const USER = "spendflo-reader";
  const doc = (...Statement: unknown[]) => JSON.stringify({ Version: "2012-10-17", Statement });
  const put = {
    Effect: "Allow",
    Action: ["s3:PutObject", "s3:GetObject"],
    Resource: `${BUCKET_ARN}/*`,
  };
  const user = res(T.User, "reader", { name: USER, tags: { "spendflo:access": "read-only" } });
  const cases: {
    name: string;
    resources: PlannedResource[];
    principal: string;
    docs: string[];
    writes: string[];
  }[] = [
    {
      name: "a customer-managed policy attached to the user",
      resources: [
        user,
        res(
          T.Policy,
          "p",
          { name: "budget-rw", policy: doc(put) },
          { arn: `arn:aws:iam::${CUSTOMER}:policy/budget-rw` },
        ),
        res(T.UserPolicyAttachment, "a", {
          user: USER,
          policyArn: `arn:aws:iam::${CUSTOMER}:policy/budget-rw`,
        }),
      ],
      principal: `arn:aws:iam::${CUSTOMER}:user/${USER}`,
      docs: [doc(put)],
      writes: ["s3:PutObject"],
    },
    {
      name: "a group policy through UserGroupMembership",
      resources: [
        user,
        res(T.Group, "g", { name: "finance" }),
        res(T.GroupPolicy, "gp", {
          group: "finance",
          policy: doc({ Effect: "Allow", NotAction: "s3:Get*", Resource: "*" }),
        }),
        res(T.UserGroupMembership, "m", { user: USER, groups: ["finance"] }),
      ],
      principal: `arn:aws:iam::${CUSTOMER}:user/${USER}`,
      docs: [doc({ Effect: "Allow", NotAction: "s3:Get*", Resource: "*" })],
      writes: [
        "s3:PutObject",
        "s3:DeleteObject",
        "s3:PutObjectAcl",
        "s3:DeleteObjectVersion",
        "s3:PutBucketPolicy",
        "s3:DeleteBucket",
        "s3:PutLifecycleConfiguration",
      ],
    },
    {
      name: "a role the user can assume (grants through a role)",
      resources: [
        user,
        res(T.Role, "r", {
          name: "budget-admin",
          assumeRolePolicy: doc({
            Effect: "Allow",
            Principal: { AWS: `arn:aws:iam::${CUSTOMER}:user/${USER}` },
            Action: "sts:AssumeRole",
          }),
        }),
        res(T.RolePolicy, "rp", {
          role: "budget-admin",
          policy: doc({ Effect: "Allow", Action: "s3:Delete*", Resource: "*" }),
        }),
      ],
      principal: `arn:aws:iam::${CUSTOMER}:role/budget-admin`,
      docs: [doc({ Effect: "Allow", Action: "s3:Delete*", Resource: "*" })],
      writes: ["s3:DeleteObject", "s3:DeleteObjectVersion", "s3:DeleteBucket"],
    },
    {
      name: "a read-only path stays read-only",
      resources: [
        user,
        res(T.Group, "g", { name: "readers" }),
        res(T.GroupMembership, "m", { group: "readers", users: [USER] }),
        res(T.GroupPolicy, "gp", {
          group: "readers",
          policy: doc({
            Effect: "Allow",
            Action: ["s3:Get*", "s3:List*"],
            Resource: [BUCKET_ARN, `${BUCKET_ARN}/*`],
          }),
        }),
      ],
      principal: `arn:aws:iam::${CUSTOMER}:user/${USER}`,
      docs: [
        doc({
          Effect: "Allow",
          Action: ["s3:Get*", "s3:List*"],
          Resource: [BUCKET_ARN, `${BUCKET_ARN}/*`],
        }),
      ],
      writes: [],
    },
  ];

  it.each(cases.map((c) => [c.name, c] as const))("%s", async (_, c) => {
    const found = await collectGrants(
      c.resources.map((r) => ({
        type: r.type,
        urn: r.urn,
        name: r.name,
        props: { ...r.inputs, ...r.outputs },
      })),
      { selectPrincipal: spendfloReason, accounts: [], followTrust: true },
      new UnknownValues(),
    );
    stats.paths++;
    const name = c.principal.split("/").pop()!;
    const granted = new Set(
      found.grants
        .filter((g) => g.target.kind === "principal" && g.target.principal.names.includes(name))
        .flatMap((g) => g.actions.map((a) => a.action.toLowerCase())),
    );
    const writes = PROBES.filter(
      (p) => p.action.startsWith("s3:") && granted.has(p.action.toLowerCase()),
    )
      .map((p) => p.action)
      .filter((a) => !["s3:GetObject", "s3:ListBucket", "s3:GetObjectAcl"].includes(a));
    expect(writes.sort()).toEqual([...c.writes].sort());
    for (const p of PROBES.filter((x) => x.action.startsWith("s3:"))) {
      const response = await runSimulation(
        {
          identityPolicies: c.docs.map((d, i) => ({ name: `p${i}`, policy: JSON.parse(d) })),
          serviceControlPolicies: [],
          resourceControlPolicies: [],
          request: {
            principal: c.principal,
            action: p.action,
            resource: { resource: p.resource, accountId: CUSTOMER },
            contextVariables: {},
          },
        },
        {},
      );
      if (response.resultType === "error") throw new Error(JSON.stringify(response.errors));
      const allowed = response.overallResult === "Allowed";
      stats.probes++;
      if (allowed === granted.has(p.action.toLowerCase())) stats.agree++;
      expect(granted.has(p.action.toLowerCase()), `${p.action}`).toBe(allowed);
    }
  });
});

afterAll(() => {
  // Figures for the closing note.
  console.log(
    `corpus: ${stats.cases} documents and ${stats.paths} stack paths, oracle ran on ${stats.oracleRan} (${stats.probes} probes): ` +
      `${stats.agree} agree, ${stats.conservative} deliberately conservative, refused by the simulator: ${stats.refused.join("; ") || "none"}`,
  );
});
