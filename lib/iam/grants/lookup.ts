/**
 * The lookups the grant analysis joins a stack with: its documents parsed once, and its
 * resources by the names and ARNs other resources refer to them by.
 */
import { PolicyDocumentError, parsePolicyDocument, type NormalizedStatement } from "../analysis.ts";
import {
  T,
  UnknownValues,
  lastArnPart,
  str,
  strList,
  type StackResource,
} from "../../stack/model.ts";

const docCache = new Map<string, NormalizedStatement[] | PolicyDocumentError>();

/** Parses (once per distinct document) a document; a readable error for one that cannot be read. */
export function parseCached(doc: unknown): NormalizedStatement[] | PolicyDocumentError {
  const key = typeof doc === "string" ? doc : JSON.stringify(doc);
  let cached = docCache.get(key);
  if (!cached) {
    try {
      cached = parsePolicyDocument(doc);
    } catch (e) {
      if (!(e instanceof PolicyDocumentError)) throw e;
      cached = e;
    }
    if (docCache.size > 20_000) docCache.clear();
    docCache.set(key, cached);
  }
  return cached;
}

/** Index of stack resources by physical name and URN, for joining references. */
export class NameIndex<V> {
  private byName = new Map<string, V[]>();
  private byUrn = new Map<string, V>();
  add(urn: string, names: string[], v: V): void {
    this.byUrn.set(urn, v);
    for (const n of names) {
      const key = n.toLowerCase();
      const list = this.byName.get(key) ?? [];
      list.push(v);
      this.byName.set(key, list);
    }
  }
  has(name: string): boolean {
    return this.byName.has(name.toLowerCase());
  }

  /** The entries a prop of `from` refers to (by property dependency, by name, by ARN). */
  resolve(from: StackResource, prop: string, unknowns: UnknownValues): V[] {
    const out = new Set<V>();
    for (const d of from.propertyDependencies?.[prop] ?? []) {
      const v = this.byUrn.get(d.urn);
      if (v) out.add(v);
    }
    // A value unknown during preview is explained by the dependency it comes from, when that
    // dependency is one of ours; otherwise it could name anything: record it.
    const read = () => from.props[prop];
    const raw = out.size > 0 ? unknowns.peek(read, undefined) : unknowns.read(read, undefined);
    const values: unknown[] = Array.isArray(raw) ? raw : raw === undefined ? [] : [raw];
    for (const value of values) {
      if (typeof value !== "string") continue;
      for (const key of [value, lastArnPart(value)]) {
        for (const v of this.byName.get(key.toLowerCase()) ?? []) out.add(v);
      }
    }
    return [...out];
  }
}

/** The names a resource answers to: its name, ARN and id as written, or its logical name. */
export function namesOf(r: StackResource, unknowns: UnknownValues): string[] {
  const names = new Set<string>();
  for (const key of ["name", "arn", "id"]) {
    const v = unknowns.peek(() => str(r.props, key), undefined);
    if (v) {
      names.add(v);
      names.add(lastArnPart(v));
    }
  }
  if (names.size === 0) names.add(r.name);
  return [...names];
}

/** The stack's KMS keys by name, ARN and key id. */
export function keyIndexOf(
  resources: StackResource[],
  unknowns: UnknownValues,
): NameIndex<StackResource> {
  const keyIndex = new NameIndex<StackResource>();
  for (const k of resources.filter((r) => r.type === T.KmsKey)) {
    keyIndex.add(
      k.urn,
      namesOf(k, unknowns).concat(unknowns.peek(() => strList(k.props, "keyId"), [])),
      k,
    );
  }
  return keyIndex;
}
