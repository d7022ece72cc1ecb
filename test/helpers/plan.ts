/**
 * An offline plan in the test's own process, as `budget-sync plan --json` prints it: for tests
 * about a stack's resources, not about the command line (those run the bin, in test/process).
 * The plan runs the program on worker threads; each distinct set of options is planned once per
 * test worker (`planOnce`), so a file plans in `beforeAll` and its tests read that plan.
 */
import { mkdtempSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { planJson } from "../../cli/commands/plan.ts";
import type { PlanTarget } from "../../cli/plan/computePlan.ts";
import { REPO } from "./cli.ts";
import { planOnce } from "./inProcess.ts";

/** The JSON of `plan --json` for these options (secrets masked, as printed). */
export async function planInProcess(options: PlanTarget): Promise<ReturnType<typeof planJson>> {
  const { plan } = await planOnce(options);
  // Through JSON, as a reader of `plan --json` gets it.
  return JSON.parse(JSON.stringify(planJson(plan))) as ReturnType<typeof planJson>;
}

/** A resource as `plan --json` prints it. */
export interface PlannedJson {
  urn: string;
  type: string;
  name: string;
  id: string | null;
  parent: string | null;
  inputs: Record<string, unknown>;
}

/** `plan --json`, the parts the tests read. */
export interface PlanJson {
  resources: PlannedJson[];
  outputs: Record<string, unknown>;
  violations: { level: string; policy?: string }[];
}

/** A stack config file `Pulumi.<stack>.yaml` in a directory of its own. */
export function stackFile(yaml: string, stack = "hosted"): string {
  const dir = mkdtempSync(path.join(tmpdir(), "budget-sync-stack-"));
  const file = path.join(dir, `Pulumi.${stack}.yaml`);
  writeFileSync(file, yaml);
  return file;
}

/** SpendFlo's poller role, the one principal a hosted stack's sync roles trust. */
export const HOSTED_POLLER = "arn:aws:iam::999988887777:role/spendflo-budget-poller";

/** The start of a hosted stack file: its region, bucket and poller role. */
export const HOSTED_HEAD = `config:
  aws:region: us-east-1
  budget-sync:bucketName: spendflo-budget-uploads
  budget-sync:hosted:
    pollerRoleArn: ${HOSTED_POLLER}
`;

/** One customer's line of a hosted stack file, with the external id every customer needs. */
export const customerLine = (id: string) =>
  `    - { id: ${id}, externalId: ${id}-5f0c8e2a9d31b7c4 }`;

export const ofType = (p: PlanJson, type: string) => p.resources.filter((r) => r.type === type);

/** The policy statements of a policy resource. */
export const statements = (r: PlannedJson) =>
  (JSON.parse(String(r.inputs.policy)) as { Statement: Record<string, unknown>[] }).Statement;

/** The offline plan's secret access keys look like this; none may ever be printed. */
export const MOCK_SECRET = /offline-placeholder-secret-[0-9a-f]{13}/;

/**
 * A Pulumi TypeScript project of its own, in a temporary directory: `Pulumi.yaml` named `name`,
 * an ES-module package.json, our node_modules linked, `index.ts` holding `program` and the stack
 * `dev` (`Pulumi.dev.yaml`) holding `config`; `files` are written last, so they may replace any
 * of those. Returns the directory, which `plan --program` takes.
 */
export function programProject(
  name: string,
  program: string,
  { config = "config: {}\n", files = {} }: { config?: string; files?: Record<string, string> } = {},
): string {
  const dir = mkdtempSync(path.join(tmpdir(), `budget-sync-${name}-`));
  writeFileSync(path.join(dir, "Pulumi.yaml"), `name: ${name}\nruntime: nodejs\n`);
  writeFileSync(path.join(dir, "package.json"), `{ "name": "${name}", "type": "module" }`);
  symlinkSync(path.join(REPO, "node_modules"), path.join(dir, "node_modules"));
  writeFileSync(path.join(dir, "index.ts"), program);
  writeFileSync(path.join(dir, "Pulumi.dev.yaml"), config);
  for (const [file, text] of Object.entries(files)) writeFileSync(path.join(dir, file), text);
  return dir;
}
