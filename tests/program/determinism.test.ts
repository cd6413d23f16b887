import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { buildFunctionArchive } from "../../components";
import { evaluate, TYPES } from "../../engine";

const root = path.resolve(__dirname, "../..");

describe("same code, same archive, no diff", () => {
  test("two evaluations register identical resources", async () => {
    const first = await evaluate();
    const second = await evaluate();
    expect(second.resources).toEqual(first.resources);
  });

  test("clean builds in two places give byte-identical archives, named by their hash", async () => {
    const dirs = [
      fs.mkdtempSync(path.join(os.tmpdir(), "cg-a-")),
      fs.mkdtempSync(path.join(os.tmpdir(), "cg-b-")),
    ];
    try {
      const [a, b] = dirs.map((outDir) =>
        buildFunctionArchive({ projectRoot: root, source: "functions/login", outDir }),
      );
      expect(a.sha256).toBe(b.sha256);
      expect(fs.readFileSync(a.path).equals(fs.readFileSync(b.path))).toBe(true);
      const e = await evaluate();
      const object = e.resources.find(
        (r) => r.type === TYPES.bucketObject && r.name === "callgraph-login-source",
      )!;
      expect(object.inputs.name).toBe(`login/${a.sha256}.zip`);
    } finally {
      for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
    }
  });

  test("changing a function's code changes only its own archive", () => {
    const outDir = fs.mkdtempSync(path.join(os.tmpdir(), "cg-c-"));
    const copy = fs.mkdtempSync(path.join(root, ".callgraph", "copy-"));
    try {
      fs.cpSync(path.join(root, "functions"), path.join(copy, "functions"), { recursive: true });
      const source = path.relative(root, path.join(copy, "functions", "profiles"));
      const before = buildFunctionArchive({ projectRoot: root, source, outDir });
      fs.appendFileSync(
        path.join(copy, "functions", "profiles", "index.ts"),
        "\n// a change\nexport const changed = 1;\n",
      );
      const after = buildFunctionArchive({ projectRoot: root, source, outDir: `${outDir}-2` });
      expect(after.sha256).not.toBe(before.sha256);
    } finally {
      fs.rmSync(outDir, { recursive: true, force: true });
      fs.rmSync(`${outDir}-2`, { recursive: true, force: true });
      fs.rmSync(copy, { recursive: true, force: true });
    }
  });
});
