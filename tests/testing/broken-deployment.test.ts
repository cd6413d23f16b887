/**
 * The user's stack tests can fail: on a copy of the program in a temporary project (the fixture repository of
 * the CLI tests, with two tiny functions), a program that grants more, or less, than its stack file declares is
 * caught by the same checks that run on the user's stacks, with messages naming the function and the member.
 */
import { evaluate } from "../../engine";
import { startLocalStack, type LocalStack } from "../../local";
import { readSample } from "../../local/samples";
import { serviceAccountMember } from "../../topology";
import { fn, PROJECT, ProgramRepo } from "../cli/support/program-repo";
import {
  accessLine,
  identitiesOf,
  OUTSIDER,
  planAccess,
  runAccess,
  unsampledNotes,
} from "../../testing/access-matrix";
import { readDeclaration, type Declaration } from "../../testing/declaration";
import { grantMismatches } from "../../testing/grant-mismatches";

/**
 * The declared program (moved to program.ts) plus two grants the stack file does not declare, added the way a
 * teammate might add them by hand: the outsider on `back`, and `front`'s account on the whole project. Config
 * `rogue:grants: false` leaves them out.
 */
const ROGUE_INDEX = `import * as gcp from "@pulumi/gcp";
import * as pulumi from "@pulumi/pulumi";
import program = require("./program");

export = async () => {
  const outputs = await program();
  if (new pulumi.Config("rogue").getBoolean("grants") === false) return outputs;
  const project = new pulumi.Config("gcp").require("project");
  const region = new pulumi.Config("gcp").require("region");
  new gcp.cloudfunctions.FunctionIamMember("undeclared-grant", {
    project, region, cloudFunction: "back", role: "roles/cloudfunctions.invoker", member: "${OUTSIDER}",
  });
  new gcp.projects.IAMMember("project-invoker", {
    project, role: "roles/cloudfunctions.invoker", member: "${serviceAccountMember("front", PROJECT)}",
  });
  return outputs;
};
`;

const FRONT = serviceAccountMember("front", PROJECT);
const TEAM = "group:team@example.com";

let repo: ProgramRepo;
let declaration: Declaration;
beforeAll(() => {
  // The fixture's tiny functions call nothing, so the program warns that front's declared edge is unused (the
  // call-site check); true, and not what these tests are about.
  jest.spyOn(console, "warn").mockImplementation(() => undefined);
  repo = ProgramRepo.create();
  repo.topology({
    front: fn({ code: "hello", calls: ["back"], invokers: [TEAM] }),
    back: fn({ code: "echo" }),
  });
  repo.write(
    "fn/echo/sample.json",
    JSON.stringify({ method: "POST", body: { ping: 1 }, expectedStatus: 200 }),
  );
  repo.write("program.ts", repo.read("index.ts")).write("index.ts", ROGUE_INDEX);
  declaration = readDeclaration(repo.dir, "dev");
});
afterAll(() => {
  repo?.dispose();
  jest.restoreAllMocks();
});

describe.each([false, true])("the graph check (preview: %s)", (preview) => {
  test("names every grant the declaration does not make, and its resource", async () => {
    const { graph } = await evaluate({ programDir: repo.dir, stack: "dev", preview });
    const file = declaration.file;
    expect(grantMismatches(declaration, graph)).toEqual([
      `back: ${FRONT} is declared, but granted by gcp:projects/iAMMember:IAMMember "project-invoker" ` +
        `(roles/cloudfunctions.invoker on the whole project) outside the call graph's authoritative binding. ` +
        `Remove that resource`,
      `back: ${OUTSIDER} may invoke it, but ${file} does not declare it (granted by ` +
        `gcp:cloudfunctions/functionIamMember:FunctionIamMember "undeclared-grant" (roles/cloudfunctions.invoker ` +
        `on back)). Remove the grant, or declare it in callgraph:functions (a caller's \`calls\` or back's \`invokers\`)`,
      `front: ${FRONT} may invoke it, but ${file} does not declare it (granted by gcp:projects/iAMMember:IAMMember ` +
        `"project-invoker" (roles/cloudfunctions.invoker on the whole project)). Remove the grant, or declare it ` +
        `in callgraph:functions (a caller's \`calls\` or front's \`invokers\`)`,
    ]);
  });

  test("names every declared member no grant gives", async () => {
    // The program run without its rogue grants and with front's edge and invoker gone: the stack file still
    // declares both.
    const { graph } = await evaluate({
      programDir: repo.dir,
      stack: "dev",
      preview,
      config: {
        "rogue:grants": false,
        "callgraph:functions": { front: fn({ code: "hello" }), back: fn({ code: "echo" }) },
      },
    });
    expect(grantMismatches(declaration, graph)).toEqual([
      `back: ${declaration.file} declares that ${FRONT} may invoke it, but no resource the program registers grants it`,
      `front: ${declaration.file} declares that ${TEAM} may invoke it, but no resource the program registers grants it`,
    ]);
  });
});

describe("the local access matrix", () => {
  let local: LocalStack | undefined;
  afterAll(async () => local?.stop());

  test("lets in exactly the undeclared callers, and notes the function without a sample", async () => {
    const samples = new Map(
      declaration.topology.functions.map((f) => [f.name, readSample(repo.dir, f.source)] as const),
    );
    local = await startLocalStack({
      programDir: repo.dir,
      stack: "dev",
      stateFile: false,
      extraIdentities: identitiesOf(declaration).filter((m): m is string => m !== undefined),
    });
    const results = await runAccess(local, planAccess(declaration, samples));
    const wrong = results.filter((r) => accessLine(r.call, r) !== accessLine(r.call));
    expect(
      wrong.map((r) => `${accessLine(r.call, r)}, declared: ${accessLine(r.call).split(": ")[1]}`),
    ).toEqual([
      `${OUTSIDER} -> back: answered 200, declared: refused (403)`,
      `${FRONT} -> front: allowed, declared: refused (403)`,
    ]);
    expect(unsampledNotes(declaration, results)).toEqual([
      `front (stack dev): no fn/hello/sample.json, so a plain GET proved its grants; its handler answered 200 to ` +
        `the allowed callers. Add a sample.json to test a real request`,
    ]);
  }, 60_000);
});
