/**
 * What the grant analysis (`collectGrants` in lib/iam/stackGrants.ts) answers in: the principals
 * it follows, the grants and attachments that reach them, the documents it could not read.
 */
import type { PrincipalIdentity, NormalizedStatement } from "../analysis.ts";
import type { CatalogueAction } from "../actions.ts";
import { describe, type StackResource } from "../../stack/model.ts";

export interface StackPrincipal {
  resource: StackResource;
  kind: "user" | "role";
  /** Physical names (the `name` input, or the logical name when autonamed) and ARN if known. */
  names: string[];
  tags: Record<string, string>;
}

/** A principal the analysis follows: a stack user/role or a whole (external) account. */
export type Target =
  | { kind: "principal"; principal: StackPrincipal; reason: string }
  | { kind: "account"; account: string };

export function targetLabel(t: Target): string {
  return t.kind === "account" ? `account ${t.account}` : describe(t.principal.resource);
}

export function targetIdentities(t: Target): PrincipalIdentity[] {
  if (t.kind === "account") return [{ kind: "account", account: t.account }];
  return t.principal.names.map((name) => ({ kind: t.principal.kind, name }));
}

export type GrantKind = "identity" | "resource" | "key-policy" | "kms-grant";

export interface Grant {
  target: Target;
  /** The resource that carries the document or the attachment. */
  source: StackResource;
  kind: GrantKind;
  /** How the grant reaches the target, e.g. `through group "readers"` (empty when direct). */
  via: string;
  statement?: NormalizedStatement;
  actions: CatalogueAction[];
  /** For a key policy, the key it belongs to. */
  key?: StackResource;
  /** What the grant applies to, when no statement says (a Lambda permission, an access grant). */
  on?: string;
}

export interface ManagedAttachment {
  target: Target;
  source: StackResource;
  via: string;
  policyArn: string;
  /** True for `arn:aws:iam::aws:policy/...` (AWS-managed); false for a policy outside the stack. */
  awsManaged: boolean;
}

export interface UnreadableDocument {
  source: StackResource;
  target?: Target;
  problem: string;
}

export interface StackGrants {
  targets: Target[];
  grants: Grant[];
  /** Attached policies whose document is not in the stack (AWS-managed or elsewhere). */
  managed: ManagedAttachment[];
  unreadable: UnreadableDocument[];
}

export interface GrantQuery {
  /** Selects the stack principals to follow. */
  selectPrincipal: (p: StackPrincipal) => string | undefined;
  /** External accounts to follow (e.g. SpendFlo's). */
  accounts: string[];
  /** Also follow roles whose trust policy admits a followed principal or account. */
  followTrust: boolean;
}
