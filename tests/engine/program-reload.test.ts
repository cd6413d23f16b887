/**
 * An edited program loads again in the same process, where Node's module cache can drop it (the CLI: `npm start`'s
 * development loop, `diff`): the edited module and its importers, a module the program requires while it runs, one
 * already cached before the first evaluation, a top-level program. A project file that a package loaded cannot be
 * loaded again in place (the package keeps its exports), so that evaluation runs in a fresh process, and is still
 * right, its warnings printed as here. In a child process under the CLI's loader: jest's module registry ignores
 * deletions.
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

const REPO_ROOT = path.resolve(__dirname, "../..");

test("each edit is seen by the next evaluation, in this process wherever it can be", () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "callgraph-reload-"));
  try {
    const child = spawnSync(
      process.execPath,
      [
        "--require",
        path.join(REPO_ROOT, "bin", "register-tsx.js"),
        path.join(__dirname, "support", "reload-child.ts"),
        dir,
      ],
      { cwd: REPO_ROOT, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] },
    );
    expect(child.status).toBe(0);
    // The program warns as it runs, here and in the fresh process alike (which hands its warnings on).
    expect(child.stderr.split("\n").filter((line) => line.includes("warns of"))).toEqual([
      "warning: [runtime] warns of d1",
      "warning: [runtime] warns of d2",
    ]);
    expect(JSON.parse(child.stdout)).toEqual({
      chain: {
        before: ["a1"],
        after: ["a2"],
        sameProcess: true,
        programFiles: ["index.ts", "leaf.ts", "mid.ts"],
      },
      lazy: { before: ["b1"], after: ["b2"], sameProcess: true, programFiles: ["index.ts", "lazy.ts"] },
      cached: { before: ["c1"], after: ["c2"], sameProcess: true, programFiles: ["index.ts", "names.ts"] },
      byPackage: {
        before: ["d1"],
        after: ["d2"],
        sameProcess: false,
        programFiles: [path.join("config", "default.js"), "index.ts"],
      },
      topLevel: { before: ["e1"], after: ["e2"], sameProcess: true, programFiles: ["index.ts", "names.ts"] },
      unchanged: { before: ["f1"], after: ["f1"], sameProcess: true, programFiles: ["index.ts", "names.ts"] },
    });
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}, 120_000);
