import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as esbuild from "esbuild";
import { zipSync } from "fflate";
import { FunctionLoadError, FunctionProcess } from "../../local/function-process";
import { freePort } from "../../local/listen";
import {
  CALLGRAPH_BIN,
  codeFolder,
  REPO_ROOT,
  tempProject,
  writeFunction,
  writeStackFile,
} from "./temp-project";

// A function whose module throws while it loads (its top level) is the user's mistake: the local stack ends with
// exit 2 naming the function and the line of the throw (the TypeScript line once the bundle has a source map),
// never "internal error ... a bug".
const THROWS_AT_LOAD = `import * as functions from "@google-cloud/functions-framework";

const limit = Number("not a number");
if (Number.isNaN(limit)) {
  throw new Error("LIMIT is not a number");
}

export const boom: functions.HttpFunction = (_req, res) => {
  res.send("never");
};
functions.http("boom", boom);
`;

describe("a function that throws while its code loads", () => {
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), "callgraph-load-"));
  afterAll(() => fs.rmSync(scratch, { recursive: true, force: true }));

  /** An archive as the program builds one (one bundled index.js), with an inline source map. */
  function archiveWithSourceMap(): string {
    const project = path.join(scratch, "project");
    fs.mkdirSync(path.join(project, "fns", "boom"), { recursive: true });
    fs.writeFileSync(path.join(project, "fns", "boom", "index.ts"), THROWS_AT_LOAD);
    const result = esbuild.buildSync({
      entryPoints: [path.join(project, "fns", "boom", "index.ts")],
      absWorkingDir: project,
      nodePaths: [path.join(REPO_ROOT, "node_modules")],
      bundle: true,
      platform: "node",
      format: "cjs",
      minify: true,
      sourcemap: "inline",
      write: false,
      logLevel: "silent",
    });
    const archive = path.join(scratch, "boom.zip");
    fs.writeFileSync(archive, zipSync({ "index.js": result.outputFiles[0].contents }));
    return archive;
  }

  test("is a FunctionLoadError (exit 2) naming the function and the TypeScript line of the throw", async () => {
    const lines: string[] = [];
    const fn = new FunctionProcess({
      name: "boom",
      archivePath: archiveWithSourceMap(),
      entryPoint: "boom",
      env: {},
      port: await freePort(),
      workDir: path.join(scratch, "run", "boom"),
      restartDelayMs: 60_000,
      log: (line) => lines.push(line),
    });
    let failure: unknown;
    try {
      await fn.start();
    } catch (error) {
      failure = error;
    } finally {
      await fn.stop();
    }
    expect(failure).toBeInstanceOf(FunctionLoadError);
    expect(failure).toMatchObject({ exitCode: 2, functionName: "boom", location: "fns/boom/index.ts:5:9" });
    expect((failure as Error).message).toBe(
      "function boom failed while its code was loading (fns/boom/index.ts:5:9): Error: LIMIT is not a number. " +
        "Fix the code that runs when its module loads (its top level), then start again",
    );
    // The function's log has the whole (source-mapped) stack trace.
    expect(lines.join("\n")).toMatch(/fns\/boom\/index\.ts:5:9/);
  }, 30_000);

  test("npm start (callgraph local) exits 2 with one line naming the command, the function and the line", () => {
    const dir = tempProject("load");
    const code = codeFolder("load");
    try {
      const boom = writeFunction(code.dir, "boom", { version: "v1" });
      fs.writeFileSync(path.join(boom, "index.ts"), THROWS_AT_LOAD);
      writeStackFile(dir, "load", {
        "gcp:project": "callgraph-dev",
        "gcp:region": "us-central1",
        "callgraph:functions": {
          boom: { invokers: ["group:developers@example.com"], source: code.source(boom) },
        },
      });
      const run = spawnSync(
        process.execPath,
        [CALLGRAPH_BIN, "local", "--once", "--dir", dir, "--stack", "load"],
        { cwd: REPO_ROOT, encoding: "utf8", timeout: 90_000 },
      );
      const errors = run.stderr.split("\n").filter((l) => l.startsWith("callgraph:"));
      expect([run.status, errors.length]).toEqual([2, 1]);
      // The TypeScript line once the program's bundles carry source maps; the bundle's line until then.
      expect(errors[0]).toMatch(
        /^callgraph: local: function boom failed while its code was loading \((?:\S*fns\/boom\/index\.ts:5:9|index\.js:\d+:\d+ of its bundle)\): Error: LIMIT is not a number\. Fix the code that runs when its module loads \(its top level\), then start again$/,
      );
      expect(run.stderr).not.toMatch(/internal error|a bug/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
      fs.rmSync(code.dir, { recursive: true, force: true });
    }
  }, 120_000);
});
