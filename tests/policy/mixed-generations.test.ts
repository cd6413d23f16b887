import { fromEngine } from "../../engine";
import { parsePackConfig } from "../../policy/pack-config";
import { RULES } from "../../policy/rules";
import { runRules } from "../../policy/run-rules";
import { evaluateFixture, runs } from "../fixtures";

// Issue 7: a graph mixing generations (gen1 calling gen2 and back, a public gen2 function) passes every policy;
// the gen2 grants are read on the Cloud Run service and matched against the function's declaration.
const MIXED = {
  "gcp:project": "callgraph-mixed",
  "gcp:region": "us-central1",
  "callgraph:generation": 2,
  "callgraph:functions": {
    login: {
      calls: ["profiles"],
      invokers: ["group:developers@example.com"],
      generation: 1,
      ...runs("relay"),
    },
    profiles: { calls: ["audit"], ...runs("relay") },
    audit: { calls: ["profiles"], generation: 1, ...runs("relay") },
    search: { calls: ["profiles"], invokers: ["allUsers"], ...runs("relay") },
  },
  "callgraph:policy": {},
};

describe.each([false, true])("a mixed-generation stack (preview: %s)", (preview) => {
  test("passes every policy, nothing left undecided", async () => {
    const e = await evaluateFixture({ config: MIXED, preview });
    const report = runRules(fromEngine(e.resources));
    // The fixture relay's code names its callees at run time: dynamic call sites, advisory findings only.
    expect(report.violations.filter((v) => v.policy !== "function-grants-used")).toEqual([]);
    expect(new Set(report.violations.map((v) => v.enforcementLevel))).not.toContain("mandatory");
    expect(report.undecided).toEqual([]);
  });

  test("a public gen2 function is refused when the policy forbids public functions", async () => {
    const e = await evaluateFixture({ config: MIXED, preview });
    const report = runRules(
      fromEngine(e.resources),
      parsePackConfig({ "function-no-public-invoker": { forbidPublic: true } }, RULES, "test"),
    );
    const mandatory = report.violations.filter((v) => v.enforcementLevel === "mandatory");
    expect(mandatory.map((v) => v.policy)).toEqual(["function-no-public-invoker"]);
    expect(mandatory[0].message).toContain("search");
  });
});
