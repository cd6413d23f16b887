/**
 * What the engine records of a component, as Pulumi's engine keeps it: its inputs as the program passed them, and as
 * its outputs only what it registered itself (`registerOutputs`). The engine answers a local component's
 * registration with no properties (pulumi/pulumi pkg/resource/deploy/source_eval.go, resmon.RegisterResource: "Local
 * ComponentResources may contain unresolved resource refs, so ignore those outputs"), so the mocks do too
 * (engine/gcp-mocks.ts), and a stack policy sees a component's registered outputs (engine/from-engine.ts).
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { evaluate, fromEngine } from "../../engine";
import { codeFolder } from "../local/temp-project";

/**
 * Three components: one with inputs that registers other outputs (one of them a custom resource's output), one that
 * registers nothing, and one whose registered outputs settle only after the program returned.
 */
const PROGRAM = `import * as gcp from "@pulumi/gcp";
import * as pulumi from "@pulumi/pulumi";

class Registering extends pulumi.ComponentResource {
  constructor(name: string) {
    super("test:index:Registering", name, { given: "an input", nested: { list: [1, 2] } });
    const bucket = new gcp.storage.Bucket(name + "-bucket", { location: "US" }, { parent: this });
    this.registerOutputs({ bucketName: bucket.name, record: { sites: [{ file: "a.ts", line: 3 }] } });
  }
}

class Silent extends pulumi.ComponentResource {
  constructor(name: string) {
    super("test:index:Silent", name, { ignored: true });
  }
}

class Late extends pulumi.ComponentResource {
  constructor(name: string) {
    super("test:index:Late", name, {});
    const later = pulumi.output(new Promise<string>((resolve) => setTimeout(() => resolve("after a while"), 20)));
    this.registerOutputs({ later });
  }
}

export = async () => {
  new Registering("registering");
  new Silent("silent");
  new Late("late");
};
`;

let dir: string;
beforeAll(() => {
  dir = codeFolder("component-outputs").dir;
  fs.writeFileSync(
    path.join(dir, "Pulumi.yaml"),
    "name: component-outputs\nmain: index.ts\nruntime: nodejs\n",
  );
  fs.writeFileSync(path.join(dir, "index.ts"), PROGRAM);
  fs.writeFileSync(
    path.join(dir, "Pulumi.dev.yaml"),
    ["config:", "  gcp:project: p", "  gcp:region: europe-west1", ""].join("\n"),
  );
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe.each([false, true])("components (preview: %s)", (preview) => {
  let evaluation: Awaited<ReturnType<typeof evaluate>>;
  beforeAll(async () => {
    evaluation = await evaluate({ programDir: dir, stack: "dev", preview });
  });
  const component = (type: string) => evaluation.resources.find((r) => r.type === type)!;

  test("a component's inputs are recorded as sent, its outputs as it registered them", () => {
    const registering = component("test:index:Registering");
    expect(registering.custom).toBe(false);
    expect(registering.inputs).toEqual({ given: "an input", nested: { list: [1, 2] } });
    expect(registering.outputs).toEqual({
      // The bucket's name is the mock provider's answer in an update, unknown in a preview, as Pulumi would have it.
      bucketName: preview ? "<computed>" : expect.any(String),
      record: { sites: [{ file: "a.ts", line: 3 }] },
    });
  });

  test("one that registers nothing has no outputs: its inputs are not echoed back", () => {
    expect(component("test:index:Silent").inputs).toEqual({ ignored: true });
    expect(component("test:index:Silent").outputs).toEqual({});
  });

  test("outputs that settle after the program returned are recorded once they arrive", () => {
    expect(component("test:index:Late").outputs).toEqual({ later: "after a while" });
  });

  test("a stack policy reads a component's registered outputs, a custom resource's inputs", () => {
    const props = Object.fromEntries(fromEngine(evaluation.resources).map((r) => [r.type, r.props]));
    expect(props["test:index:Registering"]).toMatchObject({ record: { sites: [{ file: "a.ts", line: 3 }] } });
    expect(props["test:index:Registering"]).not.toHaveProperty("given");
    expect(props["gcp:storage/bucket:Bucket"]).toMatchObject({ location: "US" });
  });
});
