/**
 * The monthly cost of a planned stack: the guide's "Cost Estimation" figures for S3 and Lambda,
 * and what the guide leaves out (alarms, CloudTrail data events, S3 events to EventBridge, the
 * scheduler, SNS, KMS keys and requests, log storage), from the resources a plan holds. A sketch
 * for a reviewer, not a bill: every figure says what it assumes.
 */
import { CUSTOMER_TAG } from "./accessTags.ts";
import type { PlannedResource } from "./plannedResource.ts";

export interface CostItem {
  /** What is billed, e.g. "CloudWatch alarms (2)". */
  item: string;
  /** Estimated US dollars per month, before any free tier (rounded to 1/10,000 of a dollar). */
  usdPerMonth: number;
  /** How the figure was reached. */
  assumption: string;
}

export interface CostEstimate {
  /** The sum of the items, US dollars per month, rounded to 1/10,000 of a dollar. */
  totalUsd: number;
  items: CostItem[];
  /** What holds for every item (region, workload, free tier). */
  assumptions: string[];
}

/** us-east-1 list prices, US dollars. The first three are the guide's own figures. */
export const PRICES = {
  s3StorageGbMonth: 0.023,
  s3PutPer1000: 0.005,
  s3GetPer1000: 0.0004,
  lambdaRequestsPerMillion: 0.2,
  lambdaGbSecondArm: 0.0000133334,
  lambdaGbSecondX86: 0.0000166667,
  alarmMonth: 0.1,
  cloudTrailDataEventsPer100k: 0.1,
  kmsKeyMonth: 1,
  kmsRequestsPer10k: 0.03,
  logsIngestGb: 0.5,
  logsStorageGbMonth: 0.03,
  customMetricMonth: 0.3,
  snsEmailPer100k: 2,
  snsPublishPerMillion: 0.5,
  schedulerPerMillion: 1,
} as const;

/** The workload every figure assumes: the guide's own. */
export const WORKLOAD = {
  /** One budget file a day, about 1 MB (the guide's "1 MB CSV file per day"). */
  filesPerMonth: 30,
  fileMb: 1,
  /** SpendFlo polls every 4 hours (the guide's default sync frequency): a list and a read each time. */
  pollsPerMonth: 6 * 30,
  /** An exporter run takes about 5 seconds. */
  exporterSeconds: 5,
  /** An exporter run logs about 5 KB. */
  exporterLogKb: 5,
  /** CloudTrail delivers about 40 log and digest files a day for a trail this quiet. */
  trailFilesPerMonth: 40 * 30,
  /** One data event is about 1.5 KB of compressed log. */
  dataEventKb: 1.5,
} as const;

const round = (amount: number) => Math.round(amount * 10_000) / 10_000;

/** A price as people write it: $0.10, $0.0004, $2.00. */
export function usd(amount: number): string {
  return `$${amount.toFixed(Math.max(2, (String(amount).split(".")[1] ?? "").length))}`;
}

function inputsOf(resource: PlannedResource): Record<string, unknown> {
  return resource.inputs ?? {};
}

/** Days files stay in a bucket: current retention plus noncurrent retention, from its lifecycle. */
function keptDays(lifecycle: PlannedResource | undefined): number {
  const rules = (inputsOf(lifecycle ?? ({} as PlannedResource)).rules ?? []) as {
    expiration?: { days?: number };
    noncurrentVersionExpiration?: { noncurrentDays?: number };
  }[];
  const current = rules.find((r) => r.expiration?.days)?.expiration?.days;
  const noncurrent = rules.find((r) => r.noncurrentVersionExpiration?.noncurrentDays)
    ?.noncurrentVersionExpiration?.noncurrentDays;
  return (current ?? 365) + (noncurrent ?? 0);
}

/** The estimated monthly cost of the resources of a plan. */
export function estimateMonthlyCost(resources: readonly PlannedResource[]): CostEstimate {
  const items: CostItem[] = [];
  const ofType = (type: string) => resources.filter((r) => r.type === type);
  const add = (item: string, usd: number, assumption: string) =>
    items.push({ item, usdPerMonth: round(usd), assumption });

  const hostedCustomers = ofType("aws:iam/user:User").filter((u) => {
    const tags = inputsOf(u).tags as Record<string, unknown> | undefined;
    return typeof tags?.[CUSTOMER_TAG] === "string";
  }).length;
  const trails = ofType("aws:cloudtrail/trail:Trail");
  const trailBuckets = new Set(trails.map((t) => String(inputsOf(t).s3BucketName)));
  const buckets = [...ofType("aws:s3/bucket:Bucket"), ...ofType("aws:s3/bucketV2:BucketV2")];
  const lifecycles = ofType("aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration");
  const lifecycleOf = (bucket: PlannedResource) =>
    lifecycles.find((l) => inputsOf(l).bucket === bucket.id || inputsOf(l).bucket === bucket.name);

  for (const bucket of buckets) {
    const name = String(inputsOf(bucket).bucket ?? bucket.id ?? bucket.name);
    const days = keptDays(lifecycleOf(bucket));
    if (trailBuckets.has(name)) {
      const eventsPerMonth = WORKLOAD.filesPerMonth + 2 * WORKLOAD.pollsPerMonth;
      const gb = (eventsPerMonth * WORKLOAD.dataEventKb * Math.min(days, 365)) / 30 / 1024 ** 2;
      add(
        `S3 audit log bucket ${name}`,
        gb * PRICES.s3StorageGbMonth + (WORKLOAD.trailFilesPerMonth / 1000) * PRICES.s3PutPer1000,
        `CloudTrail writes about ${WORKLOAD.trailFilesPerMonth} log and digest files a month (${usd(PRICES.s3PutPer1000)} per 1,000 PUTs); ${eventsPerMonth} events of ~${WORKLOAD.dataEventKb} KB kept ${days} days`,
      );
      continue;
    }
    // A hosted bucket holds one budget feed per customer; a customer's own bucket, one.
    const feeds = Math.max(1, hostedCustomers);
    const gb = (feeds * WORKLOAD.fileMb * Math.min(days, 3650)) / 1024;
    const puts = feeds * WORKLOAD.filesPerMonth;
    const gets = feeds * 2 * WORKLOAD.pollsPerMonth;
    add(
      `S3 budget bucket ${name}`,
      gb * PRICES.s3StorageGbMonth +
        (puts / 1000) * PRICES.s3PutPer1000 +
        (gets / 1000) * PRICES.s3GetPer1000,
      `the guide's figures${feeds > 1 ? `, for each of ${feeds} customers` : ""}: a ${WORKLOAD.fileMb} MB file a day kept ${days} days (current and noncurrent versions) at ${usd(PRICES.s3StorageGbMonth)}/GB; ${puts} PUTs and ${gets} GET/LIST requests (SpendFlo polling every 4 hours)`,
    );
  }

  for (const fn of ofType("aws:lambda/function:Function")) {
    const i = inputsOf(fn);
    const memoryGb = Number(i.memorySize ?? 128) / 1024;
    const arm = Array.isArray(i.architectures) && i.architectures.includes("arm64");
    const runs = WORKLOAD.filesPerMonth;
    const gbSeconds = runs * WORKLOAD.exporterSeconds * memoryGb;
    add(
      `Lambda ${String(i.name ?? fn.name)}`,
      (runs / 1e6) * PRICES.lambdaRequestsPerMillion +
        gbSeconds * (arm ? PRICES.lambdaGbSecondArm : PRICES.lambdaGbSecondX86),
      `${runs} runs of ~${WORKLOAD.exporterSeconds} s at ${Number(i.memorySize ?? 128)} MB (${arm ? "arm64" : "x86_64"}) = ${round(gbSeconds)} GB-s; the free tier (400,000 GB-s, 1M requests) covers it`,
    );
  }

  const logGroups = ofType("aws:cloudwatch/logGroup:LogGroup");
  if (logGroups.length) {
    const gb = (WORKLOAD.filesPerMonth * WORKLOAD.exporterLogKb) / 1024 ** 2;
    add(
      `CloudWatch Logs (${logGroups.length} log group${logGroups.length > 1 ? "s" : ""})`,
      logGroups.length * (gb * PRICES.logsIngestGb + gb * PRICES.logsStorageGbMonth),
      `~${WORKLOAD.exporterLogKb} KB of logs a run at ${usd(PRICES.logsIngestGb)}/GB ingested and ${usd(PRICES.logsStorageGbMonth)}/GB-month stored`,
    );
  }

  const alarms = ofType("aws:cloudwatch/metricAlarm:MetricAlarm");
  if (alarms.length) {
    add(
      `CloudWatch alarms (${alarms.length})`,
      alarms.length * PRICES.alarmMonth,
      `${usd(PRICES.alarmMonth)} per standard-resolution alarm a month; the free tier's 10 alarms are shared by the whole account`,
    );
  }

  for (const trail of trails) {
    const i = inputsOf(trail);
    const selectors = JSON.stringify(i.advancedEventSelectors ?? i.eventSelectors ?? []);
    const dataEvents = WORKLOAD.filesPerMonth + 2 * WORKLOAD.pollsPerMonth;
    const management =
      !i.advancedEventSelectors ||
      /"Management"/.test(selectors) ||
      /"includeManagementEvents":true/.test(selectors);
    add(
      `CloudTrail data events (${String(i.name ?? trail.name)})`,
      (dataEvents / 100_000) * PRICES.cloudTrailDataEventsPer100k,
      `~${dataEvents} S3 data events a month (uploads, SpendFlo's reads) at ${usd(PRICES.cloudTrailDataEventsPer100k)} per 100,000${management ? "; this trail also records management events: free for the account's first trail, $2.00 per 100,000 for any other" : "; no management events (this trail records the budget prefix only)"}`,
    );
  }

  const notifications = ofType("aws:s3/bucketNotification:BucketNotification").filter(
    (n) => inputsOf(n).eventbridge === true,
  );
  if (notifications.length) {
    add(
      "S3 events to EventBridge",
      0,
      `${WORKLOAD.filesPerMonth} "Object Created" events a month; events from AWS services on the default bus, and rules matching them, are not charged`,
    );
  }

  const metrics = ofType("aws:s3/bucketMetric:BucketMetric");
  if (metrics.length) {
    add(
      `S3 request metrics (${metrics.length} filter${metrics.length > 1 ? "s" : ""})`,
      metrics.length * 16 * PRICES.customMetricMonth,
      `each filter publishes 16 request metrics, billed as CloudWatch custom metrics at ${usd(PRICES.customMetricMonth)} each`,
    );
  }

  const schedules = ofType("aws:scheduler/schedule:Schedule");
  const scheduleRules = ofType("aws:cloudwatch/eventRule:EventRule").filter(
    (r) => inputsOf(r).scheduleExpression,
  );
  if (schedules.length || scheduleRules.length) {
    add(
      schedules.length ? "EventBridge Scheduler" : "EventBridge scheduled rule",
      schedules.length
        ? ((schedules.length * WORKLOAD.filesPerMonth) / 1e6) * PRICES.schedulerPerMillion
        : 0,
      schedules.length
        ? `${WORKLOAD.filesPerMonth} invocations a month at ${usd(PRICES.schedulerPerMillion)} per million after 14 million free`
        : "scheduled rules are not charged",
    );
  }

  const topics = ofType("aws:sns/topic:Topic");
  if (topics.length) {
    const emails = ofType("aws:sns/topicSubscription:TopicSubscription").filter(
      (s) => inputsOf(s).protocol === "email",
    ).length;
    const publishes = topics.length * WORKLOAD.filesPerMonth;
    add(
      `SNS (${topics.length} topic${topics.length > 1 ? "s" : ""}, ${emails} email subscription${emails === 1 ? "" : "s"})`,
      (publishes / 1e6) * PRICES.snsPublishPerMillion +
        ((emails * 10) / 100_000) * PRICES.snsEmailPer100k,
      `up to ${publishes} publishes a month at ${usd(PRICES.snsPublishPerMillion)} per million, ~10 alert emails per subscriber at ${usd(PRICES.snsEmailPer100k)} per 100,000 (the first million publishes and 1,000 emails are free)`,
    );
  }

  const keys = ofType("aws:kms/key:Key");
  const kmsBuckets = ofType(
    "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
  ).filter((e) => JSON.stringify(inputsOf(e)).includes('"aws:kms"'));
  if (keys.length || kmsBuckets.length) {
    const requests = (WORKLOAD.filesPerMonth + 2 * WORKLOAD.pollsPerMonth) * kmsBuckets.length;
    add(
      `KMS (${keys.length} key${keys.length === 1 ? "" : "s"} created)`,
      keys.length * PRICES.kmsKeyMonth + (requests / 10_000) * PRICES.kmsRequestsPer10k,
      `${usd(PRICES.kmsKeyMonth)} per customer-managed key a month; at most ${requests} requests at ${usd(PRICES.kmsRequestsPer10k)} per 10,000 (S3 Bucket Keys cut them further; 20,000 free)`,
    );
  }

  const usesParameter = ofType("aws:lambda/function:Function").some((fn) =>
    JSON.stringify(inputsOf(fn).environment ?? {}).includes("SOURCE_TOKEN_PARAMETER"),
  );
  if (usesParameter) {
    add(
      "SSM Parameter Store (the source token)",
      0,
      "a standard SecureString parameter, read once a run: no charge at standard throughput; decrypting with aws/ssm is within KMS's free requests",
    );
  }

  const totalUsd = round(items.reduce((sum, item) => sum + item.usdPerMonth, 0));
  return {
    totalUsd,
    items,
    assumptions: [
      "us-east-1 list prices in US dollars; other regions cost up to about a third more",
      "the guide's workload: one ~1 MB budget file a day, SpendFlo polling every 4 hours",
      "before free tiers: Lambda, SNS, KMS requests and 10 alarms are free for most accounts, so the bill is often lower",
      "IAM users, roles and policies cost nothing; data transfer to SpendFlo (~0.2 GB a month) is within the 100 GB a month AWS transfers out free",
      "the guide's own estimate (~$0.01) counts S3 and Lambda only",
    ],
  };
}
