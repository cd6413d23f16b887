import fc from "fast-check";
import {
  callersOf,
  getFunction,
  invokerMembers,
  parseTopology,
  serviceAccountId,
  type FunctionSpec,
  type Topology,
} from "../../topology";
import { declaration, functionName, type RawDeclaration } from "./arbitraries";
import { TARGET } from "./helpers";

// `getFunction` and `callersOf` answer from an index built once per topology (topology/graph-index.ts). Their
// answers must be exactly those of the scans they replace, written out here: on parsed topologies, and on
// hand-made ones that break what parsing guarantees (unsorted, a name twice, a callee twice, unknown callees).

const RUNS = { numRuns: 200 };

/** The scans the index replaces, as they were written before it. */
const naive = {
  getFunction: (t: Topology, name: string): FunctionSpec | undefined =>
    t.functions.find((f) => f.name === name),
  callersOf: (t: Topology, name: string): string[] =>
    t.functions.filter((f) => f.calls.includes(name)).map((f) => f.name),
};

const parse = (decl: RawDeclaration): Topology => parseTopology(decl, { sourceExists: () => true });

/** Every name a question may be asked about: the declared ones, and some that are not declared. */
const questions = (t: Topology, extra: readonly string[]) => [
  ...new Set([...t.functions.map((f) => f.name), ...t.functions.flatMap((f) => f.calls), ...extra]),
];

/** A function with every default applied (as parsing gives it), renamed and with its calls replaced. */
const TEMPLATE = parseTopology({ template: {} }, { defaultGeneration: 2 }).functions[0]!;
function spec(name: string, calls: readonly string[]): FunctionSpec {
  return { ...TEMPLATE, name, calls, source: `functions/${name}`, entryPoint: name };
}

/** A topology as a caller might build one by hand: any order, names and callees repeated, callees undeclared. */
const handMade: fc.Arbitrary<Topology> = fc
  .uniqueArray(functionName, { minLength: 1, maxLength: 12 })
  .chain((names) => {
    const pool = [...names, "not-declared"];
    const one = fc.record({
      name: fc.constantFrom(...names),
      calls: fc.array(fc.constantFrom(...pool), { maxLength: 6 }),
    });
    return fc.array(one, { minLength: 1, maxLength: 16 });
  })
  .map((fns) => ({ functions: fns.map((f) => spec(f.name, f.calls)), principals: {} }));

function expectSameAnswers(t: Topology, extra: readonly string[]): void {
  for (const name of questions(t, extra)) {
    expect(callersOf(t, name)).toEqual(naive.callersOf(t, name));
    const expected = naive.getFunction(t, name);
    if (expected) expect(getFunction(t, name)).toBe(expected);
    else expect(() => getFunction(t, name)).toThrow(`no function named "${name}" in the topology`);
  }
}

test("on random parsed topologies, the indexed answers are the scans' answers", () => {
  fc.assert(
    fc.property(declaration(), fc.array(functionName, { maxLength: 3 }), (decl, extra) => {
      expectSameAnswers(parse(decl), extra);
    }),
    RUNS,
  );
});

test("on random hand-made topologies (unsorted, repeated, undeclared callees), the answers are the scans' too", () => {
  fc.assert(
    fc.property(handMade, (t) => expectSameAnswers(t, ["not-declared", "nowhere"])),
    RUNS,
  );
});

test("invoker members from the index are the callers' accounts and the declared invokers, as scanned", () => {
  fc.assert(
    fc.property(declaration(), (decl) => {
      const t = parse(decl);
      for (const f of t.functions) {
        const callers = naive
          .callersOf(t, f.name)
          .map((c) => `serviceAccount:${serviceAccountId(c)}@${TARGET.project}.iam.gserviceaccount.com`);
        expect(invokerMembers(t, f.name, TARGET.project)).toEqual(
          [...new Set([...callers, ...naive.getFunction(t, f.name)!.invokers])].sort(),
        );
      }
    }),
    RUNS,
  );
});

test("each topology has its own index: two topologies never answer for each other", () => {
  const a = parseTopology({ login: { calls: ["profiles"] }, profiles: {} });
  const b = parseTopology({ search: { calls: ["profiles"] }, profiles: {} });
  expect(callersOf(a, "profiles")).toEqual(["login"]);
  expect(callersOf(b, "profiles")).toEqual(["search"]);
  expect(() => getFunction(a, "search")).toThrow('no function named "search" in the topology');
  // A topology that shares another's functions list (a spread copy) shares its answers, as the scan would.
  expect(callersOf({ ...a, principals: { developers: [] } }, "profiles")).toEqual(["login"]);
});

test("callersOf hands out a new array: changing it changes no later answer", () => {
  const t = parseTopology({ login: { calls: ["profiles"] }, search: { calls: ["profiles"] }, profiles: {} });
  const callers = callersOf(t, "profiles");
  callers.push("intruder");
  callers.reverse();
  expect(callersOf(t, "profiles")).toEqual(["login", "search"]);
  expect(callersOf(t, "login")).toEqual([]);
  callersOf(t, "login").push("intruder");
  expect(callersOf(t, "login")).toEqual([]);
});
