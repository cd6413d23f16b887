import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import type * as Archives from "../../components/archives";
import type * as FunctionArchives from "../../components/function-archive";
import { parseTopology, type Topology, type TopologyError } from "../../topology";

// `buildArchives` builds (or checks the cached copy of) each source folder and target once per call, however
// many functions share it: every function still gets its archive, and its own entry point checked.

const root = path.resolve(__dirname, "../..");
const REPORTS = "tests/program/function-fixtures/reports"; // exports `reports` and `summary`

let outDir: string;
beforeAll(() => {
  outDir = fs.mkdtempSync(path.join(os.tmpdir(), "cg-shared-archives-"));
});
afterAll(() => fs.rmSync(outDir, { recursive: true, force: true }));

/** The problems a refusal lists. The error comes from the isolated registry's own copy of TopologyError. */
function problemsOf(error: unknown): string[] {
  expect((error as Error).name).toBe("TopologyError");
  return (error as TopologyError).issues.map((i) => `${i.path}: ${i.message}`);
}

/** `buildArchives` over a fresh module registry whose `buildFunctionArchive` counts its calls. */
function withCountedBuilds(run: (buildArchives: typeof Archives.buildArchives) => void): jest.Mock {
  const real = jest.requireActual<typeof FunctionArchives>("../../components/function-archive");
  const builds = jest.fn(real.buildFunctionArchive);
  jest.isolateModules(() => {
    jest.doMock("../../components/function-archive", () => ({ ...real, buildFunctionArchive: builds }));
    run((require("../../components/archives") as typeof Archives).buildArchives);
  });
  jest.dontMock("../../components/function-archive");
  return builds;
}

const topology = (functions: Record<string, unknown>): Topology =>
  parseTopology(functions, { defaultGeneration: 2 });

test("functions sharing a source folder and runtime share one archive, built or checked once", () => {
  let archives: Record<string, FunctionArchives.FunctionArchive> = {};
  const builds = withCountedBuilds((buildArchives) => {
    archives = buildArchives(
      topology({
        reports: { source: REPORTS },
        summary: { source: REPORTS },
        digest: { source: REPORTS, entryPoint: "summary" },
        weekly: { source: REPORTS, entryPoint: "reports", runtime: "nodejs24" },
      }),
      root,
      outDir,
    );
  });
  expect(Object.keys(archives).sort()).toEqual(["digest", "reports", "summary", "weekly"]);
  expect(archives.summary).toEqual(archives.reports);
  expect(archives.digest).toEqual(archives.reports);
  // Another target is another bundle: one build per (folder, target).
  expect(builds.mock.calls.map(([options]) => options.target).sort()).toEqual(["node22", "node24"]);
});

test("each function sharing an archive still has its own entry point checked", () => {
  let problems: string[] = [];
  withCountedBuilds((buildArchives) => {
    try {
      buildArchives(
        topology({
          reports: { source: REPORTS },
          report: { source: REPORTS },
          other: { source: REPORTS, entryPoint: "missing" },
        }),
        root,
        outDir,
      );
    } catch (error) {
      problems = problemsOf(error);
    }
  });
  expect(problems).toEqual([
    `functions.other.entryPoint: the bundle of ${REPORTS} exports no "missing" (it exports: reports, summary)`,
    `functions.report.entryPoint: the bundle of ${REPORTS} exports no "report" (it exports: reports, summary)`,
  ]);
});

test("a shared source folder that cannot be bundled is reported for every function that uses it, tried once", () => {
  fs.mkdirSync(path.join(root, ".callgraph"), { recursive: true });
  const empty = fs.mkdtempSync(path.join(root, ".callgraph", "empty-"));
  const source = path.relative(root, empty).split(path.sep).join("/");
  let problems: string[] = [];
  try {
    const builds = withCountedBuilds((buildArchives) => {
      try {
        buildArchives(topology({ a: { source }, b: { source } }), root, outDir);
      } catch (error) {
        problems = problemsOf(error);
      }
    });
    expect(builds).toHaveBeenCalledTimes(1);
  } finally {
    fs.rmSync(empty, { recursive: true, force: true });
  }
  expect(problems).toEqual([
    `functions.a.source: ${source}: no index.ts or index.js to bundle in ${empty}`,
    `functions.b.source: ${source}: no index.ts or index.js to bundle in ${empty}`,
  ]);
});
