import * as path from "node:path";
import * as ts from "typescript";
import { CALLEE_TYPES_FILE, extractCallSites, renderCalleeTypes } from "../../callsites";
import {
  calleeTypesOf,
  SharedSourceError,
  staleCalleeTypesIn,
  writeCalleeTypes,
} from "../../engine/callee-types";
import { TopologyError } from "../../topology";
import { removeProject, tempProject, writeFile } from "../callsites/support/temp-project";

const REPO_ROOT = path.resolve(__dirname, "../..");

describe("generating from the stack files", () => {
  let root: string;
  beforeEach(() => {
    root = tempProject({ "Pulumi.yaml": "name: fixture\nruntime: nodejs\n" });
    for (const name of ["a", "b", "c"]) writeFile(root, `functions/${name}/index.ts`, "export {};\n");
  });
  afterEach(() => removeProject(root));

  test("a function's callees are those declared in every stack; a stale file is written, then current", async () => {
    writeFile(
      root,
      "Pulumi.dev.yaml",
      "config:\n  callgraph:functions:\n    a: { calls: [b, c] }\n    b: {}\n    c: {}\n",
    );
    writeFile(
      root,
      "Pulumi.prod.yaml",
      "config:\n  callgraph:functions:\n    a: { calls: [b] }\n    b: {}\n",
    );
    const functions = await calleeTypesOf(root);
    expect(functions).toEqual([
      { name: "a", source: "functions/a", callsByStack: { dev: ["b", "c"], prod: ["b"] } },
      { name: "b", source: "functions/b", callsByStack: { dev: [], prod: [] } },
      { name: "c", source: "functions/c", callsByStack: { dev: [] } },
    ]);
    expect(await writeCalleeTypes(root)).toEqual(
      ["a", "b", "c"].map((n) => `functions/${n}/${CALLEE_TYPES_FILE}`),
    );
    expect(renderCalleeTypes(functions[0])).toContain('export type Callee = "b";');
    expect(await staleCalleeTypesIn(root)).toEqual([]);
    expect(await writeCalleeTypes(root)).toEqual([]);
  });

  test("an invalid declaration names its stack file; a folder deployed under two names is refused", async () => {
    writeFile(root, "Pulumi.dev.yaml", "config:\n  callgraph:functions:\n    a: { calls: [x] }\n");
    await expect(calleeTypesOf(root)).rejects.toThrow(TopologyError);
    await expect(calleeTypesOf(root)).rejects.toThrow(
      /Pulumi\.dev\.yaml:\d+:\d+: functions\.a\.calls\[0\]: unknown function "x"/,
    );
    writeFile(
      root,
      "Pulumi.dev.yaml",
      "config:\n  callgraph:functions:\n    a: { source: functions/x }\n    b: { source: functions/x }\n",
    );
    await expect(calleeTypesOf(root)).rejects.toThrow(/functions\.a\.source: .*functions\/x/);
    writeFile(root, "functions/x/index.ts", "export {};\n");
    await expect(calleeTypesOf(root)).rejects.toThrow(SharedSourceError);
    await expect(calleeTypesOf(root)).rejects.toThrow(
      /functions\.a and functions\.b both deploy functions\/x \(Pulumi\.dev\.yaml\)/,
    );
  });
});

/**
 * Compiles one handler against the real functions/shared with the TypeScript API: the editor's check. Only the
 * handler's own diagnostics are returned. Packages are read as empty modules (their types only widen values
 * to `any`; the client and its callee type are project code), which keeps this at ~1 s instead of ~25 s.
 */
function diagnosticsOf(handler: string): string[] {
  const file = path.join(REPO_ROOT, "functions", "__callee_types_probe__", "index.ts");
  const options: ts.CompilerOptions = {
    ...ts.parseJsonConfigFileContent(
      ts.readConfigFile(path.join(REPO_ROOT, "tsconfig.json"), ts.sys.readFile).config,
      ts.sys,
      REPO_ROOT,
    ).options,
    noEmit: true,
    skipLibCheck: true,
    types: [],
  };
  const host = ts.createCompilerHost(options);
  const read = host.getSourceFile.bind(host);
  const libraries = path.dirname(host.getDefaultLibFileName(options));
  host.getSourceFile = (name, version, ...rest) => {
    if (path.resolve(name) === file) return ts.createSourceFile(name, handler, version);
    if (name.includes("/node_modules/") && path.dirname(path.resolve(name)) !== libraries)
      return ts.createSourceFile(name, "export {};", version);
    return read(name, version, ...rest);
  };
  const fileExists = host.fileExists.bind(host);
  host.fileExists = (name) => path.resolve(name) === file || fileExists(name);
  const program = ts.createProgram({ rootNames: [file], options, host });
  return ts
    .getPreEmitDiagnostics(program, program.getSourceFile(file))
    .map((d) => ts.flattenDiagnosticMessageText(d.messageText, "\n"));
}

function handlerCalling(callee: string): string {
  return [
    `import { secured } from "../shared";`,
    `type Callee = "profiles";`,
    `export const probe = secured<Callee>(async (_req, res, { downstream }) => {`,
    `  await downstream.call(${JSON.stringify(callee)}, { method: "GET" });`,
    `  res.status(204).end();`,
    `});`,
  ].join("\n");
}

test("with secured<Callee>, calling a declared callee compiles and an undeclared one is a type error", () => {
  expect(diagnosticsOf(handlerCalling("profiles"))).toEqual([]);
  expect(diagnosticsOf(handlerCalling("login"))).toEqual([
    `Argument of type '"login"' is not assignable to parameter of type '"profiles"'.`,
  ]);
});

test("extraction finds calls made through the generic client", () => {
  const root = tempProject({ "functions/probe/index.ts": handlerCalling("profiles") });
  try {
    const [report] = extractCallSites({
      projectRoot: root,
      functions: [{ name: "probe", source: "functions/probe" }],
      cacheDir: path.join(root, ".cache"),
    });
    expect(report.callSites.map((s) => `${s.callee}@${s.file}:${s.line}`)).toEqual([
      "profiles@functions/probe/index.ts:4",
    ]);
    expect(report.dynamic).toEqual([]);
  } finally {
    removeProject(root);
  }
});
