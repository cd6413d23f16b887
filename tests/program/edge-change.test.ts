import { TYPES, type Evaluation } from "../../engine";
import { evaluateFixture, FIXTURE_STACK, LARGE_CONFIG, LARGE_TOPOLOGY } from "../fixtures";

/** URN -> inputs, for comparing two evaluations resource by resource. */
function inputsByUrn(e: Evaluation): Map<string, string> {
  return new Map(e.resources.map((r) => [r.urn, JSON.stringify(r.inputs)]));
}

/** What differs between two evaluations: added, removed and changed URNs. */
function changes(
  before: Evaluation,
  after: Evaluation,
): { added: string[]; removed: string[]; changed: string[] } {
  const a = inputsByUrn(before);
  const b = inputsByUrn(after);
  return {
    added: [...b.keys()].filter((k) => !a.has(k)).sort(),
    removed: [...a.keys()].filter((k) => !b.has(k)).sort(),
    changed: [...b.keys()].filter((k) => a.has(k) && a.get(k) !== b.get(k)).sort(),
  };
}

const functionUrn = (name: string) =>
  `urn:pulumi:${FIXTURE_STACK}::callgraph::callgraph:index:ServiceFunction$${TYPES.function}::callgraph-${name}-function`;
const bindingUrn = (name: string) =>
  `urn:pulumi:${FIXTURE_STACK}::callgraph::callgraph:index:CallGraph$${TYPES.functionIamBinding}::callgraph-${name}-invokers`;

// Invariant 6. The callee's environment changes too: it carries the callee's invoker list
// (CALLGRAPH_INVOKERS) so its code can refuse callers IAM would refuse; see docs/design-notes.md.
describe.each([false, true])(
  "invariant 6: one edge touches only the caller and the callee (preview: %s)",
  (preview) => {
    let base: Evaluation;
    beforeAll(async () => {
      base = await evaluateFixture({ config: LARGE_CONFIG, preview });
    });

    const withCalls = (name: keyof typeof LARGE_TOPOLOGY, calls: string[]) => ({
      ...LARGE_CONFIG,
      "callgraph:functions": { ...LARGE_TOPOLOGY, [name]: { ...LARGE_TOPOLOGY[name], calls } },
    });

    test("adding ping -> bottom changes ping's function, bottom's function and bottom's binding only", async () => {
      const after = await evaluateFixture({ config: withCalls("ping", ["bottom", "pong"]), preview });
      expect(changes(base, after)).toEqual({
        added: [],
        removed: [],
        changed: [functionUrn("bottom"), functionUrn("ping"), bindingUrn("bottom")].sort(),
      });
      const ping = after.resources.find((r) => r.urn === functionUrn("ping"))!;
      expect(
        JSON.parse((ping.inputs.environmentVariables as Record<string, string>).CALLGRAPH_CALLEES),
      ).toHaveProperty("bottom");
    });

    test("removing top -> right changes top's function, right's function and right's binding only", async () => {
      const after = await evaluateFixture({ config: withCalls("top", ["left"]), preview });
      // right has no other caller or invoker: its binding goes away rather than being left with no members.
      expect(changes(base, after)).toEqual({
        added: [],
        removed: [bindingUrn("right")],
        changed: [functionUrn("right"), functionUrn("top")].sort(),
      });
    });

    test("the first edge into a function adds its binding", async () => {
      const after = await evaluateFixture({
        config: withCalls("top", ["left", "right", "reporting-pipeline-aggregation-service-stage-one"]),
        preview,
      });
      expect(changes(base, after)).toEqual({
        added: [bindingUrn("reporting-pipeline-aggregation-service-stage-one")],
        removed: [],
        changed: [functionUrn("reporting-pipeline-aggregation-service-stage-one"), functionUrn("top")].sort(),
      });
    });
  },
);
