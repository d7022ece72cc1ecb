// What the published pack declares (policies/package.json) against what its bundle requires. The
// pack is started, after `npm pack` and `npm install` in an empty folder, by `npm run test:pack`.
import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { bundlePack, packageOf } from "../../policies/bundle.ts";
import { REPO } from "../helpers/cli.ts";

const read = (file: string) =>
  JSON.parse(readFileSync(path.join(REPO, file), "utf8")) as {
    dependencies: Record<string, string>;
    files?: string[];
  };

describe("the published pack's manifest", () => {
  it("declares every package its bundle requires, and @pulumi/pulumi for the CLI's run-policy-pack, at the repository's versions", async () => {
    const required = await bundlePack({ write: false });
    expect(required).toContain("@pulumi/policy");
    const pack = read("policies/package.json");
    const root = read("package.json");
    for (const name of [...required, "@pulumi/pulumi"]) {
      expect(pack.dependencies[name], name).toBeDefined();
      expect(pack.dependencies[name], name).toBe(root.dependencies[name]);
    }
    expect(Object.keys(pack.dependencies).sort()).toEqual([...required, "@pulumi/pulumi"].sort());
  });

  it("pins @pulumi/policy exactly: the conformance tests drive its internal, untyped analyzer functions", () => {
    expect(read("package.json").dependencies["@pulumi/policy"]).toMatch(/^\d+\.\d+\.\d+$/);
  });

  it("ships the bundle and the entry, never the sources", () => {
    expect(read("policies/package.json").files).toEqual(
      expect.arrayContaining(["pack.cjs", "pack.bundle.cjs", "PulumiPolicy.yaml"]),
    );
    expect(read("policies/package.json").files!.some((f) => f.endsWith(".ts"))).toBe(false);
  });

  it("names a scoped package by its scope and name", () => {
    expect(packageOf("@pulumi/pulumi/cmd/run")).toBe("@pulumi/pulumi");
    expect(packageOf("zod/v4")).toBe("zod");
  });
});
