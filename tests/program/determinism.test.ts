import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { buildFunctionArchive } from "../../components";
import { TYPES } from "../../engine";
import { evaluateFixture, fixtureSource, REPO_ROOT as root } from "../fixtures";

describe("same code, same archive, no diff", () => {
  test("two evaluations register identical resources", async () => {
    const first = await evaluateFixture();
    const second = await evaluateFixture();
    expect(second.resources).toEqual(first.resources);
  });

  test("clean builds in two places give byte-identical archives, named by their hash", async () => {
    const dirs = [
      fs.mkdtempSync(path.join(os.tmpdir(), "cg-a-")),
      fs.mkdtempSync(path.join(os.tmpdir(), "cg-b-")),
    ];
    try {
      const [a, b] = dirs.map((outDir) =>
        buildFunctionArchive({ projectRoot: root, source: fixtureSource("alpha"), outDir }),
      );
      expect(a.sha256).toBe(b.sha256);
      expect(fs.readFileSync(a.path).equals(fs.readFileSync(b.path))).toBe(true);
      const e = await evaluateFixture();
      const object = e.resources.find(
        (r) => r.type === TYPES.bucketObject && r.name === "callgraph-alpha-source",
      )!;
      expect(object.inputs.name).toBe(`alpha/${a.sha256}.zip`);
    } finally {
      for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
    }
  });

  test("changing a function's code changes only its own archive", () => {
    const outDir = fs.mkdtempSync(path.join(os.tmpdir(), "cg-c-"));
    const copy = fs.mkdtempSync(path.join(root, ".callgraph", "copy-"));
    try {
      // .callgraph/copy-*/fixture/beta is as deep as tests/fixtures/functions/beta: its import of functions/shared
      // still reaches the real library, so only the function's own code differs between the two builds.
      const folder = path.join(copy, "fixture", "beta");
      fs.cpSync(path.join(root, fixtureSource("beta")), folder, { recursive: true });
      const source = path.relative(root, folder);
      const before = buildFunctionArchive({ projectRoot: root, source, outDir });
      fs.appendFileSync(path.join(folder, "index.ts"), "\n// a change\nexport const changed = 1;\n");
      const after = buildFunctionArchive({ projectRoot: root, source, outDir: `${outDir}-2` });
      expect(after.sha256).not.toBe(before.sha256);
    } finally {
      fs.rmSync(outDir, { recursive: true, force: true });
      fs.rmSync(`${outDir}-2`, { recursive: true, force: true });
      fs.rmSync(copy, { recursive: true, force: true });
    }
  });
});
