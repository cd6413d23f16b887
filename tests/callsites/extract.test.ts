import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as esbuild from "esbuild";
import { extractCallSites, type CallSiteReport } from "../../callsites";
import { buildFunctionArchive } from "../../components/function-archive";

const root = path.resolve(__dirname, "../..");
const FIXTURES = "tests/callsites/fixtures";
const fixtureNames = fs.readdirSync(path.join(root, FIXTURES)).sort();
let cacheDir: string;
let reports: Map<string, CallSiteReport>;

beforeAll(() => {
  cacheDir = fs.mkdtempSync(path.join(os.tmpdir(), "callsites-cache-"));
  const functions = fixtureNames.map((name) => ({ name, source: `${FIXTURES}/${name}` }));
  reports = new Map(extractCallSites({ projectRoot: root, functions, cacheDir }).map((r) => [r.function, r]));
});

afterAll(() => fs.rmSync(cacheDir, { recursive: true, force: true }));

/** `callee@file:line:column`, the file relative to the fixture folder. */
function sites(name: string): { calls: string[]; dynamic: string[] } {
  const report = reports.get(name)!;
  const local = (file: string): string => file.replace(`${FIXTURES}/${name}/`, "");
  return {
    calls: report.callSites.map((s) => `${s.callee}@${local(s.file)}:${s.line}:${s.column}`),
    dynamic: report.dynamic.map((s) => `${s.expression}@${local(s.file)}:${s.line}:${s.column}`),
  };
}

// Each fixture is a function folder importing the real functions/shared, so the client's symbol is the real one.
test.each([
  ["const-callee", ["profiles@index.ts:7:40"], []],
  // The site is in the helper's file; its parameter type, not the one argument passed today, decides.
  ["helper-callee", ["archive@lookup.ts:12:22", "profiles@lookup.ts:12:22"], []],
  ["union-callee", ["profiles@index.ts:10:40", "search@index.ts:10:40"], []],
  ["template-callee", ["archive@index.ts:10:42", "profiles-eu@index.ts:9:42"], []],
  ["runtime-callee", [], ["target@index.ts:7:40"]],
  // Aliased class, aliased runtime accessor, destructuring, `client["call"]`; `describe.call(…)` is not one.
  ["aliased-client", ["audit@index.ts:26:23", "profiles@index.ts:25:36"], []],
  ["no-calls", [], []],
  // A cast proves nothing: the literal under `as any` is a call of it, a string cast to a literal is dynamic.
  ["cast-callee", ["archive@index.ts:10:39", "profiles@index.ts:6:39"], ['name as "search"@index.ts:8:40']],
  ["escaped-method", [], ["client.call.bind(client)@index.ts:7:10"]],
  ["env-callees", ["profiles@index.ts:5:42"], ["env.callees@index.ts:6:30"]],
  // Dropped by the bundler but present in the source (see the next test for why it counts).
  ["dead-code", ["login@helpers.ts:12:21"], []],
])("%s: calls %j, dynamic %j", (name, calls, dynamic) => {
  expect(sites(name)).toEqual({ calls, dynamic });
});

test("every fixture folder is covered by a case above", () => {
  expect(fixtureNames).toHaveLength(11);
});

/*
 * Dead code: the answer is the source's, not the bundle's. esbuild drops `notifyLogin` (nothing imports it),
 * yet its call counts, because (1) the source is what the author wrote and the reviewer reads: one new import
 * makes it live, and it would then fail at run time; (2) tree shaking is a bundler heuristic that changes with
 * minification and versions, and the grant check must not; (3) the error is the safe one: at worst a grant is
 * kept as "used", or a dead call must be declared or deleted, never a live call missed.
 */
test("dead-code: the bundle really drops the call the extraction still reports", () => {
  const bundle = esbuild.buildSync({
    entryPoints: [path.join(root, FIXTURES, "dead-code", "index.ts")],
    bundle: true,
    packages: "external",
    platform: "node",
    format: "cjs",
    write: false,
    logLevel: "silent",
  }).outputFiles[0].text;
  expect(bundle).toContain("hello ");
  expect(bundle).not.toContain("notifyLogin");
  expect(bundle).not.toContain('"login"');
});

test("inputs are the bundle's project files: the entry, its imports, the client library; no packages", () => {
  const report = reports.get("helper-callee")!;
  expect(report.inputs).toEqual([...report.inputs].sort());
  expect(report.inputs).toEqual(
    expect.arrayContaining([
      `${FIXTURES}/helper-callee/index.ts`,
      `${FIXTURES}/helper-callee/lookup.ts`,
      "functions/shared/downstream-client.ts",
      "functions/shared/index.ts",
    ]),
  );
  expect(report.inputs.filter((f) => f.includes("node_modules") || f.startsWith("/"))).toEqual([]);
  expect(report.inputs.some((f) => f.includes("const-callee"))).toBe(false);
  expect(report.inputsHash).toMatch(/^[0-9a-f]{64}$/);
});

// The archive (components/function-archive.ts) bundles with packages inlined; extraction keeps them external.
// Both must read the same project files, or the grant check would judge other code than what deploys.
test("inputs equal the project files of the archive's own esbuild metafile", () => {
  const outDir = fs.mkdtempSync(path.join(os.tmpdir(), "callsites-archive-"));
  try {
    buildFunctionArchive({ projectRoot: root, source: `${FIXTURES}/helper-callee`, outDir });
    const manifest = fs.readdirSync(outDir).find((f) => f.endsWith(".manifest.json"))!;
    const { inputs } = JSON.parse(fs.readFileSync(path.join(outDir, manifest), "utf8")) as {
      inputs: string[];
    };
    expect(reports.get("helper-callee")!.inputs).toEqual(inputs.filter((f) => !f.includes("node_modules/")));
  } finally {
    fs.rmSync(outDir, { recursive: true, force: true });
  }
});
