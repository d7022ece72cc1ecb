/**
 * AWS region codes and their partitions. ARNs carry the partition (`arn:aws-cn:s3:::...` in
 * China), so every ARN we build asks this module rather than writing `arn:aws:`.
 */

const REGIONS_BY_PARTITION = {
  aws: [
    "af-south-1",
    "ap-east-1",
    "ap-east-2",
    "ap-northeast-1",
    "ap-northeast-2",
    "ap-northeast-3",
    "ap-south-1",
    "ap-south-2",
    "ap-southeast-1",
    "ap-southeast-2",
    "ap-southeast-3",
    "ap-southeast-4",
    "ap-southeast-5",
    "ap-southeast-6",
    "ap-southeast-7",
    "ca-central-1",
    "ca-west-1",
    "eu-central-1",
    "eu-central-2",
    "eu-north-1",
    "eu-south-1",
    "eu-south-2",
    "eu-west-1",
    "eu-west-2",
    "eu-west-3",
    "il-central-1",
    "me-central-1",
    "me-south-1",
    "mx-central-1",
    "sa-east-1",
    "us-east-1",
    "us-east-2",
    "us-west-1",
    "us-west-2",
  ],
  "aws-cn": ["cn-north-1", "cn-northwest-1"],
  "aws-us-gov": ["us-gov-east-1", "us-gov-west-1"],
  "aws-eusc": ["eusc-de-east-1"],
} as const;

export type Partition = keyof typeof REGIONS_BY_PARTITION;

/** Every region code we accept, sorted. */
export const AWS_REGIONS: readonly string[] = Object.values(REGIONS_BY_PARTITION).flat().sort();

export function isAwsRegion(region: string): boolean {
  return AWS_REGIONS.includes(region);
}

/** The partition of a region; `aws` for anything unknown. */
export function partitionOf(region: string): Partition {
  for (const [partition, regions] of Object.entries(REGIONS_BY_PARTITION)) {
    if ((regions as readonly string[]).includes(region)) return partition as Partition;
  }
  return "aws";
}

/**
 * The shape every AWS region code has had: a 2-4 letter area, an optional `gov`/`iso` or country
 * part, a compass direction and a number (`us-east-1`, `us-gov-west-1`, `eusc-de-east-1`).
 */
const REGION_SHAPE =
  /^[a-z]{2,4}(-[a-z]{2,4})?-(north|south|east|west|central|northeast|northwest|southeast|southwest)-\d{1,2}$/;

/**
 * What is wrong with a region code, if anything. A region not in our list but of a region's
 * shape is a `warning` (AWS opens regions faster than any list is updated); anything else is an
 * `error`: a typo such as `us-eest-1` would otherwise plan, deploy nowhere and fail later.
 */
export function regionProblem(
  region: string,
): { level: "error" | "warning"; message: string } | undefined {
  if (isAwsRegion(region)) return undefined;
  if (REGION_SHAPE.test(region)) {
    return {
      level: "warning",
      message: `${region} is not an AWS region this tool knows: check the spelling (such as us-east-1)`,
    };
  }
  const distance = new Map(AWS_REGIONS.map((r) => [r, editDistance(r, region)]));
  const closest = Math.min(...distance.values());
  const near = closest <= 2 ? AWS_REGIONS.filter((r) => distance.get(r) === closest) : [];
  return {
    level: "error",
    message: `"${region}" is not an AWS region code${near.length ? `: did you mean ${near.join(" or ")}?` : " (such as us-east-1, eu-west-1)"}`,
  };
}

function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let diagonal = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const above = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, diagonal + (a[i - 1] === b[j - 1] ? 0 : 1));
      diagonal = above;
    }
  }
  return row[b.length]!;
}
