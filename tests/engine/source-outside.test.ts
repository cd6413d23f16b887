import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { EvaluationError } from "../../engine";
import { calleeTypesOf } from "../../engine/callee-types";
import { TopologyError } from "../../topology";
import { BASE_TOPOLOGY, evaluateFixture, FIXTURE_TARGET, REPO_ROOT } from "../fixtures";

// The program resolves `source` against its own folder (the repository, for the tool's tests): a link to outside
// it is made in the repository's ignored .callgraph/ folder, pointing at a temporary folder with a handler in it.
let outside: string;
let links: string;
beforeAll(() => {
  outside = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), "callgraph-outside-")));
  fs.writeFileSync(path.join(outside, "index.ts"), "export const beta = () => undefined;\n");
  fs.mkdirSync(path.join(REPO_ROOT, ".callgraph"), { recursive: true });
  links = fs.mkdtempSync(path.join(REPO_ROOT, ".callgraph", "test-links-"));
  fs.symlinkSync(outside, path.join(links, "beta"), "dir");
});
afterAll(() => {
  fs.rmSync(links, { recursive: true, force: true });
  fs.rmSync(outside, { recursive: true, force: true });
});

const linked = () => path.relative(REPO_ROOT, path.join(links, "beta")).split(path.sep).join("/");

test("a function source that is a symlink out of the project registers nothing, with every problem at once", async () => {
  const error = await evaluateFixture({
    config: {
      ...FIXTURE_TARGET,
      "callgraph:functions": {
        ...BASE_TOPOLOGY,
        alpha: { ...BASE_TOPOLOGY.alpha, source: "/etc" },
        beta: { source: linked() },
      },
    },
  }).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(EvaluationError);
  expect((error as EvaluationError).resources).toEqual([]);
  expect((error as EvaluationError).message.split("\n").slice(1)).toEqual([
    '  functions.alpha.source: source folder "/etc" is an absolute path: write it relative to the project root (the folder of Pulumi.yaml), e.g. functions/<name>',
    `  functions.beta.source: source folder ${JSON.stringify(linked())} leads (through a symlink) to ${JSON.stringify(outside)}, outside the project: a function's archive may hold only the project's files. Move the code into the project, or point source at a folder inside it`,
  ]);
});

test("a function source that is a symlink out of the project gets no generated callee types written into it", async () => {
  // A project of its own: a stack file whose function's folder is a link out.
  const root = fs.mkdtempSync(path.join(os.tmpdir(), "callgraph-callee-types-"));
  try {
    fs.writeFileSync(path.join(root, "Pulumi.yaml"), "name: fixture\nruntime: nodejs\n");
    fs.mkdirSync(path.join(root, "functions"));
    fs.symlinkSync(outside, path.join(root, "functions", "beta"), "dir");
    fs.writeFileSync(
      path.join(root, "Pulumi.dev.yaml"),
      "config:\n  callgraph:functions:\n    beta: {}\n    gamma: {source: ../gamma}\n",
    );
    let thrown: unknown;
    try {
      await calleeTypesOf(root);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(TopologyError);
    expect((thrown as TopologyError).issues.map((i) => `${i.path}: ${i.message.split(":")[0]}`)).toEqual([
      `Pulumi.dev.yaml:3:5: functions.beta.source: source folder "functions/beta" leads (through a symlink) to ${JSON.stringify(outside)}, outside the project`,
      'Pulumi.dev.yaml:4:13: functions.gamma.source: source folder "../gamma" climbs out of the project with `..`',
    ]);
    expect(fs.readdirSync(outside)).toEqual(["index.ts"]);
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
});
