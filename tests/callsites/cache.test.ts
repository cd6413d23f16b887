import * as fs from "node:fs";
import * as path from "node:path";
import { extractCallSites, type CallSiteReport } from "../../callsites";
import { forgetRememberedCallSites } from "../../callsites/cache";
import { functionCalling, removeProject, tempProject, writeFile } from "./support/temp-project";

let root: string;
beforeEach(() => {
  root = tempProject({ "functions/caller/index.ts": functionCalling(["alpha"]) });
});
afterEach(() => removeProject(root));

const extract = (): CallSiteReport =>
  extractCallSites({ projectRoot: root, functions: [{ name: "caller", source: "functions/caller" }] })[0];
const callees = (report: CallSiteReport): string[] => report.callSites.map((s) => s.callee);

test("answers are stored under .callgraph/callsites, keyed by the inputs' hash", () => {
  const report = extract();
  const dir = path.join(root, ".callgraph", "callsites");
  const stored = fs.readdirSync(dir).filter((f) => f.endsWith(".json"));
  expect(stored).toHaveLength(1);
  expect(JSON.parse(fs.readFileSync(path.join(dir, stored[0]), "utf8"))).toMatchObject({
    inputs: report.inputs,
    inputsHash: report.inputsHash,
    callSites: report.callSites,
  });
});

test("a fresh process with unchanged inputs reads the stored answer instead of analysing again", () => {
  extract();
  const dir = path.join(root, ".callgraph", "callsites");
  const file = path.join(
    dir,
    fs.readdirSync(dir).find((f) => f.endsWith(".json"))!,
  );
  // Mark the stored answer: only a run that trusts the disk cache can return the mark.
  const entry = JSON.parse(fs.readFileSync(file, "utf8"));
  entry.callSites = [{ ...entry.callSites[0], callee: "from-disk" }];
  fs.writeFileSync(file, JSON.stringify(entry));
  forgetRememberedCallSites();
  expect(callees(extract())).toEqual(["from-disk"]);
});

test("editing an input, adding an imported file or removing one is seen by the next run in the same process", () => {
  expect(callees(extract())).toEqual(["alpha"]);
  writeFile(root, "functions/caller/index.ts", functionCalling(["alpha", "beta"]));
  expect(callees(extract())).toEqual(["alpha", "beta"]);

  writeFile(
    root,
    "functions/caller/extra.ts",
    `import type { DownstreamClient } from "../shared";\nexport const ping = (d: DownstreamClient) => d.call("gamma", { method: "GET" });\n`,
  );
  writeFile(
    root,
    "functions/caller/index.ts",
    `export { ping } from "./extra";\n${functionCalling(["alpha"])}`,
  );
  const withExtra = extract();
  expect(callees(withExtra)).toEqual(["alpha", "gamma"]);
  expect(withExtra.inputs).toContain("functions/caller/extra.ts");

  writeFile(root, "functions/caller/index.ts", functionCalling([]));
  fs.rmSync(path.join(root, "functions/caller/extra.ts"));
  expect(extract()).toMatchObject({ callSites: [], dynamic: [] });
});

test("two functions sharing one source folder get the same sites under their own names", () => {
  const reports = extractCallSites({
    projectRoot: root,
    functions: [
      { name: "second", source: "functions/caller" },
      { name: "first", source: "functions/caller" },
    ],
  });
  expect(reports.map((r) => r.function)).toEqual(["first", "second"]);
  expect(reports[0]).toEqual({ ...reports[1], function: "first" });
});

test("the answers for earlier code are kept too: code changed back is read from the disk, not analysed again", () => {
  // As `callgraph diff`'s base and head find their own answers for a function that differs between them.
  const dir = path.join(root, ".callgraph", "callsites");
  expect(callees(extract())).toEqual(["alpha"]);
  writeFile(root, "functions/caller/index.ts", functionCalling(["beta"]));
  expect(callees(extract())).toEqual(["beta"]);
  const file = path.join(
    dir,
    fs.readdirSync(dir).find((f) => f.endsWith(".json"))!,
  );
  const entry = JSON.parse(fs.readFileSync(file, "utf8"));
  expect(entry.previous).toHaveLength(1);
  // Mark the earlier answer: only a run that reads it from the disk can return the mark.
  entry.previous[0].callSites = [{ ...entry.previous[0].callSites[0], callee: "from-disk" }];
  fs.writeFileSync(file, JSON.stringify(entry));
  writeFile(root, "functions/caller/index.ts", functionCalling(["alpha"]));
  forgetRememberedCallSites();
  expect(callees(extract())).toEqual(["from-disk"]);
  // Four answers are kept per source folder, not every one ever computed.
  for (const callee of ["c", "d", "e", "f"]) {
    writeFile(root, "functions/caller/index.ts", functionCalling([callee]));
    extract();
  }
  expect(JSON.parse(fs.readFileSync(file, "utf8")).previous).toHaveLength(3);
});

test.each([
  ["not JSON", "{ not json"],
  ["JSON of another kind", "5"],
  ["answers that are not answers", JSON.stringify({ schema: 1, previous: [null, 5, { inputs: "x" }] })],
  ["a list that is not a list", JSON.stringify({ schema: 1, inputs: [1], inputsHash: 2, previous: 5 })],
])("a stored answer that is %s is analysed again, never a crash", (_label, text) => {
  extract();
  const dir = path.join(root, ".callgraph", "callsites");
  fs.writeFileSync(
    path.join(
      dir,
      fs.readdirSync(dir).find((f) => f.endsWith(".json"))!,
    ),
    text,
  );
  forgetRememberedCallSites();
  expect(callees(extract())).toEqual(["alpha"]);
});
