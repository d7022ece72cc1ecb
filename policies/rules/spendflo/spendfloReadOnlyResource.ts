import type { ResourceValidationPolicy } from "@pulumi/policy";
import { UnknownValues, type StackResource } from "../../../lib/stack/model.ts";
import { spendfloConfigSchema, type SpendfloConfig } from "../../support/common.ts";
import {
  recordInputs,
  recordRefused,
  recordedNamed,
  stringsIn,
} from "../../support/programInputs.ts";
import { spendfloView, writeFindings, type WriteFinding } from "../../support/spendfloGrants.ts";

/**
 * The same rule on one resource at a time, as the engine calls a resource policy: with the
 * resource's inputs, just before its step runs. During `pulumi up` a mandatory violation here
 * stops the step, so a grant whose document is only known once other resources exist (built from
 * a new bucket's ARN, say) is still refused before it exists, wherever the resource that carries
 * it shows the grant: a bucket, key or other resource policy naming SpendFlo's account or a
 * SpendFlo-named principal, an inline policy of a user or role named with "spendflo", a role
 * tagged or trusting SpendFlo with its own inline or managed policies. A grant spread over several
 * resources (a policy attached elsewhere, a group membership, a tag on another resource) is only
 * whole in the stack check, after the resources exist.
 *
 * Values still unknown (during preview) leave this check undecided for now, silently: the stack
 * check decides at preview, and this one runs again, with every value known, during `up`. It also
 * records each resource's inputs for the stack checks (policies/support/programInputs.ts).
 */
export const spendfloReadOnlyResource: ResourceValidationPolicy = {
  name: "spendflo-read-only-resource",
  description:
    "Checks that each resource, just before its step runs, grants no SpendFlo principal any action beyond List and Read through what it carries, so that pulumi up stops such a grant before it exists.",
  enforcementLevel: "mandatory",
  severity: "critical",
  remediationSteps:
    "Grant SpendFlo's principals List and Read actions only (s3:ListBucket, s3:GetObject, kms:Decrypt through S3): remove every write, delete, tagging or permissions action from the document this resource holds, then preview again.",
  url: "https://docs.aws.amazon.com/IAM/latest/UserGuide/best-practices.html",
  configSchema: spendfloConfigSchema,
  validateResource: async (args, reportViolation) => {
    const resource: StackResource = {
      type: args.type,
      urn: args.urn,
      name: args.name,
      props: args.props,
    };
    // What this resource names among the resources analyzed before it (its principal with the
    // principal's tags and trust, the policy it attaches): the grants it completes are its own.
    const context = recordedNamed(stringsIn(args.props), args.urn);
    recordInputs(resource);
    const accounts = args.getConfig<SpendfloConfig>().spendfloAccountIds ?? [];
    const findings = async (resources: StackResource[]) =>
      writeFindings(await spendfloView(resources, accounts, new UnknownValues()));
    const before = new Set((await findings(context)).map(findingKey));
    for (const f of await findings([...context, resource])) {
      if (before.has(findingKey(f))) continue;
      if (f.statementKey) recordRefused(f.statementKey);
      reportViolation(f.message);
    }
  },
};

function findingKey(f: WriteFinding): string {
  return `${f.statementKey ?? f.urn}\n${f.message}`;
}
