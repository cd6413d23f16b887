import * as callgraph from "callgraph";

// What README's "Use it in your own program" and the CHANGELOG say `callgraph` exports: the component, its args, the
// topology parser and its errors. A program that parses a declaration itself (CallGraph's `topology`) imports these.
test("callgraph exports the component, the topology parser (throwing and not) and its error", () => {
  for (const name of [
    "CallGraph",
    "parseTopology",
    "checkTopology",
    "parseStackDeclaration",
    "checkStackDeclaration",
    "buildArchives",
    "buildEveryArchive",
    "checkCallSites",
  ] as const)
    expect(typeof callgraph[name]).toBe("function");
  const { topology, issues } = callgraph.checkTopology({ a: { calls: ["b"] } });
  expect(issues.map((i) => `${i.path}: ${i.message}`)).toEqual([
    'functions.a.calls[0]: unknown function "b"',
  ]);
  expect(topology.functions.map((f) => f.name)).toEqual(["a"]);
  expect(() => callgraph.parseTopology({ a: { calls: ["b"] } })).toThrow(callgraph.TopologyError);
});
