import { keysOfDeclarationInCode } from "../../topology";

// A declaration written in code over the stack's config keys (components/call-graph-inputs.ts), pure: what the code
// holds, what the stack gives, and each stack key ignored by name.
const FUNCTIONS = { front: { calls: ["back"], source: "fn/front" }, back: { source: "fn/back" } };
const IGNORED = (key: string, why: string) => ({
  path: key,
  message: `ignored: ${why}; remove the key from the stack file`,
});
const GRAPH = "the program gives CallGraph its declaration in code, whose functions and callers deploy";

test("the graph is the code's; the settings it leaves out are the stack's", () => {
  const stack = {
    "callgraph:functions": { other: { source: "fn/other" } },
    "callgraph:callers": { nightly: { calls: ["back"] } },
    "callgraph:generation": 1,
    "callgraph:runtime": "nodejs22",
    "callgraph:principals": { team: ["group:team@example.com"] },
  };
  expect(keysOfDeclarationInCode({ functions: FUNCTIONS, principals: { team: [] } }, stack)).toEqual({
    keys: {
      "callgraph:functions": FUNCTIONS,
      "callgraph:generation": 1,
      "callgraph:runtime": "nodejs22",
      "callgraph:principals": { team: ["group:team@example.com"] },
      "callgraph:callers": undefined,
    },
    issues: [],
    warnings: [IGNORED("callgraph:functions", GRAPH), IGNORED("callgraph:callers", GRAPH)],
  });
});

test("a setting the code gives is the code's, warned only where the stack says otherwise", () => {
  const same = keysOfDeclarationInCode(
    { functions: FUNCTIONS, generation: 2, runtime: "nodejs22" },
    { "callgraph:generation": 2, "callgraph:runtime": "nodejs24" },
  );
  expect([same.keys["callgraph:generation"], same.keys["callgraph:runtime"]]).toEqual([2, "nodejs22"]);
  expect(same.warnings).toEqual([
    IGNORED("callgraph:runtime", 'the declaration in code sets runtime "nodejs22"'),
  ]);
});

test("no stack keys: the code's declaration as written, nothing warned", () => {
  expect(keysOfDeclarationInCode({ functions: FUNCTIONS, callers: { c: {} } }, {})).toEqual({
    keys: {
      "callgraph:functions": FUNCTIONS,
      "callgraph:generation": undefined,
      "callgraph:runtime": undefined,
      "callgraph:principals": undefined,
      "callgraph:callers": { c: {} },
    },
    issues: [],
    warnings: [],
  });
});

test("the stack's malformed principals are its issues, for the caller to report with the parser's", () => {
  const { issues } = keysOfDeclarationInCode(
    { functions: FUNCTIONS, principals: { team: [] } },
    { "callgraph:principals": { team: ["allUsers"] } },
  );
  expect(issues.map((i) => i.path)).toEqual(["callgraph:principals.team[0]"]);
});
