// @ts-check
import js from "@eslint/js";
import importX from "eslint-plugin-import-x";
import tseslint from "typescript-eslint";

/**
 * The layers and which way they import: `cli -> stacks -> components -> lib`,
 * `policies -> lib`, `cli -> policies`; `lib` imports nothing of ours. Each entry forbids a
 * layer the imports of the files it names (import specifiers, relative as we write them).
 */
const LAYERS = [
  { files: ["lib/**/*.ts"], forbidden: ["components", "stacks", "policies", "cli"] },
  { files: ["components/**/*.ts"], forbidden: ["stacks", "policies", "cli"] },
  { files: ["stacks/**/*.ts"], forbidden: ["policies", "cli"] },
  { files: ["policies/**/*.ts"], forbidden: ["components", "stacks", "cli"] },
  // Inside the command line, the commands are the top: the engines under them never import one.
  {
    files: ["cli/{plan,files,aws,http,review}/**/*.ts"],
    forbidden: ["commands"],
    name: "cli/plan, files, aws, http and review",
  },
];

export default tseslint.config(
  { ignores: ["node_modules/", "coverage/", ".tmp/", ".build/", "bench/out/"] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { process: "readonly", console: "readonly" } },
    rules: {
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_" }],
    },
  },
  // No import cycle among our modules (type-only imports included: they tie modules as much).
  {
    files: ["**/*.ts"],
    plugins: { "import-x": importX },
    settings: {
      "import-x/parsers": { "@typescript-eslint/parser": [".ts"] },
      "import-x/resolver": { node: { extensions: [".ts", ".js"] } },
    },
    rules: { "import-x/no-cycle": ["error", { ignoreExternal: true }] },
  },
  ...LAYERS.map(({ files, forbidden, name = `${files[0].split("/")[0]}/` }) => ({
    files,
    rules: {
      "no-restricted-imports": [
        "error",
        {
          patterns: forbidden.map((layer) => ({
            group: [`**/${layer}/*`, `**/${layer}/**`],
            message: `${name} may not import ${layer}/: our layers import one way (cli/commands -> cli/<engines> -> stacks -> components -> lib, policies -> lib, cli -> policies)`,
          })),
        },
      ],
    },
  })),
);
