import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { buildFunctionArchive } from "../../components";
import { bundleInputs } from "../../local";

// The development loop watches the files an archive was built from (local/bundle-inputs.ts), read from the manifests
// beside the zips: the latest build of a folder and the few before it, which a serving stack may still run.
let root: string;
beforeEach(() => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), "cg-bundle-inputs-"));
  fs.mkdirSync(path.join(root, "fn"));
});
afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

const write = (file: string, text: string) => fs.writeFileSync(path.join(root, file), text);
const build = () => buildFunctionArchive({ projectRoot: root, source: "fn" });

test("an archive's own inputs, whether its build is the folder's latest or an earlier one", () => {
  write("fn/index.ts", 'import { answer } from "./first";\nexport const hello = () => answer;\n');
  write("fn/first.ts", 'export const answer = "first";\n');
  const first = build();
  write("fn/index.ts", 'import { answer } from "./second";\nexport const hello = () => answer;\n');
  write("fn/second.ts", 'export const answer = "second";\n');
  const second = build();
  expect(bundleInputs(second.path)).toEqual([
    path.join(root, "fn/index.ts"),
    path.join(root, "fn/second.ts"),
  ]);
  expect(bundleInputs(first.path)).toEqual([path.join(root, "fn/first.ts"), path.join(root, "fn/index.ts")]);
});

test("a manifest of another shape is skipped, never a crash", () => {
  write("fn/index.ts", 'export const hello = () => "hi";\n');
  const archive = build();
  const builds = path.dirname(archive.path);
  fs.writeFileSync(
    path.join(builds, "0.manifest.json"),
    JSON.stringify({ previous: [null, 5, { sha256: 1 }] }),
  );
  fs.writeFileSync(path.join(builds, "1.manifest.json"), "null");
  fs.writeFileSync(path.join(builds, "2.manifest.json"), "{ not json");
  expect(bundleInputs(archive.path)).toEqual([path.join(root, "fn/index.ts")]);
});
