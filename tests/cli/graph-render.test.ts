import { renderGraphDot } from "../../cli/render/graph-dot";
import { renderGraphJson } from "../../cli/render/graph-json";
import { renderGraphMermaid } from "../../cli/render/graph-mermaid";
import { renderGraphTable } from "../../cli/render/graph-table";
import { reviewGraph } from "../../cli/review/review-graph";
import { account, graphOf } from "./support/graphs";
import { REVIEWED } from "./support/reviewed";

const HEADING = { stack: "dev", project: "p" };

describe("reviewGraph", () => {
  test("judges each grant against the declaration", () => {
    const judged = REVIEWED.grants.map((g) => [g.resource.name, g.invoker, g.undeclared]);
    expect(judged).toEqual([
      [
        "ci-everything",
        "serviceAccount:ci@other.iam.gserviceaccount.com",
        [
          'made outside the callgraph components (IAMMember "ci-everything")',
          "project-level: applies to every function of the project, present and future",
        ],
      ],
      ["callgraph-login-invokers", "group:dev@example.com", []],
      ["callgraph-profiles-invokers", "login", []],
      ["callgraph-profiles-invokers", "search", []],
      [
        "rogue",
        "user:mallory@example.com",
        [
          'made outside the callgraph components (FunctionIamMember "rogue")',
          "not among profiles' declared invokers",
        ],
      ],
      ["callgraph-status-invokers", "allUsers", []],
    ]);
  });

  test("a managed grant to a member the function was not told about is undeclared too", () => {
    const graph = graphOf({ a: { invokers: ["user:bob@example.com"] } });
    const tampered = {
      ...graph,
      functions: graph.functions.map((f) => ({
        ...f,
        environment: { ...f.environment, CALLGRAPH_INVOKERS: "[]" },
      })),
    };
    expect(reviewGraph(tampered).grants.map((g) => g.undeclared)).toEqual([
      ["not among a's declared invokers"],
    ]);
  });

  test("who may invoke whom comes from the engine's edges, a project-level grant reaching every function", () => {
    expect(
      REVIEWED.invocations.filter((i) => i.invoker.startsWith("serviceAccount:ci@")).map((i) => i.function),
    ).toEqual(["login", "profiles", "search", "status"]);
    expect(
      REVIEWED.invocations.find((i) => i.function === "profiles" && i.invoker === "login"),
    ).toMatchObject({ kind: "function", undeclared: false, roles: ["roles/cloudfunctions.invoker"] });
  });
});

describe("graph formatters", () => {
  test("table: a row per function, marks for public, undeclared and broad roles, then the undeclared grants", () => {
    const table = renderGraphTable(REVIEWED, HEADING).split("\n");
    expect(table[0]).toBe(
      "Stack dev (project p): 4 functions, 2 edges, 4 other invokers, 2 undeclared grants",
    );
    expect(table[2]).toMatch(/^FUNCTION +GEN +RUNS AS +MAY BE INVOKED BY$/);
    expect(table.find((l) => l.startsWith("profiles"))).toBe(
      `profiles  gen1  ${account("profiles")}  login, search, serviceAccount:ci@other.iam.gserviceaccount.com [UNDECLARED, roles/editor], user:mallory@example.com [UNDECLARED]`,
    );
    expect(table.find((l) => l.startsWith("status"))).toContain("allUsers [PUBLIC]");
    expect(table).toContain(
      '  ! FunctionIamMember "rogue": user:mallory@example.com -> profiles (roles/cloudfunctions.invoker)',
    );
    expect(table).toContain(
      '  ! IAMMember "ci-everything": serviceAccount:ci@other.iam.gserviceaccount.com -> every function (project-level) (roles/editor)',
    );
  });

  test("table: a function nobody may invoke says so", () => {
    expect(renderGraphTable(reviewGraph(graphOf({ lonely: {} })), HEADING)).toMatch(
      new RegExp(`^lonely +gen1 +${account("lonely")} +\\(nobody\\)$`, "m"),
    );
  });

  test("mermaid: functions as boxes, members as stadiums, undeclared links dotted, orange and labelled", () => {
    const text = renderGraphMermaid(REVIEWED);
    expect(text.split("\n")[0]).toBe("flowchart LR");
    expect(text).toContain('  f1["profiles"]');
    expect(text).toContain('(["allUsers"])');
    expect(text).toMatch(/class m\d+ public/);
    const links = text.split("\n").filter((l) => /-->|-\.->|==>/.test(l));
    expect(links).toHaveLength(REVIEWED.invocations.length);
    const undeclared = links.filter((l) => l.includes('|"undeclared"|'));
    expect(undeclared).toHaveLength(REVIEWED.invocations.filter((i) => i.undeclared).length);
    expect(text).toMatch(/linkStyle [\d,]+ stroke:#bc4c00/);
  });

  test("dot: a digraph with account labels, red public members and dashed undeclared edges", () => {
    const dot = renderGraphDot(REVIEWED);
    expect(dot.startsWith("digraph callgraph {")).toBe(true);
    expect(dot.trimEnd().endsWith("}")).toBe(true);
    expect(dot).toContain(`"profiles" [label="profiles\\n${account("profiles")}"];`);
    expect(dot).toContain('"allUsers" [shape=ellipse, color="#cf222e", fontcolor="#cf222e"];');
    expect(dot).toContain('"login" -> "profiles";');
    expect(dot).toContain(
      '"user:mallory@example.com" -> "profiles" [style=dashed, color="#bc4c00", label="undeclared"];',
    );
  });

  test("json: every function with its invokers, every grant with its resource and verdict", () => {
    const json = JSON.parse(renderGraphJson(REVIEWED, HEADING)) as {
      stack: string;
      functions: { name: string; invokedBy: { invoker: string; undeclared: boolean }[] }[];
      grants: { member: string; managed: boolean; undeclared: string[]; resource: { name: string } }[];
    };
    expect(json.stack).toBe("dev");
    expect(json.functions.map((f) => f.name)).toEqual(["login", "profiles", "search", "status"]);
    expect(json.functions[1].invokedBy.filter((i) => i.undeclared).map((i) => i.invoker)).toEqual([
      "serviceAccount:ci@other.iam.gserviceaccount.com",
      "user:mallory@example.com",
    ]);
    expect(json.grants.find((g) => g.resource.name === "rogue")).toMatchObject({
      member: "user:mallory@example.com",
      managed: false,
    });
  });
});
