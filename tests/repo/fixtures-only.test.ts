import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { declarationReads } from "./declaration-reads";

// DESIGN.md invariant 12: the tool's own tests run on fixtures (tests/fixtures), never on what the user declares,
// so a user who renames, adds or removes functions keeps a passing `npm test`. tests/stack/ is the exception by
// design: the user's stack tests, generated from their declaration.
const root = path.resolve(__dirname, "../..");
const GENERATED_FROM_THE_DECLARATION = "tests/stack/";

describe("the tool's tests read no stack file of the root and no function folder but functions/shared", () => {
  const files = execFileSync(
    "git",
    ["ls-files", "--cached", "--others", "--exclude-standard", "--", "tests"],
    {
      cwd: root,
      encoding: "utf8",
    },
  )
    .split("\n")
    .filter((f) => /\.(ts|mts|cts|js|cjs|mjs)$/.test(f) && !f.startsWith(GENERATED_FROM_THE_DECLARATION))
    .filter((f) => fs.existsSync(path.join(root, f)));

  test("there are test files to check", () => {
    expect(files.length).toBeGreaterThan(50);
  });

  test("no file under tests/ (but tests/stack/) reads the user's declaration", () => {
    const reads = files.flatMap((f) =>
      declarationReads(f, fs.readFileSync(path.join(root, f), "utf8"), root).map((r) => `${r.at}: ${r.what}`),
    );
    // Each line names the place; the fix is a fixture: tests/fixtures (topologies, evaluateFixture) and
    // tests/fixtures/functions (code), or a test next to the function in functions/<name>/.
    expect(reads).toEqual([]);
  });
});

describe("what counts as reading the user's declaration", () => {
  const FILE = "tests/program/example.test.ts";
  const reads = (text: string) => declarationReads(FILE, text, root).map((r) => r.what);
  const ROOT = 'import * as path from "node:path";\nconst root = path.resolve(__dirname, "../..");\n';

  test.each([
    [
      "an import of a user's function",
      'import "../../functions/login";',
      ["imports the user's function folder functions/login"],
    ],
    [
      "a jest.mock of one",
      'jest.mock("../../functions/search/index");',
      ["imports the user's function folder functions/search"],
    ],
    [
      "a source in a config",
      'const c = { source: "functions/profiles" };',
      ["gives the user's function folder functions/profiles as a source"],
    ],
    [
      "an archive built from the root",
      `${ROOT}buildFunctionArchive({ projectRoot: root, source: \`functions/reports/\${x}\` });`,
      ["gives the user's function folder functions/reports as a source"],
    ],
    [
      "a bundle's entry point",
      'esbuild.build({ entryPoints: ["functions/login/index.ts"] });',
      ["gives the user's function folder functions/login as a source"],
    ],
    [
      "a relative read of a function's data",
      'fs.readFileSync("functions/login/users.json");',
      ["reads the user's function folder functions/login (tests run in the repository root)"],
    ],
    [
      "a stack file joined to the root",
      `${ROOT}fs.copyFileSync(path.join(root, "Pulumi.dev.yaml"), "x");`,
      ["builds a path to the user's stack file Pulumi.dev.yaml"],
    ],
    [
      "the whole functions folder",
      `${ROOT}fs.cpSync(path.join(root, "functions"), "x");`,
      ["builds a path to every function folder (functions/)"],
    ],
    [
      "a function folder joined to the root",
      `${ROOT}path.join(root, "functions", "login");`,
      ["builds a path to the user's function folder functions/login"],
    ],
    [
      "a stack file read from the working folder",
      'fs.readFileSync("Pulumi.prod.yaml", "utf8");',
      ["reads the user's stack file Pulumi.prod.yaml (tests run in the repository root)"],
    ],
    [
      "evaluate()",
      "await evaluate();",
      ["evaluate without `stack` or `programDir`: the engine reads the root's Pulumi.dev.yaml"],
    ],
    [
      "evaluate with a config only",
      "await evaluate({ config });",
      ["evaluate without `stack` or `programDir`: the engine reads the root's Pulumi.dev.yaml"],
    ],
    [
      "a declared function without a source",
      'const config = { "callgraph:functions": { login: { calls: ["profiles"] }, profiles: { source: "src/p" } } };',
      ["declares login without a source: its code is the user's functions/<name>"],
    ],
    [
      "a local stack on the default stack",
      "await startLocalStack({ stateFile });",
      ["startLocalStack without `stack` or `programDir`: the engine reads the root's Pulumi.dev.yaml"],
    ],
    [
      "readStackConfig of an imported root",
      'import { REPO_ROOT } from "../fixtures";\nreadStackConfig(REPO_ROOT, "dev");',
      ["reads the stack files of the repository root (readStackConfig)"],
    ],
    [
      "the generated stack tests of the root",
      'stackTests();\nstackTests({ stacks: ["dev"] });',
      [
        "stackTests without `root`: it verifies every stack file of the repository root",
        "stackTests without `root`: it verifies every stack file of the repository root",
      ],
    ],
    [
      "the generated callee types of the root",
      'const root = path.resolve(__dirname, "../..");\nstaleCalleeTypesIn(root);',
      ["reads the stack files of the repository root (staleCalleeTypesIn)"],
    ],
  ])("%s is refused", (_label, text, expected) => {
    expect(reads(text)).toEqual(expected);
  });

  test.each([
    [
      "the tool's library",
      'import { secured } from "../../functions/shared";\nconst s = "functions/shared/env.ts";',
    ],
    ["a fixture function", 'const c = { source: "tests/fixtures/functions/alpha" };'],
    ["an expected value", 'expect(spec).toEqual({ source: "functions/profiles" });'],
    [
      "a folder of a temporary project",
      'const dir = fs.mkdtempSync("x");\npath.join(dir, "functions", "caller");',
    ],
    ["the library joined to the root", `${ROOT}path.join(root, "functions", "shared");`],
    ["a name from a variable", "const s = `functions/${name}`;"],
    ["the generated stack tests of another project", 'stackTests({ root: dir, stacks: ["dev"] });'],
    ["the project file", `${ROOT}fs.readFileSync(path.join(root, "Pulumi.yaml"));`],
    [
      "evaluate of a named stack, a program or spread options",
      'evaluate({ stack: "fixture", config });\nevaluate({ programDir: dir });\nevaluate({ ...options });',
    ],
    ["a GCP resource name", "const n = `projects/${p}/locations/${r}/functions/profiles`;"],
  ])("%s is fine", (_label, text) => {
    expect(reads(text)).toEqual([]);
  });

  test("each place is named by file, line and column", () => {
    expect(declarationReads(FILE, '\n  import "../../functions/login";', root)).toEqual([
      { at: `${FILE}:2:3`, what: "imports the user's function folder functions/login" },
    ]);
  });
});
