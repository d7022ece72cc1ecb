import { readdirSync, readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { policies } from "../../policies/all.ts";

const dir = "policies";
const camel = (kebab: string) => kebab.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());

/** Every TypeScript file under `folder`, as paths relative to it. */
const tsFiles = (folder: string) =>
  readdirSync(folder, { recursive: true, encoding: "utf8" }).filter((f) => f.endsWith(".ts"));
/** The rules: `policies/rules/<area>/<policy>.ts`, one policy each. */
const ruleFiles = tsFiles(`${dir}/rules`).map((f) => `${dir}/rules/${f}`);
/** Files that define a policy: they export an object with a `name:` and a validate function. */
const definesPolicy = (file: string) =>
  /validate(Stack|Resource):/.test(readFileSync(file, "utf8"));

describe("the policy pack", () => {
  it("has the policies the issue lists, exactly", () => {
    expect(policies.map((p) => p.name).sort()).toEqual(
      [
        "spendflo-read-only",
        // The same rule per resource, so that `pulumi up` stops a grant before it exists.
        "spendflo-read-only-resource",
        "budget-bucket-encrypted",
        "budget-bucket-versioned",
        "budget-bucket-public-access-blocked",
        "budget-bucket-tls-only",
        "budget-bucket-lifecycle",
        "budget-bucket-no-public-grants",
        "spendflo-scoped",
        "exporter-timeout",
        "audit-data-events",
        "spendflo-prefer-role",
        // The hosted issue's policy, built on the same analysis.
        "hosted-customer-isolation",
      ].sort(),
    );
  });

  it("has every rule file in the pack array, one policy per file named after it", () => {
    const byName = new Map(ruleFiles.map((f) => [f.split("/").pop()!, f]));
    expect([...byName.keys()].sort()).toEqual(policies.map((p) => `${camel(p.name)}.ts`).sort());
    expect(ruleFiles.length).toBe(byName.size);
    // No policy is defined outside policies/rules/.
    const elsewhere = tsFiles(dir).map((f) => `${dir}/${f}`);
    expect(elsewhere.filter((f) => !f.startsWith(`${dir}/rules/`) && definesPolicy(f))).toEqual([]);
    for (const p of policies) {
      const src = readFileSync(byName.get(`${camel(p.name)}.ts`)!, "utf8");
      expect(src.match(/\bname: "/g), p.name).toHaveLength(1);
      expect(src).toContain(`name: "${p.name}"`);
    }
  });

  it.each(policies.map((p) => [p.name, p] as const))(
    "%s: kebab-case name, full-sentence description, a level",
    (name, p) => {
      expect(name).toMatch(/^[a-z0-9]+(-[a-z0-9]+)*$/);
      expect(p.description).toMatch(/^Checks that .{20,}[^.]\.$/);
      expect(["mandatory", "advisory"]).toContain(p.enforcementLevel);
      expect(Object.keys(p.configSchema?.properties ?? {})).not.toContain("enforcementLevel");
    },
  );

  it("index.ts constructs the PolicyPack and does nothing else; all.ts constructs none", () => {
    const index = readFileSync(`${dir}/index.ts`, "utf8")
      .replace(/^\/\/.*$/gm, "")
      .trim();
    expect(index).toBe(
      'import { PolicyPack } from "@pulumi/policy";\nimport { PACK_NAME, policies } from "./all.ts";\n\nnew PolicyPack(PACK_NAME, { policies, enforcementLevel: "mandatory" });',
    );
    for (const f of tsFiles(dir).filter((x) => x !== "index.ts")) {
      expect(readFileSync(`${dir}/${f}`, "utf8"), f).not.toMatch(
        /new PolicyPack\(|from "\.\/index(\.ts)?"/,
      );
    }
  });

  it("the analysis never imports the AGPL iam-simulate/iam-expand/iam-policy packages", () => {
    for (const d of ["lib", "policies"]) {
      for (const f of tsFiles(d)) {
        expect(readFileSync(`${d}/${f}`, "utf8"), `${d}/${f}`).not.toMatch(
          /@cloud-copilot\/iam-(simulate|expand|policy)/,
        );
      }
    }
  });
});
