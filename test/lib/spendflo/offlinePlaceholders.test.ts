import { readdirSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import {
  OFFLINE_PLAN_MARKER,
  markOfflineOutputs,
  offlinePlanEvidence,
  placeholderAccessKeyId,
  placeholderSecretAccessKey,
} from "../../../lib/spendflo/offlinePlaceholders.ts";
import {
  hostedStackOutputsSchema,
  stackOutputsSchema,
} from "../../../lib/spendflo/stackOutputs.ts";
import { keyPairSourceConfigSchema } from "../../../lib/spendflo/syncConfig.ts";
import { UsageError } from "../../../cli/errors.ts";
import { planJson } from "../../../cli/commands/plan.ts";
import { computePlan } from "../../../cli/plan/computePlan.ts";
import { selectStackOutputs } from "../../../cli/stackOutputsInput.ts";
import { REPO } from "../../helpers/cli.ts";

const deployed = {
  accessMode: "cross-account-role",
  bucketName: "acme-budget-exports",
  bucketArn: "arn:aws:s3:::acme-budget-exports",
  region: "us-east-2",
  prefix: "budgets/",
  spendfloAccountId: "111122223333",
  roleArn: "arn:aws:iam::444455556666:role/spendflo-budget-sync-prod",
  externalId: "acme-7f3a9c",
  syncSourceConfig: {
    bucketName: "acme-budget-exports",
    region: "us-east-2",
    prefix: "budgets/",
    roleArn: "arn:aws:iam::444455556666:role/spendflo-budget-sync-prod",
    externalId: "acme-7f3a9c",
  },
};

describe("offline placeholders", () => {
  it("finds nothing in a deployed stack's outputs", () => {
    expect(offlinePlanEvidence(deployed)).toEqual([]);
    expect(() => selectStackOutputs(JSON.stringify(deployed))).not.toThrow();
  });

  it("names each sign: the marker, the placeholder account, the account the marker names, placeholder keys", () => {
    expect(offlinePlanEvidence(markOfflineOutputs(deployed, "444455556666"))).toEqual([
      `they carry the offline plan's marker "${OFFLINE_PLAN_MARKER}"`,
      "arn:aws:iam::444455556666:role/spendflo-budget-sync-prod is in account 444455556666, the offline plan's placeholder",
    ]);
    const inExampleAccount = JSON.parse(
      JSON.stringify(deployed).replaceAll("444455556666", "123456789012"),
    ) as unknown;
    expect(offlinePlanEvidence(inExampleAccount)).toEqual([
      "arn:aws:iam::123456789012:role/spendflo-budget-sync-prod is in account 123456789012, the offline plan's placeholder (AWS's example account)",
    ]);
    const keys = {
      customers: {
        acme: {
          syncSourceConfig: {
            accessKeyId: placeholderAccessKeyId("0123456789abcdef"),
            secretAccessKey: placeholderSecretAccessKey("fedcba9876543210"),
          },
        },
      },
    };
    expect(offlinePlanEvidence(keys)).toEqual([
      "an access key id starts with OFFLINE_PLACEHOLDER_",
      "a secret access key starts with offline-placeholder-secret-",
    ]);
  });

  it("refuses them with exit 2 and says where real outputs come from, before their shape or hidden secrets", () => {
    // A plan masks secrets as "[secret]" and a hosted plan's customers are all one secret: the
    // message must still be the one about the plan, not about --show-secrets or the shape.
    const planned = markOfflineOutputs(
      { bucketName: "spendflo-budget-uploads", customers: "[secret]" },
      "123456789012",
    );
    let error: unknown;
    try {
      selectStackOutputs(JSON.stringify(planned), "acme");
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(UsageError);
    const message = (error as Error).message;
    expect(message).toContain("the placeholders of an offline `budget-sync plan`");
    expect(message).toContain("`pulumi up`");
    expect(message).toContain("`pulumi stack output --json --show-secrets");
    expect(message).not.toContain("[secret]");
  });
});

describe("the plan's placeholders", () => {
  it("mark plan --json outputs, look like placeholders and still fit the outputs' schemas", async () => {
    // One offline plan per process: the default stack, iam-user mode, with a key pair.
    const { plan, run } = await computePlan({ stack: "own-bucket" });
    const json = planJson(plan);
    expect(json.outputs[OFFLINE_PLAN_MARKER]).toEqual({
      note: expect.stringContaining("pulumi up") as unknown,
      accountId: "123456789012",
    });
    expect(offlinePlanEvidence(json.outputs)).toContain(
      `they carry the offline plan's marker "${OFFLINE_PLAN_MARKER}"`,
    );
    expect(offlinePlanEvidence(json)[0]).toBe("it is a whole `budget-sync plan --json` document");

    // The unmasked outputs, as a deployed stack would print them with --show-secrets.
    const outputs = stackOutputsSchema.parse(run.outputs);
    expect(outputs.accessMode).toBe("iam-user");
    const source = keyPairSourceConfigSchema.parse(outputs.syncSourceConfig);
    expect(source.accessKeyId).toMatch(/^OFFLINE_PLACEHOLDER_[0-9A-F]{12}$/);
    expect(source.accessKeyId).not.toMatch(/^A[KS]IA/);
    expect(source.secretAccessKey).toMatch(/^offline-placeholder-secret-[0-9a-f]{13}$/);
    // Even with the marker and every ARN gone, the key gives the plan away.
    expect(offlinePlanEvidence(run.outputs)).toEqual([
      "an access key id starts with OFFLINE_PLACEHOLDER_",
      "a secret access key starts with offline-placeholder-secret-",
    ]);
  });
});

describe("every example stack's outputs", () => {
  const stacks = readdirSync(path.join(REPO, "stacks"))
    .map((f) => /^Pulumi\.(.+)\.yaml$/.exec(f)?.[1])
    .filter((s): s is string => s !== undefined);

  it.each(stacks)("%s: fit the schema register reads", async (stack) => {
    // The unmasked outputs, as `pulumi stack output --json --show-secrets` prints them.
    const { run } = await computePlan({ stack });
    if ("customers" in run.outputs) {
      const hosted = hostedStackOutputsSchema.parse(run.outputs);
      expect(Object.keys(hosted.customers).length).toBeGreaterThan(0);
    } else {
      expect(stackOutputsSchema.parse(run.outputs).accessMode).toBeTruthy();
    }
  });
});
