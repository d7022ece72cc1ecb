/**
 * Offline placeholders and how to recognise them. `budget-sync plan` computes a stack under mocks:
 * its account, ARNs and access keys are made up. Its `--json` outputs carry a marker, its keys look
 * like what they are, and the commands that send or use stack outputs (`register`,
 * `test-connection`, `onboarding-kit`) refuse anything that came from a plan, before they read
 * its shape: a placeholder must never reach SpendFlo's API or a customer.
 */

/** The key, inside a plan's `outputs` object, that marks them as offline placeholders. */
export const OFFLINE_PLAN_MARKER = "budget-sync:offline-plan";

/** The account the offline engine pretends to be unless told otherwise (AWS's example account). */
export const PLACEHOLDER_ACCOUNT_ID = "123456789012";

/** Every placeholder access key id starts so: 16 to 128 word characters, as IAM's key ids are. */
export const PLACEHOLDER_ACCESS_KEY_ID_PREFIX = "OFFLINE_PLACEHOLDER_";
/** Every placeholder secret access key starts so. */
export const PLACEHOLDER_SECRET_PREFIX = "offline-placeholder-secret-";

/**
 * An access key id for an offline plan, from a hex seed: fits the outputs' and the API's schema
 * (word characters, 16 to 128) and could never be taken for AWS's (AKIA... or ASIA...).
 */
export function placeholderAccessKeyId(seedHex: string): string {
  return `${PLACEHOLDER_ACCESS_KEY_ID_PREFIX}${seedHex.slice(0, 12).toUpperCase()}`;
}

/** A secret access key for an offline plan, from a hex seed: plainly not a secret. */
export function placeholderSecretAccessKey(seedHex: string): string {
  return `${PLACEHOLDER_SECRET_PREFIX}${seedHex.slice(0, 13)}`;
}

/** The marker a plan puts in its outputs: what they are, which account they pretend to be in. */
export interface OfflinePlanMarker {
  note: string;
  accountId: string;
}

/** The plan's outputs with the marker added, inside the object itself (so `jq .outputs` keeps it). */
export function markOfflineOutputs(
  outputs: Record<string, unknown>,
  accountId: string,
): Record<string, unknown> {
  const marker: OfflinePlanMarker = {
    note: "offline placeholders computed by budget-sync plan, not a deployed stack: run `pulumi up`, then use `pulumi stack output --json --show-secrets`",
    accountId,
  };
  return { [OFFLINE_PLAN_MARKER]: marker, ...outputs };
}

const ARN_ACCOUNT = /^arn:[a-z-]+:[a-z0-9-]*:[a-z0-9-]*:(\d{12}):/;

/**
 * Why a parsed JSON value is an offline plan's outputs (or a whole plan), one phrase per sign; empty
 * when nothing says so. Signs: the marker (at the top, or in a whole plan's `outputs`), a whole
 * `plan --json` document, an ARN in the placeholder account or in the account the marker names, and
 * a placeholder access key or secret anywhere.
 */
export function offlinePlanEvidence(value: unknown): string[] {
  if (value === null || typeof value !== "object" || Array.isArray(value)) return [];
  const top = value as Record<string, unknown>;
  const signs: string[] = [];
  const nested =
    top.outputs !== null && typeof top.outputs === "object" && !Array.isArray(top.outputs)
      ? (top.outputs as Record<string, unknown>)
      : undefined;
  if (Array.isArray(top.resources) && nested && Array.isArray(top.violations)) {
    signs.push("it is a whole `budget-sync plan --json` document");
  }
  const marker = (top[OFFLINE_PLAN_MARKER] ?? nested?.[OFFLINE_PLAN_MARKER]) as
    Partial<OfflinePlanMarker> | undefined;
  if (marker !== undefined)
    signs.push(`they carry the offline plan's marker "${OFFLINE_PLAN_MARKER}"`);
  const accounts = new Set([PLACEHOLDER_ACCOUNT_ID]);
  if (typeof marker?.accountId === "string") accounts.add(marker.accountId);

  let arn: string | undefined;
  let keyId = false;
  let secret = false;
  const walk = (node: unknown): void => {
    if (typeof node === "string") {
      const account = ARN_ACCOUNT.exec(node)?.[1];
      if (account && accounts.has(account)) arn ??= node;
      if (node.startsWith(PLACEHOLDER_ACCESS_KEY_ID_PREFIX)) keyId = true;
      if (node.startsWith(PLACEHOLDER_SECRET_PREFIX)) secret = true;
    } else if (Array.isArray(node)) {
      node.forEach(walk);
    } else if (node !== null && typeof node === "object") {
      Object.values(node).forEach(walk);
    }
  };
  walk(value);
  if (arn) {
    const account = ARN_ACCOUNT.exec(arn)![1];
    signs.push(
      `${arn} is in account ${account}, the offline plan's placeholder${account === PLACEHOLDER_ACCOUNT_ID ? " (AWS's example account)" : ""}`,
    );
  }
  if (keyId) signs.push(`an access key id starts with ${PLACEHOLDER_ACCESS_KEY_ID_PREFIX}`);
  if (secret) signs.push(`a secret access key starts with ${PLACEHOLDER_SECRET_PREFIX}`);
  return signs;
}
