/**
 * An evaluation changes two settings of the process while the program runs, for speed (engine/evaluate.ts): no stack
 * traces on the SDK's promises, and no source-map lookups for the stack the SDK records per resource. The program
 * sees them off; whoever called `evaluate` gets them back as they were, whether the program succeeded or threw.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { evaluate, EvaluationError } from "../../engine";
import { codeFolder } from "../local/temp-project";

/** A program that registers one resource and exports what it saw, or throws when `callgraph:fail` is set. */
const PROGRAM = `import * as gcp from "@pulumi/gcp";
import * as pulumi from "@pulumi/pulumi";

export = async () => {
  new gcp.storage.Bucket("seen", { location: "US" });
  if (new pulumi.Config("callgraph").getBoolean("fail")) throw new Error("the program failed");
  return { sourceMaps: process.sourceMapsEnabled, stackTraceLimit: Error.stackTraceLimit };
};
`;

let dir: string;
beforeAll(() => {
  dir = codeFolder("process-state").dir;
  fs.writeFileSync(path.join(dir, "Pulumi.yaml"), "name: process-state\nmain: index.ts\nruntime: nodejs\n");
  fs.writeFileSync(path.join(dir, "index.ts"), PROGRAM);
  const stack = (fail: boolean) =>
    ["config:", "  gcp:project: p", "  gcp:region: europe-west1", `  callgraph:fail: ${fail}`, ""].join("\n");
  fs.writeFileSync(path.join(dir, "Pulumi.ok.yaml"), stack(false));
  fs.writeFileSync(path.join(dir, "Pulumi.fails.yaml"), stack(true));
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const before = { sourceMaps: process.sourceMapsEnabled, stackTraceLimit: Error.stackTraceLimit };
afterEach(() => {
  process.setSourceMapsEnabled(before.sourceMaps);
  Error.stackTraceLimit = before.stackTraceLimit;
});

describe.each([true, false])("source maps %s before the evaluation", (sourceMaps) => {
  beforeEach(() => {
    process.setSourceMapsEnabled(sourceMaps);
    Error.stackTraceLimit = 25;
  });

  test.each([false, true])(
    "the program runs without them, and the caller gets them back (preview: %s)",
    async (preview) => {
      const { outputs } = await evaluate({ programDir: dir, stack: "ok", preview });
      expect(outputs).toEqual({ sourceMaps: false, stackTraceLimit: 0 });
      expect([process.sourceMapsEnabled, Error.stackTraceLimit]).toEqual([sourceMaps, 25]);
    },
  );

  test("a program that throws gives them back too", async () => {
    const failure = await evaluate({ programDir: dir, stack: "fails" }).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(EvaluationError);
    expect((failure as Error).message).toContain("the program failed");
    expect([process.sourceMapsEnabled, Error.stackTraceLimit]).toEqual([sourceMaps, 25]);
  });
});
