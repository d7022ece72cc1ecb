/**
 * The physical names AWS accepts, service by service, and `fitName`, which derives a valid name
 * from one that may not be (a stack name may hold dots and be 100 characters; a bucket name may
 * hold dots).
 *
 * A name that is valid is kept exactly as it is: renaming an IAM user or role replaces it, which
 * breaks the ARN already registered with SpendFlo. Only a name AWS would refuse changes, and it
 * gets a short hash of the whole original name, so `a.b` and `a-b` never meet.
 *
 * Each rule cites the AWS page that states it. The offline engine checks every name a program
 * sets against these rules (`resourceNameProblem`), so `budget-sync plan` fails on a name AWS
 * would refuse at `pulumi up`.
 */
import { createHash } from "node:crypto";
import { bucketNameProblems } from "./s3Naming.ts";

export interface NameRule {
  /** What is named, as messages say it: `a Lambda function name`. */
  readonly what: string;
  readonly min: number;
  readonly max: number;
  /** Matches one allowed character. */
  readonly char: RegExp;
  /** The allowed characters, in words. */
  readonly chars: string;
  /** Further requirements: a problem in words, or undefined. */
  readonly more?: readonly ((name: string) => string | undefined)[];
  /** A suffix allowed after the characters above (an SNS FIFO topic's `.fifo`). */
  readonly suffix?: string;
  /** Replaces the character and length rules (S3 bucket names have their own module). */
  readonly problems?: (name: string) => string[];
  /** The AWS documentation that states the rule. */
  readonly source: string;
}

const IAM_CHAR = /[A-Za-z0-9_+=,.@-]/;
const IAM_CHARS = "letters, digits and _ + = , . @ -";

const noAdjacentSeparators = (name: string) =>
  /[._-]{2}/.test(name)
    ? "must not have two periods, underscores or dashes in a row (my--name, my-_name)"
    : undefined;
const alnumEnds = (name: string) =>
  /^[A-Za-z0-9](.*[A-Za-z0-9])?$/.test(name)
    ? undefined
    : "must start and end with a letter or a digit";
const notIpAddress = (name: string) =>
  /^\d{1,3}(\.\d{1,3}){3}$/.test(name) ? "must not be formatted as an IP address" : undefined;

const iamRule = (what: string, max: number, api: string): NameRule => ({
  what,
  min: 1,
  max,
  char: IAM_CHAR,
  chars: IAM_CHARS,
  source: `https://docs.aws.amazon.com/IAM/latest/APIReference/API_${api}.html`,
});

/** The naming rules of the services whose resources a budget-sync stack creates. */
export const NAME_RULES = {
  s3Bucket: {
    what: "an S3 bucket name",
    min: 3,
    max: 63,
    char: /[a-z0-9.-]/,
    chars: "lowercase letters, digits, . and -",
    problems: bucketNameProblems,
    source: "https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucketnamingrules.html",
  },
  s3MetricsId: {
    what: "an S3 metrics configuration id",
    min: 1,
    max: 64,
    char: /[A-Za-z0-9._-]/,
    chars: "letters, digits, . _ and -",
    source:
      "https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutBucketMetricsConfiguration.html",
  },
  kmsAlias: {
    what: "a KMS alias",
    min: 7,
    max: 256,
    // The API's pattern also admits ":"; the developer guide and CloudFormation allow only these.
    char: /[A-Za-z0-9/_-]/,
    chars: "letters, digits, / _ and -",
    more: [
      (name) => (name.startsWith("alias/") ? undefined : 'must start with "alias/"'),
      (name) =>
        name.startsWith("alias/aws/")
          ? 'must not start with "alias/aws/" (reserved for AWS managed keys)'
          : undefined,
    ],
    source: "https://docs.aws.amazon.com/kms/latest/APIReference/API_CreateAlias.html",
  },
  snsTopic: {
    what: "an SNS topic name",
    min: 1,
    max: 256,
    char: /[A-Za-z0-9_-]/,
    chars: "letters, digits, _ and -",
    suffix: ".fifo",
    source: "https://docs.aws.amazon.com/sns/latest/api/API_CreateTopic.html",
  },
  lambdaFunction: {
    what: "a Lambda function name",
    min: 1,
    max: 64,
    char: /[A-Za-z0-9_-]/,
    chars: "letters, digits, _ and -",
    source: "https://docs.aws.amazon.com/lambda/latest/api/API_CreateFunction.html",
  },
  lambdaStatementId: {
    what: "a Lambda permission statement id",
    min: 1,
    max: 100,
    char: /[A-Za-z0-9_-]/,
    chars: "letters, digits, _ and -",
    source: "https://docs.aws.amazon.com/lambda/latest/api/API_AddPermission.html",
  },
  iamUser: iamRule("an IAM user name", 64, "CreateUser"),
  iamRole: iamRule("an IAM role name", 64, "CreateRole"),
  iamInstanceProfile: iamRule("an IAM instance profile name", 128, "CreateInstanceProfile"),
  iamGroup: iamRule("an IAM group name", 128, "CreateGroup"),
  iamPolicy: iamRule("an IAM policy name", 128, "CreatePolicy"),
  iamInlinePolicy: iamRule("an IAM inline policy name", 128, "PutUserPolicy"),
  eventRule: {
    what: "an EventBridge rule name",
    min: 1,
    max: 64,
    char: /[A-Za-z0-9._-]/,
    chars: "letters, digits, . _ and -",
    source: "https://docs.aws.amazon.com/eventbridge/latest/APIReference/API_PutRule.html",
  },
  eventTargetId: {
    what: "an EventBridge target id",
    min: 1,
    max: 64,
    char: /[A-Za-z0-9._-]/,
    chars: "letters, digits, . _ and -",
    source: "https://docs.aws.amazon.com/eventbridge/latest/APIReference/API_Target.html",
  },
  schedule: {
    what: "an EventBridge Scheduler schedule name",
    min: 1,
    max: 64,
    char: /[A-Za-z0-9._-]/,
    chars: "letters, digits, . _ and -",
    source: "https://docs.aws.amazon.com/scheduler/latest/APIReference/API_CreateSchedule.html",
  },
  scheduleGroup: {
    what: "an EventBridge Scheduler group name",
    min: 1,
    max: 64,
    char: /[A-Za-z0-9._-]/,
    chars: "letters, digits, . _ and -",
    source:
      "https://docs.aws.amazon.com/scheduler/latest/APIReference/API_CreateScheduleGroup.html",
  },
  alarm: {
    what: "a CloudWatch alarm name",
    min: 1,
    max: 255,
    // UTF-8 without ASCII control characters.
    // eslint-disable-next-line no-control-regex -- control characters are exactly what it refuses
    char: /[^\u0000-\u001f\u007f]/u,
    chars: "any characters but ASCII control characters",
    source:
      "https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_PutMetricAlarm.html",
  },
  logGroup: {
    what: "a CloudWatch Logs log group name",
    min: 1,
    max: 512,
    char: /[A-Za-z0-9._\-/#]/,
    chars: "letters, digits, . _ - / and #",
    more: [(name) => (name.startsWith("aws/") ? 'must not start with "aws/"' : undefined)],
    source:
      "https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_CreateLogGroup.html",
  },
  trail: {
    what: "a CloudTrail trail name",
    min: 3,
    max: 128,
    char: /[A-Za-z0-9._-]/,
    chars: "letters, digits, . _ and -",
    more: [alnumEnds, noAdjacentSeparators, notIpAddress],
    source: "https://docs.aws.amazon.com/awscloudtrail/latest/APIReference/API_CreateTrail.html",
  },
} as const satisfies Record<string, NameRule>;

/** The problems of a name under a rule, each in words; empty when AWS accepts it. */
export function nameProblems(rule: NameRule, name: string): string[] {
  if (rule.problems) return rule.problems(name);
  const problems: string[] = [];
  if (name.length < rule.min || name.length > rule.max) {
    problems.push(
      `must be ${rule.min === rule.max ? rule.min : `${rule.min} to ${rule.max}`} characters long (it has ${name.length})`,
    );
  }
  const body =
    rule.suffix && name.endsWith(rule.suffix) ? name.slice(0, -rule.suffix.length) : name;
  const bad = [...new Set([...body].filter((c) => !rule.char.test(c)))];
  if (bad.length > 0) {
    problems.push(
      `may contain only ${rule.chars} (it has ${bad.map((c) => JSON.stringify(c)).join(", ")})`,
    );
  }
  for (const check of rule.more ?? []) {
    const problem = check(name);
    if (problem) problems.push(problem);
  }
  return problems;
}

/** `a KMS alias must ... (https://...)`, or undefined when the name is valid. */
export function nameProblem(rule: NameRule, name: string): string | undefined {
  const problems = nameProblems(rule, name);
  if (problems.length === 0) return undefined;
  return `"${name}" is not ${rule.what}: it ${problems.join("; it ")} (${rule.source})`;
}

/** Characters of the hash a changed name ends with (after a dash): 32 bits. */
const HASH_LENGTH = 8;

/** The first characters of the SHA-256 of a name, in hex. */
export function nameHash(name: string): string {
  return createHash("sha256").update(name).digest("hex").slice(0, HASH_LENGTH);
}

/**
 * `name` if the rule accepts it, unchanged. Otherwise a valid name derived from it: each character
 * the rule refuses becomes `-` (runs of separators one `-` where the rule refuses them in a row),
 * cut to leave room, then `-` and a hash of the whole original name. Deterministic, and two names
 * that differ anywhere (`a.b`, `a-b`) never end up the same. Throws when no such name exists (a
 * rule on the start of the name that replacing characters cannot meet).
 */
export function fitName(rule: NameRule, name: string): string {
  if (nameProblems(rule, name).length === 0) return name;
  const suffix = `-${nameHash(name)}`;
  let body = [...name].map((c) => (rule.char.test(c) ? c : "-")).join("");
  // Rules that refuse separators in a row, or at an end, are met by collapsing and trimming.
  if (rule.more?.includes(noAdjacentSeparators)) body = body.replace(/[._-]{2,}/g, "-");
  body = body.slice(0, rule.max - suffix.length).replace(/[._-]+$/, "");
  if (rule.more?.includes(alnumEnds)) body = body.replace(/^[^A-Za-z0-9]+/, "");
  const fitted = `${body}${suffix}`;
  const left = nameProblems(rule, fitted);
  if (left.length > 0) {
    throw new Error(
      `no valid ${rule.what.replace(/^an? /, "")} can be derived from "${name}": it ${left.join("; it ")} (${rule.source})`,
    );
  }
  return fitted;
}

/**
 * The inputs that hold a resource's physical name (or another identifier AWS restricts), by
 * Pulumi type token, for every named type a budget-sync stack creates.
 */
export const RESOURCE_NAME_RULES: Readonly<Record<string, readonly [string, NameRule][]>> = {
  "aws:s3/bucket:Bucket": [["bucket", NAME_RULES.s3Bucket]],
  "aws:s3/bucketV2:BucketV2": [["bucket", NAME_RULES.s3Bucket]],
  "aws:s3/bucketMetric:BucketMetric": [["name", NAME_RULES.s3MetricsId]],
  "aws:kms/alias:Alias": [["name", NAME_RULES.kmsAlias]],
  "aws:sns/topic:Topic": [["name", NAME_RULES.snsTopic]],
  "aws:lambda/function:Function": [["name", NAME_RULES.lambdaFunction]],
  "aws:lambda/permission:Permission": [["statementId", NAME_RULES.lambdaStatementId]],
  "aws:iam/user:User": [["name", NAME_RULES.iamUser]],
  "aws:iam/role:Role": [["name", NAME_RULES.iamRole]],
  "aws:iam/instanceProfile:InstanceProfile": [["name", NAME_RULES.iamInstanceProfile]],
  "aws:iam/group:Group": [["name", NAME_RULES.iamGroup]],
  "aws:iam/policy:Policy": [["name", NAME_RULES.iamPolicy]],
  "aws:iam/userPolicy:UserPolicy": [["name", NAME_RULES.iamInlinePolicy]],
  "aws:iam/rolePolicy:RolePolicy": [["name", NAME_RULES.iamInlinePolicy]],
  "aws:iam/groupPolicy:GroupPolicy": [["name", NAME_RULES.iamInlinePolicy]],
  "aws:cloudwatch/eventRule:EventRule": [["name", NAME_RULES.eventRule]],
  "aws:cloudwatch/eventTarget:EventTarget": [["targetId", NAME_RULES.eventTargetId]],
  "aws:scheduler/schedule:Schedule": [
    ["name", NAME_RULES.schedule],
    ["groupName", NAME_RULES.scheduleGroup],
  ],
  "aws:cloudwatch/metricAlarm:MetricAlarm": [["name", NAME_RULES.alarm]],
  "aws:cloudwatch/logGroup:LogGroup": [["name", NAME_RULES.logGroup]],
  "aws:cloudtrail/trail:Trail": [["name", NAME_RULES.trail]],
};

/**
 * What is wrong with the names a resource's inputs set (`name "x" is not ...`), or undefined.
 * Names the provider makes up (auto-naming, when no name is set) are its business, not checked.
 */
export function resourceNameProblem(
  type: string,
  inputs: Record<string, unknown>,
): string | undefined {
  const problems: string[] = [];
  for (const [property, rule] of RESOURCE_NAME_RULES[type] ?? []) {
    const value = inputs[property];
    if (typeof value !== "string") continue;
    const problem = nameProblem(rule, value);
    if (problem) problems.push(`${property} ${problem}`);
  }
  return problems.length > 0 ? problems.join("; ") : undefined;
}
