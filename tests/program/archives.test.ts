import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { buildArchives, buildFunctionArchive } from "../../components";
import { EvaluationError } from "../../engine";
import { evaluateFixture } from "../fixtures";
import { parseTopology, TopologyError } from "../../topology";

const root = path.resolve(__dirname, "../..");
const FIXTURES = "tests/program/function-fixtures";
const fixture = (name: string) => `${FIXTURES}/${name}`;

/**
 * `run` given buildFunctionArchive from a fresh module registry, as a later process would have it (only the disk is
 * shared), and how many times it called esbuild's build.
 */
function inLaterProcess(run: (build: typeof buildFunctionArchive) => void): number {
  const real = jest.requireActual<typeof import("esbuild")>("esbuild");
  const bundling = jest.fn(real.buildSync);
  jest.doMock("esbuild", () => ({ ...real, buildSync: bundling }));
  try {
    jest.isolateModules(() =>
      run(
        (require("../../components/function-archive") as typeof import("../../components/function-archive"))
          .buildFunctionArchive,
      ),
    );
  } finally {
    jest.dontMock("esbuild");
  }
  return bundling.mock.calls.length;
}

describe("each bundle must export its entry point, checked when the archives are built", () => {
  let outDir: string;
  beforeAll(() => {
    outDir = fs.mkdtempSync(path.join(os.tmpdir(), "cg-archives-"));
  });
  afterAll(() => fs.rmSync(outDir, { recursive: true, force: true }));

  const build = (functions: Record<string, unknown>) => buildArchives(parseTopology(functions), root, outDir);
  const problems = (functions: Record<string, unknown>): string[] => {
    try {
      build(functions);
    } catch (error) {
      expect(error).toBeInstanceOf(TopologyError);
      return (error as TopologyError).issues.map((i) => `${i.path}: ${i.message}`);
    }
    throw new Error("expected the archives to be refused");
  };

  test("esbuild's ESM metafile lists the entry's exports, sorted, re-exports followed", () => {
    expect(buildFunctionArchive({ projectRoot: root, source: fixture("reports"), outDir }).exports).toEqual([
      "reports",
      "summary",
    ]);
    expect(buildFunctionArchive({ projectRoot: root, source: fixture("reexports"), outDir }).exports).toEqual(
      ["handle"],
    );
  });

  test.each([
    [
      "an entry point the bundle does not export",
      { reports: { source: fixture("reports"), entryPoint: "report" } },
      [
        `functions.reports.entryPoint: the bundle of ${fixture("reports")} exports no "report" (it exports: reports, summary)`,
      ],
    ],
    [
      "the default entry point (the function's name) when the code exports another",
      { handler: { source: fixture("reexports") } },
      [
        `functions.handler.entryPoint: the bundle of ${fixture("reexports")} exports no "handler" (it exports: handle)`,
      ],
    ],
  ])("refuses %s", (_label, functions, expected) => {
    expect(problems(functions)).toEqual(expected);
  });

  test.each([
    ["a direct export", { reports: { source: fixture("reports") } }],
    ["a re-exported entry point", { handle: { source: fixture("reexports") } }],
    // CommonJS exports are only known by running the module: not checked, not refused.
    ["a CommonJS entry", { handler: { source: fixture("commonjs") } }],
  ])("accepts %s", (_label, functions) => {
    expect(Object.keys(build(functions))).toEqual(Object.keys(functions));
  });

  test("a later process reads the exports back from the disk cache, without bundling again", () => {
    const options = { projectRoot: root, source: fixture("reports"), outDir };
    const first = buildFunctionArchive(options);
    expect(inLaterProcess((build) => expect(build(options)).toEqual(first))).toBe(0);
  });

  test("checkouts sharing the build folder each find their own version of a function, without bundling again", () => {
    // As `callgraph diff` shares the checkout's folder with the worktrees of the revisions it evaluates.
    const shared = fs.mkdtempSync(path.join(os.tmpdir(), "cg-shared-build-"));
    const checkout = (answer: string) => {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), "cg-checkout-"));
      fs.mkdirSync(path.join(dir, "fn"));
      fs.writeFileSync(path.join(dir, "fn", "index.ts"), `export const hello = () => "${answer}";\n`);
      return dir;
    };
    const [base, head, again] = [checkout("base"), checkout("head"), checkout("base")];
    const build = (impl: typeof buildFunctionArchive, projectRoot: string) =>
      impl({ projectRoot, source: "fn", outDir: shared });
    try {
      const built = { base: build(buildFunctionArchive, base), head: build(buildFunctionArchive, head) };
      expect(built.base.sha256).not.toBe(built.head.sha256);
      const bundled = inLaterProcess((fresh) => {
        // The base's build is still found after the head's, and by a third checkout of the base's code.
        expect(build(fresh, base)).toEqual(built.base);
        expect(build(fresh, head)).toEqual(built.head);
        expect(build(fresh, again).sha256).toBe(built.base.sha256);
      });
      expect(bundled).toBe(0);
      // Four builds of a folder are remembered, not every one ever made.
      for (const answer of ["c", "d", "e", "f"]) {
        fs.writeFileSync(path.join(head, "fn", "index.ts"), `export const hello = () => "${answer}";\n`);
        build(buildFunctionArchive, head);
      }
      const [manifest] = fs.readdirSync(shared).filter((f) => f.endsWith(".manifest.json"));
      const file = JSON.parse(fs.readFileSync(path.join(shared, manifest!), "utf8")) as {
        previous: unknown[];
      };
      expect(file.previous).toHaveLength(3);
    } finally {
      for (const dir of [shared, base, head, again]) fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test.each([
    ["not JSON", "{ not json"],
    ["JSON of another kind", "5"],
    ["builds that are not builds", JSON.stringify({ previous: [null, 5, "x", { sha256: "../../etc" }] })],
    ["a list that is not a list", JSON.stringify({ sha256: 7, inputs: "x", previous: 5 })],
  ])("a manifest that is %s is a cache miss: the archive is built again, never a crash", (_label, text) => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "cg-hostile-manifest-"));
    try {
      const options = { projectRoot: root, source: fixture("reports"), outDir: dir };
      const first = buildFunctionArchive(options);
      const [manifest] = fs.readdirSync(dir).filter((f) => f.endsWith(".manifest.json"));
      fs.writeFileSync(path.join(dir, manifest!), text);
      // Bundled again (the build, and the second build that lists the entry's exports).
      expect(inLaterProcess((build) => expect(build(options)).toEqual(first))).toBe(2);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test("every archive problem of every function is reported at once, with file, line and column", () => {
    fs.mkdirSync(path.join(root, ".callgraph"), { recursive: true });
    const broken = fs.mkdtempSync(path.join(root, ".callgraph", "broken-"));
    const empty = fs.mkdtempSync(path.join(root, ".callgraph", "empty-"));
    try {
      fs.writeFileSync(path.join(broken, "index.ts"), "export const broken = (;\n");
      const source = (dir: string) => path.relative(root, dir).split(path.sep).join("/");
      expect(
        problems({
          reports: { source: fixture("reports"), entryPoint: "report" },
          broken: { source: source(broken) },
          empty: { source: source(empty) },
          handle: { source: fixture("reexports") },
        }),
      ).toEqual([
        `functions.broken.source: ${source(broken)}: esbuild could not bundle it: ${source(broken)}/index.ts:1:23: Unexpected ";"`,
        `functions.empty.source: ${source(empty)}: no index.ts or index.js to bundle in ${empty}`,
        `functions.reports.entryPoint: the bundle of ${fixture("reports")} exports no "report" (it exports: reports, summary)`,
      ]);
    } finally {
      fs.rmSync(broken, { recursive: true, force: true });
      fs.rmSync(empty, { recursive: true, force: true });
    }
  });

  test("each esbuild target is its own build: the cache never hands back another target's bundle", () => {
    const manifests = () => fs.readdirSync(outDir).filter((f) => f.endsWith(".manifest.json")).length;
    const before = manifests();
    const options = { projectRoot: root, source: fixture("reexports"), outDir };
    buildFunctionArchive({ ...options, target: "node24" });
    buildFunctionArchive({ ...options, target: "node20" });
    expect(manifests()).toBe(before + 2);
  });
});

describe("the program checks entry points before registering anything", () => {
  test.each([false, true])("preview: %s", async (preview) => {
    const error = await evaluateFixture({
      preview,
      config: {
        "gcp:project": "callgraph-dev",
        "gcp:region": "us-central1",
        "callgraph:functions": {
          reports: { source: fixture("reports"), entryPoint: "report" },
          handler: { source: fixture("reexports") },
        },
      },
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(EvaluationError);
    expect((error as EvaluationError).resources).toEqual([]);
    expect((error as EvaluationError).message.split("\n")).toEqual([
      "Invalid call graph in stack config (callgraph:functions), 2 problems:",
      `  functions.handler.entryPoint: the bundle of ${fixture("reexports")} exports no "handler" (it exports: handle)`,
      `  functions.reports.entryPoint: the bundle of ${fixture("reports")} exports no "report" (it exports: reports, summary)`,
    ]);
  });
});
