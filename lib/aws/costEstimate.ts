/**
 * The monthly cost of a planned stack: the guide's "Cost Estimation" figures for S3 and Lambda,
 * and what the guide leaves out (alarms, CloudTrail data events, S3 events to EventBridge, the
 * scheduler, SNS, KMS keys and requests, log storage), from the resources a plan holds. Every
 * line is a count times a price of one dated table (`PRICE_TABLE`), and says so ("182.6 LIST
 * requests x $0.005 per 1,000 = $0.00091"), so anyone can check it by hand. A sketch for a
 * reviewer, not a bill: the workload it counts is stated, and the exporter's own schedule drives
 * its runs.
 */
import { CUSTOMER_TAG } from "../iam/accessTags.ts";
import { DAYS_PER_MONTH, parseSchedule, scheduleFrequency } from "./schedule.ts";
import type { PlannedResource } from "../stack/plannedResource.ts";

/** One price: `usd` for every `per` units. */
export interface Price {
  usd: number;
  per: number;
  /** The unit counted, plural: "requests", "GB-months". */
  unit: string;
  /** What AWS bills under it. */
  what: string;
}

/**
 * AWS's list prices for one region, in one place. Update `asOf` with the prices: the estimate and
 * its test read only this table.
 */
export const PRICE_TABLE = {
  region: "us-east-1",
  currency: "USD",
  asOf: "2026-12-05",
  source:
    "AWS's public price pages: aws.amazon.com/s3/pricing (S3 Standard), /cloudtrail/pricing, /lambda/pricing, /cloudwatch/pricing, /kms/pricing, /sns/pricing, /eventbridge/pricing; written down from those pages' us-east-1 figures, which AWS has kept unchanged for years; compare them again when you update this table",
  otherRegions:
    "most US and EU regions bill the same or up to about 10% more; some (São Paulo, Cape Town, parts of Asia Pacific) up to about a third more for S3 storage and requests; GovCloud (US) and the China regions (in CNY) have price lists of their own",
  prices: {
    s3StorageGbMonth: {
      usd: 0.023,
      per: 1,
      unit: "GB-months",
      what: "S3 Standard storage, first 50 TB",
    },
    s3PutCopyPostList: {
      usd: 0.005,
      per: 1000,
      unit: "requests",
      what: "S3 PUT, COPY, POST and LIST requests",
    },
    s3GetHead: {
      usd: 0.0004,
      per: 1000,
      unit: "requests",
      what: "S3 GET, SELECT, HEAD and other requests",
    },
    s3DeleteAndExpiry: {
      usd: 0,
      per: 1000,
      unit: "requests",
      what: "S3 DELETE requests and lifecycle expirations (free)",
    },
    cloudTrailDataEvents: {
      usd: 0.1,
      per: 100_000,
      unit: "events",
      what: "CloudTrail data events",
    },
    lambdaRequests: { usd: 0.2, per: 1_000_000, unit: "requests", what: "Lambda requests" },
    lambdaGbSecondArm: {
      usd: 0.0000133334,
      per: 1,
      unit: "GB-seconds",
      what: "Lambda duration, arm64",
    },
    lambdaGbSecondX86: {
      usd: 0.0000166667,
      per: 1,
      unit: "GB-seconds",
      what: "Lambda duration, x86_64",
    },
    logsIngestGb: { usd: 0.5, per: 1, unit: "GB", what: "CloudWatch Logs ingestion" },
    logsStorageGbMonth: { usd: 0.03, per: 1, unit: "GB-months", what: "CloudWatch Logs storage" },
    alarmMonth: {
      usd: 0.1,
      per: 1,
      unit: "alarm-months",
      what: "CloudWatch standard-resolution alarm",
    },
    customMetricMonth: {
      usd: 0.3,
      per: 1,
      unit: "metric-months",
      what: "CloudWatch custom metric (S3 request metrics)",
    },
    kmsKeyMonth: { usd: 1, per: 1, unit: "key-months", what: "KMS customer-managed key" },
    kmsRequests: { usd: 0.03, per: 10_000, unit: "requests", what: "KMS requests" },
    snsPublish: { usd: 0.5, per: 1_000_000, unit: "publishes", what: "SNS publishes" },
    snsEmail: { usd: 2, per: 100_000, unit: "emails", what: "SNS email deliveries" },
    schedulerInvocations: {
      usd: 1,
      per: 1_000_000,
      unit: "invocations",
      what: "EventBridge Scheduler invocations (after 14 million free a month)",
    },
    free: { usd: 0, per: 1, unit: "units", what: "not charged" },
  },
} as const satisfies {
  region: string;
  currency: string;
  asOf: string;
  source: string;
  otherRegions: string;
  prices: Record<string, Price>;
};

export type PriceKey = keyof typeof PRICE_TABLE.prices;

/** The workload every figure assumes where the stack does not say otherwise: the guide's own. */
export const WORKLOAD = {
  /** A budget file is about 1 MB (the guide's "1 MB CSV file per day"). */
  fileMb: 1,
  /** Uploads without an exporter (a customer's own, a hosted customer's): once a day. */
  uploadsPerDay: 1,
  /** SpendFlo polls every 4 hours (the guide's default sync frequency): a LIST and a GET each. */
  pollsPerDay: 6,
  /** An exporter run takes about 5 seconds. */
  exporterSeconds: 5,
  /** An exporter run logs about 5 KB. */
  exporterLogKb: 5,
  /** CloudTrail delivers about 40 log and digest files a day for a trail this quiet. */
  trailFilesPerDay: 40,
  /** One data event is about 1.5 KB of compressed log. */
  dataEventKb: 1.5,
  /** Alert emails a subscriber gets in a month. */
  alertEmailsPerSubscriber: 10,
} as const;

/** One line of the estimate: a count times a price. */
export interface CostLine {
  /** What is counted: "LIST requests (SpendFlo's polls)". */
  what: string;
  /** How many a month, on average. */
  quantity: number;
  /** The entry of PRICE_TABLE.prices it is priced at. */
  price: PriceKey;
  /** US dollars a month: quantity x price / per, unrounded. */
  usd: number;
  /** The arithmetic, written out: "182.6 LIST requests x $0.005 per 1,000 = $0.00091". */
  arithmetic: string;
}

export interface CostItem {
  /** What is billed, e.g. "CloudWatch alarms (2)". */
  item: string;
  /** The sum of the lines, US dollars a month, rounded to 1/10,000 of a dollar. */
  usdPerMonth: number;
  lines: CostLine[];
  /** What the counts assume. */
  assumption: string;
}

export interface CostEstimate {
  /** The sum of every line, US dollars a month, rounded to 1/10,000 of a dollar. */
  totalUsd: number;
  items: CostItem[];
  /** What holds for every item (prices, workload, free tier). */
  assumptions: string[];
  /** Where the prices come from. */
  prices: { region: string; asOf: string; source: string; otherRegions: string };
}

const round = (amount: number) => Math.round(amount * 10_000) / 10_000;

/** A price as people write it: $0.10, $0.0004, $2.00, $0.0000133334. */
export function usd(amount: number): string {
  return `$${amount.toFixed(Math.max(2, (String(amount).split(".")[1] ?? "").length))}`;
}

/** An amount of money: cents from a dime up ($0.20, $1.20), three significant digits below. */
function money(amount: number): string {
  if (amount === 0) return "$0";
  if (amount >= 0.1)
    return `$${amount.toLocaleString("en-US", { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`;
  const decimals = 2 - Math.floor(Math.log10(amount));
  return `$${Number(amount.toPrecision(3)).toFixed(decimals).replace(/0+$/, "")}`;
}

/** A count as people read it: 43,830, 182.6, 30.4, 0.0599. */
export function count(n: number): string {
  if (Number.isInteger(n)) return n.toLocaleString("en-US");
  if (n >= 100)
    return Math.round(n * 10) / 10 === Math.round(n)
      ? Math.round(n).toLocaleString("en-US")
      : (Math.round(n * 10) / 10).toLocaleString("en-US");
  if (n >= 1) return String(Math.round(n * 10) / 10);
  return String(Number(n.toPrecision(3)));
}

/** A line: `quantity` units priced at `price`, with its arithmetic. */
export function costLine(what: string, quantity: number, price: PriceKey): CostLine {
  const p: Price = PRICE_TABLE.prices[price];
  const amount = (quantity * p.usd) / p.per;
  const per =
    p.per === 1
      ? p.unit.endsWith("s")
        ? p.unit.slice(0, -1)
        : p.unit
      : p.per.toLocaleString("en-US");
  return {
    what,
    quantity,
    price,
    usd: amount,
    arithmetic:
      p.usd === 0
        ? `${count(quantity)} ${what} x $0 (not charged) = $0`
        : `${count(quantity)} ${what} x ${usd(p.usd)} per ${per} = ${money(amount)}`,
  };
}

function inputsOf(resource: PlannedResource | undefined): Record<string, unknown> {
  return resource?.inputs ?? {};
}

/** Days a file stays current, then noncurrent, from a bucket's lifecycle rules. */
function retention(lifecycle: PlannedResource | undefined): {
  current: number;
  noncurrent: number;
} {
  const rules = (inputsOf(lifecycle).rules ?? []) as {
    expiration?: { days?: number };
    noncurrentVersionExpiration?: { noncurrentDays?: number };
  }[];
  const current = rules.find((r) => r.expiration?.days)?.expiration?.days;
  const noncurrent = rules.find((r) => r.noncurrentVersionExpiration?.noncurrentDays)
    ?.noncurrentVersionExpiration?.noncurrentDays;
  return { current: current ?? 365, noncurrent: noncurrent ?? 0 };
}

/** How often the exporter runs, from the schedule in the plan; undefined without one. */
function exporterRuns(
  resources: readonly PlannedResource[],
): { expression: string; runsPerMonth: number; runDaysPerMonth: number } | undefined {
  const scheduled = resources.find(
    (r) =>
      (r.type === "aws:scheduler/schedule:Schedule" ||
        r.type === "aws:cloudwatch/eventRule:EventRule") &&
      typeof inputsOf(r).scheduleExpression === "string",
  );
  if (!scheduled) return undefined;
  const expression = String(inputsOf(scheduled).scheduleExpression);
  try {
    const f = scheduleFrequency(parseSchedule(expression));
    return { expression, runsPerMonth: f.runsPerMonth, runDaysPerMonth: f.runDaysPerMonth };
  } catch {
    return undefined;
  }
}

/** What every item of the estimate reads: the plan's resources and the workload they serve. */
interface CostContext {
  ofType: (type: string) => PlannedResource[];
  /** One budget feed per hosted customer; a customer's own bucket, one. */
  feeds: number;
  uploadsPerFeed: number;
  uploadDaysPerFeed: number;
  pollsPerFeed: number;
  /** Where the upload count comes from, in words. */
  uploadSource: string;
  /** ` for each of N customers`, or nothing for one feed. */
  perCustomer: string;
  puts: number;
  polls: number;
  /** S3 data events CloudTrail records: each upload, and each poll's LIST and GET. */
  dataEvents: number;
  /** The exporter's runs a month, and where that count comes from. */
  runs: number;
  runsSource: string;
}

/** One item of the estimate, its total summed from its lines. */
function costItem(item: string, lines: CostLine[], assumption: string): CostItem {
  return { item, usdPerMonth: round(lines.reduce((sum, l) => sum + l.usd, 0)), lines, assumption };
}

function costContext(resources: readonly PlannedResource[]): CostContext {
  const ofType = (type: string) => resources.filter((r) => r.type === type);
  const hostedCustomers = ofType("aws:iam/user:User").filter((u) => {
    const tags = inputsOf(u).tags as Record<string, unknown> | undefined;
    return typeof tags?.[CUSTOMER_TAG] === "string";
  }).length;
  // A hosted bucket holds one budget feed per customer; a customer's own bucket, one.
  const feeds = Math.max(1, hostedCustomers);
  const exporter = hostedCustomers ? undefined : exporterRuns(resources);
  const uploadsPerFeed = exporter?.runsPerMonth ?? WORKLOAD.uploadsPerDay * DAYS_PER_MONTH;
  const uploadDaysPerFeed = exporter?.runDaysPerMonth ?? Math.min(uploadsPerFeed, DAYS_PER_MONTH);
  const pollsPerFeed = WORKLOAD.pollsPerDay * DAYS_PER_MONTH;
  const puts = feeds * uploadsPerFeed;
  const polls = feeds * pollsPerFeed;
  return {
    ofType,
    feeds,
    uploadsPerFeed,
    uploadDaysPerFeed,
    pollsPerFeed,
    uploadSource: exporter
      ? `the exporter's schedule ${exporter.expression}: ${count(exporter.runsPerMonth)} runs a month, each uploading one file`
      : "one upload a day",
    perCustomer: feeds > 1 ? ` for each of ${feeds} customers` : "",
    puts,
    polls,
    // CloudTrail records each upload and each poll's GET, and its LIST (counted as recorded: the
    // trail's selector covers the prefix the LIST names).
    dataEvents: puts + 2 * polls,
    runs: exporter?.runsPerMonth ?? WORKLOAD.uploadsPerDay * DAYS_PER_MONTH,
    runsSource: exporter ? `the schedule ${exporter.expression}` : "one run a day",
  };
}

/** Each bucket: an audit log bucket its trail writes to, or a budget bucket. */
function bucketItems(c: CostContext): CostItem[] {
  const items: CostItem[] = [];
  const trailBuckets = new Set(
    c.ofType("aws:cloudtrail/trail:Trail").map((t) => String(inputsOf(t).s3BucketName)),
  );
  const buckets = [...c.ofType("aws:s3/bucket:Bucket"), ...c.ofType("aws:s3/bucketV2:BucketV2")];
  const lifecycles = c.ofType("aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration");
  const lifecycleOf = (bucket: PlannedResource) =>
    lifecycles.find((l) => inputsOf(l).bucket === bucket.id || inputsOf(l).bucket === bucket.name);
  for (const bucket of buckets) {
    const name = String(inputsOf(bucket).bucket ?? bucket.id ?? bucket.name);
    const kept = retention(lifecycleOf(bucket));
    items.push(
      trailBuckets.has(name)
        ? auditLogBucketItem(c, name, kept.current)
        : budgetBucketItem(c, name, kept),
    );
  }
  return items;
}

function auditLogBucketItem(c: CostContext, name: string, keptCurrent: number): CostItem {
  const files = WORKLOAD.trailFilesPerDay * DAYS_PER_MONTH;
  const keptDays = Math.min(keptCurrent, 3650);
  const gbMonths =
    ((c.dataEvents * WORKLOAD.dataEventKb) / 1024 ** 2) * (keptDays / DAYS_PER_MONTH);
  return costItem(
    `S3 audit log bucket ${name}`,
    [
      costLine("PUT requests (CloudTrail's log and digest files)", files, "s3PutCopyPostList"),
      costLine("GB-months of logs stored", gbMonths, "s3StorageGbMonth"),
    ],
    `CloudTrail delivers about ${WORKLOAD.trailFilesPerDay} log and digest files a day; ${count(c.dataEvents)} data events a month of ~${WORKLOAD.dataEventKb} KB each, kept ${keptDays} days`,
  );
}

function budgetBucketItem(
  c: CostContext,
  name: string,
  kept: { current: number; noncurrent: number },
): CostItem {
  const { feeds, uploadsPerFeed, uploadDaysPerFeed, puts, polls, perCustomer } = c;
  // Each upload day makes a file that is current for `current` days, then noncurrent for
  // `noncurrent` days; each further upload the same day replaces it, and the replaced version
  // is noncurrent for `noncurrent` days. Stored objects = rate of each x its lifetime.
  const replaced = Math.max(0, uploadsPerFeed - uploadDaysPerFeed);
  const objects =
    (feeds * (uploadDaysPerFeed * (kept.current + kept.noncurrent) + replaced * kept.noncurrent)) /
    DAYS_PER_MONTH;
  const gbMonths = (objects * WORKLOAD.fileMb) / 1024;
  return costItem(
    `S3 budget bucket ${name}`,
    [
      costLine(
        "GB-months of budget files (current and noncurrent versions)",
        gbMonths,
        "s3StorageGbMonth",
      ),
      costLine("PUT requests (uploads)", puts, "s3PutCopyPostList"),
      costLine("LIST requests (SpendFlo's polls)", polls, "s3PutCopyPostList"),
      costLine("GET requests (SpendFlo's polls)", polls, "s3GetHead"),
      costLine(
        "lifecycle expirations and noncurrent deletions",
        feeds * (uploadDaysPerFeed + uploadsPerFeed),
        "s3DeleteAndExpiry",
      ),
    ],
    `${c.uploadSource}${perCustomer}, ~${WORKLOAD.fileMb} MB each, kept ${kept.current} days then ${kept.noncurrent} as a noncurrent version (${count(objects)} objects stored on average${replaced > 0 ? `, ${count(feeds * replaced)} of each month's uploads replacing the day's file` : ""}); SpendFlo polls every 4 hours (${count(c.pollsPerFeed)} a month${perCustomer}): a LIST and a GET each`,
  );
}

/** The exporter's function and its log group. */
function exporterItems(c: CostContext): CostItem[] {
  const { runs, runsSource } = c;
  const functions = c.ofType("aws:lambda/function:Function").map((fn) => {
    const i = inputsOf(fn);
    const memoryMb = Number(i.memorySize ?? 128);
    const arm = Array.isArray(i.architectures) && i.architectures.includes("arm64");
    const gbSeconds = runs * WORKLOAD.exporterSeconds * (memoryMb / 1024);
    return costItem(
      `Lambda ${String(i.name ?? fn.name)}`,
      [
        costLine("requests", runs, "lambdaRequests"),
        costLine(
          `GB-seconds (${arm ? "arm64" : "x86_64"})`,
          gbSeconds,
          arm ? "lambdaGbSecondArm" : "lambdaGbSecondX86",
        ),
      ],
      `${count(runs)} runs a month from ${runsSource}, ~${WORKLOAD.exporterSeconds} s each at ${memoryMb} MB; the free tier (400,000 GB-s and 1 million requests a month) usually covers it`,
    );
  });
  const logs = c.ofType("aws:cloudwatch/logGroup:LogGroup").map((group) => {
    const i = inputsOf(group);
    const retentionDays = Number(i.retentionInDays ?? 0) || 3650;
    const gb = (runs * WORKLOAD.exporterLogKb) / 1024 ** 2;
    return costItem(
      `CloudWatch Logs ${String(i.name ?? group.name)}`,
      [
        costLine("GB of logs ingested", gb, "logsIngestGb"),
        costLine(
          "GB-months of logs stored",
          gb * (retentionDays / DAYS_PER_MONTH),
          "logsStorageGbMonth",
        ),
      ],
      `~${WORKLOAD.exporterLogKb} KB of logs a run, ${count(runs)} runs a month from ${runsSource}, kept ${retentionDays} days`,
    );
  });
  return [...functions, ...logs];
}

/** Alarms, and the trails' data events. */
function monitoringItems(c: CostContext): CostItem[] {
  const items: CostItem[] = [];
  const alarms = c.ofType("aws:cloudwatch/metricAlarm:MetricAlarm");
  if (alarms.length) {
    items.push(
      costItem(
        `CloudWatch alarms (${alarms.length})`,
        [costLine("alarm-months", alarms.length, "alarmMonth")],
        "standard resolution; the free tier's 10 alarms are shared by the whole account",
      ),
    );
  }
  for (const trail of c.ofType("aws:cloudtrail/trail:Trail")) {
    const i = inputsOf(trail);
    const selectors = JSON.stringify(i.advancedEventSelectors ?? i.eventSelectors ?? []);
    const management =
      !i.advancedEventSelectors ||
      /"Management"/.test(selectors) ||
      /"includeManagementEvents":true/.test(selectors);
    items.push(
      costItem(
        `CloudTrail data events (${String(i.name ?? trail.name)})`,
        [costLine("S3 data events", c.dataEvents, "cloudTrailDataEvents")],
        `each upload (${count(c.puts)}) and each poll's LIST and GET (2 x ${count(c.polls)})${c.perCustomer ? `, for all ${c.feeds} customers` : ""}${management ? "; this trail also records management events: free for the account's first trail, $2.00 per 100,000 for any other" : "; no management events (this trail records the budget prefix only)"}`,
      ),
    );
  }
  return items;
}

/** S3 events to EventBridge, request metrics, and the exporter's schedule. */
function eventItems(c: CostContext): CostItem[] {
  const items: CostItem[] = [];
  const notifications = c
    .ofType("aws:s3/bucketNotification:BucketNotification")
    .filter((n) => inputsOf(n).eventbridge === true);
  if (notifications.length) {
    items.push(
      costItem(
        "S3 events to EventBridge",
        [costLine('"Object Created" events', c.puts, "free")],
        "events from AWS services on the default bus, and rules matching them, are not charged",
      ),
    );
  }
  const metrics = c.ofType("aws:s3/bucketMetric:BucketMetric");
  if (metrics.length) {
    items.push(
      costItem(
        `S3 request metrics (${metrics.length} filter${metrics.length > 1 ? "s" : ""})`,
        [
          costLine(
            "metric-months (16 request metrics a filter)",
            metrics.length * 16,
            "customMetricMonth",
          ),
        ],
        "each filter publishes 16 request metrics, billed as CloudWatch custom metrics",
      ),
    );
  }
  const schedules = c.ofType("aws:scheduler/schedule:Schedule");
  const scheduleRules = c
    .ofType("aws:cloudwatch/eventRule:EventRule")
    .filter((r) => inputsOf(r).scheduleExpression);
  if (schedules.length) {
    items.push(
      costItem(
        "EventBridge Scheduler",
        [costLine("invocations", schedules.length * c.runs, "schedulerInvocations")],
        `${count(c.runs)} runs a month from ${c.runsSource}; the first 14 million invocations a month are free`,
      ),
    );
  } else if (scheduleRules.length) {
    items.push(
      costItem(
        "EventBridge scheduled rule",
        [costLine("invocations", scheduleRules.length * c.runs, "free")],
        "scheduled rules are not charged",
      ),
    );
  }
  return items;
}

/** The alerts topic, KMS, and the source token's parameter. */
function supportItems(c: CostContext): CostItem[] {
  const items: CostItem[] = [];
  const topics = c.ofType("aws:sns/topic:Topic");
  if (topics.length) {
    const emails = c
      .ofType("aws:sns/topicSubscription:TopicSubscription")
      .filter((s) => inputsOf(s).protocol === "email").length;
    items.push(
      costItem(
        `SNS (${topics.length} topic${topics.length > 1 ? "s" : ""}, ${emails} email subscription${emails === 1 ? "" : "s"})`,
        [
          costLine("publishes at most (one per failed run)", topics.length * c.runs, "snsPublish"),
          costLine("alert emails", emails * WORKLOAD.alertEmailsPerSubscriber, "snsEmail"),
        ],
        `~${WORKLOAD.alertEmailsPerSubscriber} alert emails a subscriber; the first million publishes and 1,000 emails a month are free`,
      ),
    );
  }
  const keys = c.ofType("aws:kms/key:Key");
  const kmsBuckets = c
    .ofType(
      "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
    )
    .filter((e) => JSON.stringify(inputsOf(e)).includes('"aws:kms"'));
  if (keys.length || kmsBuckets.length) {
    items.push(
      costItem(
        `KMS (${keys.length} key${keys.length === 1 ? "" : "s"} created)`,
        [
          costLine("key-months", keys.length, "kmsKeyMonth"),
          costLine(
            "requests at most (one per upload and per read)",
            (c.puts + c.polls) * kmsBuckets.length,
            "kmsRequests",
          ),
        ],
        "S3 Bucket Keys cut the requests further; 20,000 requests a month are free",
      ),
    );
  }
  const usesParameter = c
    .ofType("aws:lambda/function:Function")
    .some((fn) =>
      JSON.stringify(inputsOf(fn).environment ?? {}).includes("SOURCE_TOKEN_PARAMETER"),
    );
  if (usesParameter) {
    items.push(
      costItem(
        "SSM Parameter Store (the source token)",
        [costLine("parameter reads", c.runs, "free")],
        "a standard SecureString read once a run: no charge at standard throughput; decrypting with aws/ssm is within KMS's free requests",
      ),
    );
  }
  return items;
}

/** The estimated monthly cost of the resources of a plan. */
export function estimateMonthlyCost(resources: readonly PlannedResource[]): CostEstimate {
  const c = costContext(resources);
  const items = [
    ...bucketItems(c),
    ...exporterItems(c),
    ...monitoringItems(c),
    ...eventItems(c),
    ...supportItems(c),
  ];
  const totalUsd = round(items.flatMap((i) => i.lines).reduce((sum, l) => sum + l.usd, 0));
  const { region, asOf, source, otherRegions } = PRICE_TABLE;
  return {
    totalUsd,
    items,
    assumptions: [
      `${region} list prices in US dollars as of ${asOf} (lib/aws/costEstimate.ts PRICE_TABLE; ${source}); other regions: ${otherRegions}`,
      `the guide's workload: budget files of ~${WORKLOAD.fileMb} MB, one upload a day unless the exporter's schedule says otherwise, SpendFlo polling every 4 hours; a month is 365.25 / 12 days`,
      "before free tiers: Lambda, SNS, KMS requests and 10 alarms are free for most accounts, so the bill is often lower",
      "IAM users, roles and policies and STS cost nothing; data transfer to SpendFlo is within the 100 GB a month AWS transfers out free",
      "the guide's own estimate (~$0.01) counts S3 and Lambda only",
    ],
    prices: { region, asOf, source, otherRegions },
  };
}
