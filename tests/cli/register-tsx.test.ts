import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

/**
 * bin/register-tsx.js, the CLI's loader: tsx for TypeScript, Node's own loader for the JavaScript packages under
 * node_modules (half a second off every command's start). In a child process, since jest's module registry does not
 * go through Node's loader. A module tells which loader ran it by `process.sourceMapsEnabled` while it runs: tsx
 * turns source maps on, and they are off only while a dependency is handed to Node.
 */
const REGISTER = path.resolve(__dirname, "../../bin/register-tsx.js");

let project: string;

function write(file: string, text: string): void {
  fs.mkdirSync(path.dirname(path.join(project, file)), { recursive: true });
  fs.writeFileSync(path.join(project, file), text);
}

beforeAll(() => {
  project = fs.mkdtempSync(path.join(os.tmpdir(), "callgraph-register-tsx-"));
  const reports = "exports.sourceMaps = process.sourceMapsEnabled;\n";
  write("node_modules/plain/package.json", JSON.stringify({ name: "plain", main: "lib" }));
  // Extensionless and folder requests, resolved by Node's own resolver.
  write("node_modules/plain/lib/index.js", `${reports}exports.helper = require("./helper").name;\n`);
  write("node_modules/plain/lib/helper.js", 'exports.name = "helper";\n');
  write("node_modules/declared/package.json", JSON.stringify({ name: "declared", type: "commonjs" }));
  write("node_modules/declared/index.js", reports);
  write("node_modules/esm-syntax/package.json", JSON.stringify({ name: "esm-syntax" }));
  write("node_modules/esm-syntax/index.js", "export const sourceMaps = process.sourceMapsEnabled;\n");
  write("node_modules/esm-only/package.json", JSON.stringify({ name: "esm-only", type: "module" }));
  write("node_modules/esm-only/index.js", "export const sourceMaps = process.sourceMapsEnabled;\n");
  // `.cjs` files in an ES module scope, as zod ships them.
  write(
    "node_modules/cjs-in-esm/package.json",
    JSON.stringify({ name: "cjs-in-esm", type: "module", main: "index.cjs" }),
  );
  write("node_modules/cjs-in-esm/index.cjs", reports);
  // An ES module graph Node refuses as it links it (JSON imported with no attribute), which tsx loads.
  write("node_modules/json-import/package.json", JSON.stringify({ name: "json-import", type: "module" }));
  write(
    "node_modules/json-import/index.js",
    'import data from "./data.json";\nglobalThis.jsonImportRuns = (globalThis.jsonImportRuns ?? 0) + 1;\nexport const sourceMaps = process.sourceMapsEnabled;\nexport const name = data.name;\n',
  );
  write("node_modules/json-import/data.json", JSON.stringify({ name: "from json" }));
  // Another Node refuses: a relative import without its extension, as tsx's CommonJS build resolves it.
  write("node_modules/extensionless/package.json", JSON.stringify({ name: "extensionless", type: "module" }));
  write(
    "node_modules/extensionless/index.js",
    'export { value } from "./helper";\nexport const sourceMaps = process.sourceMapsEnabled;\n',
  );
  write("node_modules/extensionless/helper.js", 'export const value = "resolved";\n');
  // An ES module that throws as it runs: the error reaches the caller once, and the module ran once.
  write("node_modules/esm-throws/package.json", JSON.stringify({ name: "esm-throws", type: "module" }));
  write(
    "node_modules/esm-throws/index.js",
    'globalThis.esmThrowsRuns = (globalThis.esmThrowsRuns ?? 0) + 1;\nthrow new Error("esm-throws failed");\n',
  );
  write(
    "node_modules/typescript-dep/package.json",
    JSON.stringify({ name: "typescript-dep", main: "index.ts" }),
  );
  write(
    "node_modules/typescript-dep/index.ts",
    "export const sourceMaps: boolean = process.sourceMapsEnabled;\n",
  );
  write("local/helper.js", reports);
  // A dependency that loads a TypeScript file of the project while it loads (as a framework loads a handler).
  write("node_modules/loads-project/package.json", JSON.stringify({ name: "loads-project" }));
  write("node_modules/loads-project/index.js", 'exports.typed = require("../../typed.ts");\n');
  write(
    "typed.ts",
    [
      "type Line = string | undefined;",
      "export const sourceMaps: boolean = process.sourceMapsEnabled;",
      "export const line: Line = /typed\\.ts:(\\d+)/.exec(new Error().stack ?? '')?.[1];",
      "",
    ].join("\n"),
  );
  write(
    "main.ts",
    [
      "interface Report {",
      "  readonly [name: string]: unknown;",
      "}",
      "const report: Report = {",
      '  plain: require("plain"),',
      '  declared: require("declared"),',
      '  esmSyntax: { ...require("esm-syntax") },',
      '  esmOnly: { ...require("esm-only") },',
      '  cjsInEsm: require("cjs-in-esm"),',
      '  jsonImport: { ...require("json-import"), runs: (globalThis as any).jsonImportRuns },',
      '  extensionless: { ...require("extensionless") },',
      '  esmThrows: (() => { try { require("esm-throws"); return "loaded"; } catch (e) { return `${(e as Error).message}, ran ${(globalThis as any).esmThrowsRuns}`; } })(),',
      '  typescriptDep: { ...require("typescript-dep") },',
      '  local: require("./local/helper"),',
      '  loadsProject: { ...require("loads-project").typed },',
      "  after: process.sourceMapsEnabled,",
      "};",
      "const stack = new Error().stack ?? '';",
      "console.log(JSON.stringify({ ...report, line: /main\\.ts:(\\d+)/.exec(stack)?.[1] }));",
      "",
    ].join("\n"),
  );
});

afterAll(() => fs.rmSync(project, { recursive: true, force: true }));

test("JavaScript dependencies run under Node's own loader; TypeScript, graphs Node refuses and the project's own files under tsx", () => {
  const out = execFileSync(process.execPath, ["--require", REGISTER, path.join(project, "main.ts")], {
    cwd: project,
    encoding: "utf8",
  });
  // Asked of Node itself: jest's sandboxed `process` does not carry `features` through.
  const requiresEsm = execFileSync(process.execPath, ["-p", "process.features.require_module"], {
    encoding: "utf8",
  });
  const expected =
    requiresEsm.trim() === "true"
      ? { plain: false, declared: false, esmSyntax: false, esmOnly: false, cjsInEsm: false }
      : { plain: true, declared: true, esmSyntax: true, esmOnly: true, cjsInEsm: true }; // no require(esm) in this Node: tsx keeps everything
  expect(JSON.parse(out)).toEqual({
    plain: { sourceMaps: expected.plain, helper: "helper" },
    declared: { sourceMaps: expected.declared },
    esmSyntax: { sourceMaps: expected.esmSyntax },
    esmOnly: { sourceMaps: expected.esmOnly },
    cjsInEsm: { sourceMaps: expected.cjsInEsm },
    // Refused by Node before it ran, then loaded by tsx: once.
    jsonImport: { sourceMaps: true, name: "from json", runs: 1 },
    extensionless: { sourceMaps: true, value: "resolved" },
    esmThrows: "esm-throws failed, ran 1",
    typescriptDep: { sourceMaps: true },
    local: { sourceMaps: true },
    // Its map was read though a dependency loaded it: the stack trace names the TypeScript line.
    loadsProject: { sourceMaps: true, line: "3" },
    // Restored once the dependencies are in, so the program's own stack traces name their TypeScript lines.
    after: true,
    line: "18",
  });
}, 60_000);

test("a second copy of the loader (the package's and the repository's, say) installs nothing more", () => {
  // Dropped from the require cache, the file runs again, as another copy of it would.
  const again = [
    'const M = require("node:module");',
    'const js = M._extensions[".js"], ts = M._extensions[".ts"];',
    "delete require.cache[process.argv[1]];",
    "require(process.argv[1]);",
    'console.log(M._extensions[".js"] === js && M._extensions[".ts"] === ts);',
  ].join(" ");
  const out = execFileSync(process.execPath, ["--require", REGISTER, "-e", again, REGISTER], {
    cwd: project,
    encoding: "utf8",
  });
  expect(out.trim()).toBe("true");
}, 60_000);
