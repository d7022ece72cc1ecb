import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { ResourceValidationPolicy } from "@pulumi/policy";
import { describe, expect, it } from "vitest";
import { T } from "../../lib/stack/model.ts";
import { loadPolicyConfig, runPolicies } from "../../policies/support/offline.ts";
import {
  BUCKET,
  SPENDFLO_ACCOUNT,
  budgetBucket,
  crossAccountStatements,
  iamUserReader,
  json,
  res,
  roleReader,
  spendfloConfig,
  tlsDeny,
  without,
} from "./fixtures.ts";

const secure = () => [
  ...budgetBucket({ extraStatements: crossAccountStatements() }),
  ...roleReader(),
];
const mandatory = async (
  resources: Parameters<typeof runPolicies>[0],
  config: Record<string, unknown> = spendfloConfig,
) => (await runPolicies(resources, config)).filter((v) => v.level === "mandatory");
const mutate = (list: ReturnType<typeof secure>, type: string, inputs: Record<string, unknown>) =>
  list.map((r) => (r.type === type ? { ...r, inputs: { ...r.inputs, ...inputs } } : r));

describe("runPolicies over hand-made v7 resources", () => {
  it("the secure shapes of our components: no mandatory violation", async () => {
    expect(await mandatory(secure())).toEqual([]);
    expect(await mandatory([...budgetBucket(), ...iamUserReader()])).toEqual([]);
  });

  it.each([
    ["unencrypted", without(secure(), T.BucketSse), "budget-bucket-encrypted"],
    ["unversioned", without(secure(), T.BucketVersioning), "budget-bucket-versioned"],
    [
      "public access not blocked",
      mutate(secure(), T.BucketPublicAccessBlock, { blockPublicPolicy: false }),
      "budget-bucket-public-access-blocked",
    ],
    [
      "no TLS deny",
      mutate(secure(), T.BucketPolicy, { policy: json({ Statement: crossAccountStatements() }) }),
      "budget-bucket-tls-only",
    ],
    ["no lifecycle", without(secure(), T.BucketLifecycle), "budget-bucket-lifecycle"],
    [
      "noncurrent versions kept",
      mutate(secure(), T.BucketLifecycle, {
        rules: [{ id: "x", status: "Enabled", expiration: { days: 30 } }],
      }),
      "budget-bucket-lifecycle",
    ],
    [
      "a public read",
      mutate(secure(), T.BucketPolicy, {
        policy: json({
          Statement: [
            tlsDeny(),
            {
              Effect: "Allow",
              Principal: "*",
              Action: "s3:GetObject",
              Resource: `arn:aws:s3:::${BUCKET}/*`,
            },
          ],
        }),
      }),
      "budget-bucket-no-public-grants",
    ],
    [
      "SpendFlo's role may write",
      mutate(secure(), T.RolePolicy, {
        policy: json({
          Statement: [{ Effect: "Allow", Action: "s3:*", Resource: `arn:aws:s3:::${BUCKET}/*` }],
        }),
      }),
      // Refused before the role policy exists: the role (tagged) was analyzed before it.
      "spendflo-read-only-resource",
    ],
    [
      "SpendFlo's role reads every bucket",
      mutate(secure(), T.RolePolicy, {
        policy: json({ Statement: [{ Effect: "Allow", Action: "s3:GetObject", Resource: "*" }] }),
      }),
      "spendflo-scoped",
    ],
  ])("%s: caught by %s", async (_, resources, policy) => {
    const found = await mandatory(resources);
    expect(found.map((v) => v.policy)).toContain(policy);
    // A public read reaches SpendFlo too, but nothing else fires for an unrelated defect.
    const others = found.filter((v) => v.policy !== policy && !v.policy.startsWith("spendflo-"));
    expect(others).toEqual([]);
  });

  it("a violation carries the policy, level, message and offending URN", async () => {
    const [v] = await mandatory(without(secure(), T.BucketVersioning));
    expect(v).toEqual({
      policy: "budget-bucket-versioned",
      level: "mandatory",
      message: `Bucket aws.s3.Bucket "budgets" (${BUCKET}) must have versioning enabled: add an aws.s3.BucketVersioning with versioningConfiguration.status "Enabled".`,
      urn: "urn:pulumi:dev::budget-sync::aws:s3/bucket:Bucket::budgets",
      stage: "stack",
    });
  });

  it("enforcement levels come from the config; disabled policies do not run", async () => {
    const r = without(secure(), T.BucketVersioning);
    const advisory = await runPolicies(r, {
      ...spendfloConfig,
      "budget-bucket-versioned": { enforcementLevel: "advisory" },
    });
    expect(advisory.find((v) => v.policy === "budget-bucket-versioned")?.level).toBe("advisory");
    const off = await runPolicies(r, { ...spendfloConfig, "budget-bucket-versioned": "disabled" });
    expect(off.find((v) => v.policy === "budget-bucket-versioned")).toBeUndefined();
  });

  it("spendfloAccountIds is read from each policy's own entry", async () => {
    const r = budgetBucket({
      extraStatements: [
        {
          Effect: "Allow",
          Principal: { AWS: SPENDFLO_ACCOUNT },
          Action: "s3:PutObject",
          Resource: `arn:aws:s3:::${BUCKET}/*`,
        },
      ],
    });
    expect((await mandatory(r, {})).map((v) => v.policy)).toEqual([]);
    expect((await mandatory(r)).map((v) => v.policy)).toEqual(["spendflo-read-only"]);
  });
});

describe("policy config", () => {
  it("spendflo-read-only cannot be configured below mandatory", async () => {
    await expect(
      runPolicies(secure(), { "spendflo-read-only": { enforcementLevel: "advisory" } }),
    ).rejects.toThrow(
      '"spendflo-read-only" cannot be configured below mandatory (the config sets it to "advisory"): no write access for SpendFlo may ever ship',
    );
    await expect(runPolicies(secure(), { all: "disabled" })).rejects.toThrow(
      "cannot be configured below mandatory",
    );
  });

  it("refuses a value its schema refuses, an unknown property, an unknown policy, a bad level", async () => {
    await expect(
      runPolicies(secure(), { "spendflo-read-only": { spendfloAccountIds: ["9999"] } }),
    ).rejects.toThrow(
      'the policy config is invalid: "spendflo-read-only".spendfloAccountIds[0] ("9999") must match ^[0-9]{12}$',
    );
    await expect(runPolicies(secure(), { "spendflo-read-only": { accounts: [] } })).rejects.toThrow(
      'the policy config is invalid: "spendflo-read-only" has no config property "accounts"',
    );
    await expect(runPolicies(secure(), { "spendflo-readonly": {} })).rejects.toThrow(
      'the policy config names "spendflo-readonly", which is not a policy of this pack',
    );
    await expect(runPolicies(secure(), { "budget-bucket-versioned": "warn" })).rejects.toThrow(
      'the enforcement level of "budget-bucket-versioned" must be one of advisory, mandatory, remediate, disabled, not "warn"',
    );
  });

  it("loadPolicyConfig reads a file and names it in errors", () => {
    const dir = mkdtempSync(join(tmpdir(), "policy-config-"));
    const good = join(dir, "good.json");
    writeFileSync(good, JSON.stringify(spendfloConfig));
    expect(loadPolicyConfig(good)).toEqual(spendfloConfig);
    const bad = join(dir, "bad.json");
    writeFileSync(bad, "{ nope");
    expect(() => loadPolicyConfig(bad)).toThrow(`the policy config ${bad} is not valid JSON`);
    const weak = join(dir, "weak.json");
    writeFileSync(weak, JSON.stringify({ "spendflo-read-only": "disabled" }));
    expect(() => loadPolicyConfig(weak)).toThrow(
      `${weak}: "spendflo-read-only" cannot be configured below mandatory`,
    );
    expect(() => loadPolicyConfig(join(dir, "missing.json"))).toThrow(
      "cannot read the policy config",
    );
  });

  it("the example config (shown in docs/policy-pack.md) is valid and passes our secure shapes", async () => {
    const example = loadPolicyConfig("policies/policy-config.example.json");
    expect(await mandatory(secure(), example)).toEqual([]);
  });
});

describe("runPolicies: resource policies", () => {
  class Bucket {
    static __pulumiType = T.Bucket;
  }
  const noForceDestroy: ResourceValidationPolicy = {
    name: "no-force-destroy",
    description: "Checks that no bucket is created with forceDestroy.",
    enforcementLevel: "advisory",
    configSchema: { properties: { allowed: { type: "boolean", default: false } } },
    validateResource: (args, report) => {
      // eslint-disable-next-line @typescript-eslint/no-explicit-any
      const cls = Bucket as any;
      if (!args.isType(cls)) args.notApplicable("not a bucket");
      const props = args.asType(cls) as Record<string, unknown>;
      if (props["forceDestroy"] === true && !args.getConfig<{ allowed: boolean }>().allowed) {
        report(`${args.type} "${args.name}" must not set forceDestroy.`);
      }
    },
  };
  const resources = [
    res(T.Bucket, "kept", { bucket: "kept", forceDestroy: false }),
    res(T.Bucket, "doomed", { bucket: "doomed", forceDestroy: true }),
    res(T.User, "someone", { name: "someone" }),
  ];

  it("runs each validation on every custom resource, with type, props, isType, asType, getConfig", async () => {
    expect(await runPolicies(resources, {}, { policies: [noForceDestroy] })).toEqual([
      {
        policy: "no-force-destroy",
        level: "advisory",
        message: 'aws:s3/bucket:Bucket "doomed" must not set forceDestroy.',
        urn: "urn:pulumi:dev::budget-sync::aws:s3/bucket:Bucket::doomed",
        stage: "resource",
      },
    ]);
    expect(
      await runPolicies(
        resources,
        { "no-force-destroy": { allowed: true } },
        { policies: [noForceDestroy] },
      ),
    ).toEqual([]);
  });
});
