/**
 * Pulumi transforms on a `CallGraph` (issue 20): `opts.transforms` (the current API, `pulumi.ResourceTransform`) and
 * `opts.transformations` (the deprecated one) reach every child of the component, as `pulumi up` applies them: the
 * engine runs a resource's transforms and then those of each of its ancestors, so a child reaches them only through
 * `parent: this`. Pulumi's mocks do not run transforms (pulumi/pulumi#17090); the engine does (engine/transforms.ts),
 * so these run under it as every command does. A transform that labels everything it can leaves the effective graph,
 * `callgraph graph` and `callgraph check` as they are; one that adds a member is seen by them. Evaluated in preview
 * and update, for both generations.
 */
import { stringify } from "yaml";
import { graphCommand } from "../../cli/commands/graph";
import { runCheck } from "../../cli/commands/check";
import { evaluate, EvaluationError, type Evaluation, type RegisteredResource } from "../../engine";
import { BASE_CONFIG, SECOND_GEN_CONFIG } from "../fixtures";
import { writeProgram, type RogueProgram } from "../policy/rogue-program";

/** The resource types of the component that take `labels`. */
const LABELLED = [
  "gcp:storage/bucket:Bucket",
  "gcp:artifactregistry/repository:Repository",
  "gcp:cloudfunctions/function:Function",
  "gcp:cloudfunctionsv2/function:Function",
];

type Option = "transforms" | "transformations" | "stack transform";

/**
 * A program that constructs the CallGraph with a transform that labels what takes labels and records every resource it
 * sees (exported as `seen`): in `opts.transforms`, in `opts.transformations`, or registered for the whole stack
 * (`pulumi.runtime.registerResourceTransform`). Without `option`, the same program without it. `change` ends the
 * transform: by default it returns the (labelled) props and the options as they were.
 */
function program(option: Option | undefined, change = "return { props, opts };"): string {
  const signature =
    option === "transformations"
      ? "const label: pulumi.ResourceTransformation = ({ type, name, props, opts }) => {"
      : "const label: pulumi.ResourceTransform = async ({ type, name, props, opts }) => {";
  const opts = option === "transforms" || option === "transformations" ? `, { ${option}: [label] }` : "";
  return `import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { CallGraph } from "callgraph";

const LABELLED: string[] = ${JSON.stringify(LABELLED)};

export = async () => {
  const seen: string[] = [];
  ${signature}
    seen.push(\`\${type}::\${name}\`);
    if (LABELLED.includes(type)) props = { ...props, labels: { ...(props.labels ?? {}), team: "payments" } };
    ${change}
  };
  ${option === "stack transform" ? "pulumi.runtime.registerResourceTransform(label);" : ""}
  const graph = new CallGraph("callgraph", { root: path.resolve(__dirname, "../..") }${opts});
  return { urls: graph.urls, seen };
};
`;
}

const STACKS = {
  gen1: stringify({ config: { ...BASE_CONFIG, "callgraph:projectNumber": "123456789012" } }),
  gen2: stringify({ config: SECOND_GEN_CONFIG }),
};

const key = (r: { type: string; name: string }) => `${r.type}::${r.name}`;

/** `resource`'s ancestors' URNs, nearest first. */
function ancestors(resource: RegisteredResource, resources: readonly RegisteredResource[]): string[] {
  const byUrn = new Map(resources.map((r) => [r.urn, r]));
  const chain: string[] = [];
  for (let parent = resource.parent; parent !== undefined; parent = byUrn.get(parent)?.parent)
    chain.push(parent);
  return chain;
}

const sortedByUrn = (resources: readonly RegisteredResource[]) =>
  [...resources].sort((a, b) => a.urn.localeCompare(b.urn));

/** `value` without any `labels` key, at any depth. */
function stripLabels(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(stripLabels);
  if (value === null || typeof value !== "object") return value;
  return Object.fromEntries(
    Object.entries(value)
      .filter(([k]) => k !== "labels")
      .map(([k, v]) => [k, stripLabels(v)]),
  );
}

/** Inputs without the labels a transform adds. */
function withoutLabels(r: RegisteredResource): unknown {
  const { labels: _, ...inputs } = r.inputs;
  return { urn: r.urn, parent: r.parent, inputs, dependencies: r.dependencies, options: r.options };
}

let plain: RogueProgram;
const programs: Partial<Record<Option, RogueProgram>> = {};
beforeAll(() => {
  plain = writeProgram(program(undefined), STACKS);
  for (const option of ["transforms", "transformations", "stack transform"] as const)
    programs[option] = writeProgram(program(option), STACKS);
});
afterAll(() => {
  plain.remove();
  for (const p of Object.values(programs)) p?.remove();
});

describe.each([
  ["transforms", "gen1", false],
  ["transforms", "gen1", true],
  ["transforms", "gen2", false],
  ["transforms", "gen2", true],
  ["transformations", "gen1", false],
  ["transformations", "gen2", true],
  ["stack transform", "gen2", false],
] as const)("CallGraph under %s (%s, preview: %s)", (option, stack, preview) => {
  let base: Evaluation;
  let transformed: Evaluation;
  beforeAll(async () => {
    base = await evaluate({ programDir: plain.dir, stack, preview });
    transformed = await evaluate({ programDir: programs[option]!.dir, stack, preview });
  }, 120_000);

  test("every resource of the component, the component itself included, went through the transform", () => {
    const seen = transformed.outputs.seen as string[];
    expect(new Set(seen).size).toBe(seen.length);
    expect([...seen].sort()).toEqual(transformed.resources.map(key).sort());
    // Functions, accounts, bindings, the bucket, the archives, the sleeps...: all there.
    const types = new Set(transformed.resources.map((r) => r.type));
    for (const type of [
      "gcp:serviceaccount/account:Account",
      "gcp:storage/bucket:Bucket",
      "gcp:storage/bucketObject:BucketObject",
      "gcp:projects/iAMMember:IAMMember",
      "time:index/sleep:Sleep",
      "callgraph:index:ServiceFunction",
      stack === "gen1" ? "gcp:cloudfunctions/function:Function" : "gcp:cloudfunctionsv2/function:Function",
      stack === "gen1"
        ? "gcp:cloudfunctions/functionIamBinding:FunctionIamBinding"
        : "gcp:cloudrunv2/serviceIamBinding:ServiceIamBinding",
    ])
      expect(types).toContain(type);
  });

  test("every child reaches the component through its parents, which is how the engine hands them its transforms", () => {
    const component = transformed.resources.find((r) => r.type === "callgraph:index:CallGraph")!;
    for (const r of transformed.resources.filter((r) => r !== component))
      expect([key(r), ancestors(r, transformed.resources)]).toEqual([
        key(r),
        expect.arrayContaining([component.urn]),
      ]);
  });

  test("every resource that takes labels got the label, beside its own; nothing else changed", () => {
    const before = new Map(base.resources.map((r) => [r.urn, r]));
    const labelled = transformed.resources.filter((r) => LABELLED.includes(r.type));
    expect(labelled.length).toBeGreaterThan(3);
    for (const r of labelled)
      expect(r.inputs.labels).toEqual({
        ...((before.get(r.urn)?.inputs.labels as object) ?? {}),
        team: "payments",
      });
    // The transforms run as each resource registers, so the order of registrations may differ; nothing else does.
    expect(sortedByUrn(transformed.resources).map(withoutLabels)).toEqual(
      sortedByUrn(base.resources).map(withoutLabels),
    );
    expect(stripLabels(transformed.graph)).toEqual(stripLabels(base.graph));
  });

  test("callgraph graph prints the same graph, and callgraph check passes", async () => {
    const flags = { dir: programs[option]!.dir, stack, preview, format: "json" as const };
    const graph = JSON.parse(await graphCommand(flags)) as unknown;
    // The graph shows each function's labels: the label is there, and nothing else differs.
    expect(JSON.stringify(graph)).toContain('"labels":{"team":"payments"}');
    expect(stripLabels(graph)).toEqual(
      stripLabels(JSON.parse(await graphCommand({ ...flags, dir: plain.dir })) as unknown),
    );
    const result = await runCheck({ dir: programs[option]!.dir, stack, preview }, () => undefined);
    expect(result.passed).toBe(true);
  }, 120_000);
});

test("what a transform grants is what the engine sees: a public member added to every invoker binding fails the check", async () => {
  const opening = writeProgram(
    program(
      "transforms",
      `if (type.endsWith("IamBinding")) props = { ...props, members: [...props.members, "allUsers"] };
    return { props, opts };`,
    ),
    STACKS,
  );
  try {
    const evaluation = await evaluate({ programDir: opening.dir, stack: "gen2" });
    expect(evaluation.graph.grants.filter((g) => g.member === "allUsers").length).toBeGreaterThan(0);
    const result = await runCheck({ dir: opening.dir, stack: "gen2" }, () => undefined).catch(
      (error: unknown) => error,
    );
    expect(result).toBeInstanceOf(Error);
    expect((result as Error).message).toMatch(/mandatory policy violation/);
  } finally {
    opening.remove();
  }
}, 120_000);

test("a transform that throws fails the evaluation, naming the resource, instead of leaving it waiting", async () => {
  const failing = writeProgram(
    program(
      "transforms",
      `if (type === "gcp:serviceaccount/account:Account") throw new Error("accounts are made elsewhere");
    return { props, opts };`,
    ),
    STACKS,
  );
  try {
    const failure = await evaluate({ programDir: failing.dir, stack: "gen2" }).catch(
      (error: unknown) => error,
    );
    expect(failure).toBeInstanceOf(EvaluationError);
    expect((failure as Error).message).toMatch(
      /gcp:serviceaccount\/account:Account "callgraph-build-sa": transform failed: Error: accounts are made elsewhere/,
    );
  } finally {
    failing.remove();
  }
}, 120_000);
