import { describe, expect, it } from "vitest";
import {
  StackConfigError,
  hostedSettings,
  isHostedConfig,
  parseStackConfig,
} from "../../stacks/config.ts";

const BUCKET = "spendflo-budget-uploads";

const POLLER = "arn:aws:iam::999988887777:role/spendflo-budget-poller";
const externalIdOf = (id: unknown, index: number) =>
  `${typeof id === "string" ? id : "customer"}-${index}-5f0c8e2a9d31b7c4`;

/**
 * The raw config of a hosted stack, completed with what every one needs and these tests are not
 * about: an external id per customer and the poller's role. `bare` leaves the values as given.
 */
function raw(values: Record<string, unknown>, bare = false): Record<string, string> {
  const completed = { ...values };
  if (!bare && Array.isArray(values.customers)) {
    completed.customers = values.customers.map((c: unknown, i) =>
      c !== null && typeof c === "object" && !("externalId" in c)
        ? { ...c, externalId: externalIdOf((c as { id?: unknown }).id, i) }
        : c,
    );
    const hosted = (values.hosted ?? {}) as Record<string, unknown>;
    if (!("pollerRoleArn" in hosted)) completed.hosted = { ...hosted, pollerRoleArn: POLLER };
  }
  return Object.fromEntries(
    Object.entries(completed).map(([k, v]) => [k, typeof v === "string" ? v : JSON.stringify(v)]),
  );
}

function problems(values: Record<string, unknown>, bare = false): string[] {
  try {
    parseStackConfig(raw(values, bare));
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
      pollerRoleArn: POLLER,
      customers: [
        {
          id: "acme",
          name: "Acme Corp",
          contact: "it@acme.example",
          externalId: "acme-0-5f0c8e2a9d31b7c4",
        },
        { id: "globex", externalId: "globex-1-5f0c8e2a9d31b7c4" },
      ],
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
      "budget-sync:customers: must be a list of customers, each { id, externalId, name?, contact? }",
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
      'budget-sync:customers.0: unknown key "email"; allowed: id, name, contact, externalId',
    ]);
  });

  it("refuses customers that are not a list", () => {
    expect(problems({ bucketName: BUCKET, customers: { acme: {} } })).toEqual([
      "budget-sync:customers: must be a list of customers, each { id, externalId, name?, contact? }",
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

  it("refuses access: SpendFlo reads each customer with that customer's own sync role, not a reader of all", () => {
    expect(
      problems({
        bucketName: BUCKET,
        access: { mode: "cross-account-policy", spendfloAccountId: "999988887777" },
        customers: [{ id: "a" }],
      }),
    ).toEqual([
      "budget-sync:access: is not used by a hosted stack: SpendFlo reads each customer's prefix with that customer's own read-only role (spendflo-reader-<id>), which the poller named in hosted.pollerRoleArn assumes with the customer's externalId; remove access",
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
      'budget-sync:hosted: unknown key "manageBuckets"; allowed: manageBucket, pollerRoleArn',
    ]);
  });
});

describe("hosted stack config: SpendFlo's poller and the customers' external ids", () => {
  it("requires the poller's role with customers, and an external id for each", () => {
    expect(
      problems(
        { bucketName: BUCKET, hosted: { pollerRoleArn: POLLER }, customers: [{ id: "acme" }] },
        true,
      ),
    ).toEqual([
      "budget-sync:customers.0.externalId: is required: the external id SpendFlo's poller presents for this customer, a random value such as the output of `uuidgen`",
    ]);
    expect(
      problems(
        { bucketName: BUCKET, customers: [{ id: "acme", externalId: "acme-0-5f0c8e2a9d31b7c4" }] },
        true,
      ),
    ).toEqual([
      "budget-sync:hosted.pollerRoleArn: is required with customers: the ARN of SpendFlo's poller role (arn:aws:iam::<account>:role/<name>), the one principal that may assume each customer's read-only sync role",
    ]);
    // A base stack with no customers yet needs neither.
    expect(() =>
      parseStackConfig(raw({ bucketName: BUCKET, hosted: { manageBucket: true } }, true)),
    ).not.toThrow();
  });

  it("names a role exactly: not an account, a session or anything else", () => {
    const withPoller = (pollerRoleArn: string) =>
      problems({ bucketName: BUCKET, hosted: { pollerRoleArn }, customers: [{ id: "a" }] });
    expect(withPoller("arn:aws:iam::999988887777:root")).toEqual([
      "budget-sync:hosted.pollerRoleArn: names a whole account: name the poller's role (arn:aws:iam::<account>:role/<name>), so that no other principal of that account can assume the customers' readers",
    ]);
    expect(withPoller("arn:aws:sts::999988887777:assumed-role/poller/session")).toEqual([
      "budget-sync:hosted.pollerRoleArn: is a session (sts:assumed-role): name the role itself, arn:aws:iam::<account>:role/<name>",
    ]);
    for (const arn of ["999988887777", "arn:aws:iam::999988887777:user/poller", "*"]) {
      expect(withPoller(arn), arn).toEqual([
        "budget-sync:hosted.pollerRoleArn: must be an IAM role ARN: arn:aws:iam::<12-digit account>:role/<name>",
      ]);
    }
    expect(() =>
      parseStackConfig(
        raw({
          bucketName: BUCKET,
          hosted: { pollerRoleArn: "arn:aws-us-gov:iam::999988887777:role/service/poller" },
          customers: [{ id: "a" }],
        }),
      ),
    ).not.toThrow();
  });

  it("refuses an external id that is short enough to guess, holds other characters, or is another customer's", () => {
    expect(
      problems({
        bucketName: BUCKET,
        customers: [
          { id: "acme", externalId: "acme" },
          { id: "globex", externalId: "globex external id 01" },
          { id: "initech", externalId: "3b0f6c1e-52a4-4d0e-9d1b-7f0e2a64c9d5" },
          { id: "umbrella", externalId: "3b0f6c1e-52a4-4d0e-9d1b-7f0e2a64c9d5" },
        ],
      }),
    ).toEqual([
      "budget-sync:customers.0.externalId: must be at least 16 characters (it has 4): a random value such as the output of `uuidgen`, which no other tenant can guess",
      "budget-sync:customers.1.externalId: may contain only letters, digits and + = , . @ : / - _ (STS's external id)",
      "budget-sync:customers.3.externalId: is the same as customers.2.externalId: each customer needs its own, or one customer's sync config could assume the other's reader",
    ]);
  });
});
