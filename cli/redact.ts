/**
 * Secret masking for everything the command line prints: the secret access key of the stack
 * outputs, the SpendFlo API key and any session token show as `****`, with nothing of the value
 * (no first or last characters), on every path: results, dry runs, server messages, errors.
 */

export const MASK = "****";

/** Object keys whose values are secrets wherever they appear (stack outputs, API bodies). */
const SECRET_KEY = /secret|password|token|api[-_]?key|credential/i;

/** Does a JSON key name a secret value? (`secretAccessKey`, `apiKey`, `sessionToken`, ...) */
export function isSecretKey(key: string): boolean {
  return SECRET_KEY.test(key);
}

/** Every string held under a secret key anywhere in a parsed JSON value. */
export function secretValuesIn(value: unknown): string[] {
  const found: string[] = [];
  const walk = (node: unknown, underSecretKey: boolean): void => {
    if (typeof node === "string") {
      if (underSecretKey) found.push(node);
    } else if (Array.isArray(node)) {
      for (const item of node) walk(item, underSecretKey);
    } else if (node !== null && typeof node === "object") {
      for (const [key, child] of Object.entries(node))
        walk(child, underSecretKey || isSecretKey(key));
    }
  };
  walk(value, false);
  return found;
}

/** A copy of a JSON value with every value under a secret key replaced by the mask. */
export function maskSecretFields<T>(value: T): T {
  const mask = (node: unknown, underSecretKey: boolean): unknown => {
    if (underSecretKey && node !== null && typeof node !== "object") return MASK;
    if (Array.isArray(node)) return node.map((item) => mask(item, underSecretKey));
    if (node !== null && typeof node === "object") {
      return Object.fromEntries(
        Object.entries(node).map(([key, child]) => [
          key,
          mask(child, underSecretKey || isSecretKey(key)),
        ]),
      );
    }
    return node;
  };
  return mask(value, false) as T;
}

/**
 * Knows the secrets of one invocation and masks them in any text. A secret is also masked in
 * the forms it takes on its way through JSON and URLs (escaped, percent-encoded), since a
 * server may echo a request body back in its error message.
 */
export class Redactor {
  private readonly forms = new Set<string>();

  constructor(secrets: Iterable<string | undefined> = []) {
    this.add(...secrets);
  }

  /** Adds secrets to mask; empty and placeholder values are ignored. */
  add(...secrets: (string | undefined)[]): this {
    for (const secret of secrets) {
      if (!secret || secret === MASK) continue;
      this.forms.add(secret);
      this.forms.add(JSON.stringify(secret).slice(1, -1));
      this.forms.add(encodeURIComponent(secret));
      const trimmed = secret.trim();
      if (trimmed) this.forms.add(trimmed);
    }
    return this;
  }

  /** The text with every known secret replaced by the mask. */
  text(text: string): string {
    // Longest first, so that a secret containing another is masked whole.
    let result = text;
    for (const form of [...this.forms].sort((a, b) => b.length - a.length)) {
      result = result.split(form).join(MASK);
    }
    return result;
  }

  /** A JSON value with secret fields masked and known secrets masked in every other string. */
  json<T>(value: T): T {
    return JSON.parse(this.text(JSON.stringify(maskSecretFields(value)) ?? "null")) as T;
  }

  /**
   * A copy of an error, of the same class (so `instanceof` and fields such as an exit code
   * still hold), whose message and stack hold no known secret. The cause chain is dropped:
   * nothing we print reads it, and it may hold the request that carried the secret.
   */
  error(error: unknown): Error {
    if (!(error instanceof Error)) return new Error(this.text(String(error)));
    const copy = Object.create(Object.getPrototypeOf(error) as object) as Error;
    for (const [key, descriptor] of Object.entries(Object.getOwnPropertyDescriptors(error))) {
      if (key === "cause" || key.startsWith("$")) continue;
      if (typeof descriptor.value === "string") descriptor.value = this.text(descriptor.value);
      Object.defineProperty(copy, key, descriptor);
    }
    Object.defineProperty(copy, "message", {
      value: this.text(error.message),
      writable: true,
      configurable: true,
    });
    Object.defineProperty(copy, "stack", {
      value: this.text(error.stack ?? ""),
      writable: true,
      configurable: true,
    });
    return copy;
  }
}
