import { describe, expect, it } from "vitest";
import {
  childrenOf,
  installMocks,
  isSecret,
  ofType,
  parsePolicy,
  promiseOf,
  settle,
  type MockedResource,
} from "../helpers/componentMocks.ts";

const resources: MockedResource[] = installMocks("hosted");
const {
  HostedCustomer,
  hostedCustomerPolicy,
  hostedCustomerStatements,
  hostedCustomerTags,
  hostedReaderPolicy,
  hostedReaderStatements,
  hostedReaderTags,
  hostedReaderTrustPolicy,
  USER_INLINE_POLICY_MAX_CHARS,
} = await import("../../components/hosted-customer/index.ts");
const {
  CUSTOMER_ID_MAX_LENGTH,
  customerIdProblems,
  hostedCustomerPrefix,
  hostedReaderRoleName,
  iamTagValueProblems,
} = await import("../../lib/spendflo/hostedBucket.ts");

const BUCKET = "spendflo-budget-uploads";
const POLLER = "arn:aws:iam::999988887777:role/spendflo-budget-poller";
/** What every HostedCustomer needs beside the customer: SpendFlo's poller and an external id. */
const sync = (id: string) => ({ pollerRoleArn: POLLER, externalId: `${id}-5f0c8e2a9d31b7c4` });

async function children(customer: InstanceType<typeof HostedCustomer>, name: string) {
  await settle(customer.syncSourceConfig);
  return childrenOf(resources, name);
}

describe("hostedCustomerStatements: the customer's identity policy", () => {
  it("lists only with an s3:prefix under customers/<id>/budgets/, puts, gets and aborts uploads only under it", () => {
    expect(hostedCustomerStatements("aws", BUCKET, "acme")).toEqual([
      {
        Sid: "ListOwnPrefix",
        Effect: "Allow",
        Action: "s3:ListBucket",
        Resource: "arn:aws:s3:::spendflo-budget-uploads",
        Condition: { StringLike: { "s3:prefix": ["customers/acme/budgets/*"] } },
      },
      {
        Sid: "UploadAndReadOwnFiles",
        Effect: "Allow",
        // Abort: `budget-sync upload` aborts the multipart upload of a large invalid file.
        Action: ["s3:PutObject", "s3:GetObject", "s3:AbortMultipartUpload"],
        Resource: "arn:aws:s3:::spendflo-budget-uploads/customers/acme/budgets/*",
      },
    ]);
  });

  it("grants no delete and nothing outside S3", () => {
    const actions = hostedCustomerStatements("aws", BUCKET, "acme").flatMap((s) => s.Action);
    expect(actions.filter((a) => /delete|\*/i.test(String(a)))).toEqual([]);
    expect(actions.every((a) => String(a).startsWith("s3:"))).toBe(true);
  });

  it("uses the partition of the region (aws-cn, aws-us-gov)", () => {
    const [list, objects] = hostedCustomerStatements("aws-cn", "uploads-cn", "acme");
    expect(list!.Resource).toBe("arn:aws-cn:s3:::uploads-cn");
    expect(objects!.Resource).toBe("arn:aws-cn:s3:::uploads-cn/customers/acme/budgets/*");
  });

  it("fits IAM's 2,048-character inline quota for a user with the longest id and bucket name", () => {
    const longestId = "a".repeat(CUSTOMER_ID_MAX_LENGTH);
    const longestBucket = "b".repeat(63);
    const text = JSON.stringify(hostedCustomerPolicy("aws-us-gov", longestBucket, longestId));
    // IAM counts the document without whitespace; JSON.stringify adds none.
    expect(text.length).toBeLessThanOrEqual(USER_INLINE_POLICY_MAX_CHARS);
  });
});

describe("hostedReaderStatements: SpendFlo's read-only sync role for one customer", () => {
  it("lists only with an s3:prefix under customers/<id>/budgets/ and gets only under it", () => {
    expect(hostedReaderStatements("aws", BUCKET, "acme")).toEqual([
      {
        Sid: "ListOwnPrefix",
        Effect: "Allow",
        Action: "s3:ListBucket",
        Resource: `arn:aws:s3:::${BUCKET}`,
        Condition: { StringLike: { "s3:prefix": ["customers/acme/budgets/*"] } },
      },
      {
        Sid: "ReadOwnFiles",
        Effect: "Allow",
        Action: "s3:GetObject",
        Resource: `arn:aws:s3:::${BUCKET}/customers/acme/budgets/*`,
      },
    ]);
  });

  it("trusts only the poller role, and only with the customer's external id", () => {
    expect(hostedReaderTrustPolicy(POLLER, "acme-5f0c8e2a9d31b7c4")).toEqual({
      Version: "2012-10-17",
      Statement: [
        {
          Sid: "SpendfloPollerWithThisCustomersExternalId",
          Effect: "Allow",
          Principal: { AWS: POLLER },
          Action: "sts:AssumeRole",
          Condition: { StringEquals: { "sts:ExternalId": "acme-5f0c8e2a9d31b7c4" } },
        },
      ],
    });
  });

  it("is tagged read-only for the customer, whatever the caller's tags say", () => {
    expect(
      hostedReaderTags({
        customerId: "acme",
        tags: { owner: "se", "spendflo:access": "upload", "spendflo:customer": "globex" },
      }),
    ).toEqual({ owner: "se", "spendflo:access": "read-only", "spendflo:customer": "acme" });
  });

  it("fits IAM's role name (64) and inline policy (10,240) limits with the longest id and bucket name", () => {
    const longestId = "a".repeat(CUSTOMER_ID_MAX_LENGTH);
    expect(hostedReaderRoleName(longestId).length).toBeLessThanOrEqual(64);
    const text = JSON.stringify(hostedReaderPolicy("aws-us-gov", "b".repeat(63), longestId));
    expect(text.length).toBeLessThanOrEqual(10_240);
  });
});

describe("customer ids", () => {
  it.each(["acme", "acme-corp", "a", "42", "globex-emea-2"])("accepts %s", (id) => {
    expect(customerIdProblems(id)).toEqual([]);
  });

  it.each([
    ["Acme", "must be a lowercase slug: only a-z, 0-9 and hyphens (e.g. acme-corp)"],
    ["acme/eu", "must be a lowercase slug: only a-z, 0-9 and hyphens (e.g. acme-corp)"],
    ["acme*", "must be a lowercase slug: only a-z, 0-9 and hyphens (e.g. acme-corp)"],
    ["acme corp", "must be a lowercase slug: only a-z, 0-9 and hyphens (e.g. acme-corp)"],
    ["-acme", "must begin and end with a letter or a digit"],
    ["acme-", "must begin and end with a letter or a digit"],
    ["", "must not be empty"],
  ])("refuses %j: %s", (id, message) => {
    expect(customerIdProblems(id)).toEqual([message]);
  });

  it("refuses an id that would make the IAM user name longer than 64 characters", () => {
    expect(customerIdProblems("a".repeat(CUSTOMER_ID_MAX_LENGTH))).toEqual([]);
    expect(customerIdProblems("a".repeat(CUSTOMER_ID_MAX_LENGTH + 1))).toEqual([
      `must be at most ${CUSTOMER_ID_MAX_LENGTH} characters (it has ${CUSTOMER_ID_MAX_LENGTH + 1}): the IAM user name spendflo-customer-<id> is limited to 64`,
    ]);
  });

  it("gives every customer a prefix no other customer's prefix starts with", () => {
    expect(hostedCustomerPrefix("acme")).toBe("customers/acme/budgets/");
    expect(hostedCustomerPrefix("acme-corp").startsWith(hostedCustomerPrefix("acme"))).toBe(false);
  });

  it("checks names and contacts as IAM tag values", () => {
    expect(iamTagValueProblems("Acme Corp")).toEqual([]);
    expect(iamTagValueProblems("it@acme.example")).toEqual([]);
    expect(iamTagValueProblems("Acme, Inc.")).toEqual([
      "may contain only letters, digits, spaces and _ . : / = + - @ (it becomes an IAM tag value)",
    ]);
  });
});

describe("hostedCustomerTags", () => {
  it("always sets the access and customer tags, whatever the caller's tags say", () => {
    expect(
      hostedCustomerTags({
        customerId: "acme",
        displayName: "Acme Corp",
        tags: { owner: "se", "spendflo:access": "read-only", "spendflo:customer": "globex" },
      }),
    ).toEqual({
      owner: "se",
      "spendflo:customer-name": "Acme Corp",
      "spendflo:access": "upload",
      "spendflo:customer": "acme",
    });
  });
});

describe("HostedCustomer under mocks", () => {
  it("makes user spendflo-customer-<id> with its inline policy and one access key", async () => {
    const customer = new HostedCustomer("customer-acme", {
      customerId: "acme",
      bucketName: BUCKET,
      region: "us-east-1",
      displayName: "Acme Corp",
      contact: "it@acme.example",
      ...sync("acme"),
    });
    const made = await children(customer, "customer-acme");
    const users = ofType(made, "aws:iam/user:User");
    expect(users).toHaveLength(1);
    expect(users[0]!.inputs.name).toBe("spendflo-customer-acme");
    expect(users[0]!.inputs.tags).toEqual({
      "spendflo:access": "upload",
      "spendflo:customer": "acme",
      "spendflo:customer-name": "Acme Corp",
      "spendflo:contact": "it@acme.example",
    });
    const policies = ofType(made, "aws:iam/userPolicy:UserPolicy");
    expect(policies).toHaveLength(1);
    expect(policies[0]!.inputs.user).toBe("spendflo-customer-acme");
    expect(parsePolicy(policies[0]!.inputs.policy).Statement).toEqual(
      hostedCustomerStatements("aws", BUCKET, "acme"),
    );
    expect(ofType(made, "aws:iam/accessKey:AccessKey")).toHaveLength(1);
    const [role] = ofType(made, "aws:iam/role:Role");
    expect(role!.inputs.name).toBe("spendflo-reader-acme");
    expect(role!.inputs.tags).toEqual({
      "spendflo:access": "read-only",
      "spendflo:customer": "acme",
    });
    expect(parsePolicy(role!.inputs.assumeRolePolicy)).toEqual(
      hostedReaderTrustPolicy(POLLER, "acme-5f0c8e2a9d31b7c4"),
    );
    const [rolePolicy] = ofType(made, "aws:iam/rolePolicy:RolePolicy");
    expect(rolePolicy!.inputs.role).toBe("spendflo-reader-acme");
    expect(parsePolicy(rolePolicy!.inputs.policy).Statement).toEqual(
      hostedReaderStatements("aws", BUCKET, "acme"),
    );
    // No bucket policy, no managed policy: the grants stay on the user and the role.
    expect(made.map((r) => r.type).sort()).toEqual([
      "aws:iam/accessKey:AccessKey",
      "aws:iam/role:Role",
      "aws:iam/rolePolicy:RolePolicy",
      "aws:iam/user:User",
      "aws:iam/userPolicy:UserPolicy",
      "budget-sync:index:HostedCustomer",
    ]);
  });

  it("keeps the key pair a secret of the customer's, and gives SpendFlo's sync the role and external id", async () => {
    const customer = new HostedCustomer("customer-globex", {
      customerId: "globex",
      bucketName: BUCKET,
      region: "us-east-1",
      ...sync("globex"),
    });
    expect(customer.prefix).toBe("customers/globex/budgets/");
    expect(await isSecret(customer.secretAccessKey)).toBe(true);
    const config = await promiseOf(customer.syncSourceConfig);
    const roleArn = await promiseOf(customer.readerRoleArn);
    expect(roleArn).toMatch(/^arn:aws:iam::\d{12}:role\/spendflo-reader-globex$/);
    expect(config).toEqual({
      bucketName: BUCKET,
      region: "us-east-1",
      prefix: "customers/globex/budgets/",
      roleArn,
      externalId: "globex-5f0c8e2a9d31b7c4",
    });
    // Nothing of the customer's key is in what SpendFlo is given.
    const text = JSON.stringify(config);
    expect(text).not.toContain(await promiseOf(customer.accessKeyId));
    expect(text).not.toContain(await promiseOf(customer.secretAccessKey));
  });

  it("refuses a customer id that is not a slug, before declaring anything", () => {
    const before = resources.length;
    expect(
      () =>
        new HostedCustomer("customer-bad", {
          customerId: "acme/../globex",
          bucketName: BUCKET,
          region: "us-east-1",
          displayName: "Acme, Inc.",
          pollerRoleArn: "arn:aws:iam::999988887777:root",
          externalId: "acme",
        }),
    ).toThrow(
      "HostedCustomer customer-bad: customerId must be a lowercase slug: only a-z, 0-9 and hyphens (e.g. acme-corp); displayName may contain only letters, digits, spaces and _ . : / = + - @ (it becomes an IAM tag value); pollerRoleArn names a whole account: name the poller's role (arn:aws:iam::<account>:role/<name>), so that no other principal of that account can assume the customers' readers; externalId must be at least 16 characters (it has 4): a random value such as the output of `uuidgen`, which no other tenant can guess",
    );
    expect(resources.slice(before).filter((r) => r.type.startsWith("aws:"))).toEqual([]);
  });
});
