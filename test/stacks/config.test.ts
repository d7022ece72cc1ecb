import { describe, expect, it } from "vitest";
import {
  StackConfigError,
  deploymentAccountWarnings,
  deploymentRegionProblems,
  namespaceConfig,
  parseStackConfig,
} from "../../stacks/config.ts";

function problems(raw: Record<string, unknown>): string[] {
  const strings = Object.fromEntries(
    Object.entries(raw).map(([k, v]) => [k, typeof v === "string" ? v : JSON.stringify(v)]),
  );
  try {
    parseStackConfig(strings);
  } catch (error) {
    expect(error).toBeInstanceOf(StackConfigError);
    return (error as StackConfigError).problems;
  }
  throw new Error("expected the config to be refused");
}

describe("stack config", () => {
  it("fills the defaults of a minimal config", () => {
    expect(parseStackConfig({ bucketName: "acme-budget-exports" })).toEqual({
      bucketName: "acme-budget-exports",
      prefix: "budgets/",
      retentionDays: 30,
      noncurrentRetentionDays: 30,
      encryption: { type: "sse-s3" },
      access: { mode: "iam-user" },
      forceDestroy: false,
      adoptExistingBucket: false,
      tags: {},
    });
  });

  it("reports every problem in one pass: a missing bucketName hides no cross-field check", () => {
    expect(
      problems({
        access: { mode: "cross-account-role" },
        retentionDays: "abc",
        encryption: { type: "sse-s3", kmsKeyArn: "alias/aws/s3" },
        forceDestroy: true,
        adoptExistingBucket: true,
      }),
    ).toEqual([
      "budget-sync:bucketName: is required: the globally unique name of the budget bucket",
      "budget-sync:retentionDays: must be a number of days",
      expect.stringMatching(/^budget-sync:forceDestroy: cannot be used with adoptExistingBucket/),
      "budget-sync:access.spendfloAccountId: is required in mode cross-account-role: SpendFlo's 12-digit AWS account id",
      "budget-sync:access.externalId: is required in mode cross-account-role: the external id agreed with SpendFlo",
      'budget-sync:encryption.kmsKeyArn: is only used with type "sse-kms"',
    ]);
  });

  it("keeps a numeric-looking bucket name a string", () => {
    expect(parseStackConfig({ bucketName: "123456" }).bucketName).toBe("123456");
  });

  it("requires a bucket name", () => {
    expect(problems({})).toEqual([
      "budget-sync:bucketName: is required: the globally unique name of the budget bucket",
    ]);
  });

  it.each([
    [
      "Acme_Budgets",
      "budget-sync:bucketName: may contain only lowercase letters, digits, dots (.) and hyphens (-)",
    ],
    ["ab", "budget-sync:bucketName: must be 3 to 63 characters long (it has 2)"],
    ["192.168.1.1", "budget-sync:bucketName: must not be formatted as an IP address"],
    ["acme..budgets", "budget-sync:bucketName: must not contain two adjacent dots"],
    ["xn--acme", 'budget-sync:bucketName: must not start with the reserved prefix "xn--"'],
    ["acme-s3alias", 'budget-sync:bucketName: must not end with the reserved suffix "-s3alias"'],
  ])("refuses bucket name %s", (bucketName, message) => {
    expect(problems({ bucketName })).toContain(message);
  });

  it.each([
    ["budgets", 'budget-sync:prefix: must end with "/" (try "budgets/")'],
    [
      "/budgets/",
      'budget-sync:prefix: must not start with "/": S3 keys have no leading slash (try "budgets/")',
    ],
    [
      " budgets/",
      'budget-sync:prefix: must not have a space at the start or end of a segment (" budgets"): S3 would keep the space, a second prefix that looks the same (try "budgets/")',
    ],
    [
      "\u200bbudgets/",
      "budget-sync:prefix: must not contain an invisible character (a zero-width space, a byte-order mark...): the prefix would look like another one and match none of its files",
    ],
    [
      "a+b/",
      'budget-sync:prefix: must not contain "+": some tools read it as a space in an S3 key',
    ],
    [
      "budgets/../x/",
      'budget-sync:prefix: must not contain a "." or ".." segment: S3 keeps it as a name, while tools that tidy paths read another folder (try "budgets/x/")',
    ],
    [
      "budgets/*/",
      'budget-sync:prefix: must not contain "*", "?" or "${": they are wildcards and variables in IAM policies',
    ],
    ["", 'budget-sync:prefix: must not be empty: access is scoped to a prefix such as "budgets/"'],
  ])("refuses prefix %j", (prefix, message) => {
    expect(problems({ bucketName: "acme-x", prefix })).toContain(message);
  });

  it("refuses retention that is not a whole positive number of days", () => {
    expect(
      problems({ bucketName: "acme-x", retentionDays: 0, noncurrentRetentionDays: 1.5 }),
    ).toEqual([
      "budget-sync:retentionDays: must be at least 1 day",
      "budget-sync:noncurrentRetentionDays: must be a whole number of days",
    ]);
    expect(problems({ bucketName: "acme-x", retentionDays: "thirty" })).toEqual([
      "budget-sync:retentionDays: must be a number of days",
    ]);
  });

  it("names unknown keys and lists the allowed ones", () => {
    const [message, ...rest] = problems({ bucketName: "acme-x", bucket: "x" });
    expect(rest).toEqual([]);
    expect(message).toMatch(
      /^budget-sync: unknown key "bucket"; allowed: bucketName, prefix, retentionDays, noncurrentRetentionDays, encryption, access, forceDestroy, adoptExistingBucket, tags\b/,
    );
    expect(
      problems({ bucketName: "acme-x", access: { mode: "iam-user", accountId: "1" } })[0],
    ).toMatch(
      /^budget-sync:access: unknown key "accountId"; allowed: mode, spendfloAccountId, externalId/,
    );
  });

  it("refuses an unknown access mode, naming the allowed ones", () => {
    expect(problems({ bucketName: "acme-x", access: { mode: "public" } })).toEqual([
      "budget-sync:access.mode: must be one of iam-user, cross-account-policy, cross-account-role",
    ]);
  });

  it("requires SpendFlo's account in the cross-account modes, and an external id for the role", () => {
    expect(problems({ bucketName: "acme-x", access: { mode: "cross-account-role" } })).toEqual([
      "budget-sync:access.spendfloAccountId: is required in mode cross-account-role: SpendFlo's 12-digit AWS account id",
      "budget-sync:access.externalId: is required in mode cross-account-role: the external id agreed with SpendFlo",
    ]);
    expect(
      problems({
        bucketName: "acme-x",
        access: { mode: "cross-account-policy", spendfloAccountId: "12345" },
      }),
    ).toEqual(["budget-sync:access.spendfloAccountId: must be a 12-digit AWS account id"]);
  });

  it("refuses settings that belong to another mode", () => {
    expect(
      problems({
        bucketName: "acme-x",
        access: {
          mode: "cross-account-policy",
          spendfloAccountId: "999988887777",
          externalId: "abc",
          accessKeys: ["key1"],
        },
      }),
    ).toEqual([
      "budget-sync:access.externalId: is only used in mode cross-account-role (the mode is cross-account-policy)",
      "budget-sync:access.accessKeys: is only used in mode iam-user (the mode is cross-account-policy)",
    ]);
  });

  it("checks external ids and key slots", () => {
    expect(
      problems({
        bucketName: "acme-x",
        access: {
          mode: "cross-account-role",
          spendfloAccountId: "999988887777",
          externalId: "has space",
        },
      }),
    ).toEqual([
      "budget-sync:access.externalId: must be 2 to 1224 characters of letters, digits and + = , . @ : / - _",
    ]);
    expect(problems({ bucketName: "acme-x", access: { accessKeys: ["key1", "key1"] } })).toEqual([
      "budget-sync:access.accessKeys: must not list a slot twice",
    ]);
    expect(
      problems({ bucketName: "acme-x", access: { accessKeys: ["key1"], activeKey: "key2" } }),
    ).toEqual(["budget-sync:access.activeKey: must be one of accessKeys (key1)"]);
  });

  it("checks KMS settings, and refuses the AWS-managed key across accounts", () => {
    expect(
      problems({
        bucketName: "acme-x",
        encryption: { type: "sse-kms", kmsKeyArn: "alias/budgets" },
      })[0],
    ).toMatch(/^budget-sync:encryption.kmsKeyArn: must be a KMS key ARN/);
    expect(
      problems({ bucketName: "acme-x", encryption: { type: "sse-s3", kmsKeyArn: "alias/aws/s3" } }),
    ).toEqual(['budget-sync:encryption.kmsKeyArn: is only used with type "sse-kms"']);
    expect(
      problems({
        bucketName: "acme-x",
        encryption: { type: "sse-kms", kmsKeyArn: "alias/aws/s3" },
        access: { mode: "cross-account-policy", spendfloAccountId: "999988887777" },
      })[0],
    ).toMatch(/the AWS-managed aws\/s3 key cannot be shared with another account/);
    expect(problems({ bucketName: "acme-x", encryption: { type: "aes" } })).toEqual([
      'budget-sync:encryption.type: must be "sse-s3" or "sse-kms"',
    ]);
  });

  it("says in a stack file's words when a value has the wrong shape", () => {
    expect(problems({ bucketName: "acme-x", access: "iam-user", tags: ["a"] })).toEqual([
      "budget-sync:access: must be a map of settings (a YAML object), not text",
      "budget-sync:tags: must be a map of names to values (a YAML object), not array",
    ]);
  });

  it("refuses reserved tag keys", () => {
    expect(problems({ bucketName: "acme-x", tags: { "aws:owner": "me" } })).toEqual([
      'budget-sync:tags.aws:owner: tag keys must not start with "aws:"',
    ]);
  });

  it("checks the audit log bucket's derived name with the rest of the config", () => {
    const long = `a${"b".repeat(55)}`;
    expect(problems({ bucketName: long, audit: { enabled: true } })).toEqual([
      `budget-sync:audit.logBucketName: is required here: the default name ${long}-audit-logs is not a valid bucket name (must be 3 to 63 characters long (it has 67))`,
    ]);
  });

  it("reads only its own namespace", () => {
    expect(namespaceConfig({ "aws:region": "eu-west-1", "budget-sync:bucketName": "b" })).toEqual({
      bucketName: "b",
    });
  });
});

describe("deploymentRegionProblems", () => {
  const KEY = "arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab";
  it("accepts a known region, a well-formed new one, and a key of the bucket's region", () => {
    const config = parseStackConfig({
      bucketName: "acme-budgets",
      encryption: JSON.stringify({ type: "sse-kms", kmsKeyArn: KEY }),
    });
    expect(deploymentRegionProblems(config, "eu-west-1")).toEqual([]);
    expect(
      deploymentRegionProblems(parseStackConfig({ bucketName: "acme-budgets" }), "us-north-9"),
    ).toEqual([]);
  });

  it("refuses a typo of a region and a key in another region", () => {
    const config = parseStackConfig({
      bucketName: "acme-budgets",
      encryption: JSON.stringify({ type: "sse-kms", kmsKeyArn: KEY }),
    });
    expect(deploymentRegionProblems(config, "us-eest-1")).toEqual([
      'aws:region: "us-eest-1" is not an AWS region code: did you mean us-east-1 or us-west-1?',
      "budget-sync:encryption.kmsKeyArn: the key is in eu-west-1 but the bucket in us-eest-1 (aws:region): S3 encrypts only with a key of the bucket's own region; give a key in us-eest-1",
    ]);
  });
});

describe("access.spendfloAccountId unquoted in YAML (a number)", () => {
  const access = (spendfloAccountId: unknown) =>
    JSON.stringify({ mode: "cross-account-policy", spendfloAccountId });
  it("accepts a 12-digit number as the id", () => {
    const config = parseStackConfig({ bucketName: "acme-budgets", access: access(999988887777) });
    expect(config.access.spendfloAccountId).toBe("999988887777");
  });

  it("says to quote an id whose leading zeros a number lost", () => {
    expect(() =>
      parseStackConfig({ bucketName: "acme-budgets", access: access(12345678901) }),
    ).toThrow(
      'budget-sync:access.spendfloAccountId: is the YAML number 12345678901, not a 12-digit account id: quote the id ("012345678901"), since a number loses its leading zeros',
    );
  });

  it("warns when it is the account the stack deploys to", () => {
    const config = parseStackConfig({ bucketName: "acme-budgets", access: access("123456789012") });
    expect(deploymentAccountWarnings(config, "123456789012")).toEqual([
      "budget-sync:access.spendfloAccountId is 123456789012, the account this stack deploys to: SpendFlo's account id is the one SpendFlo gives you, not yours",
    ]);
    expect(deploymentAccountWarnings(config, "111122223333")).toEqual([]);
  });
});
