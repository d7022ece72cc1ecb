/**
 * `aws.iam.getPolicyDocument` (and `getPolicyDocumentOutput`) answered as the AWS provider
 * answers it, so that an offline plan judges the very document `pulumi up` would send to AWS.
 *
 * A port of hashicorp/terraform-provider-aws `internal/service/iam/policy_document_data_source.go`
 * (`dataSourcePolicyDocumentRead`) and `policy_model.go` (the document model, its `Merge`, and
 * the principal and condition marshallers), which @pulumi/aws v7 bridges; with the set semantics
 * of terraform-plugin-sdk v2 (`helper/schema/set.go`, `serialize.go`): `actions`, `resources`,
 * `principals` and `conditions` are sets, deduplicated and iterated in hash order.
 *
 * What the provider does, and so this does:
 * - statements in order; `effect` defaults to Allow; an empty `sid` is left out (provider v5+);
 * - one-item lists collapse to a string; longer ones are sorted in reverse (actions, resources,
 *   principal identifiers), condition values keep their order;
 * - principals merge by type (`{"AWS": [...], "Service": ...}`, types sorted); only a lone
 *   `type: "*"` with identifier `*` becomes `"Principal": "*"` (`{"AWS": "*"}` stays);
 * - conditions merge by test and variable; `&{...}` becomes the policy variable `${...}` in
 *   resources, principals and condition values (refused under version 2008-10-17);
 * - `sourcePolicyDocuments` first (their Sids must be unique), then the statements, then each of
 *   `overridePolicyDocuments`: a statement with a Sid replaces the earlier one with that Sid,
 *   others are appended; `Id` is the last one given, `Version` the highest;
 * - `json` is Go's `MarshalIndent` (two spaces), `minifiedJson` its `Marshal`, `id` the CRC-32
 *   of `json`.
 * Errors carry the provider's words, not its exact text.
 */
import { crc32 } from "node:zlib";
import {
  compareGoStrings,
  goMap,
  goMarshal,
  GoObject,
  JsonEntries,
  parseJsonEntries,
  toGoValue,
  type GoValue,
  type ParsedJson,
} from "./goJson.ts";

export const GET_POLICY_DOCUMENT_TOKEN = "aws:iam/getPolicyDocument:getPolicyDocument";

/** The provider refused the call; `pulumi up` would fail the same way. */
export class PolicyDocumentInvokeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "PolicyDocumentInvokeError";
  }
}

export interface GetPolicyDocumentAnswer {
  id: string;
  json: string;
  minifiedJson: string;
  version: string;
  policyId?: string;
  sourcePolicyDocuments?: string[];
  overridePolicyDocuments?: string[];
  /** The statements as given, with the provider's default effect filled in. */
  statements?: Record<string, unknown>[];
}

interface Principal {
  type: string;
  identifiers: string | string[];
}

interface Condition {
  test: string;
  variable: string;
  values: string | string[];
}

/** `iamPolicyStatement`: `undefined` is Go's nil interface, left out of the JSON. */
interface Statement {
  sid: string;
  effect: string;
  actions?: GoValue;
  notActions?: GoValue;
  resources?: GoValue;
  notResources?: GoValue;
  principals: Principal[];
  notPrincipals: Principal[];
  conditions: Condition[];
}

interface Doc {
  version: string;
  id: string;
  statements: Statement[];
}

const VERSIONS = ["2008-10-17", "2012-10-17"];

function fail(message: string): never {
  throw new PolicyDocumentInvokeError(message);
}

// --- terraform-plugin-sdk sets ---------------------------------------------------------------

/** `hashcode.String`: the CRC-32 of the bytes, as a non-negative int. */
function hashcode(s: string): number {
  return crc32(Buffer.from(s, "utf8"));
}

/**
 * A schema.Set: one element per hash code (a second element with the same code is dropped), listed
 * in the order of the codes' decimal strings (`listCode` sorts them as strings).
 */
function schemaSet<T>(items: T[], serialize: (item: T) => string): T[] {
  const byCode = new Map<string, T>();
  for (const item of items) {
    const code = String(hashcode(serialize(item)));
    if (!byCode.has(code)) byCode.set(code, item);
  }
  return [...byCode.keys()].sort().map((code) => byCode.get(code)!);
}

/** `SerializeValueForHash` of a string, the element of every string set here. */
const serializeString = (s: string) => `${s};`;
const stringSet = (items: string[]) => schemaSet(items, serializeString);

/** `SerializeResourceForHash` of a `principals` block: its keys sorted, the identifiers a set. */
function serializePrincipalBlock(p: { type: string; identifiers: string[] }): string {
  return `identifiers:{${stringSet(p.identifiers).map(serializeString).join("")}};type:${p.type};`;
}

/** ... and of a `condition` block: `values` is a list, in the order given. */
function serializeConditionBlock(c: { test: string; variable: string; values: string[] }): string {
  return `test:${c.test};values:(${c.values.map(serializeString).join("")});variable:${c.variable};`;
}

// --- the data source's arguments -------------------------------------------------------------

const reverseSorted = (l: string[]) => [...l].sort(compareGoStrings).reverse();

/** `policyDecodeConfigStringList`: one item as a string, more sorted in reverse. */
function decodeStringList(l: string[]): string | string[] {
  return l.length === 1 ? l[0]! : reverseSorted(l);
}

/** `dataSourcePolicyDocumentReplaceVarsInList`: `&{` becomes `${`, refused under 2008-10-17. */
function replaceVars<T extends string | string[]>(value: T, version: string): T {
  const one = (s: string) => {
    if (version === "2008-10-17" && s.includes("&{")) {
      fail(`found &{ sequence in (${s}), which is not supported in document version 2008-10-17`);
    }
    return s.replaceAll("&{", "${");
  };
  return (typeof value === "string" ? one(value) : value.map(one)) as T;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function stringList(value: unknown, where: string): string[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) fail(`${where} must be a list of strings, not ${typeof value}`);
  return value.map((v, i) => {
    if (typeof v !== "string") fail(`${where}[${i}] must be a string`);
    return v;
  });
}

function optionalString(value: unknown, where: string): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "string") fail(`${where} must be a string`);
  return value;
}

function requiredString(value: unknown, where: string): string {
  const s = optionalString(value, where);
  if (s === undefined) fail(`${where}: the argument is required, but no definition was found`);
  return s;
}

function blockList(value: unknown, where: string): Record<string, unknown>[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) fail(`${where} must be a list`);
  return value.map((v, i) => {
    if (!isRecord(v)) fail(`${where}[${i}] must be an object`);
    return v;
  });
}

interface PrincipalBlock {
  type: string;
  identifiers: string[];
}

interface ConditionBlock {
  test: string;
  variable: string;
  values: string[];
}

function required(block: Record<string, unknown>, key: string, where: string): unknown {
  if (block[key] === undefined || block[key] === null) {
    fail(`${where}.${key}: the argument is required, but no definition was found`);
  }
  return block[key];
}

function principalBlocks(value: unknown, where: string): PrincipalBlock[] {
  return blockList(value, where).map((b, i) => ({
    type: requiredString(b.type, `${where}[${i}].type`),
    identifiers: stringList(
      required(b, "identifiers", `${where}[${i}]`),
      `${where}[${i}].identifiers`,
    ),
  }));
}

function conditionBlocks(value: unknown, where: string): ConditionBlock[] {
  return blockList(value, where).map((b, i) => ({
    test: requiredString(b.test, `${where}[${i}].test`),
    variable: requiredString(b.variable, `${where}[${i}].variable`),
    values: stringList(required(b, "values", `${where}[${i}]`), `${where}[${i}].values`),
  }));
}

/** The provider's error context: "reading principals: reading identifiers: found &{ ...". */
function reading<T>(what: string, f: () => T): T {
  try {
    return f();
  } catch (error) {
    if (error instanceof PolicyDocumentInvokeError) fail(`reading ${what}: ${error.message}`);
    throw error;
  }
}

/** `dataSourcePolicyDocumentMakePrincipals`, over the set of `principals` blocks. */
function makePrincipals(blocks: PrincipalBlock[], version: string): Principal[] {
  return schemaSet(blocks, serializePrincipalBlock).map((b) => ({
    type: b.type,
    identifiers: reading("identifiers", () =>
      replaceVars(decodeStringList(stringSet(b.identifiers)), version),
    ),
  }));
}

/** `dataSourcePolicyDocumentMakeConditions`, over the set of `condition` blocks. */
function makeConditions(blocks: ConditionBlock[], version: string): Condition[] {
  return schemaSet(blocks, serializeConditionBlock).map((b) => {
    const values = reading("values", () => replaceVars(b.values, version));
    return {
      test: b.test,
      variable: b.variable,
      values: values.length === 1 ? values[0]! : values,
    };
  });
}

function configStatement(raw: Record<string, unknown>, i: number, version: string): Statement {
  const where = `statements[${i}]`;
  const effect = optionalString(raw.effect, `${where}.effect`) ?? "Allow";
  if (effect !== "Allow" && effect !== "Deny") {
    fail(`expected ${where}.effect to be one of ["Allow" "Deny"], got ${effect}`);
  }
  const sid = optionalString(raw.sid, `${where}.sid`) ?? "";
  if (!/^[a-zA-Z0-9]*$/.test(sid)) {
    fail(`invalid value for ${where}.sid (must only include alphanumeric characters)`);
  }
  const set = (key: string) => stringSet(stringList(raw[key], `${where}.${key}`));
  const actions = set("actions");
  const notActions = set("notActions");
  const resources = set("resources");
  const notResources = set("notResources");
  const principals = principalBlocks(raw.principals, `${where}.principals`);
  const notPrincipals = principalBlocks(raw.notPrincipals, `${where}.notPrincipals`);
  const conditions = conditionBlocks(raw.conditions, `${where}.conditions`);
  return {
    sid,
    effect,
    actions: actions.length ? decodeStringList(actions) : undefined,
    notActions: notActions.length ? decodeStringList(notActions) : undefined,
    resources: resources.length
      ? reading("resources", () => replaceVars(decodeStringList(resources), version))
      : undefined,
    notResources: notResources.length
      ? reading("not_resources", () => replaceVars(decodeStringList(notResources), version))
      : undefined,
    principals: reading("principals", () => makePrincipals(principals, version)),
    notPrincipals: reading("not_principals", () => makePrincipals(notPrincipals, version)),
    conditions: reading("condition", () => makeConditions(conditions, version)),
  };
}

// --- documents given as JSON (sourcePolicyDocuments, overridePolicyDocuments) -----------------

/** Go's case-insensitive field match: ASCII letters, and the two runes that fold onto them. */
function foldName(name: string): string {
  return name.replace(/[a-z\u017f\u212a]/g, (c) =>
    c === "\u017f" ? "S" : c === "\u212a" ? "K" : c.toUpperCase(),
  );
}

/**
 * Go's `json.Unmarshal` of an object into a struct: each key, in document order, sets the field
 * of that exact name or else of that name up to case; the last one wins. `decode` is given the
 * field's current value, so that a repeated array of structs decodes into the structs before it.
 */
function decodeStruct<F extends string>(
  value: JsonEntries,
  fields: readonly F[],
  decode: (field: F, json: ParsedJson) => void,
): void {
  const exact = new Map<string, F>(fields.map((f) => [f, f]));
  const folded = new Map<string, F>(fields.map((f) => [foldName(f), f]));
  for (const [key, json] of value.entries) {
    const field = exact.get(key) ?? folded.get(foldName(key));
    if (field !== undefined) decode(field, json);
  }
}

function typeName(json: ParsedJson): string {
  if (json === null) return "null";
  if (json instanceof JsonEntries) return "object";
  if (Array.isArray(json)) return "array";
  return typeof json;
}

function stringField(json: ParsedJson, current: string, field: string): string {
  if (json === null) return current;
  if (typeof json !== "string") fail(`json: cannot unmarshal ${typeName(json)} into ${field}`);
  return json;
}

/** `iamPolicyStatementPrincipalSet.UnmarshalJSON`. */
function decodePrincipals(json: ParsedJson): Principal[] {
  if (typeof json === "string") return [{ type: "*", identifiers: ["*"] }];
  if (!(json instanceof JsonEntries)) {
    fail(`Unsupported data type ${typeName(json)} for IAMPolicyStatementPrincipalSet`);
  }
  const byType = new Map<string, ParsedJson>();
  for (const [k, v] of json.entries) byType.set(k, v);
  return [...byType].map(([type, value]) => {
    if (typeof value === "string") return { type, identifiers: value };
    if (Array.isArray(value)) {
      const ids = value.map((v, i) => {
        if (typeof v !== "string") {
          fail(
            `Unsupported element type ${typeName(v)} for IAMPolicyStatementPrincipalSet.Identifiers[${i}] (principal type "${type}"): must be string`,
          );
        }
        return v;
      });
      return { type, identifiers: ids.sort(compareGoStrings) };
    }
    return fail(
      `Unsupported data type ${typeName(value)} for IAMPolicyStatementPrincipalSet.Identifiers`,
    );
  });
}

/** `iamPolicyStatementConditionSet.UnmarshalJSON`: numbers and nulls are dropped, as there. */
function decodeConditions(json: ParsedJson): Condition[] {
  if (json === null) return [];
  if (!(json instanceof JsonEntries)) {
    fail(`json: cannot unmarshal ${typeName(json)} into a condition map`);
  }
  const tests = new Map<string, Map<string, ParsedJson>>();
  for (const [test, inner] of json.entries) {
    if (inner !== null && !(inner instanceof JsonEntries)) {
      fail(`json: cannot unmarshal ${typeName(inner)} into the condition operator ${test}`);
    }
    const variables = new Map<string, ParsedJson>();
    for (const [k, v] of inner?.entries ?? []) variables.set(k, v);
    tests.set(test, variables);
  }
  const out: Condition[] = [];
  for (const [test, variables] of tests) {
    for (const [variable, v] of variables) {
      if (typeof v === "string") out.push({ test, variable, values: [v] });
      else if (typeof v === "boolean") out.push({ test, variable, values: String(v) });
      else if (Array.isArray(v)) {
        const values = v.map((x) => {
          if (typeof x !== "string") {
            fail(`condition ${test} ${variable}: a list of values may hold only strings`);
          }
          return x;
        });
        out.push({ test, variable, values });
      }
    }
  }
  return out;
}

const STATEMENT_FIELDS = [
  "Sid",
  "Effect",
  "Action",
  "NotAction",
  "Resource",
  "NotResource",
  "Principal",
  "NotPrincipal",
  "Condition",
] as const;

function emptyStatement(): Statement {
  return { sid: "", effect: "", principals: [], notPrincipals: [], conditions: [] };
}

function decodeStatement(json: ParsedJson, into: Statement | null): Statement | null {
  if (json === null) return null;
  if (!(json instanceof JsonEntries)) {
    fail(`json: cannot unmarshal ${typeName(json)} into a policy statement`);
  }
  const s: Statement = into ? { ...into } : emptyStatement();
  decodeStruct(json, STATEMENT_FIELDS, (field, v) => {
    switch (field) {
      case "Sid":
        s.sid = stringField(v, s.sid, "Statement.Sid");
        break;
      case "Effect":
        s.effect = stringField(v, s.effect, "Statement.Effect");
        break;
      case "Action":
        s.actions = v === null ? undefined : toGoValue(v);
        break;
      case "NotAction":
        s.notActions = v === null ? undefined : toGoValue(v);
        break;
      case "Resource":
        s.resources = v === null ? undefined : toGoValue(v);
        break;
      case "NotResource":
        s.notResources = v === null ? undefined : toGoValue(v);
        break;
      case "Principal":
        s.principals = decodePrincipals(v);
        break;
      case "NotPrincipal":
        s.notPrincipals = decodePrincipals(v);
        break;
      case "Condition":
        s.conditions = decodeConditions(v);
        break;
    }
  });
  return s;
}

/** `json.Unmarshal([]byte(text), &iamPolicyDoc{})`. */
function decodeDocument(text: string): Doc {
  let json: ParsedJson;
  try {
    json = parseJsonEntries(text);
  } catch (error) {
    return fail(`invalid JSON: ${(error as Error).message}`);
  }
  const doc: Doc = { version: "", id: "", statements: [] };
  if (json === null) return doc;
  if (!(json instanceof JsonEntries))
    fail(`json: cannot unmarshal ${typeName(json)} into a policy`);
  let statements: (Statement | null)[] = [];
  decodeStruct(json, ["Version", "Id", "Statement"] as const, (field, v) => {
    if (field === "Version") doc.version = stringField(v, doc.version, "Version");
    else if (field === "Id") doc.id = stringField(v, doc.id, "Id");
    else if (v === null) statements = [];
    else if (!Array.isArray(v)) fail(`json: cannot unmarshal ${typeName(v)} into Statement`);
    else statements = v.map((item, i) => decodeStatement(item, statements[i] ?? null));
  });
  doc.statements = statements.map((s) => s ?? fail("a statement is null"));
  return doc;
}

// --- merging and writing ---------------------------------------------------------------------

/** `iamPolicyDoc.Merge`. */
function merge(into: Doc, doc: Doc): void {
  if (doc.id.length > 0) into.id = doc.id;
  if (compareGoStrings(doc.version, into.version) > 0) into.version = doc.version;
  for (const statement of doc.statements) {
    const at = statement.sid ? into.statements.findIndex((s) => s.sid === statement.sid) : -1;
    if (at >= 0) into.statements[at] = statement;
    else into.statements.push(statement);
  }
}

/** `iamPolicyStatementPrincipalSet.MarshalJSON`. */
function principalsJson(ps: Principal[]): GoValue {
  if (ps.length === 1 && ps[0]!.type === "*") {
    const ids = ps[0]!.identifiers;
    if (ids === "*" || (Array.isArray(ids) && ids.length === 1 && ids[0] === "*")) return "*";
  }
  const raw = new Map<string, string | string[]>();
  for (const p of ps) {
    const existing = raw.get(p.type);
    if (Array.isArray(p.identifiers)) {
      const before =
        existing === undefined ? [] : typeof existing === "string" ? [existing] : existing;
      raw.set(p.type, [...before, ...reverseSorted(p.identifiers)]);
    } else {
      raw.set(
        p.type,
        existing === undefined
          ? p.identifiers
          : [...(typeof existing === "string" ? [existing] : existing), p.identifiers],
      );
    }
  }
  return goMap(raw);
}

/** `iamPolicyStatementConditionSet.MarshalJSON`. */
function conditionsJson(cs: Condition[]): GoValue {
  const raw = new Map<string, Map<string, string[]>>();
  for (const c of cs) {
    const test = raw.get(c.test) ?? new Map<string, string[]>();
    raw.set(c.test, test);
    test.set(c.variable, [
      ...(test.get(c.variable) ?? []),
      ...(typeof c.values === "string" ? [c.values] : c.values),
    ]);
  }
  return goMap(
    [...raw].map(([test, variables]) => [
      test,
      goMap([...variables].map(([k, v]) => [k, v.length === 1 ? v[0]! : v] as const)),
    ]),
  );
}

function statementJson(s: Statement): GoObject {
  const fields: [string, GoValue][] = [];
  if (s.sid) fields.push(["Sid", s.sid]);
  if (s.effect) fields.push(["Effect", s.effect]);
  if (s.actions !== undefined) fields.push(["Action", s.actions]);
  if (s.notActions !== undefined) fields.push(["NotAction", s.notActions]);
  if (s.resources !== undefined) fields.push(["Resource", s.resources]);
  if (s.notResources !== undefined) fields.push(["NotResource", s.notResources]);
  if (s.principals.length) fields.push(["Principal", principalsJson(s.principals)]);
  if (s.notPrincipals.length) fields.push(["NotPrincipal", principalsJson(s.notPrincipals)]);
  if (s.conditions.length) fields.push(["Condition", conditionsJson(s.conditions)]);
  return new GoObject(fields);
}

function documentJson(doc: Doc): GoObject {
  const fields: [string, GoValue][] = [];
  if (doc.version) fields.push(["Version", doc.version]);
  if (doc.id) fields.push(["Id", doc.id]);
  if (doc.statements.length) fields.push(["Statement", doc.statements.map(statementJson)]);
  return new GoObject(fields);
}

function documentList(value: unknown, name: string): (string | null)[] | undefined {
  if (value === undefined || value === null) return undefined;
  if (!Array.isArray(value)) fail(`${name} must be a list of JSON strings`);
  return value.map((v, i) => {
    if (v === undefined || v === null) return null;
    if (typeof v !== "string") fail(`${name}[${i}] must be a JSON string`);
    return v;
  });
}

/**
 * The answer to `aws:iam/getPolicyDocument:getPolicyDocument`, from its inputs as the Pulumi SDK
 * sends them (camelCase: `statements`, `principals`, `notActions`, `sourcePolicyDocuments`...).
 * Throws {@link PolicyDocumentInvokeError} where the provider refuses the call.
 */
export function answerGetPolicyDocument(inputs: Record<string, unknown>): GetPolicyDocumentAnswer {
  for (const removed of ["sourceJson", "overrideJson"]) {
    const v = inputs[removed];
    if (v !== undefined && v !== null && v !== "") {
      fail(
        `expected ${removed} to be empty: it is no longer used; use ${removed === "sourceJson" ? "sourcePolicyDocuments" : "overridePolicyDocuments"}`,
      );
    }
  }
  const version = optionalString(inputs.version, "version") ?? "2012-10-17";
  if (!VERSIONS.includes(version)) {
    fail(`expected version to be one of ["2008-10-17" "2012-10-17"], got ${version}`);
  }
  const policyId = optionalString(inputs.policyId, "policyId");
  const sources = documentList(inputs.sourcePolicyDocuments, "sourcePolicyDocuments");
  const overrides = documentList(inputs.overridePolicyDocuments, "overridePolicyDocuments");
  const rawStatements = blockList(inputs.statements, "statements");

  const merged: Doc = { version: "", id: "", statements: [] };
  const sourceSids = new Set<string>();
  (sources ?? []).forEach((text, index) => {
    if (text === null) return;
    const where = `writing IAM Policy Document: merging source document ${index}`;
    let doc: Doc;
    try {
      doc = decodeDocument(text);
    } catch (error) {
      if (error instanceof PolicyDocumentInvokeError) fail(`${where}: ${error.message}`);
      throw error;
    }
    doc.statements.forEach((s, statementIndex) => {
      if (!s.sid) return;
      if (sourceSids.has(s.sid)) {
        fail(
          `${where}: duplicate Sid (${s.sid}) in source_policy_documents (statement ${statementIndex}). Remove the Sid or ensure Sids are unique.`,
        );
      }
      sourceSids.add(s.sid);
    });
    merge(merged, doc);
  });

  const own: Doc = { version, id: policyId ?? "", statements: [] };
  const sids = new Set<string>();
  rawStatements.forEach((raw, i) => {
    const statement = configStatement(raw, i, version);
    if (statement.sid) {
      if (sids.has(statement.sid)) {
        fail(
          `writing IAM Policy Document: duplicate Sid (${statement.sid}). Remove the Sid or ensure the Sid is unique.`,
        );
      }
      sids.add(statement.sid);
    }
    own.statements.push(statement);
  });
  merge(merged, own);

  (overrides ?? []).forEach((text, index) => {
    if (text === null) return;
    try {
      merge(merged, decodeDocument(text));
    } catch (error) {
      if (error instanceof PolicyDocumentInvokeError) {
        fail(`writing IAM Policy Document: merging override document ${index}: ${error.message}`);
      }
      throw error;
    }
  });

  const value = documentJson(merged);
  const json = goMarshal(value, "  ");
  const answer: GetPolicyDocumentAnswer = {
    id: String(crc32(Buffer.from(json, "utf8"))),
    json,
    minifiedJson: goMarshal(value),
    version,
  };
  if (policyId !== undefined) answer.policyId = policyId;
  if (sources) answer.sourcePolicyDocuments = sources.filter((s): s is string => s !== null);
  if (overrides) answer.overridePolicyDocuments = overrides.filter((s): s is string => s !== null);
  if (inputs.statements !== undefined && inputs.statements !== null) {
    answer.statements = rawStatements.map((s) => ({ ...s, effect: s.effect ?? "Allow" }));
  }
  return answer;
}
