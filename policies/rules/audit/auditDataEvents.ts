import type { StackValidationPolicy } from "@pulumi/policy";
import {
  T,
  UnknownValues,
  inStandardPartition,
  bucketsWithSettings,
  objList,
  strList,
  trailLogBuckets,
} from "../../../lib/stack/model.ts";
import { bucketConfigSchema, exemptBuckets, stackResources } from "../../support/common.ts";
import { bucketLabel } from "../../support/bucketChecks.ts";

function coversObjects(values: string[], bucket: string): boolean {
  const objects = `arn:aws:s3:::${bucket}/`;
  return values
    .map(inStandardPartition)
    .some(
      (v) =>
        v === "arn:aws:s3" ||
        v === "arn:aws:s3:::" ||
        objects.startsWith(v) ||
        v.startsWith(objects),
    );
}

/**
 * The guide's Security Best Practice 4 ("Enable CloudTrail Logging"), made useful: a default trail
 * records management events only, so who read or wrote a budget file needs S3 data events.
 */
export const auditDataEvents: StackValidationPolicy = {
  name: "audit-data-events",
  description:
    "Checks that a CloudTrail trail in the stack records S3 data events for every budget bucket (every bucket that is not itself a trail's log bucket).",
  enforcementLevel: "advisory",
  severity: "medium",
  remediationSteps:
    "Add a CloudTrail trail with a data resource of type AWS::S3::Object for the budget bucket, so every read and write of a budget file is recorded.",
  url: "https://docs.aws.amazon.com/awscloudtrail/latest/userguide/logging-data-events-with-cloudtrail.html",
  configSchema: bucketConfigSchema,
  validateStack: (args, reportViolation) => {
    const unknowns = new UnknownValues();
    const resources = stackResources(args);
    const exempt = exemptBuckets(args);
    const logBuckets = trailLogBuckets(resources, unknowns);
    const trails = resources.filter(
      (r) => r.type === T.Trail && unknowns.read(() => r.props["enableLogging"], true) !== false,
    );
    for (const b of bucketsWithSettings(resources, unknowns)) {
      if (
        logBuckets.has(b.name) ||
        exempt.has(b.name.toLowerCase()) ||
        exempt.has(b.resource.name.toLowerCase())
      )
        continue;
      const recorded = trails.some((t) => {
        for (const sel of unknowns.read(() => objList(t.props["eventSelectors"]), [])) {
          for (const dr of unknowns.read(() => objList(sel["dataResources"]), [])) {
            if (unknowns.read(() => dr["type"], undefined) !== "AWS::S3::Object") continue;
            if (
              coversObjects(
                unknowns.read(() => strList(dr, "values"), []),
                b.name,
              )
            )
              return true;
          }
        }
        for (const sel of unknowns.read(() => objList(t.props["advancedEventSelectors"]), [])) {
          const fields = unknowns.read(() => objList(sel["fieldSelectors"]), []);
          const field = (name: string) =>
            fields.find((f) => unknowns.read(() => f["field"], undefined) === name);
          const equals = (name: string) => {
            const f = field(name);
            return f ? unknowns.read(() => strList(f, "equals"), []) : undefined;
          };
          if (!equals("eventCategory")?.includes("Data")) continue;
          if (!equals("resources.type")?.includes("AWS::S3::Object")) continue;
          const arn = field("resources.ARN");
          if (!arn) return true;
          const starts = unknowns.read(() => strList(arn, "startsWiths"), []);
          const eq = unknowns.read(() => strList(arn, "equals"), []);
          if (
            coversObjects(starts, b.name) ||
            eq.some((e) => inStandardPartition(e).startsWith(`arn:aws:s3:::${b.name}/`))
          )
            return true;
        }
        return false;
      });
      if (recorded) continue;
      reportViolation(
        `${bucketLabel(b)} has no CloudTrail trail recording its S3 data events: add a trail with a data resource of type AWS::S3::Object for arn:aws:s3:::${b.name}/, so every read and write of a budget file is audited.`,
        b.resource.urn,
      );
    }
    unknowns.rethrow();
  },
};
