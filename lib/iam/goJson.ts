/**
 * JSON written byte for byte as Go's `encoding/json` writes it (`json.Marshal`, and
 * `json.MarshalIndent(v, "", "  ")`), for answering the AWS provider's functions as the
 * provider (a Go program) answers them. What differs from `JSON.stringify`:
 * - struct fields keep their declared order ({@link GoObject}), map keys are sorted by their
 *   UTF-8 bytes ({@link goMap}); `JSON.stringify` puts integer-like keys first;
 * - `<`, `>` and `&` are written `\u003c`, `\u003e`, `\u0026`, U+2028 and U+2029 escaped;
 * - a lone UTF-16 surrogate cannot cross the wire to the provider as itself: it arrives as
 *   U+FFFD (protobuf strings are UTF-8), and is written so;
 * - negative zero is `-0`.
 */

/** An object whose keys stay in the order given: a Go struct's fields. */
export class GoObject {
  constructor(readonly entries: readonly (readonly [string, GoValue])[]) {}
}

export type GoValue = string | number | boolean | null | readonly GoValue[] | GoObject;

/** Go's string order: by UTF-8 bytes (code points), not by UTF-16 code units. */
export function compareGoStrings(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, "utf8"), Buffer.from(b, "utf8"));
}

/** A Go `map[string]T`: marshalled with its keys sorted. */
export function goMap(entries: Iterable<readonly [string, GoValue]>): GoObject {
  return new GoObject([...entries].sort(([a], [b]) => compareGoStrings(a, b)));
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

function goString(s: string): string {
  return JSON.stringify(s.replace(LONE_SURROGATE, "\uFFFD")).replace(
    /[<>&\u2028\u2029]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`,
  );
}

function goNumber(n: number): string {
  if (!Number.isFinite(n)) throw new Error(`json: unsupported value: ${n}`);
  return Object.is(n, -0) ? "-0" : JSON.stringify(n);
}

/**
 * `json.Marshal` when `indent` is empty; `json.MarshalIndent(v, "", indent)` otherwise (empty
 * arrays and objects stay `[]` and `{}`, as Go's indenter keeps them).
 */
export function goMarshal(value: GoValue, indent = ""): string {
  const write = (v: GoValue, depth: number): string => {
    if (v === null) return "null";
    if (typeof v === "string") return goString(v);
    if (typeof v === "number") return goNumber(v);
    if (typeof v === "boolean") return String(v);
    const open = indent ? `\n${indent.repeat(depth + 1)}` : "";
    const close = indent ? `\n${indent.repeat(depth)}` : "";
    const colon = indent ? ": " : ":";
    if (v instanceof GoObject) {
      if (!v.entries.length) return "{}";
      const items = v.entries.map(([k, x]) => `${goString(k)}${colon}${write(x, depth + 1)}`);
      return `{${open}${items.join(`,${open}`)}${close}}`;
    }
    const list = v as readonly GoValue[];
    if (!list.length) return "[]";
    return `[${open}${list.map((x) => write(x, depth + 1)).join(`,${open}`)}${close}]`;
  };
  return write(value, 0);
}

/**
 * A JSON object as written: every key in document order, duplicates kept. Go decodes an object
 * into a struct key by key, so with duplicate (or case-variant) keys the last one wins, and a
 * repeated array of structs decodes into the structs already there: `JSON.parse` loses both.
 */
export class JsonEntries {
  constructor(readonly entries: readonly (readonly [string, ParsedJson])[]) {}
}

export type ParsedJson = string | number | boolean | null | readonly ParsedJson[] | JsonEntries;

/** Parses JSON keeping each object's keys in order, duplicates included; throws as JSON.parse. */
export function parseJsonEntries(text: string): ParsedJson {
  JSON.parse(text); // the syntax check, with the platform's own error message
  let at = 0;
  const space = () => {
    while (at < text.length && " \t\n\r".includes(text[at]!)) at++;
  };
  const stringToken = (): string => {
    const start = at++;
    while (text[at] !== '"') at += text[at] === "\\" ? 2 : 1;
    at++;
    return JSON.parse(text.slice(start, at)) as string;
  };
  const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
  const value = (): ParsedJson => {
    space();
    const c = text[at];
    if (c === "{") {
      at++;
      const entries: [string, ParsedJson][] = [];
      space();
      if (text[at] === "}") {
        at++;
        return new JsonEntries(entries);
      }
      for (;;) {
        space();
        const key = stringToken();
        space();
        at++; // :
        entries.push([key, value()]);
        space();
        if (text[at++] === "}") return new JsonEntries(entries);
      }
    }
    if (c === "[") {
      at++;
      const items: ParsedJson[] = [];
      space();
      if (text[at] === "]") {
        at++;
        return items;
      }
      for (;;) {
        items.push(value());
        space();
        if (text[at++] === "]") return items;
      }
    }
    if (c === '"') return stringToken();
    for (const [word, literal] of [
      ["true", true],
      ["false", false],
      ["null", null],
    ] as const) {
      if (text.startsWith(word, at)) {
        at += word.length;
        return literal;
      }
    }
    NUMBER.lastIndex = at;
    const match = NUMBER.exec(text)!;
    at += match[0].length;
    return Number(match[0]);
  };
  return value();
}

/** A parsed value as Go holds it in an `interface{}`: objects become maps (last key wins). */
export function toGoValue(value: ParsedJson): GoValue {
  if (value instanceof JsonEntries) {
    const map = new Map<string, GoValue>();
    for (const [k, v] of value.entries) map.set(k, toGoValue(v));
    return goMap(map);
  }
  if (Array.isArray(value)) return value.map(toGoValue);
  return value as string | number | boolean | null;
}
