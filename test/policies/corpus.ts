/**
 * The adversarial corpus: documents that try to hand SpendFlo a write (or look as if they do), in
 * every shape AWS accepts. `writes` is the hand-labelled answer: which of the probe actions below
 * the document lets SpendFlo perform that are not List or Read. `context` satisfies the document's
 * conditions for the oracle; `conservative` marks where the pack flags more than a simulator
 * allows, on purpose (a condition or a Deny never makes a write acceptable).
 */
export const SPENDFLO = "999988887777";
export const CUSTOMER = "111122223333";
export const BUCKET = "acme-budget-exports";
export const OBJECT = `arn:aws:s3:::${BUCKET}/budgets/budget_20250205.csv`;
export const BUCKET_ARN = `arn:aws:s3:::${BUCKET}`;
export const KEY = `arn:aws:kms:us-east-1:${CUSTOMER}:key/1234abcd-12ab-34cd-56ef-1234567890ab`;

/** The requests the oracle simulates, each on a resource it applies to. */
export const PROBES: { action: string; resource: string }[] = [
  { action: "s3:GetObject", resource: OBJECT },
  { action: "s3:ListBucket", resource: BUCKET_ARN },
  { action: "s3:GetObjectAcl", resource: OBJECT },
  { action: "s3:PutObject", resource: OBJECT },
  { action: "s3:DeleteObject", resource: OBJECT },
  { action: "s3:PutObjectAcl", resource: OBJECT },
  { action: "s3:DeleteObjectVersion", resource: OBJECT },
  { action: "s3:PutBucketPolicy", resource: BUCKET_ARN },
  { action: "s3:DeleteBucket", resource: BUCKET_ARN },
  { action: "s3:PutLifecycleConfiguration", resource: BUCKET_ARN },
  { action: "kms:Decrypt", resource: KEY },
  { action: "kms:Encrypt", resource: KEY },
  { action: "kms:ScheduleKeyDeletion", resource: KEY },
  {
    action: "secretsmanager:GetSecretValue",
    resource: `arn:aws:secretsmanager:us-east-1:${CUSTOMER}:secret:db-AbCdEf`,
  },
  { action: "iam:CreateAccessKey", resource: `arn:aws:iam::${CUSTOMER}:user/spendflo-reader` },
  { action: "sts:AssumeRole", resource: `arn:aws:iam::${CUSTOMER}:role/admin` },
];

export interface CorpusCase {
  name: string;
  /** identity: attached to SpendFlo's user; bucket: a bucket policy; key: a KMS key policy. */
  kind: "identity" | "bucket" | "key";
  doc: unknown;
  /** The probe writes SpendFlo gets (hand-labelled). */
  writes: string[];
  context?: Record<string, string | string[]>;
  /** Why the pack deliberately flags more than the simulator allows. */
  conservative?: string;
}

const v = "2012-10-17";
const allow = (extra: Record<string, unknown>) => ({ Effect: "Allow", ...extra });
const spendflo = { AWS: `arn:aws:iam::${SPENDFLO}:root` };
const S3_WRITES = [
  "s3:PutObject",
  "s3:DeleteObject",
  "s3:PutObjectAcl",
  "s3:DeleteObjectVersion",
  "s3:PutBucketPolicy",
  "s3:DeleteBucket",
  "s3:PutLifecycleConfiguration",
];
const OTHER_WRITES = [
  "kms:Decrypt",
  "kms:Encrypt",
  "kms:ScheduleKeyDeletion",
  "iam:CreateAccessKey",
  "sts:AssumeRole",
];
const OBJECT_WRITES = [
  "s3:PutObject",
  "s3:DeleteObject",
  "s3:PutObjectAcl",
  "s3:DeleteObjectVersion",
];

export const CORPUS: CorpusCase[] = [
  // --- identity policies: the guide's policy and its variations ---
  {
    name: "the guide's read-only policy",
    kind: "identity",
    writes: [],
    doc: {
      Version: v,
      Statement: [
        allow({
          Action: ["s3:GetObject", "s3:ListBucket"],
          Resource: [BUCKET_ARN, `${BUCKET_ARN}/*`],
        }),
      ],
    },
  },
  {
    name: "the guide's policy as a JSON string",
    kind: "identity",
    writes: [],
    doc: JSON.stringify({
      Version: v,
      Statement: [
        allow({
          Action: ["s3:GetObject", "s3:ListBucket"],
          Resource: [BUCKET_ARN, `${BUCKET_ARN}/*`],
        }),
      ],
    }),
  },
  {
    name: "Statement as a single object, Action as a string",
    kind: "identity",
    writes: ["s3:PutObject"],
    doc: { Version: v, Statement: allow({ Action: "s3:PutObject", Resource: `${BUCKET_ARN}/*` }) },
  },
  {
    name: "Action *",
    kind: "identity",
    writes: [
      ...S3_WRITES,
      "kms:Encrypt",
      "kms:Decrypt",
      "kms:ScheduleKeyDeletion",
      "iam:CreateAccessKey",
      "sts:AssumeRole",
    ],
    doc: { Version: v, Statement: [allow({ Action: "*", Resource: "*" })] },
  },
  {
    name: "s3:*",
    kind: "identity",
    writes: S3_WRITES,
    doc: {
      Version: v,
      Statement: [allow({ Action: "s3:*", Resource: [BUCKET_ARN, `${BUCKET_ARN}/*`] })],
    },
  },
  {
    name: "s3:Put*",
    kind: "identity",
    writes: [
      "s3:PutObject",
      "s3:PutObjectAcl",
      "s3:PutBucketPolicy",
      "s3:PutLifecycleConfiguration",
    ],
    doc: { Version: v, Statement: [allow({ Action: "s3:Put*", Resource: "*" })] },
  },
  {
    name: "s3:*Object (matches Put, Delete and Get)",
    kind: "identity",
    writes: ["s3:PutObject", "s3:DeleteObject"],
    doc: { Version: v, Statement: [allow({ Action: "s3:*Object", Resource: `${BUCKET_ARN}/*` })] },
  },
  {
    name: "s3:Get*Acl is read-only",
    kind: "identity",
    writes: [],
    doc: { Version: v, Statement: [allow({ Action: "s3:Get*Acl", Resource: `${BUCKET_ARN}/*` })] },
  },
  {
    name: "s3:?ut* (single-character wildcard)",
    kind: "identity",
    writes: [
      "s3:PutObject",
      "s3:PutObjectAcl",
      "s3:PutBucketPolicy",
      "s3:PutLifecycleConfiguration",
    ],
    doc: { Version: v, Statement: [allow({ Action: "s3:?ut*", Resource: "*" })] },
  },
  {
    name: "case tricks: S3:PUTOBJECT and s3:deleteobject",
    kind: "identity",
    writes: ["s3:PutObject", "s3:DeleteObject"],
    doc: {
      Version: v,
      Statement: [
        allow({ Action: ["S3:PUTOBJECT", "s3:deleteobject"], Resource: `${BUCKET_ARN}/*` }),
      ],
    },
  },
  {
    name: "wildcard service: *:Delete*",
    kind: "identity",
    conservative: "IAM refuses a wildcard in the service prefix; the pack expands it anyway",
    writes: ["s3:DeleteObject", "s3:DeleteObjectVersion", "s3:DeleteBucket"],
    doc: { Version: v, Statement: [allow({ Action: "*:Delete*", Resource: "*" })] },
  },
  {
    name: "s3* service wildcard: s3*:Put*",
    kind: "identity",
    conservative: "IAM refuses a wildcard in the service prefix; the pack expands it anyway",
    writes: [
      "s3:PutObject",
      "s3:PutObjectAcl",
      "s3:PutBucketPolicy",
      "s3:PutLifecycleConfiguration",
    ],
    doc: { Version: v, Statement: [allow({ Action: "s3*:Put*", Resource: "*" })] },
  },
  {
    name: "NotAction of the reads on the bucket",
    kind: "identity",
    writes: [...S3_WRITES, ...OTHER_WRITES],
    conservative:
      "NotAction grants every other service's actions too; spendflo-read-only judges actions wherever they apply",
    doc: {
      Version: v,
      Statement: [
        allow({ NotAction: ["s3:Get*", "s3:List*"], Resource: [BUCKET_ARN, `${BUCKET_ARN}/*`] }),
      ],
    },
  },
  {
    name: "NotAction of iam:* on *",
    kind: "identity",
    writes: [
      ...S3_WRITES,
      "kms:Decrypt",
      "kms:Encrypt",
      "kms:ScheduleKeyDeletion",
      "sts:AssumeRole",
    ],
    doc: { Version: v, Statement: [allow({ NotAction: "iam:*", Resource: "*" })] },
  },
  {
    name: "NotAction in a Deny grants nothing",
    kind: "identity",
    writes: [],
    doc: {
      Version: v,
      Statement: [
        allow({ Action: "s3:GetObject", Resource: "*" }),
        { Effect: "Deny", NotAction: "s3:GetObject", Resource: "*" },
      ],
    },
  },
  {
    name: "a write hidden in a long list",
    kind: "identity",
    writes: ["s3:DeleteObjectVersion"],
    doc: {
      Version: v,
      Statement: [
        allow({
          Action: [
            "s3:GetObject",
            "s3:GetObjectVersion",
            "s3:ListBucket",
            "s3:ListBucketVersions",
            "s3:GetBucketLocation",
            "s3:DeleteObjectVersion",
          ],
          Resource: [BUCKET_ARN, `${BUCKET_ARN}/*`],
        }),
      ],
    },
  },
  {
    name: "a write in a second statement",
    kind: "identity",
    writes: ["s3:PutObjectAcl"],
    doc: {
      Version: v,
      Statement: [
        allow({ Action: "s3:GetObject", Resource: `${BUCKET_ARN}/*` }),
        allow({ Action: "s3:PutObjectAcl", Resource: `${BUCKET_ARN}/*` }),
      ],
    },
  },
  {
    name: "a write with a condition SpendFlo can meet",
    kind: "identity",
    writes: ["s3:PutObject"],
    context: { "aws:SourceIp": "203.0.113.10" },
    doc: {
      Version: v,
      Statement: [
        allow({
          Action: "s3:PutObject",
          Resource: `${BUCKET_ARN}/*`,
          Condition: { IpAddress: { "aws:SourceIp": "203.0.113.0/24" } },
        }),
      ],
    },
  },
  {
    name: "a write conditioned on MFA",
    kind: "identity",
    writes: ["s3:DeleteObject"],
    conservative: "the simulator's request has no MFA; a condition never makes a write acceptable",
    doc: {
      Version: v,
      Statement: [
        allow({
          Action: "s3:DeleteObject",
          Resource: `${BUCKET_ARN}/*`,
          Condition: { Bool: { "aws:MultiFactorAuthPresent": "true" } },
        }),
      ],
    },
  },
  {
    name: "Allow s3:* with a Deny of the writes",
    kind: "identity",
    writes: S3_WRITES,
    conservative: "a Deny grants nothing, and does not excuse the Allow either",
    doc: {
      Version: v,
      Statement: [
        allow({ Action: "s3:*", Resource: "*" }),
        { Effect: "Deny", Action: ["s3:PutObject", "s3:DeleteObject"], Resource: "*" },
      ],
    },
  },
  {
    name: "a write on another bucket only",
    kind: "identity",
    writes: ["s3:PutObject"],
    conservative:
      "spendflo-read-only judges actions wherever they apply; the probe's bucket differs",
    doc: {
      Version: v,
      Statement: [allow({ Action: "s3:PutObject", Resource: "arn:aws:s3:::another-bucket/*" })],
    },
  },
  {
    name: "NotResource with a write",
    kind: "identity",
    writes: ["s3:PutObject"],
    doc: {
      Version: v,
      Statement: [allow({ Action: "s3:PutObject", NotResource: "arn:aws:s3:::payroll/*" })],
    },
  },
  {
    name: "kms:Decrypt through S3 (a write to the catalogue)",
    kind: "identity",
    writes: ["kms:Decrypt"],
    context: { "kms:ViaService": "s3.us-east-1.amazonaws.com" },
    doc: {
      Version: v,
      Statement: [
        allow({
          Action: "kms:Decrypt",
          Resource: KEY,
          Condition: { StringEquals: { "kms:ViaService": "s3.us-east-1.amazonaws.com" } },
        }),
      ],
    },
  },
  {
    name: "kms:* on the key",
    kind: "identity",
    writes: ["kms:Decrypt", "kms:Encrypt", "kms:ScheduleKeyDeletion"],
    doc: { Version: v, Statement: [allow({ Action: "kms:*", Resource: KEY })] },
  },
  {
    name: "secretsmanager:GetSecretValue is a read (spendflo-scoped's business)",
    kind: "identity",
    writes: [],
    doc: {
      Version: v,
      Statement: [allow({ Action: "secretsmanager:GetSecretValue", Resource: "*" })],
    },
  },
  {
    name: "iam:CreateAccessKey for itself",
    kind: "identity",
    writes: ["iam:CreateAccessKey"],
    doc: {
      Version: v,
      Statement: [
        allow({ Action: "iam:CreateAccessKey", Resource: "arn:aws:iam::*:user/${aws:username}" }),
      ],
    },
    context: { "aws:username": "spendflo-reader" },
  },
  {
    name: "sts:AssumeRole into any role",
    kind: "identity",
    writes: ["sts:AssumeRole"],
    doc: { Version: v, Statement: [allow({ Action: "sts:AssumeRole", Resource: "*" })] },
  },
  {
    name: "lower-case effect and keys",
    kind: "identity",
    writes: ["s3:PutObject"],
    conservative:
      "the simulator refuses a lower-case Effect value; AWS does too, the pack reads it anyway",
    doc: { Version: v, Statement: [{ Effect: "allow", Action: "s3:PutObject", Resource: "*" }] },
  },
  {
    name: "only reads and lists, every read of S3",
    kind: "identity",
    writes: [],
    doc: { Version: v, Statement: [allow({ Action: ["s3:Get*", "s3:List*"], Resource: "*" })] },
  },

  // --- bucket policies: principals in every form ---
  {
    name: "cross-account read (the guide's FAQ)",
    kind: "bucket",
    writes: [],
    doc: {
      Version: v,
      Statement: [
        allow({ Principal: spendflo, Action: "s3:GetObject", Resource: `${BUCKET_ARN}/*` }),
        allow({ Principal: spendflo, Action: "s3:ListBucket", Resource: BUCKET_ARN }),
      ],
    },
  },
  {
    name: "SpendFlo's account id, bare",
    kind: "bucket",
    writes: ["s3:PutObject"],
    doc: {
      Version: v,
      Statement: [
        allow({
          Principal: { AWS: SPENDFLO },
          Action: "s3:PutObject",
          Resource: `${BUCKET_ARN}/*`,
        }),
      ],
    },
  },
  {
    name: "array principal hiding SpendFlo second",
    kind: "bucket",
    writes: ["s3:DeleteObject"],
    doc: {
      Version: v,
      Statement: [
        allow({
          Principal: { AWS: [`arn:aws:iam::${CUSTOMER}:root`, `arn:aws:iam::${SPENDFLO}:root`] },
          Action: "s3:DeleteObject",
          Resource: `${BUCKET_ARN}/*`,
        }),
      ],
    },
  },
  {
    name: "a role in SpendFlo's account",
    kind: "bucket",
    writes: ["s3:PutObject"],
    doc: {
      Version: v,
      Statement: [
        allow({
          Principal: { AWS: `arn:aws:iam::${SPENDFLO}:role/spendflo-poller` },
          Action: "s3:PutObject",
          Resource: `${BUCKET_ARN}/*`,
        }),
      ],
    },
  },
  {
    name: "Principal * with no condition",
    kind: "bucket",
    writes: OBJECT_WRITES,
    doc: {
      Version: v,
      Statement: [
        allow({
          Principal: "*",
          Action: ["s3:PutObject", "s3:DeleteObject", "s3:PutObjectAcl", "s3:DeleteObjectVersion"],
          Resource: `${BUCKET_ARN}/*`,
        }),
      ],
    },
  },
  {
    name: 'Principal { "AWS": "*" }',
    kind: "bucket",
    writes: ["s3:PutObject"],
    doc: {
      Version: v,
      Statement: [
        allow({ Principal: { AWS: "*" }, Action: "s3:PutObject", Resource: `${BUCKET_ARN}/*` }),
      ],
    },
  },
  {
    name: "* narrowed to SpendFlo by aws:PrincipalAccount",
    kind: "bucket",
    writes: ["s3:PutObject"],
    doc: {
      Version: v,
      Statement: [
        allow({
          Principal: "*",
          Action: "s3:PutObject",
          Resource: `${BUCKET_ARN}/*`,
          Condition: { StringEquals: { "aws:PrincipalAccount": SPENDFLO } },
        }),
      ],
    },
  },
  {
    name: "* narrowed to SpendFlo by aws:PrincipalArn (ArnLike)",
    kind: "bucket",
    writes: ["s3:DeleteObject"],
    doc: {
      Version: v,
      Statement: [
        allow({
          Principal: "*",
          Action: "s3:DeleteObject",
          Resource: `${BUCKET_ARN}/*`,
          Condition: { ArnLike: { "aws:PrincipalArn": `arn:aws:iam::${SPENDFLO}:role/*` } },
        }),
      ],
    },
  },
  {
    name: "* narrowed to another account",
    kind: "bucket",
    writes: [],
    doc: {
      Version: v,
      Statement: [
        allow({
          Principal: "*",
          Action: "s3:PutObject",
          Resource: `${BUCKET_ARN}/*`,
          Condition: { StringEquals: { "aws:PrincipalAccount": CUSTOMER } },
        }),
      ],
    },
  },
  {
    name: "* narrowed by a negated operator reaches SpendFlo",
    kind: "bucket",
    writes: ["s3:PutObject"],
    doc: {
      Version: v,
      Statement: [
        allow({
          Principal: "*",
          Action: "s3:PutObject",
          Resource: `${BUCKET_ARN}/*`,
          Condition: { StringNotEquals: { "aws:PrincipalAccount": CUSTOMER } },
        }),
      ],
    },
  },
  {
    name: "* narrowed by ...IfExists does not narrow",
    kind: "bucket",
    writes: ["s3:PutObject"],
    conservative:
      "the request carries the key, so IfExists is decided by its value; the pack cannot rely on that",
    doc: {
      Version: v,
      Statement: [
        allow({
          Principal: "*",
          Action: "s3:PutObject",
          Resource: `${BUCKET_ARN}/*`,
          Condition: { StringEqualsIfExists: { "aws:PrincipalAccount": CUSTOMER } },
        }),
      ],
    },
  },
  {
    name: "NotPrincipal in an Allow reaches everyone else",
    kind: "bucket",
    writes: ["s3:PutObject"],
    doc: {
      Version: v,
      Statement: [
        allow({
          NotPrincipal: { AWS: `arn:aws:iam::${CUSTOMER}:root` },
          Action: "s3:PutObject",
          Resource: `${BUCKET_ARN}/*`,
        }),
      ],
    },
  },
  {
    name: "a service principal is not SpendFlo",
    kind: "bucket",
    writes: [],
    doc: {
      Version: v,
      Statement: [
        allow({
          Principal: { Service: "cloudtrail.amazonaws.com" },
          Action: "s3:PutObject",
          Resource: `${BUCKET_ARN}/*`,
        }),
      ],
    },
  },
  {
    name: "the TLS deny grants nothing",
    kind: "bucket",
    writes: [],
    doc: {
      Version: v,
      Statement: [
        {
          Effect: "Deny",
          Principal: "*",
          Action: "s3:*",
          Resource: [BUCKET_ARN, `${BUCKET_ARN}/*`],
          Condition: { Bool: { "aws:SecureTransport": "false" } },
        },
      ],
    },
  },
  {
    name: "bucket policy as a JSON string with s3:*",
    kind: "bucket",
    writes: S3_WRITES,
    doc: JSON.stringify({
      Version: v,
      Statement: [
        allow({ Principal: spendflo, Action: "s3:*", Resource: [BUCKET_ARN, `${BUCKET_ARN}/*`] }),
      ],
    }),
  },

  // --- KMS key policies ---
  {
    name: "key policy: kms:Decrypt through S3 for SpendFlo",
    kind: "key",
    writes: ["kms:Decrypt"],
    context: { "kms:ViaService": "s3.us-east-1.amazonaws.com" },
    doc: {
      Version: v,
      Statement: [
        allow({
          Principal: spendflo,
          Action: "kms:Decrypt",
          Resource: "*",
          Condition: { StringEquals: { "kms:ViaService": "s3.us-east-1.amazonaws.com" } },
        }),
      ],
    },
  },
  {
    name: "key policy: kms:* for SpendFlo",
    kind: "key",
    writes: ["kms:Decrypt", "kms:Encrypt", "kms:ScheduleKeyDeletion"],
    doc: {
      Version: v,
      Statement: [allow({ Principal: spendflo, Action: "kms:*", Resource: "*" })],
    },
  },
  {
    name: "key policy: the owner account only",
    kind: "key",
    writes: [],
    doc: {
      Version: v,
      Statement: [
        allow({
          Principal: { AWS: `arn:aws:iam::${CUSTOMER}:root` },
          Action: "kms:*",
          Resource: "*",
        }),
      ],
    },
  },
];
