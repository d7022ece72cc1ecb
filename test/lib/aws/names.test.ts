import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { defaultTrailName } from "../../../components/audit-trail/index.ts";
import { kmsAliasName } from "../../../components/budget-bucket/index.ts";
import {
  EXPORTER_FUNCTION_NAME_RULE,
  defaultExporterFunctionName,
} from "../../../components/budget-exporter/index.ts";
import { defaultReaderPrincipalName } from "../../../components/spendflo-reader/index.ts";
import { monitoringNames } from "../../../components/sync-monitoring/index.ts";
import { defaultUploaderPrincipalName } from "../../../components/uploader-access/index.ts";
import {
  NAME_RULES,
  RESOURCE_NAME_RULES,
  fitName,
  nameHash,
  nameProblem,
  nameProblems,
  resourceNameProblem,
  type NameRule,
} from "../../../lib/aws/names.ts";
import { mockResource } from "../../../cli/plan/mockCloud.ts";

/** Pulumi's stack names: letters, digits, `-`, `_` and `.`, at most 100 characters. */
const stackName = fc.string({
  unit: fc.constantFrom(..."abcxyz019ABZ-_.".split("")),
  minLength: 1,
  maxLength: 100,
});

/**
 * Every name a component derives, with the rule of its service, and the derivation used before
 * names were fitted: whatever that gave and AWS accepts must not change.
 */
const DERIVED: {
  what: string;
  rule: NameRule;
  derive: (stack: string) => string;
  before: (stack: string) => string;
}[] = [
  {
    what: "SpendFlo's reader (IAM user or role)",
    rule: NAME_RULES.iamRole,
    derive: defaultReaderPrincipalName,
    before: (s) => `spendflo-budget-sync-${s}`,
  },
  {
    what: "the uploader (IAM user, or role and instance profile)",
    rule: NAME_RULES.iamRole,
    derive: defaultUploaderPrincipalName,
    before: (s) => `budget-uploader-${s}`,
  },
  {
    what: "the audit trail",
    rule: NAME_RULES.trail,
    derive: defaultTrailName,
    before: (s) => `budget-sync-audit-${s}`,
  },
  {
    what: "the exporter function (and its role, log group, schedule or rule)",
    rule: EXPORTER_FUNCTION_NAME_RULE,
    derive: defaultExporterFunctionName,
    before: (s) => `budget-export-to-s3-${s}`.slice(0, 52).replace(/-+$/, ""),
  },
  {
    what: "the alerts topic",
    rule: NAME_RULES.snsTopic,
    derive: (s) => monitoringNames(`budget-sync-${s}`).alertsTopic,
    before: (s) => `budget-sync-${s}-alerts`,
  },
  {
    what: "the uploads topic",
    rule: NAME_RULES.snsTopic,
    derive: (s) => monitoringNames(`budget-sync-${s}`).uploadsTopic,
    before: (s) => `budget-sync-${s}-uploads`,
  },
  {
    what: "the uploads rule",
    rule: NAME_RULES.eventRule,
    derive: (s) => monitoringNames(`budget-sync-${s}`).uploadRule,
    before: (s) => `budget-sync-${s}-uploads`,
  },
  {
    what: "the no-upload alarm",
    rule: NAME_RULES.alarm,
    derive: (s) => monitoringNames(`budget-sync-${s}`).noUploadAlarm,
    before: (s) => `budget-sync-${s}-no-upload`,
  },
  {
    what: "the exporter errors alarm",
    rule: NAME_RULES.alarm,
    derive: (s) => monitoringNames(`budget-sync-${s}`).exporterErrorsAlarm,
    before: (s) => `budget-sync-${s}-exporter-errors`,
  },
];

describe("names derived from the stack name", () => {
  it.each(DERIVED.map((d) => [d.what, d] as const))(
    "%s: always valid, and unchanged wherever the old name was valid",
    (_, d) => {
      fc.assert(
        fc.property(stackName, (stack) => {
          const name = d.derive(stack);
          expect(nameProblems(d.rule, name), name).toEqual([]);
          const before = d.before(stack);
          if (nameProblems(d.rule, before).length === 0) expect(name).toBe(before);
        }),
        { numRuns: 300 },
      );
    },
  );

  it.each(DERIVED.map((d) => [d.what, d] as const))(
    "%s: two stack names never share one (a.b and a-b, long names alike up to the cut)",
    (_, d) => {
      const long = (tail: string) => `${"prod.eu-west.".repeat(7)}${tail}`.slice(-100);
      const pairs = [
        ["a.b", "a-b"],
        ["prod.eu", "prod-eu"],
        ["prod.eu", "prod_eu"],
        ["x--y", "x-y"],
        [long("a"), long("b")],
      ];
      for (const [one, two] of pairs) {
        // The exporter's function name was always cut at 52 characters: two long stack names that
        // agree that far shared it before, and a valid name never changes.
        if (d.derive === defaultExporterFunctionName && one.length > 30 && !one.includes("."))
          continue;
        expect(d.derive(one), `${one} / ${two}`).not.toBe(d.derive(two));
      }
    },
  );

  it("gives these names for a 100-character stack name with dots", () => {
    const stack = "prod.eu-west.".repeat(8).slice(0, 99) + "x";
    expect(stack).toHaveLength(100);
    expect(nameHash(`spendflo-budget-sync-${stack}`)).toBe("174d17e3");
    expect(defaultReaderPrincipalName(stack)).toBe(
      "spendflo-budget-sync-prod.eu-west.prod.eu-west.prod.eu-174d17e3",
    );
    expect(defaultUploaderPrincipalName(stack)).toBe(
      "budget-uploader-prod.eu-west.prod.eu-west.prod.eu-west-69ef25b4",
    );
    // CloudTrail takes dots and 128 characters: unchanged.
    expect(defaultTrailName(stack)).toBe(`budget-sync-audit-${stack}`);
    expect(defaultExporterFunctionName(stack)).toBe(
      "budget-export-to-s3-prod-eu-west-prod-eu-we-2b6762a5",
    );
    const names = monitoringNames(`budget-sync-${stack}`);
    expect(names.uploadRule).toBe(
      "budget-sync-prod.eu-west.prod.eu-west.prod.eu-west.prod-77ac297a",
    );
    expect(names.alertsTopic).toBe(
      `budget-sync-${stack.replaceAll(".", "-")}-alerts-${nameHash(`budget-sync-${stack}-alerts`)}`,
    );
    expect(names.uploadsTopic).toBe(
      `budget-sync-${stack.replaceAll(".", "-")}-uploads-${nameHash(`budget-sync-${stack}-uploads`)}`,
    );
    // Alarm names take anything up to 255 characters: unchanged, so the topic's policy matches them.
    expect(names.noUploadAlarm).toBe(`budget-sync-${stack}-no-upload`);
  });

  it("a trail name of a stack CloudTrail refuses in it (two separators in a row, one at the end)", () => {
    for (const stack of ["prod--eu", "prod-", "prod._eu", "prod."]) {
      const name = defaultTrailName(stack);
      expect(nameProblems(NAME_RULES.trail, name), name).toEqual([]);
      expect(name).toMatch(
        new RegExp(`^budget-sync-audit-prod(-eu)?-${nameHash(`budget-sync-audit-${stack}`)}$`),
      );
    }
    expect(defaultTrailName("prod-eu")).toBe("budget-sync-audit-prod-eu");
  });
});

describe("names derived from the bucket name", () => {
  it("the KMS alias of a bucket with dots has dashes and a hash; one without is unchanged", () => {
    expect(kmsAliasName("acme-budget-exports")).toBe("alias/budget-sync/acme-budget-exports");
    const dotted = kmsAliasName("acme.budget.exports");
    expect(dotted).toBe(
      `alias/budget-sync/acme-budget-exports-${nameHash("alias/budget-sync/acme.budget.exports")}`,
    );
    expect(nameProblems(NAME_RULES.kmsAlias, dotted)).toEqual([]);
    expect(kmsAliasName("acme.budgets")).not.toBe(kmsAliasName("acme-budgets"));
  });
});

describe("the rules", () => {
  it.each<[keyof typeof NAME_RULES, string, string]>([
    [
      "kmsAlias",
      "alias/budget-sync/a.b",
      'may contain only letters, digits, / _ and - (it has ".")',
    ],
    [
      "kmsAlias",
      "alias/aws/s3",
      'must not start with "alias/aws/" (reserved for AWS managed keys)',
    ],
    ["kmsAlias", "budget-sync/x", 'must start with "alias/"'],
    ["snsTopic", "a.b", 'may contain only letters, digits, _ and - (it has ".")'],
    ["lambdaFunction", "x".repeat(65), "must be 1 to 64 characters long (it has 65)"],
    ["iamUser", "x".repeat(65), "must be 1 to 64 characters long (it has 65)"],
    ["iamRole", "a b", 'may contain only letters, digits and _ + = , . @ - (it has " ")'],
    ["eventRule", "x".repeat(65), "must be 1 to 64 characters long (it has 65)"],
    ["schedule", "a/b", 'may contain only letters, digits, . _ and - (it has "/")'],
    [
      "alarm",
      "a\nb",
      'may contain only any characters but ASCII control characters (it has "\\n")',
    ],
    ["logGroup", "aws/x", 'must not start with "aws/"'],
    [
      "trail",
      "my--trail",
      "must not have two periods, underscores or dashes in a row (my--name, my-_name)",
    ],
    ["trail", "trail-", "must start and end with a letter or a digit"],
    ["trail", "192.168.5.4", "must not be formatted as an IP address"],
    ["s3Bucket", "Acme", "may contain only lowercase letters, digits, dots (.) and hyphens (-)"],
  ])("%s refuses %j", (rule, name, problem) => {
    expect(nameProblems(NAME_RULES[rule], name)).toContain(problem);
  });

  it.each<[keyof typeof NAME_RULES, string]>([
    ["snsTopic", "alerts.fifo"],
    ["iamUser", "spendflo-budget-sync-prod.eu"],
    ["eventRule", "budget-sync-prod.eu-uploads"],
    ["logGroup", "/aws/lambda/budget-export-to-s3-prod"],
    ["alarm", "budget-sync-prod.eu: no upload"],
    ["trail", "budget-sync-audit-prod.eu"],
  ])("%s accepts %j", (rule, name) => {
    expect(nameProblems(NAME_RULES[rule], name)).toEqual([]);
  });

  it("fitName keeps a valid name and always returns a valid one", () => {
    for (const rule of Object.values(NAME_RULES) as NameRule[]) {
      if (rule.problems) continue; // bucket names are refused in config, never fitted
      fc.assert(
        fc.property(fc.string({ minLength: 1, maxLength: 300 }), (raw) => {
          const name = rule === NAME_RULES.kmsAlias ? `alias/x/${raw}` : `n${raw}`;
          const fitted = fitName(rule, name);
          expect(nameProblems(rule, fitted)).toEqual([]);
          if (nameProblems(rule, name).length === 0) expect(fitted).toBe(name);
          else expect(fitted.endsWith(`-${nameHash(name)}`)).toBe(true);
        }),
        { numRuns: 100 },
      );
    }
  });

  it("fitName refuses, naming the rule, when no valid name can be derived", () => {
    expect(() => fitName(NAME_RULES.kmsAlias, "budget-sync/x")).toThrow(
      /no valid KMS alias can be derived from "budget-sync\/x": it must start with "alias\/"/,
    );
  });
});

describe("the mock cloud enforces the rules on every name a program sets", () => {
  const settings = { accountId: "123456789012", region: "us-east-1" };
  const mock = (type: string, inputs: Record<string, unknown>) =>
    mockResource(type, "thing", `urn:pulumi:dev::p::${type}::thing`, inputs, settings);

  it("refuses an invalid name, naming the resource, the name and the rule", () => {
    expect(() => mock("aws:lambda/function:Function", { name: "budget-export-to-s3-a.b" })).toThrow(
      'aws:lambda/function:Function "thing": name "budget-export-to-s3-a.b" is not a Lambda function name: it may contain only letters, digits, _ and - (it has ".") (https://docs.aws.amazon.com/lambda/latest/api/API_CreateFunction.html); AWS would refuse it',
    );
    expect(() => mock("aws:kms/alias:Alias", { name: "alias/budget-sync/a.b.c" })).toThrow(
      /aws:kms\/alias:Alias "thing": name "alias\/budget-sync\/a\.b\.c" is not a KMS alias/,
    );
    expect(() => mock("aws:iam/role:Role", { name: "r".repeat(65) })).toThrow(
      /must be 1 to 64 characters long \(it has 65\)/,
    );
    expect(() => mock("aws:s3/bucket:Bucket", { bucket: "Acme_Budgets" })).toThrow(
      /bucket "Acme_Budgets" is not an S3 bucket name/,
    );
    expect(() => mock("aws:cloudtrail/trail:Trail", { name: "budget-sync-audit-a--b" })).toThrow(
      /is not a CloudTrail trail name: it must not have two periods/,
    );
  });

  it("accepts valid names, and leaves auto-naming to the provider", () => {
    expect(mock("aws:sns/topic:Topic", { name: "budget-sync-prod-alerts" }).id).toContain(
      "budget-sync-prod-alerts",
    );
    expect(mock("aws:lambda/function:Function", {}).id).toMatch(/^thing-[0-9a-f]{7}$/);
    expect(resourceNameProblem("aws:s3/bucketPolicy:BucketPolicy", { bucket: "Not_Checked" })).toBe(
      undefined,
    );
  });

  it("has a rule for each name the resource types of our components carry", () => {
    for (const [type, rules] of Object.entries(RESOURCE_NAME_RULES)) {
      expect(type).toMatch(/^aws:[a-z0-9]+\/[A-Za-z0-9]+:[A-Za-z0-9]+$/);
      for (const [property, rule] of rules) {
        expect(property).toMatch(/^[a-z][A-Za-z]+$/);
        expect(rule.source).toMatch(/^https:\/\/docs\.aws\.amazon\.com\//);
        expect(nameProblem(rule, "x".repeat(rule.max + 1))).toMatch(/characters long|must be/);
      }
    }
  });
});
