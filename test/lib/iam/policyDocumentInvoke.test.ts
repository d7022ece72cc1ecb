// `aws.iam.getPolicyDocument` answered as the provider answers it. Expectations marked
// "provider test" are copied from hashicorp/terraform-provider-aws
// internal/service/iam/policy_document_data_source_test.go (partition aws), with one change the
// provider made since (v5.0.0, #28539): an empty Sid is no longer written. The `source_json` and
// `override_json` cases there run here through `sourcePolicyDocuments` and
// `overridePolicyDocuments`, which replaced them (the old arguments must now be empty).
import { crc32 } from "node:zlib";
import { describe, expect, it } from "vitest";
import {
  answerGetPolicyDocument,
  PolicyDocumentInvokeError,
} from "../../../lib/iam/policyDocumentInvoke.ts";

const json = (inputs: Record<string, unknown>) => answerGetPolicyDocument(inputs).json;

/** The provider test's `testAccPolicyDocumentConfig`, as Pulumi inputs. */
const BASIC = {
  policyId: "policy_id",
  statements: [
    {
      sid: "1",
      actions: ["s3:ListAllMyBuckets", "s3:GetBucketLocation"],
      resources: ["arn:aws:s3:::*"],
    },
    {
      actions: ["s3:ListBucket"],
      resources: ["arn:aws:s3:::foo"],
      conditions: [
        {
          test: "StringLike",
          variable: "s3:prefix",
          values: ["home/", "", "home/&{aws:username}/"],
        },
      ],
      notPrincipals: [{ type: "AWS", identifiers: ["arn:blahblah:example"] }],
    },
    {
      actions: ["s3:*"],
      resources: [
        "arn:aws:s3:::foo/home/&{aws:username}",
        "arn:aws:s3:::foo/home/&{aws:username}/*",
      ],
      principals: [{ type: "AWS", identifiers: ["arn:blahblah:example"] }],
    },
    { effect: "Deny", notActions: ["s3:*"], notResources: ["arn:aws:s3:::*"] },
    {
      effect: "Allow",
      actions: ["kinesis:*"],
      principals: [{ type: "AWS", identifiers: ["*"] }],
    },
    { effect: "Allow", actions: ["firehose:*"], principals: [{ type: "*", identifiers: ["*"] }] },
  ],
};

const BASIC_STATEMENTS_JSON = `{
      "Sid": "1",
      "Effect": "Allow",
      "Action": [
        "s3:ListAllMyBuckets",
        "s3:GetBucketLocation"
      ],
      "Resource": "arn:aws:s3:::*"
    },
    {
      "Effect": "Allow",
      "Action": "s3:ListBucket",
      "Resource": "arn:aws:s3:::foo",
      "NotPrincipal": {
        "AWS": "arn:blahblah:example"
      },
      "Condition": {
        "StringLike": {
          "s3:prefix": [
            "home/",
            "",
            "home/\${aws:username}/"
          ]
        }
      }
    },
    {
      "Effect": "Allow",
      "Action": "s3:*",
      "Resource": [
        "arn:aws:s3:::foo/home/\${aws:username}/*",
        "arn:aws:s3:::foo/home/\${aws:username}"
      ],
      "Principal": {
        "AWS": "arn:blahblah:example"
      }
    },
    {
      "Effect": "Deny",
      "NotAction": "s3:*",
      "NotResource": "arn:aws:s3:::*"
    },
    {
      "Effect": "Allow",
      "Action": "kinesis:*",
      "Principal": {
        "AWS": "*"
      }
    },
    {
      "Effect": "Allow",
      "Action": "firehose:*",
      "Principal": "*"
    }`;

/** A document written by the provider from `statements` alone (for source/override lists). */
const doc = (...statements: Record<string, unknown>[]) => json({ statements });

describe("getPolicyDocument: the provider's own test cases", () => {
  it("basic: sets sorted in reverse, one item as a string, &{} as ${}, wildcard principals (provider test _basic)", () => {
    expect(json(BASIC)).toBe(`{
  "Version": "2012-10-17",
  "Id": "policy_id",
  "Statement": [
    ${BASIC_STATEMENTS_JSON}
  ]
}`);
  });

  it("a single condition value is written as a string (provider test _singleConditionValue)", () => {
    expect(
      json({
        statements: [
          {
            effect: "Deny",
            principals: [{ type: "AWS", identifiers: ["*"] }],
            actions: ["elasticfilesystem:*"],
            resources: ["*"],
            conditions: [{ test: "Bool", variable: "aws:SecureTransport", values: ["false"] }],
          },
        ],
      }),
    ).toBe(`{
  "Version": "2012-10-17",
  "Statement": [
    {
      "Effect": "Deny",
      "Action": "elasticfilesystem:*",
      "Resource": "*",
      "Principal": {
        "AWS": "*"
      },
      "Condition": {
        "Bool": {
          "aws:SecureTransport": "false"
        }
      }
    }
  ]
}`);
  });

  it("a source document's statements come first, re-read and re-written (provider test _source)", () => {
    const source = json({
      ...BASIC,
      statements: BASIC.statements.map((s, i) =>
        i === 2
          ? {
              ...s,
              principals: [
                { type: "AWS", identifiers: ["arn:blahblah:example", "arn:blahblahblah:example"] },
              ],
            }
          : s,
      ),
    });
    const merged = json({
      sourcePolicyDocuments: [source],
      statements: [{ sid: "SourceJSONTest1", actions: ["*"], resources: ["*"] }],
    });
    expect(merged).toBe(`{
  "Version": "2012-10-17",
  "Id": "policy_id",
  "Statement": [
    ${BASIC_STATEMENTS_JSON.replace(
      `"Principal": {
        "AWS": "arn:blahblah:example"
      }`,
      `"Principal": {
        "AWS": [
          "arn:blahblahblah:example",
          "arn:blahblah:example"
        ]
      }`,
    )},
    {
      "Sid": "SourceJSONTest1",
      "Effect": "Allow",
      "Action": "*",
      "Resource": "*"
    }
  ]
}`);
  });

  const policyA = doc(
    { sid: "", effect: "Allow", actions: ["foo:ActionOne"] },
    { sid: "validSidOne", effect: "Allow", actions: ["bar:ActionOne"] },
  );

  it("source documents merge in order (provider test _sourceList)", () => {
    expect(
      json({
        version: "2012-10-17",
        sourcePolicyDocuments: [
          policyA,
          doc({ sid: "validSidTwo", effect: "Deny", actions: ["foo:ActionTwo"] }),
          doc({ sid: "", effect: "Allow", actions: ["bar:ActionTwo"] }),
        ],
      }),
    ).toBe(`{
  "Version": "2012-10-17",
  "Statement": [
    {
      "Effect": "Allow",
      "Action": "foo:ActionOne"
    },
    {
      "Sid": "validSidOne",
      "Effect": "Allow",
      "Action": "bar:ActionOne"
    },
    {
      "Sid": "validSidTwo",
      "Effect": "Deny",
      "Action": "foo:ActionTwo"
    },
    {
      "Effect": "Allow",
      "Action": "bar:ActionTwo"
    }
  ]
}`);
  });

  it("a statement replaces the source statement with its Sid (provider test _sourceConflicting)", () => {
    expect(
      json({
        sourcePolicyDocuments: [
          doc({ sid: "SourceJSONTestConflicting", actions: ["iam:*"], resources: ["*"] }),
        ],
        statements: [{ sid: "SourceJSONTestConflicting", actions: ["*"], resources: ["*"] }],
      }),
    ).toBe(`{
  "Version": "2012-10-17",
  "Statement": [
    {
      "Sid": "SourceJSONTestConflicting",
      "Effect": "Allow",
      "Action": "*",
      "Resource": "*"
    }
  ]
}`);
  });

  it("refuses a Sid repeated across source documents (provider test _sourceListConflicting)", () => {
    expect(() =>
      json({
        version: "2012-10-17",
        sourcePolicyDocuments: [
          doc(
            { sid: "", effect: "Allow", actions: ["foo:ActionOne"] },
            { sid: "conflictSid", effect: "Allow", actions: ["bar:ActionOne"] },
          ),
          doc({ sid: "validSid", effect: "Deny", actions: ["foo:ActionTwo"] }),
          doc({ sid: "conflictSid", effect: "Allow", actions: ["bar:ActionTwo"] }),
        ],
      }),
    ).toThrow(
      "writing IAM Policy Document: merging source document 2: duplicate Sid (conflictSid) in source_policy_documents (statement 0)",
    );
  });

  it("an override document replaces by Sid, and appends the rest (provider test _override)", () => {
    expect(
      json({
        overridePolicyDocuments: [
          doc({ sid: "SidToOverwrite", actions: ["s3:*"], resources: ["*"] }),
        ],
        statements: [
          { actions: ["ec2:*"], resources: ["*"] },
          {
            sid: "SidToOverwrite",
            actions: ["s3:*"],
            resources: ["arn:aws:s3:::somebucket", "arn:aws:s3:::somebucket/*"],
          },
        ],
      }),
    ).toBe(`{
  "Version": "2012-10-17",
  "Statement": [
    {
      "Effect": "Allow",
      "Action": "ec2:*",
      "Resource": "*"
    },
    {
      "Sid": "SidToOverwrite",
      "Effect": "Allow",
      "Action": "s3:*",
      "Resource": "*"
    }
  ]
}`);
  });

  it("override documents apply in order (provider test _overrideList)", () => {
    expect(
      json({
        version: "2012-10-17",
        overridePolicyDocuments: [
          policyA.replace("validSidOne", "overrideSid"),
          doc({ sid: "validSid", effect: "Deny", actions: ["foo:ActionTwo"] }),
          doc({ sid: "overrideSid", effect: "Deny", actions: ["bar:ActionOne"] }),
        ],
      }),
    ).toBe(`{
  "Version": "2012-10-17",
  "Statement": [
    {
      "Effect": "Allow",
      "Action": "foo:ActionOne"
    },
    {
      "Sid": "overrideSid",
      "Effect": "Deny",
      "Action": "bar:ActionOne"
    },
    {
      "Sid": "validSid",
      "Effect": "Deny",
      "Action": "foo:ActionTwo"
    }
  ]
}`);
  });

  it("source and override without statements (provider tests _noStatementMerge, _noStatementOverride)", () => {
    const override = doc({
      sid: "OverridePlaceholder",
      actions: ["s3:GetObject"],
      resources: ["*"],
    });
    expect(
      answerGetPolicyDocument({
        sourcePolicyDocuments: [
          doc({ sid: "", actions: ["ec2:DescribeAccountAttributes"], resources: ["*"] }),
        ],
        overridePolicyDocuments: [override],
      }).minifiedJson,
    ).toBe(
      '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"ec2:DescribeAccountAttributes","Resource":"*"},{"Sid":"OverridePlaceholder","Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]}',
    );
    expect(
      answerGetPolicyDocument({
        sourcePolicyDocuments: [
          doc({
            sid: "OverridePlaceholder",
            actions: ["ec2:DescribeAccountAttributes"],
            resources: ["*"],
          }),
        ],
        overridePolicyDocuments: [override],
      }).minifiedJson,
    ).toBe(
      '{"Version":"2012-10-17","Statement":[{"Sid":"OverridePlaceholder","Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]}',
    );
  });

  it("refuses a repeated Sid among the statements, not a repeated blank one (provider test _duplicateSid)", () => {
    expect(() =>
      json({
        statements: [
          {
            sid: "1",
            effect: "Allow",
            actions: ["ec2:DescribeAccountAttributes"],
            resources: ["*"],
          },
          { sid: "1", effect: "Allow", actions: ["s3:GetObject"], resources: ["*"] },
        ],
      }),
    ).toThrow(
      "writing IAM Policy Document: duplicate Sid (1). Remove the Sid or ensure the Sid is unique.",
    );
    expect(
      answerGetPolicyDocument({
        statements: [
          {
            sid: "",
            effect: "Allow",
            actions: ["ec2:DescribeAccountAttributes"],
            resources: ["*"],
          },
          { sid: "", effect: "Allow", actions: ["s3:GetObject"], resources: ["*"] },
        ],
      }).minifiedJson,
    ).toBe(
      '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"ec2:DescribeAccountAttributes","Resource":"*"},{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]}',
    );
  });

  const root = (partition: string, account: string) => `arn:${partition}:iam::${account}:root`;

  it("principal blocks of one type merge in the provider's set order (provider test _StatementPrincipalIdentifiers_stringAndSlice)", () => {
    const answer = answerGetPolicyDocument({
      statements: [
        {
          actions: ["*"],
          resources: ["*"],
          sid: "StatementPrincipalIdentifiersStringAndSlice",
          principals: [
            { identifiers: [root("aws", "111111111111")], type: "AWS" },
            {
              identifiers: [root("aws", "222222222222"), root("aws", "333333333333")],
              type: "AWS",
            },
          ],
        },
      ],
    });
    expect(JSON.parse(answer.json).Statement[0].Principal.AWS).toEqual([
      root("aws", "111111111111"),
      root("aws", "333333333333"),
      root("aws", "222222222222"),
    ]);
  });

  it.each([
    ["aws", ["333333333333", "444444444444", "222222222222", "111111111111"]],
    ["aws-us-gov", ["333333333333", "222222222222", "111111111111", "444444444444"]],
  ])(
    "the set order hangs on the bytes, so on the partition: %s (provider tests _multiplePrincipals, _multiplePrincipalsGov)",
    (partition, order) => {
      const answer = answerGetPolicyDocument({
        statements: [
          {
            actions: ["*"],
            resources: ["*"],
            sid: "StatementPrincipalIdentifiersStringAndSlice",
            principals: [
              {
                identifiers: [root(partition, "111111111111"), root(partition, "222222222222")],
                type: "AWS",
              },
              { identifiers: [root(partition, "333333333333")], type: "AWS" },
              { identifiers: [root(partition, "444444444444")], type: "AWS" },
            ],
          },
        ],
      });
      expect(JSON.parse(answer.json).Statement[0].Principal.AWS).toEqual(
        order.map((a) => root(partition, a)),
      );
    },
  );

  it("version 2008-10-17 is written, and refuses &{} everywhere it would be replaced (provider test _version20081017)", () => {
    expect(
      answerGetPolicyDocument({
        version: "2008-10-17",
        statements: [{ actions: ["ec2:*"], resources: ["*"] }],
      }).minifiedJson,
    ).toBe(
      '{"Version":"2008-10-17","Statement":[{"Effect":"Allow","Action":"ec2:*","Resource":"*"}]}',
    );
    const refused =
      /found &\{ sequence in \(.+\), which is not supported in document version 2008-10-17/;
    for (const statement of [
      {
        actions: ["*"],
        resources: ["*"],
        conditions: [
          { test: "StringLike", values: ["home/", "home/&{aws:username}/"], variable: "s3:prefix" },
        ],
      },
      {
        actions: ["*"],
        resources: ["*"],
        notPrincipals: [{ identifiers: ["&{aws:username}"], type: "AWS" }],
      },
      { actions: ["*"], notResources: ["arn:aws:s3:::foo/home/&{aws:username}"] },
      {
        actions: ["*"],
        resources: ["*"],
        principals: [{ identifiers: ["&{aws:username}"], type: "AWS" }],
      },
      { actions: ["*"], resources: ["arn:aws:s3:::foo/home/&{aws:username}"] },
    ]) {
      expect(() => json({ version: "2008-10-17", statements: [statement] })).toThrow(refused);
    }
  });
});

describe("getPolicyDocument: the provider's documentation examples", () => {
  it("conditions of one operator merge, keys sorted (Example Multiple Condition Keys and Values)", () => {
    expect(
      answerGetPolicyDocument({
        statements: [
          {
            conditions: [
              {
                test: "ForAnyValue:StringEquals",
                variable: "kms:EncryptionContext:service",
                values: ["pi"],
              },
              {
                test: "ForAnyValue:StringEquals",
                variable: "kms:EncryptionContext:aws:pi:service",
                values: ["rds"],
              },
              {
                test: "ForAnyValue:StringEquals",
                variable: "kms:EncryptionContext:aws:rds:db-id",
                values: ["db-AAAAABBBBBCCCCCDDDDDEEEEE", "db-EEEEEDDDDDCCCCCBBBBBAAAAA"],
              },
            ],
            actions: ["kms:Decrypt", "kms:GenerateDataKey"],
            resources: ["*"],
          },
        ],
      }).json,
    ).toBe(`{
  "Version": "2012-10-17",
  "Statement": [
    {
      "Effect": "Allow",
      "Action": [
        "kms:GenerateDataKey",
        "kms:Decrypt"
      ],
      "Resource": "*",
      "Condition": {
        "ForAnyValue:StringEquals": {
          "kms:EncryptionContext:aws:pi:service": "rds",
          "kms:EncryptionContext:aws:rds:db-id": [
            "db-AAAAABBBBBCCCCCDDDDDEEEEE",
            "db-EEEEEDDDDDCCCCCBBBBBAAAAA"
          ],
          "kms:EncryptionContext:service": "pi"
        }
      }
    }
  ]
}`);
  });

  it("an assume-role (trust) policy with several principal types (Example Assume-Role Policy with Multiple Principals)", () => {
    expect(
      answerGetPolicyDocument({
        statements: [
          {
            actions: ["sts:AssumeRole"],
            principals: [
              { type: "Service", identifiers: ["firehose.amazonaws.com"] },
              { type: "AWS", identifiers: ["arn:aws:iam::111122223333:role/trusted"] },
              {
                type: "Federated",
                identifiers: [
                  "arn:aws:iam::111122223333:saml-provider/corp",
                  "cognito-identity.amazonaws.com",
                ],
              },
            ],
          },
        ],
      }).minifiedJson,
    ).toBe(
      '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole","Principal":{"AWS":"arn:aws:iam::111122223333:role/trusted","Federated":["cognito-identity.amazonaws.com","arn:aws:iam::111122223333:saml-provider/corp"],"Service":"firehose.amazonaws.com"}}]}',
    );
  });

  it("a source and an override document with the same Sid (Example with Both Source and Override Documents)", () => {
    expect(
      answerGetPolicyDocument({
        sourcePolicyDocuments: [
          doc({
            sid: "OverridePlaceholder",
            actions: ["ec2:DescribeAccountAttributes"],
            resources: ["*"],
          }),
        ],
        overridePolicyDocuments: [
          doc({ sid: "OverridePlaceholder", actions: ["s3:GetObject"], resources: ["*"] }),
        ],
      }).minifiedJson,
    ).toBe(
      '{"Version":"2012-10-17","Statement":[{"Sid":"OverridePlaceholder","Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]}',
    );
  });
});

describe("getPolicyDocument: the provider's model, case by case", () => {
  it("writes a trust policy for a service with an external-id condition", () => {
    expect(
      answerGetPolicyDocument({
        statements: [
          {
            actions: ["sts:AssumeRole"],
            principals: [{ type: "AWS", identifiers: ["arn:aws:iam::999988887777:root"] }],
            conditions: [{ test: "StringEquals", variable: "sts:ExternalId", values: ["x-1"] }],
          },
        ],
      }).minifiedJson,
    ).toBe(
      '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole","Principal":{"AWS":"arn:aws:iam::999988887777:root"},"Condition":{"StringEquals":{"sts:ExternalId":"x-1"}}}]}',
    );
  });

  it("an empty document is its version alone; empty lists are left out", () => {
    expect(answerGetPolicyDocument({}).minifiedJson).toBe('{"Version":"2012-10-17"}');
    expect(
      answerGetPolicyDocument({ statements: [{ actions: [], resources: [], principals: [] }] })
        .minifiedJson,
    ).toBe('{"Version":"2012-10-17","Statement":[{"Effect":"Allow"}]}');
  });

  it("sets drop repeats: actions, resources, identical principal blocks", () => {
    expect(
      answerGetPolicyDocument({
        statements: [
          {
            actions: ["s3:GetObject", "s3:GetObject"],
            resources: ["*", "*"],
            principals: [
              { type: "AWS", identifiers: ["111122223333"] },
              { type: "AWS", identifiers: ["111122223333"] },
            ],
          },
        ],
      }).minifiedJson,
    ).toBe(
      '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*","Principal":{"AWS":"111122223333"}}]}',
    );
  });

  it('only a lone type "*" principal becomes "*"; beside another type it stays a key', () => {
    const principal = (principals: unknown[]) =>
      JSON.parse(json({ statements: [{ actions: ["s3:GetObject"], principals }] })).Statement[0]
        .Principal;
    expect(principal([{ type: "*", identifiers: ["*"] }])).toBe("*");
    expect(
      principal([
        { type: "*", identifiers: ["*"] },
        { type: "AWS", identifiers: ["111122223333"] },
      ]),
    ).toEqual({ "*": "*", AWS: "111122223333" });
  });

  it("writes JSON as Go does: <, > and & escaped, map keys in byte order", () => {
    const answer = answerGetPolicyDocument({
      statements: [
        {
          actions: ["s3:GetObject"],
          conditions: [
            { test: "StringLike", variable: "9", values: ["a<b>&c"] },
            { test: "StringLike", variable: "10", values: ["x"] },
            { test: "StringLike", variable: "a", values: ["y"] },
          ],
        },
      ],
    });
    expect(answer.minifiedJson).toBe(
      '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Condition":{"StringLike":{"10":"x","9":"a\\u003cb\\u003e\\u0026c","a":"y"}}}]}',
    );
    // The id is the CRC-32 of the indented JSON (the provider's create.StringHashcode).
    expect(answer.id).toBe(String(crc32(answer.json)));
  });

  it("reads a document as Go's json.Unmarshal does: keys up to case, the last one winning", () => {
    const source = JSON.stringify({
      statement: [
        { effect: "Allow", ACTION: "s3:GetObject", Action: "s3:PutObject", resource: "*" },
      ],
    });
    expect(answerGetPolicyDocument({ sourcePolicyDocuments: [source] }).minifiedJson).toBe(
      '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:PutObject","Resource":"*"}]}',
    );
    // A repeated Statement key decodes into the statements already read.
    const repeated =
      '{"Statement":[{"Sid":"A","Effect":"Allow","Action":"s3:PutObject"}],"Statement":[{"Resource":"*"}]}';
    expect(answerGetPolicyDocument({ sourcePolicyDocuments: [repeated] }).minifiedJson).toBe(
      '{"Version":"2012-10-17","Statement":[{"Sid":"A","Effect":"Allow","Action":"s3:PutObject","Resource":"*"}]}',
    );
  });

  it("keeps a document's own forms: its lists, its one-item principal list; booleans become strings, numbers in conditions vanish", () => {
    const source = JSON.stringify({
      Version: "2012-10-17",
      Id: "from-source",
      Statement: [
        {
          Effect: "Allow",
          Action: ["s3:PutObject", "s3:GetObject"],
          Resource: ["arn:aws:s3:::b/*"],
          Principal: { AWS: ["arn:aws:iam::111122223333:root"], Service: "s3.amazonaws.com" },
          Condition: {
            Bool: { "aws:SecureTransport": true },
            NumericLessThan: { "s3:max-keys": 10 },
          },
        },
      ],
    });
    expect(
      answerGetPolicyDocument({ sourcePolicyDocuments: [source], policyId: "mine" }).minifiedJson,
    ).toBe(
      '{"Version":"2012-10-17","Id":"mine","Statement":[{"Effect":"Allow","Action":["s3:PutObject","s3:GetObject"],"Resource":["arn:aws:s3:::b/*"],"Principal":{"AWS":["arn:aws:iam::111122223333:root"],"Service":"s3.amazonaws.com"},"Condition":{"Bool":{"aws:SecureTransport":"true"}}}]}',
    );
    expect(
      answerGetPolicyDocument({ sourcePolicyDocuments: ['{"Principal":"x"}'] }).minifiedJson,
    ).toBe('{"Version":"2012-10-17"}');
    expect(
      answerGetPolicyDocument({ sourcePolicyDocuments: ['{"Statement":[{"Principal":"anyone"}]}'] })
        .minifiedJson,
    ).toBe('{"Version":"2012-10-17","Statement":[{"Principal":"*"}]}');
  });

  it("the highest version wins, and the last Id", () => {
    const answer = answerGetPolicyDocument({
      version: "2008-10-17",
      policyId: "own",
      sourcePolicyDocuments: ['{"Version":"2012-10-17","Id":"source"}'],
      overridePolicyDocuments: ['{"Id":"override"}'],
    });
    expect(answer.minifiedJson).toBe('{"Version":"2012-10-17","Id":"override"}');
    expect(answer.version).toBe("2008-10-17");
  });

  it("answers with the inputs the provider echoes, effect filled in", () => {
    const answer = answerGetPolicyDocument({
      policyId: "p",
      statements: [{ actions: ["s3:GetObject"] }],
      sourcePolicyDocuments: ["{}"],
    });
    expect(answer).toMatchObject({
      version: "2012-10-17",
      policyId: "p",
      sourcePolicyDocuments: ["{}"],
      statements: [{ actions: ["s3:GetObject"], effect: "Allow" }],
    });
  });

  it.each([
    [{ statements: [{ effect: "Permit" }] }, 'to be one of ["Allow" "Deny"], got Permit'],
    [{ statements: [{ sid: "read-only" }] }, "must only include alphanumeric characters"],
    [{ version: "2020-01-01" }, 'expected version to be one of ["2008-10-17" "2012-10-17"]'],
    [{ sourcePolicyDocuments: ["{not json"] }, "merging source document 0: invalid JSON"],
    [
      { overridePolicyDocuments: ["[]"] },
      "merging override document 0: json: cannot unmarshal array",
    ],
    [{ sourcePolicyDocuments: ['{"Statement":{}}'] }, "cannot unmarshal object into Statement"],
    [{ sourceJson: "{}" }, "expected sourceJson to be empty"],
    [
      { statements: [{ principals: [{ type: "AWS" }] }] },
      "statements[0].principals[0].identifiers",
    ],
    [
      { statements: [{ actions: "s3:GetObject" }] },
      "statements[0].actions must be a list of strings",
    ],
  ])("refuses what the provider refuses: %j", (inputs, message) => {
    expect(() => answerGetPolicyDocument(inputs)).toThrow(PolicyDocumentInvokeError);
    expect(() => answerGetPolicyDocument(inputs)).toThrow(message);
  });
});
