import type { StackValidationPolicy } from "@pulumi/policy";
import { collectGrants } from "../../../lib/iam/stackGrants.ts";
import { T, UnknownValues, describe, lastArnPart, str } from "../../../lib/stack/model.ts";
import { stackResources } from "../../support/common.ts";

interface TimeoutConfig {
  minimumTimeoutSeconds?: number;
}

/** Lambda's default timeout is 3 s; the guide's troubleshooting raises it to 60 s. */
const LAMBDA_DEFAULT_TIMEOUT = 3;

/**
 * The guide's troubleshooting ("Lambda timeout errors: increase Lambda timeout (default 3s ->
 * increase to 60s)"), before the first nightly export fails rather than after.
 */
export const exporterTimeout: StackValidationPolicy = {
  name: "exporter-timeout",
  description:
    "Checks that every Lambda function that writes budget files (its role may s3:PutObject) has a timeout of at least 60 seconds.",
  enforcementLevel: "advisory",
  severity: "low",
  remediationSteps:
    "Give every Lambda function that writes budget files a timeout of at least 60 seconds, enough to fetch a day's budget data and upload it.",
  url: "https://docs.aws.amazon.com/lambda/latest/dg/configuration-timeout.html",
  configSchema: {
    properties: {
      minimumTimeoutSeconds: {
        type: "integer",
        minimum: 1,
        maximum: 900,
        default: 60,
        description: "The shortest acceptable timeout for an exporter Lambda, in seconds.",
      },
    },
  },
  validateStack: async (args, reportViolation) => {
    const unknowns = new UnknownValues();
    const minimum = args.getConfig<TimeoutConfig>().minimumTimeoutSeconds ?? 60;
    const resources = stackResources(args);
    const functions = resources.filter((r) => r.type === T.LambdaFunction);
    if (functions.length === 0) return;
    const roleOf = new Map<string, string[]>();
    for (const f of functions) {
      const deps = f.propertyDependencies?.["role"] ?? [];
      const role = unknowns.readUnless(
        deps.some((d) => d.type === T.Role),
        () => str(f.props, "role"),
        undefined,
      );
      roleOf.set(f.urn, [...deps.map((d) => d.urn), ...(role ? [lastArnPart(role)] : [])]);
    }
    const refs = new Set([...roleOf.values()].flat().map((x) => x.toLowerCase()));
    const grants = await collectGrants(
      resources,
      {
        selectPrincipal: (p) =>
          p.kind === "role" &&
          (refs.has(p.resource.urn.toLowerCase()) || p.names.some((n) => refs.has(n.toLowerCase())))
            ? "the role of a Lambda function"
            : undefined,
        accounts: [],
        followTrust: false,
      },
      unknowns,
    );
    for (const f of functions) {
      const ref = new Set((roleOf.get(f.urn) ?? []).map((x) => x.toLowerCase()));
      const writes = grants.grants.some(
        (g) =>
          g.target.kind === "principal" &&
          (ref.has(g.target.principal.resource.urn.toLowerCase()) ||
            g.target.principal.names.some((n) => ref.has(n.toLowerCase()))) &&
          g.actions.some((a) => a.action.toLowerCase() === "s3:putobject"),
      );
      if (!writes) continue;
      const timeout = unknowns.read(() => f.props["timeout"], undefined);
      const seconds = typeof timeout === "number" ? timeout : LAMBDA_DEFAULT_TIMEOUT;
      if (seconds >= minimum) continue;
      reportViolation(
        `${describe(f)} writes budget files but its timeout is ${seconds} s${typeof timeout === "number" ? "" : " (the Lambda default)"}: set timeout to at least ${minimum} s, or the export can time out (the guide's troubleshooting).`,
        f.urn,
      );
    }
    unknowns.rethrow();
  },
};
