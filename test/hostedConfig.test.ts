import { describe, expect, it } from "vitest";
import {
  StackConfigError,
  hostedSettings,
  isHostedConfig,
  parseStackConfig,
} from "../stacks/config.ts";

const BUCKET = "spendflo-budget-uploads";

function raw(values: Record<string, unknown>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(values).map(([k, v]) => [k, typeof v === "string" ? v : JSON.stringify(v)]),
  );
}

function problems(values: Record<string, unknown>): string[] {
  try {
    parseStackConfig(raw(values));
  } catch (error) {
    expect(error).toBeInstanceOf(StackConfigError);
    return (error as StackConfigError).problems;
  }
  throw new Error("expected the config to be refused");
}

describe("hosted stack config: customers", () => {
  it("reads one line per customer; the stack owns the bucket by default", () => {
    const config = parseStackConfig(
      raw({
        bucketName: BUCKET,
        customers: [
          { id: "acme", name: "Acme Corp", contact: "it@acme.example" },
          { id: "globex" },
        ],
      }),
    );
    expect(isHostedConfig(config)).toBe(true);
    expect(hostedSettings(config)).toEqual({
      manageBucket: true,
      customers: [{ id: "acme", name: "Acme Corp", contact: "it@acme.example" }, { id: "globex" }],
    });
  });

  it("is a customer's own stack without customers or hosted", () => {
    expect(isHostedConfig(parseStackConfig(raw({ bucketName: "acme-budget-exports" })))).toBe(
      false,
    );
  });

  it("is a hosted base stack with hosted and no customers yet", () => {
    const config = parseStackConfig(raw({ bucketName: BUCKET, hosted: { manageBucket: true } }));
    expect(isHostedConfig(config)).toBe(true);
    expect(hostedSettings(config).customers).toEqual([]);
  });

  it("names a customer listed twice, pointing at the first", () => {
    expect(
      problems({
        bucketName: BUCKET,
        customers: [{ id: "acme" }, { id: "globex" }, { id: "acme", name: "Acme again" }],
      }),
    ).toEqual([
      'budget-sync:customers.2.id: "acme" is listed twice (first as customers.0): one customer, one prefix, one principal',
    ]);
  });

  it("refuses ids that are not lowercase slugs, one message each", () => {
    expect(
      problems({ bucketName: BUCKET, customers: [{ id: "Acme" }, { id: "ok" }, { id: "a/b" }] }),
    ).toEqual([
      "budget-sync:customers.0.id: must be a lowercase slug: only a-z, 0-9 and hyphens (e.g. acme-corp)",
      "budget-sync:customers.2.id: must be a lowercase slug: only a-z, 0-9 and hyphens (e.g. acme-corp)",
    ]);
  });

  it("reports every problem of the list in one pass, the duplicate too; a number id must be text", () => {
    expect(
      problems({
        bucketName: BUCKET,
        customers: [{ id: "acme" }, { id: "Acme" }, { id: "acme" }, { id: 123 }],
      }),
    ).toEqual([
      "budget-sync:customers.1.id: must be a lowercase slug: only a-z, 0-9 and hyphens (e.g. acme-corp)",
      "budget-sync:customers.3.id: must be text: the customer's company id, a lowercase slug (acme-corp), not a number",
      'budget-sync:customers.2.id: "acme" is listed twice (first as customers.0): one customer, one prefix, one principal',
    ]);
    expect(problems({ bucketName: BUCKET, customers: "acme" })).toEqual([
      "budget-sync:customers: must be a list of customers, each { id, name?, contact? }",
    ]);
  });

  it("requires an id and says what it is", () => {
    expect(problems({ bucketName: BUCKET, customers: [{ name: "Acme" }] })).toEqual([
      "budget-sync:customers.0.id: is required: the customer's company id, a lowercase slug (acme-corp)",
    ]);
  });

  it("refuses a name IAM would not take as a tag value", () => {
    expect(
      problems({ bucketName: BUCKET, customers: [{ id: "acme", name: "Acme, Inc." }] }),
    ).toEqual([
      "budget-sync:customers.0.name: may contain only letters, digits, spaces and _ . : / = + - @ (it becomes an IAM tag value)",
    ]);
  });

  it("names an unknown key of a customer and lists the allowed ones", () => {
    expect(problems({ bucketName: BUCKET, customers: [{ id: "acme", email: "x@y.z" }] })).toEqual([
      'budget-sync:customers.0: unknown key "email"; allowed: id, name, contact',
    ]);
  });

  it("refuses customers that are not a list", () => {
    expect(problems({ bucketName: BUCKET, customers: { acme: {} } })).toEqual([
      "budget-sync:customers: must be a list of customers, each { id, name?, contact? }",
    ]);
  });
});

describe("hosted stack config: what a hosted stack allows", () => {
  it("refuses a prefix of its own: customers' prefixes are fixed", () => {
    expect(problems({ bucketName: BUCKET, prefix: "uploads/", customers: [{ id: "a" }] })).toEqual([
      "budget-sync:prefix: is not used by a hosted stack: its lifecycle covers customers/ and each customer's prefix is customers/<id>/budgets/; remove it",
    ]);
  });

  it("refuses a KMS key every customer would need a grant on", () => {
    expect(
      problems({ bucketName: BUCKET, encryption: { type: "sse-kms" }, customers: [{ id: "a" }] }),
    ).toEqual([
      "budget-sync:encryption: a hosted stack encrypts with sse-s3 or the AWS-managed key (kmsKeyArn: alias/aws/s3): with any other key every customer would need its own KMS grant",
    ]);
    expect(
      isHostedConfig(
        parseStackConfig(
          raw({
            bucketName: BUCKET,
            encryption: { type: "sse-kms", kmsKeyArn: "alias/aws/s3" },
            customers: [{ id: "a" }],
          }),
        ),
      ),
    ).toBe(true);
  });

  it("refuses bucket settings in a shard stack, which never makes the bucket", () => {
    expect(
      problems({
        bucketName: BUCKET,
        hosted: { manageBucket: false },
        forceDestroy: true,
        adoptExistingBucket: true,
        customers: [{ id: "a" }],
      }),
    ).toEqual([
      "budget-sync:forceDestroy: is only used when hosted.manageBucket is true: a shard stack makes customers' principals, never the bucket",
      "budget-sync:adoptExistingBucket: is only used when hosted.manageBucket is true: a shard stack makes customers' principals, never the bucket",
    ]);
  });

  it("refuses the bucket's retention and encryption in a shard instead of ignoring them; tags tag its users", () => {
    expect(
      problems({
        bucketName: BUCKET,
        hosted: { manageBucket: false },
        retentionDays: 90,
        noncurrentRetentionDays: 7,
        encryption: { type: "sse-s3" },
        tags: { team: "onboarding" },
        customers: [{ id: "a" }],
      }),
    ).toEqual(
      ["retentionDays", "noncurrentRetentionDays", "encryption"].map(
        (key) =>
          `budget-sync:${key}: is only used when hosted.manageBucket is true: a shard stack makes customers' principals, never the bucket; set it in the base stack`,
      ),
    );
    const shard = parseStackConfig(
      raw({
        bucketName: BUCKET,
        hosted: { manageBucket: false },
        tags: { team: "onboarding" },
        customers: [{ id: "a" }],
      }),
    );
    expect(shard.tags).toEqual({ team: "onboarding" });
  });

  it("in cross-account-policy mode, names sse-s3 as the one choice for the AWS-managed key", () => {
    expect(
      problems({
        bucketName: BUCKET,
        access: { mode: "cross-account-policy", spendfloAccountId: "999988887777" },
        encryption: { type: "sse-kms", kmsKeyArn: "alias/aws/s3" },
        customers: [{ id: "a" }],
      }),
    ).toEqual([
      'budget-sync:encryption.kmsKeyArn: the AWS-managed aws/s3 key cannot be shared with another account: a hosted stack in mode cross-account-policy encrypts with type "sse-s3" (no kmsKeyArn)',
    ]);
  });

  it("refuses a customer's own stack's features instead of ignoring them", () => {
    expect(
      problems({
        bucketName: BUCKET,
        customers: [{ id: "a" }],
        uploader: { kind: "iam-user" },
        monitoring: { emails: ["it@spendflo.example"] },
      }),
    ).toEqual([
      "budget-sync:uploader: is not used by a hosted stack: each customer's principal is its uploader",
      "budget-sync:monitoring: is not used by a hosted stack: its alarms watch one prefix, not one per customer",
    ]);
  });

  it("takes the audit trail in the base stack, not in a shard", () => {
    const base = parseStackConfig(
      raw({ bucketName: BUCKET, customers: [{ id: "a" }], audit: { enabled: true } }),
    );
    expect(base.audit?.enabled).toBe(true);
    expect(
      problems({
        bucketName: BUCKET,
        hosted: { manageBucket: false },
        customers: [{ id: "a" }],
        audit: { enabled: true },
      }),
    ).toEqual([
      "budget-sync:audit: is only used when hosted.manageBucket is true: a shard stack makes customers' principals, never the bucket",
    ]);
  });

  it("names an unknown key under hosted", () => {
    expect(problems({ bucketName: BUCKET, hosted: { manageBuckets: false } })).toEqual([
      'budget-sync:hosted: unknown key "manageBuckets"; allowed: manageBucket',
    ]);
  });
});
