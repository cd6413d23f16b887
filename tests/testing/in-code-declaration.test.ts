/**
 * A program that declares its call graph in code (`new CallGraph(name, { declaration })`) and a stack file that
 * declares no functions: `callgraph types` writes each function's callee type from that declaration, and the stack
 * tests (`stackTests()`'s three parts) verify the deployment and the local stack against it, in `pulumi up` and
 * `pulumi preview` mode, and fail on a grant it does not make.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { stringify } from "yaml";
import { typesCommand } from "../../cli/commands/types";
import { evaluate } from "../../engine";
import { registeredDeclarations } from "../../engine/registered-declarations";
import type { RegisteredResource } from "../../engine/types";
import { calleeTypesTest } from "../../testing/callee-types-test";
import { declarationOf, declaresInStackFile } from "../../testing/declaration";
import { deploymentTests } from "../../testing/deployment-tests";
import { grantMismatches } from "../../testing/grant-mismatches";
import { localAccessTests } from "../../testing/local-access-tests";
import { frontBackDeclaration, OUTSIDER, PROJECT, ProgramRepo, TEAM } from "../cli/support/program-repo";

const DECLARATION = frontBackDeclaration([TEAM]);

/** This repository's program, its `CallGraph` given the declaration in code; `rogue:grants` adds a grant. */
function inCodeProgram(index: string): string {
  const call = 'new CallGraph("callgraph", { projectNumber, root: __dirname })';
  if (!index.includes(call)) throw new Error(`index.ts no longer holds ${call}: update this fixture`);
  return (
    'import * as gcp from "@pulumi/gcp";\n' +
    index.replace(
      call,
      `new CallGraph("callgraph", { projectNumber, root: __dirname, declaration: ${JSON.stringify(DECLARATION)} });\n` +
        '  if (new pulumi.Config("rogue").getBoolean("grants"))\n' +
        '    new gcp.cloudfunctions.FunctionIamMember("undeclared-grant", { project, region: "europe-west1", ' +
        `cloudFunction: "back", role: "roles/cloudfunctions.invoker", member: "${OUTSIDER}" });\n`,
    )
  );
}

// Created when the tests are collected: the stack tests below are defined from the folder.
const repo = ProgramRepo.create();
repo.write(
  "Pulumi.dev.yaml",
  stringify({
    config: { "gcp:project": PROJECT, "gcp:region": "europe-west1", "callgraph:generation": 1 },
  }),
);
repo.write("fn/echo/sample.json", JSON.stringify({ method: "POST", body: { ping: 1 }, expectedStatus: 200 }));
repo.write("index.ts", inCodeProgram(repo.read("index.ts")));
beforeAll(() => {
  // front's declared edge is unused by its tiny code (the call-site check warns): true, and not tested here.
  jest.spyOn(console, "warn").mockImplementation(() => undefined);
});
afterAll(() => {
  repo.dispose();
  jest.restoreAllMocks();
});

test("the stack file declares no functions, so the declaration is the program's", () => {
  expect(declaresInStackFile(repo.dir, "dev")).toBe(false);
});

test("callgraph types writes each function's callee type from the declaration in code", async () => {
  expect(await typesCommand({ dir: repo.dir })).toBe(
    "Wrote 2 files:\n  fn/echo/callees.generated.ts\n  fn/hello/callees.generated.ts",
  );
  expect(fs.readFileSync(path.join(repo.dir, "fn/hello/callees.generated.ts"), "utf8")).toMatch(
    /export type Callee = "back";/,
  );
  expect(await typesCommand({ dir: repo.dir, check: true })).toBe(
    "Callee types are up to date with the declarations.",
  );
}, 60_000);

// stackTests()'s three parts, as a user's `stackTests()` defines them for this folder.
deploymentTests(repo.dir, ["dev"]);
localAccessTests(repo.dir, ["dev"]);
calleeTypesTest(repo.dir);

describe.each([false, true])("a grant the declaration in code does not make (preview: %s)", (preview) => {
  test("is named, with its resource, against the CallGraph that declared the graph", async () => {
    const evaluation = await evaluate({
      programDir: repo.dir,
      stack: "dev",
      preview,
      config: { "rogue:grants": true },
    });
    const declaration = declarationOf(repo.dir, "dev", evaluation);
    expect(
      declaration.topology.functions.map((f) => `${f.name} calls [${f.calls}], invoked by [${f.invokers}]`),
    ).toEqual(["back calls [], invoked by []", `front calls [back], invoked by [${TEAM}]`]);
    expect(grantMismatches(declaration, evaluation.graph)).toEqual([
      `back: ${OUTSIDER} may invoke it, but CallGraph "callgraph" (declared in code) does not declare it (granted by ` +
        `gcp:cloudfunctions/functionIamMember:FunctionIamMember "undeclared-grant" (roles/cloudfunctions.invoker ` +
        `on back)). Remove the grant, or declare it in callgraph:functions (a caller's \`calls\` or back's \`invokers\`)`,
    ]);
  }, 60_000);
});

describe("a stack whose file declares no functions", () => {
  const callGraph = (name: string, inputs: Record<string, unknown>): RegisteredResource => {
    const { topology, ...rest } = inputs;
    return {
      type: "callgraph:index:CallGraph",
      name,
      inputs: rest,
      outputs: topology === undefined ? {} : { topology },
    } as unknown as RegisteredResource;
  };
  const topology = { functions: [], principals: {} };

  test("needs exactly one CallGraph in the program, and says so", () => {
    const file = path.join(repo.dir, "Pulumi.dev.yaml");
    const of = (resources: RegisteredResource[]) => () =>
      declarationOf(repo.dir, "dev", { resources } as unknown as Parameters<typeof declarationOf>[2]);
    expect(of([])).toThrow(
      `${file} declares no callgraph:functions, and the program registers no CallGraph to read a declaration in ` +
        "code from: declare the functions in the stack file, or pass `declaration` to the program's CallGraph",
    );
    const two = [callGraph("a", { project: "p", topology }), callGraph("b", { project: "q", topology })];
    expect(of(two)).toThrow(
      `${file} declares no callgraph:functions, and the program registers 2 CallGraphs (a, b): the stack tests ` +
        "verify one per stack. Give each its own stack",
    );
  });

  test("a registration without a readable declaration names its CallGraph", () => {
    expect(() => registeredDeclarations([callGraph("old", { project: "p", projectNumber: "1" })])).toThrow(
      'CallGraph "old" registered no declaration this version of callgraph can read (no topology): install the ' +
        "same callgraph version the program imports",
    );
    expect(() =>
      registeredDeclarations([
        callGraph("odd", {
          project: "p",
          topology: { functions: [{ name: "a", source: "s" }], principals: {} },
        }),
      ]),
    ).toThrow(/CallGraph "odd" registered no declaration .* \(function a has no entryPoint\)/);
    expect(() =>
      registeredDeclarations([
        callGraph("odd", { project: "p", topology: { functions: [], principals: { team: "group:t@x" } } }),
      ]),
    ).toThrow(/CallGraph "odd" registered no declaration .* \(principal team has no list of members\)/);
  });

  test("without a CallGraph that declares in code, callgraph types says where to declare", async () => {
    const empty = ProgramRepo.create();
    try {
      empty.write(
        "Pulumi.dev.yaml",
        stringify({ config: { "gcp:project": PROJECT, "gcp:region": "europe-west1" } }),
      );
      empty.write("index.ts", "export const nothing = true;\n");
      await expect(typesCommand({ dir: empty.dir })).rejects.toThrow(
        "Pulumi.dev.yaml callgraph:functions: missing, and the program registers no CallGraph that declares its " +
          "functions in code: declare them in the stack file",
      );
    } finally {
      empty.dispose();
    }
  }, 60_000);
});
