import { describe, expect, it } from "vitest";
import {
  hostedCustomerStatements,
  hostedReaderStatements,
  hostedReaderTrustPolicy,
} from "../../components/hosted-customer/index.ts";
import type { PlannedResource } from "../../lib/stack/plannedResource.ts";
import { T } from "../../lib/stack/model.ts";
import { policies } from "../../policies/all.ts";
import { hostedCustomerIsolation } from "../../policies/rules/hosted/hostedCustomerIsolation.ts";
import { runPolicies } from "../../policies/support/offline.ts";
import { budgetBucket, iamUserReader, json, messages, replace, res } from "./fixtures.ts";

const BUCKET = "spendflo-budget-uploads";
const ARN = `arn:aws:s3:::${BUCKET}`;
const doc = (...Statement: unknown[]) => json({ Version: "2012-10-17", Statement });

const POLLER = "arn:aws:iam::999988887777:role/spendflo-budget-poller";

/** A customer's sync role as the component builds it: role, trust and inline read policy. */
function reader(
  id: string,
  trust: unknown = hostedReaderTrustPolicy(POLLER, `${id}-5f0c8e2a9d31b7c4`),
) {
  const role = `spendflo-reader-${id}`;
  return [
    res(T.Role, `customer-${id}-reader`, {
      name: role,
      assumeRolePolicy: json(trust),
      tags: { "spendflo:access": "read-only", "spendflo:customer": id },
    }),
    res(T.RolePolicy, `customer-${id}-reader-access`, {
      role,
      policy: doc(...hostedReaderStatements("aws", BUCKET, id)),
    }),
  ];
}

/** A HostedCustomer as the component builds it: user, inline policy, key, and its sync role. */
function customer(id: string, statements: unknown[] = hostedCustomerStatements("aws", BUCKET, id)) {
  const user = `spendflo-customer-${id}`;
  return [
    res(T.User, `customer-${id}`, {
      name: user,
      tags: { "spendflo:access": "upload", "spendflo:customer": id },
    }),
    res(T.UserPolicy, `customer-${id}-access`, { user, policy: doc(...statements) }),
    res(T.AccessKey, `customer-${id}-key`, { user }),
    ...reader(id),
  ];
}

const stack = (): PlannedResource[] => [
  ...budgetBucket({ bucket: BUCKET }),
  ...iamUserReader(BUCKET),
  ...customer("acme"),
  ...customer("acme-corp"),
  ...customer("globex"),
];

const ACME = 'aws.iam.User "customer-acme" (hosted customer acme)';
const RULE = "A hosted customer may only list, upload and read under customers/acme/budgets/.";
const own = hostedCustomerStatements("aws", BUCKET, "acme");
const acmePolicy = (...statements: unknown[]) =>
  res(T.UserPolicy, "customer-acme-access", {
    user: "spendflo-customer-acme",
    policy: doc(...statements),
  });

describe("hosted-customer-isolation", () => {
  it("passes the customers HostedCustomer builds, acme beside acme-corp", async () => {
    expect(await messages(hostedCustomerIsolation, stack())).toEqual([]);
  });

  it("reports a grant on the whole customers/ folder", async () => {
    const r = replace(
      stack(),
      acmePolicy(own[0], {
        Sid: "All",
        Effect: "Allow",
        Action: "s3:GetObject",
        Resource: `${ARN}/customers/*`,
      }),
    );
    expect(await messages(hostedCustomerIsolation, r)).toEqual([
      `${ACME} reaches outside customers/acme/budgets/: aws.iam.UserPolicy "customer-acme-access" (statement "All") grants s3:GetObject on ${ARN}/customers/*. ${RULE}`,
    ]);
  });

  it("reports another customer's prefix, even one that starts with the same letters", async () => {
    const r = replace(
      stack(),
      acmePolicy(...own, {
        Effect: "Allow",
        Action: "s3:PutObject",
        Resource: `${ARN}/customers/acme-corp/budgets/*`,
      }),
    );
    expect(await messages(hostedCustomerIsolation, r)).toEqual([
      `${ACME} reaches outside customers/acme/budgets/: aws.iam.UserPolicy "customer-acme-access" (statement 3) grants s3:PutObject on ${ARN}/customers/acme-corp/budgets/*. ${RULE}`,
    ]);
  });

  it("reports listing without an s3:prefix condition, or with one wider than the prefix", async () => {
    const r = replace(
      stack(),
      acmePolicy(
        { Sid: "ListAll", Effect: "Allow", Action: "s3:ListBucket", Resource: ARN },
        {
          Sid: "ListCustomers",
          Effect: "Allow",
          Action: "s3:ListBucket",
          Resource: ARN,
          Condition: { StringLike: { "s3:prefix": ["customers/*"] } },
        },
        own[1],
      ),
    );
    expect(await messages(hostedCustomerIsolation, r)).toEqual([
      `${ACME} reaches outside customers/acme/budgets/: aws.iam.UserPolicy "customer-acme-access" (statement "ListAll") grants s3:ListBucket on ${ARN} without an s3:prefix condition. ${RULE}`,
      `${ACME} reaches outside customers/acme/budgets/: aws.iam.UserPolicy "customer-acme-access" (statement "ListCustomers") grants s3:ListBucket on ${ARN} with s3:prefix customers/*. ${RULE}`,
    ]);
  });

  it("reports bucket-level actions, Resource *, NotResource and actions outside S3", async () => {
    const r = replace(
      stack(),
      acmePolicy(
        ...own,
        { Sid: "Policy", Effect: "Allow", Action: "s3:GetBucketPolicy", Resource: ARN },
        { Sid: "Star", Effect: "Allow", Action: "s3:ListAllMyBuckets", Resource: "*" },
        { Sid: "Not", Effect: "Allow", Action: "s3:GetObject", NotResource: `${ARN}/private/*` },
        { Sid: "Keys", Effect: "Allow", Action: "iam:CreateAccessKey", Resource: "*" },
      ),
    );
    const source = 'aws.iam.UserPolicy "customer-acme-access"';
    expect(await messages(hostedCustomerIsolation, r)).toEqual([
      `${ACME} reaches outside customers/acme/budgets/: ${source} (statement "Policy") grants s3:GetBucketPolicy on the bucket ${ARN}. ${RULE}`,
      `${ACME} reaches outside customers/acme/budgets/: ${source} (statement "Star") grants s3:ListAllMyBuckets on *. ${RULE}`,
      `${ACME} reaches outside customers/acme/budgets/: ${source} (statement "Not") grants s3:GetObject on everything except ${ARN}/private/*. ${RULE}`,
      `${ACME} reaches outside customers/acme/budgets/: ${source} (statement "Keys") grants iam:CreateAccessKey, outside S3. ${RULE}`,
    ]);
  });

  it("reports aborting another customer's uploads, while its own prefix's abort passes", async () => {
    expect(own.flatMap((s) => s.Action)).toContain("s3:AbortMultipartUpload");
    const r = replace(
      stack(),
      acmePolicy(...own, {
        Sid: "Abort",
        Effect: "Allow",
        Action: "s3:AbortMultipartUpload",
        Resource: `${ARN}/customers/acme-corp/budgets/*`,
      }),
    );
    expect(await messages(hostedCustomerIsolation, r)).toEqual([
      `${ACME} reaches outside customers/acme/budgets/: aws.iam.UserPolicy "customer-acme-access" (statement "Abort") grants s3:AbortMultipartUpload on ${ARN}/customers/acme-corp/budgets/*. ${RULE}`,
    ]);
  });

  it("does not judge what a customer does inside its own prefix (delete is IAM's and the component's business)", async () => {
    const r = replace(
      stack(),
      acmePolicy(...own, {
        Effect: "Allow",
        Action: "s3:DeleteObject",
        Resource: `${ARN}/customers/acme/budgets/*`,
      }),
    );
    expect(await messages(hostedCustomerIsolation, r)).toEqual([]);
  });

  it("follows a bucket policy that names the customer's user", async () => {
    const r = stack().map((x) =>
      x.type === T.BucketPolicy
        ? res(T.BucketPolicy, x.name, {
            bucket: BUCKET,
            policy: doc({
              Sid: "Partner",
              Effect: "Allow",
              Principal: { AWS: "arn:aws:iam::123456789012:user/spendflo-customer-globex" },
              Action: "s3:GetObject",
              Resource: `${ARN}/customers/acme/budgets/*`,
            }),
          })
        : x,
    );
    expect(await messages(hostedCustomerIsolation, r)).toEqual([
      `aws.iam.User "customer-globex" (hosted customer globex) reaches outside customers/globex/budgets/: aws.s3.BucketPolicy "budgets-policy" (statement "Partner") grants s3:GetObject on ${ARN}/customers/acme/budgets/*. A hosted customer may only list, upload and read under customers/globex/budgets/.`,
    ]);
  });

  it("follows a group the customer is a member of", async () => {
    const r = [
      ...stack(),
      res(T.Group, "uploaders", { name: "uploaders" }),
      res(T.GroupPolicy, "uploaders-policy", {
        group: "uploaders",
        policy: doc({ Effect: "Allow", Action: "s3:PutObject", Resource: `${ARN}/*` }),
      }),
      res(T.UserGroupMembership, "acme-uploaders", {
        user: "spendflo-customer-acme",
        groups: ["uploaders"],
      }),
    ];
    expect(await messages(hostedCustomerIsolation, r)).toEqual([
      `${ACME} reaches outside customers/acme/budgets/: aws.iam.GroupPolicy "uploaders-policy" (statement 1) through group "uploaders" grants s3:PutObject on ${ARN}/*. ${RULE}`,
    ]);
  });

  it("reports a managed policy, whose document it cannot see", async () => {
    const r = [
      ...stack(),
      res(T.UserPolicyAttachment, "acme-readonly", {
        user: "spendflo-customer-acme",
        policyArn: "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess",
      }),
    ];
    expect(await messages(hostedCustomerIsolation, r)).toEqual([
      `${ACME} has the policy arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess attached by aws.iam.UserPolicyAttachment "acme-readonly", whose document is not in this stack, so it cannot be shown to stay inside customers/acme/budgets/. Grant a customer only its own inline policy.`,
    ]);
  });

  it("reports a role the customer can assume", async () => {
    const r = [
      ...stack(),
      res(T.Role, "support", {
        name: "support",
        assumeRolePolicy: doc({
          Sid: "Customers",
          Effect: "Allow",
          Principal: { AWS: "arn:aws:iam::123456789012:user/spendflo-customer-acme" },
          Action: "sts:AssumeRole",
        }),
      }),
    ];
    expect(await messages(hostedCustomerIsolation, r)).toEqual([
      `${ACME} can assume aws.iam.Role "support" (trust policy statement "Customers"), which is not its own: a hosted customer may act only as its own principal. ${RULE}`,
    ]);
  });

  it("judges the customer's sync role like the customer: another customer's prefix is outside", async () => {
    const r = replace(
      stack(),
      res(T.RolePolicy, "customer-acme-reader-access", {
        role: "spendflo-reader-acme",
        policy: doc(...hostedReaderStatements("aws", BUCKET, "acme"), {
          Sid: "Neighbour",
          Effect: "Allow",
          Action: "s3:GetObject",
          Resource: `${ARN}/customers/acme-corp/budgets/*`,
        }),
      }),
    );
    expect(await messages(hostedCustomerIsolation, r)).toEqual([
      `aws.iam.Role "customer-acme-reader" (hosted customer acme) reaches outside customers/acme/budgets/: aws.iam.RolePolicy "customer-acme-reader-access" (statement "Neighbour") grants s3:GetObject on ${ARN}/customers/acme-corp/budgets/*. ${RULE}`,
    ]);
  });

  it("reports a sync role that can be assumed without an external id, or by anyone", async () => {
    const noExternalId = {
      Version: "2012-10-17",
      Statement: [
        { Sid: "Poller", Effect: "Allow", Principal: { AWS: POLLER }, Action: "sts:AssumeRole" },
      ],
    };
    const anyone = {
      Version: "2012-10-17",
      Statement: [
        {
          Sid: "Anyone",
          Effect: "Allow",
          Principal: { AWS: "*" },
          Action: "sts:AssumeRole",
          Condition: { StringEquals: { "sts:ExternalId": "acme-5f0c8e2a9d31b7c4" } },
        },
      ],
    };
    const role = 'aws.iam.Role "customer-acme-reader" (the sync role of hosted customer acme)';
    for (const [trust, expected] of [
      [
        noExternalId,
        `${role} may be assumed without this customer's external id (trust policy statement "Poller"): require "sts:ExternalId" with StringEquals, so that no other customer's sync config can name this role.`,
      ],
      [
        anyone,
        `${role} may be assumed by anyone (trust policy statement "Anyone"): name SpendFlo's poller role as the one principal.`,
      ],
    ] as const) {
      const r = replace(stack(), reader("acme", trust)[0]!);
      // Anyone includes the other customers' principals, each reported on its own as well.
      expect(await messages(hostedCustomerIsolation, r)).toContain(expected);
    }
    const r = replace(stack(), reader("acme", noExternalId)[0]!);
    expect(await messages(hostedCustomerIsolation, r)).toHaveLength(1);
  });

  it("reports two customers' sync roles that accept the same external id, without quoting it", async () => {
    const shared = hostedReaderTrustPolicy(POLLER, "globex-5f0c8e2a9d31b7c4");
    const r = replace(stack(), reader("acme-corp", shared)[0]!);
    const found = await messages(hostedCustomerIsolation, r);
    expect(found).toEqual([
      'aws.iam.Role "customer-globex-reader" (the sync role of hosted customer globex) accepts the same external id as aws.iam.Role "customer-acme-corp-reader" (the sync role of hosted customer acme-corp): each customer needs an external id of its own, or one customer\'s sync config could assume the other\'s role.',
    ]);
    expect(found.join(" ")).not.toContain("5f0c8e2a9d31b7c4");
  });

  it("lets spendflo-read-only and spendflo-scoped judge the sync role: a write is mandatory", async () => {
    const mandatory = async (list: PlannedResource[]) =>
      (await runPolicies(list)).filter((v) => v.level === "mandatory");
    expect(await mandatory(stack())).toEqual([]);
    const r = replace(
      stack(),
      res(T.RolePolicy, "customer-acme-reader-access", {
        role: "spendflo-reader-acme",
        policy: doc({
          Sid: "Write",
          Effect: "Allow",
          Action: "s3:PutObject",
          Resource: `${ARN}/customers/acme/budgets/*`,
        }),
      }),
    );
    // Refused before the policy exists: its role, tagged read-only, was analyzed before it.
    expect((await mandatory(r)).map((v) => v.policy)).toContain("spendflo-read-only-resource");
  });

  it("reports a customer tag that is not a slug: its prefix would not be one customer's", async () => {
    const r = [
      ...budgetBucket({ bucket: BUCKET }),
      ...customer("acme").map((x) =>
        x.type === T.User
          ? res(T.User, x.name, {
              name: "spendflo-customer-acme",
              tags: { "spendflo:access": "upload", "spendflo:customer": "acme/*" },
            })
          : x,
      ),
    ];
    const found = await messages(hostedCustomerIsolation, r);
    expect(found[0]).toBe(
      'aws.iam.User "customer-acme" is tagged spendflo:customer = "acme/*", which must be a lowercase slug: only a-z, 0-9 and hyphens (e.g. acme-corp): its prefix would not be one customer\'s.',
    );
  });

  it("is in the pack, mandatory, and runs offline over a plan", async () => {
    expect(policies).toContain(hostedCustomerIsolation);
    const r = replace(
      stack(),
      acmePolicy({ Effect: "Allow", Action: "s3:GetObject", Resource: `${ARN}/customers/*` }),
    );
    const violations = (await runPolicies(r)).filter(
      (v) => v.policy === "hosted-customer-isolation",
    );
    expect(violations.map((v) => [v.level, v.urn])).toEqual([
      [
        "mandatory",
        "urn:pulumi:dev::budget-sync::aws:iam/userPolicy:UserPolicy::customer-acme-access",
      ],
    ]);
  });
});
