import { describe, expect, it } from "vitest";
import { MASK, maskSecretFields, Redactor, secretValuesIn } from "../../../cli/redact.ts";
import {
  buildSyncConfigRequest,
  frequencyProblems,
  sourceConfigKind,
  syncConfigRequestSchema,
} from "../../../lib/spendflo/syncConfig.ts";

const keyPair = {
  bucketName: "your-company-budget-exports",
  region: "us-east-1",
  accessKeyId: "AKIAIOSFODNN7EXAMPLE",
  secretAccessKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
  prefix: "budgets/",
};

describe("the sync-config contract", () => {
  it("accepts the guide's own Step 5 example, unchanged", () => {
    const guideBody = {
      customerId: "<your-customer-id>".replace(/[<>]/g, ""),
      sourceType: "s3",
      enabled: true,
      frequency: "every_4_hours",
      sourceConfig: keyPair,
    };
    expect(syncConfigRequestSchema.parse(guideBody)).toEqual(guideBody);
  });

  it("builds the body in the guide's key order, every_4_hours by default", () => {
    const body = buildSyncConfigRequest({
      customerId: "acme",
      enabled: true,
      sourceConfig: { ...keyPair },
    });
    expect(JSON.stringify(syncConfigRequestSchema.parse(body))).toBe(
      '{"customerId":"acme","sourceType":"s3","enabled":true,"frequency":"every_4_hours","sourceConfig":{"bucketName":"your-company-budget-exports","region":"us-east-1","accessKeyId":"AKIAIOSFODNN7EXAMPLE","secretAccessKey":"wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY","prefix":"budgets/"}}',
    );
  });

  it.each([
    ["hourly", []],
    ["daily", []],
    ["every_4_hours", []],
    ["every_12_hours", []],
    ["every_1_hours", ['every_1_hours is spelled "hourly"']],
    ["every_24_hours", ['every_24_hours is spelled "daily"']],
    ["every_48_hours", ['every_48_hours is longer than a day: use "daily"']],
    [
      "every_04_hours",
      [
        'must be "hourly", "daily" or "every_<N>_hours" such as "every_4_hours" (got "every_04_hours")',
      ],
    ],
    [
      "weekly",
      ['must be "hourly", "daily" or "every_<N>_hours" such as "every_4_hours" (got "weekly")'],
    ],
  ])("frequency %s", (frequency, problems) => {
    expect(frequencyProblems(frequency)).toEqual(problems);
  });

  it("picks the source-config shape from its credential fields", () => {
    expect(sourceConfigKind(keyPair)).toBe("key-pair");
    expect(sourceConfigKind({ roleArn: "x" })).toBe("role");
    expect(sourceConfigKind({ bucketName: "b" })).toBe("account");
  });

  it("names the missing half of a key pair, not three unions' worth of noise", () => {
    const half: Record<string, unknown> = { ...keyPair };
    delete half.secretAccessKey;
    const result = syncConfigRequestSchema.safeParse(
      buildSyncConfigRequest({ customerId: "acme", enabled: true, sourceConfig: half }),
    );
    expect(result.success).toBe(false);
    expect(result.error!.issues.map((i) => i.path.join("."))).toEqual([
      "sourceConfig.secretAccessKey",
    ]);
  });

  it("refuses mixing a key pair with a role, and a role ARN that is not a role", () => {
    const mixed = syncConfigRequestSchema.safeParse(
      buildSyncConfigRequest({
        customerId: "acme",
        enabled: true,
        sourceConfig: {
          ...keyPair,
          roleArn: "arn:aws:iam::123456789012:role/x",
          externalId: "abc",
        },
      }),
    );
    expect(mixed.success).toBe(false);
    const role = syncConfigRequestSchema.safeParse(
      buildSyncConfigRequest({
        customerId: "acme",
        enabled: true,
        sourceConfig: {
          bucketName: "b-bucket",
          region: "us-east-1",
          roleArn: "arn:aws:iam::123456789012:user/x",
          externalId: "abc",
          prefix: "p/",
        },
      }),
    );
    expect(role.error!.issues.map((i) => `${i.path.join(".")}: ${i.message}`)).toEqual([
      "sourceConfig.roleArn: must be an IAM role ARN (arn:aws:iam::<account>:role/<name>)",
    ]);
  });

  it("refuses a customer id with spaces", () => {
    const result = syncConfigRequestSchema.safeParse(
      buildSyncConfigRequest({ customerId: "acme corp", enabled: true, sourceConfig: keyPair }),
    );
    expect(result.error!.issues[0]!.path).toEqual(["customerId"]);
  });
});

describe("redaction", () => {
  const secret = 'wJalr/K7+MDENG"x';

  it("masks a secret in its raw, JSON-escaped and URL-encoded forms, with nothing of the value", () => {
    const redactor = new Redactor([secret]);
    const text = `raw ${secret} json ${JSON.stringify({ s: secret })} url ?k=${encodeURIComponent(secret)}`;
    expect(redactor.text(text)).toBe('raw **** json {"s":"****"} url ?k=****');
  });

  it("masks values under secret keys even when the redactor does not know them", () => {
    expect(
      maskSecretFields({
        a: { secretAccessKey: "x", apiKey: "y", sessionToken: "z", accessKeyId: "AKIA" },
      }),
    ).toEqual({
      a: { secretAccessKey: MASK, apiKey: MASK, sessionToken: MASK, accessKeyId: "AKIA" },
    });
    expect(
      secretValuesIn({
        customers: {
          a: { syncSourceConfig: { secretAccessKey: "s1" } },
          b: { secretAccessKey: "s2" },
        },
      }),
    ).toEqual(["s1", "s2"]);
  });

  it("copies an error with its class and fields, masking message and stack, dropping the cause", () => {
    class CodedError extends Error {
      constructor(
        message: string,
        readonly exitCode: number,
      ) {
        super(message, { cause: secret });
      }
    }
    const copy = new Redactor([secret]).error(new CodedError(`failed with ${secret}`, 7));
    expect(copy).toBeInstanceOf(CodedError);
    expect((copy as CodedError).exitCode).toBe(7);
    expect(copy.message).toBe("failed with ****");
    expect(copy.stack).not.toContain(secret);
    expect(copy.cause).toBeUndefined();
  });
});
