import { existsSync, readFileSync, readdirSync, statSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { load as loadYaml } from "js-yaml";
import { CliError, UsageError } from "../errors.ts";

/** A Pulumi project as `plan` sees it: its name (the config namespace) and where things live. */
export interface PulumiProject {
  dir: string;
  name: string;
  /** Absolute path of the program's entry file. */
  program: string;
  /** Absolute directory of the stack config files. */
  stackConfigDir: string;
  /** Project-level config defaults (`config:` in Pulumi.yaml), as `namespace:key` → value. */
  defaults: Record<string, unknown>;
}

/** This repository: our program and its example stacks. */
export const OUR_PROJECT_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

/**
 * Finds the project of a program: `--program` may name an entry file or a project directory;
 * the Pulumi.yaml nearest to it names the project.
 */
export function loadProject(programArg?: string): PulumiProject {
  const start = programArg ? path.resolve(programArg) : OUR_PROJECT_DIR;
  if (!existsSync(start))
    throw new UsageError(`--program ${programArg}: no such file or directory`);
  const isDir = statSync(start).isDirectory();
  let dir = isDir ? start : path.dirname(start);
  while (!existsSync(path.join(dir, "Pulumi.yaml"))) {
    const up = path.dirname(dir);
    if (up === dir) {
      throw new CliError(
        `no Pulumi.yaml found in ${isDir ? start : path.dirname(start)} or any directory above it: a program needs its Pulumi project file (it names the config namespace)`,
      );
    }
    dir = up;
  }
  const file = path.join(dir, "Pulumi.yaml");
  const doc = parseYaml(file) as {
    name?: unknown;
    main?: unknown;
    stackConfigDir?: unknown;
    config?: Record<string, unknown>;
  };
  if (typeof doc?.name !== "string" || !doc.name) throw new CliError(`${file}: has no "name"`);
  const name = doc.name;
  let program = isDir
    ? entryFile(path.resolve(dir, typeof doc.main === "string" ? doc.main : "."))
    : start;
  if (!existsSync(program))
    throw new CliError(`${file}: its main program ${program} does not exist`);
  if (statSync(program).isDirectory()) program = entryFile(program);
  // Project-level config: `key: value`, or `key: { type, default, ... }` (a default, if any).
  const defaults: Record<string, unknown> = {};
  for (const [key, spec] of Object.entries(doc.config ?? {})) {
    const isSchema =
      spec !== null &&
      typeof spec === "object" &&
      !Array.isArray(spec) &&
      ("type" in spec || "default" in spec);
    const value = isSchema ? (spec as { default?: unknown }).default : spec;
    if (value !== undefined) defaults[key.includes(":") ? key : `${name}:${key}`] = value;
  }
  return {
    dir,
    name,
    program,
    stackConfigDir: path.resolve(
      dir,
      typeof doc.stackConfigDir === "string" ? doc.stackConfigDir : ".",
    ),
    defaults,
  };
}

function entryFile(dir: string): string {
  if (!statSync(dir).isDirectory()) return dir;
  for (const candidate of ["index.ts", "index.js", "index.mts", "index.mjs"]) {
    const file = path.join(dir, candidate);
    if (existsSync(file)) return file;
  }
  throw new CliError(`${dir}: no index.ts or index.js to run`);
}

function parseYaml(file: string): unknown {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (error) {
    throw new CliError(
      `cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`,
    );
  }
  try {
    return loadYaml(text, { filename: file });
  } catch (error) {
    throw new CliError(`${file} is not valid YAML: ${(error as Error).message.split("\n")[0]}`);
  }
}

export interface StackConfigValues {
  /** `namespace:key` → value as Pulumi hands it to a program (objects as JSON). */
  config: Record<string, string>;
  secretKeys: string[];
  /** Placeholders standing in for encrypted values: masked like secrets. */
  secretValues: string[];
  warnings: string[];
}

/** A stack's config file: `Pulumi.<stack>.yaml` in the project's stack config directory. */
export function stackConfigPath(project: PulumiProject, stack: string): string {
  return path.join(project.stackConfigDir, `Pulumi.${stack}.yaml`);
}

/** The stacks that have a config file (`Pulumi.<stack>.yaml`) in the project, sorted. */
export function projectStacks(project: PulumiProject): string[] {
  let files: string[];
  try {
    files = readdirSync(project.stackConfigDir);
  } catch {
    return [];
  }
  return files
    .map((f) => /^Pulumi\.(.+)\.yaml$/.exec(f)?.[1])
    .filter((s): s is string => !!s)
    .sort();
}

/**
 * The stack to plan when none is named: ours has a default; another program's project has one
 * only when it holds exactly one stack config file.
 */
export function defaultStack(project: PulumiProject, ours: string): string {
  if (project.dir === OUR_PROJECT_DIR) return ours;
  const stacks = projectStacks(project);
  if (stacks.length === 1) return stacks[0]!;
  if (stacks.length === 0) {
    throw new CliError(
      `no stack config (Pulumi.<stack>.yaml) in ${project.stackConfigDir}: create one (config: {} will do) or give a file with --config`,
    );
  }
  throw new CliError(
    `${project.stackConfigDir} holds the stacks ${stacks.join(", ")}: name one with --stack`,
  );
}

/**
 * Reads a stack config file the way the Pulumi CLI hands it to a program. Secure values cannot
 * be decrypted offline: they become placeholders, still marked secret.
 */
export function readStackConfig(file: string, project: PulumiProject): StackConfigValues {
  if (!existsSync(file)) {
    const stacks = projectStacks(project);
    const where = path.relative(process.cwd(), project.stackConfigDir) || ".";
    throw new CliError(
      stacks.length
        ? `no stack config at ${file}: the stacks of this project are ${stacks.join(", ")} (${where}/Pulumi.<stack>.yaml): name one with --stack, or give an existing file with --config`
        : `no stack config at ${file}, and ${where} holds none (Pulumi.<stack>.yaml): create one, or give an existing file with --config`,
    );
  }
  const doc = parseYaml(file) as { config?: unknown } | null;
  if (doc !== null && typeof doc === "object" && !Array.isArray(doc) && !("config" in doc)) {
    // Settings at the top level are not a stack's config: Pulumi reads only those under config:.
    const settings = Object.keys(doc).filter((key) => !STACK_FILE_KEYS.has(key));
    if (settings.length) {
      throw new CliError(
        `${file} has no top-level "config:" map, so Pulumi reads none of its settings (${settings.slice(0, 5).join(", ")}${settings.length > 5 ? ", ..." : ""}): put them under a first line "config:", indented`,
      );
    }
  }
  const raw = (doc as { config?: unknown } | null)?.config ?? {};
  if (typeof raw !== "object" || Array.isArray(raw) || raw === null) {
    throw new CliError(`${file}: "config" must be a map of keys to values`);
  }
  const config: Record<string, string> = {};
  const secretKeys: string[] = [];
  const warnings: string[] = [];
  const put = (key: string, value: unknown) => {
    const full = key.includes(":") ? key : `${project.name}:${key}`;
    if (hasSecure(value)) {
      // Encrypted values (whole or inside an object) cannot be decrypted without the stack's
      // secrets provider: a placeholder stands in, and the key stays a secret.
      const plain = replaceSecure(value);
      config[full] = typeof plain === "string" ? plain : JSON.stringify(plain);
      secretKeys.push(full);
      warnings.push(`${full} is encrypted; the offline plan uses a placeholder for it`);
    } else if (value !== null && value !== undefined) {
      config[full] = typeof value === "string" ? value : JSON.stringify(value);
    }
  };
  for (const [key, value] of Object.entries(project.defaults)) put(key, value);
  for (const [key, value] of Object.entries(raw)) put(key, value);
  return { config, secretKeys, secretValues: secretKeys.length ? [PLACEHOLDER] : [], warnings };
}

const PLACEHOLDER = "offline-placeholder-for-a-secret";

/** The top-level keys of a Pulumi stack file other than `config` (a stack with no settings). */
const STACK_FILE_KEYS = new Set([
  "secretsprovider",
  "encryptedkey",
  "encryptionsalt",
  "environment",
]);

function isSecure(value: unknown): boolean {
  return (
    !!value &&
    typeof value === "object" &&
    !Array.isArray(value) &&
    "secure" in value &&
    Object.keys(value).length === 1
  );
}

function hasSecure(value: unknown): boolean {
  if (isSecure(value)) return true;
  if (value && typeof value === "object") return Object.values(value).some(hasSecure);
  return false;
}

function replaceSecure(value: unknown): unknown {
  if (isSecure(value)) return PLACEHOLDER;
  if (Array.isArray(value)) return value.map(replaceSecure);
  if (value && typeof value === "object") {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, replaceSecure(v)]));
  }
  return value;
}
