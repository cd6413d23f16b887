import fc from "fast-check";
import {
  DEFAULTS,
  edges,
  ENV,
  functionEnvironment,
  functionUrl,
  invokerMembers,
  parseTopology,
  serviceAccountId,
  type Topology,
} from "../../topology";
import { declaration, declaredCalls, type RawDeclaration } from "./arbitraries";
import { TARGET } from "./helpers";

// DESIGN.md's invariants, at the level of the model, over random graphs of 1–30 functions with random edges
// (cycles included) and random invokers (public ones included). Every expectation is computed here from the
// raw generated declaration, not with the helpers under test.

const RUNS = { numRuns: 200 };
/** The URL of a function the generated declaration leaves at the default generation. */
const defaultUrl = (name: string) => functionUrl(name, TARGET, DEFAULTS.generation);
const names = (decl: RawDeclaration) => Object.keys(decl);
const parse = (decl: RawDeclaration): Topology => parseTopology(decl, { sourceExists: () => true });

/** `serviceAccount:ID@PROJECT.iam.gserviceaccount.com`, spelled out independently of names.ts. */
const saMember = (name: string) =>
  `serviceAccount:${serviceAccountId(name)}@${TARGET.project}.iam.gserviceaccount.com`;

/** Every function's environment, by name. */
const environments = (t: Topology) =>
  Object.fromEntries(t.functions.map((f) => [f.name, functionEnvironment(t, f.name, TARGET)]));

/** Every function's invoker members, by name. */
const grants = (t: Topology) =>
  Object.fromEntries(t.functions.map((f) => [f.name, invokerMembers(t, f.name, TARGET.project)]));

/** The names whose value differs between two maps with the same keys. */
function changed<T>(before: Record<string, T>, after: Record<string, T>): string[] {
  return Object.keys(before)
    .filter((k) => JSON.stringify(before[k]) !== JSON.stringify(after[k]))
    .sort();
}

/** Whether `text` mentions `url` as a whole URL (not merely as the prefix of a longer one: `/a` inside `/ab`). */
function mentions(text: string, url: string): boolean {
  const escaped = url.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");
  return new RegExp(`${escaped}(?![-a-z0-9])`).test(text);
}

type Pair = readonly [from: string, to: string];
interface WithEdge {
  readonly decl: RawDeclaration;
  /** Absent when the declaration has no such edge (the run is then skipped). */
  readonly edge?: Pair;
}

/** A declaration and one of the pairs `pick` lists for it. */
function withEdge(pick: (decl: RawDeclaration) => Pair[]): fc.Arbitrary<WithEdge> {
  return declaration().chain((decl): fc.Arbitrary<WithEdge> => {
    const pairs = pick(decl);
    return pairs.length === 0
      ? fc.constant({ decl })
      : fc.constantFrom(...pairs).map((edge) => ({ decl, edge }));
  });
}

/** A declaration, and a pair (a, b) of distinct functions where a does not yet call b. */
const withMissingEdge = withEdge((decl) =>
  names(decl).flatMap((a) =>
    names(decl)
      .filter((b) => b !== a && !declaredCalls(decl, a).includes(b))
      .map((b): Pair => [a, b]),
  ),
);

/** A declaration, and one of its declared edges. */
const withExistingEdge = withEdge((decl) =>
  names(decl).flatMap((a) => declaredCalls(decl, a).map((b): Pair => [a, b])),
);

function withCalls(decl: RawDeclaration, name: string, calls: string[]): RawDeclaration {
  return { ...decl, [name]: { ...decl[name], calls } };
}

test("parse round-trips the edges: every declared edge is in edges(t), and nothing else", () => {
  fc.assert(
    fc.property(declaration(), (decl) => {
      const declared = names(decl)
        .flatMap((from) => declaredCalls(decl, from).map((to) => `${from} -> ${to}`))
        .sort();
      const derived = edges(parse(decl)).map((e) => `${e.from} -> ${e.to}`);
      expect([...derived].sort()).toEqual(declared);
      expect(new Set(derived).size).toBe(derived.length);
      expect(parse(decl).functions.map((f) => f.name)).toEqual([...names(decl)].sort());
    }),
    RUNS,
  );
});

test("invariant 2: the invoker members of F are exactly {serviceAccount:SA(C) | C calls F} ∪ invokers(F)", () => {
  fc.assert(
    fc.property(declaration(), (decl) => {
      const t = parse(decl);
      for (const f of names(decl)) {
        const callers = names(decl).filter((c) => declaredCalls(decl, c).includes(f));
        const expected = new Set([...callers.map(saMember), ...(decl[f]!.invokers ?? [])]);
        const actual = invokerMembers(t, f, TARGET.project);
        expect(new Set(actual)).toEqual(expected);
        expect(actual).toHaveLength(expected.size); // no duplicates
        expect(actual).toEqual([...actual].sort()); // stable order
      }
    }),
    RUNS,
  );
});

test("invariant 4: a function is told its own URL and its declared callees' URLs, and no other function's", () => {
  fc.assert(
    fc.property(declaration(), (decl) => {
      const t = parse(decl);
      for (const f of names(decl)) {
        const env = functionEnvironment(t, f, TARGET);
        const callees = declaredCalls(decl, f);
        expect(env[ENV.function]).toBe(f);
        expect(env[ENV.selfUrl]).toBe(defaultUrl(f));
        expect(JSON.parse(env[ENV.callees]!)).toEqual(
          Object.fromEntries(callees.map((c) => [c, defaultUrl(c)])),
        );

        // Every URL anywhere in the environment is f's own or a declared callee's...
        const allowed = new Set([f, ...callees].map((n) => defaultUrl(n)));
        const found = Object.values(env).flatMap((value) => value.match(/https:\/\/[^"\s,\]}]+/g) ?? []);
        expect(new Set(found)).toEqual(allowed);
        // ...and no other function's URL appears whole in any value (`/a` inside `/ab` is `/ab`'s URL, not `/a`'s).
        const leaked = names(decl)
          .filter((n) => n !== f && !callees.includes(n))
          .filter((other) => Object.values(env).some((value) => mentions(value, defaultUrl(other))));
        expect(leaked).toEqual([]);
      }
    }),
    RUNS,
  );
});

test("invariant 5 (model): a function's environment depends only on its own declaration and on who calls it", () => {
  const arbitrary = declaration().chain((decl) => {
    const all = names(decl);
    if (all.length < 2) return fc.constant(undefined);
    return fc
      .tuple(fc.constantFrom(...all), fc.constantFrom(...all))
      .filter(([f, g]) => f !== g)
      .chain(([f, g]) =>
        fc.shuffledSubarray(all.filter((n) => n !== g)).map((calls) => ({ decl, f, g, calls })),
      );
  });
  fc.assert(
    fc.property(arbitrary, (c) => {
      fc.pre(c !== undefined);
      const { decl, f, g } = c!;
      // Rewrite g's calls at random, keeping only whether g calls f.
      const calls = c!.calls.filter((n) => n !== f);
      if (declaredCalls(decl, g).includes(f)) calls.push(f);
      const after = parse(withCalls(decl, g, calls));
      expect(functionEnvironment(after, f, TARGET)).toEqual(functionEnvironment(parse(decl), f, TARGET));
    }),
    RUNS,
  );
});

test("invariant 6 (model): adding the edge a -> b changes only a's and b's environments and b's invokers", () => {
  fc.assert(
    fc.property(withMissingEdge, ({ decl, edge }) => {
      fc.pre(edge !== undefined);
      const [a, b] = edge as Pair;
      const before = parse(decl);
      const after = parse(withCalls(decl, a, [...declaredCalls(decl, a), b]));

      expect(changed(environments(before), environments(after))).toEqual([a, b].sort());
      expect(changed(grants(before), grants(after))).toEqual([b]);
      expect(invokerMembers(after, b, TARGET.project)).toEqual(
        [...invokerMembers(before, b, TARGET.project), saMember(a)].sort(),
      );
      expect(JSON.parse(functionEnvironment(after, a, TARGET)[ENV.callees]!)[b]).toBe(defaultUrl(b));
    }),
    RUNS,
  );
});

test("invariant 6 (model): removing the edge a -> b changes only a's and b's environments and b's invokers", () => {
  fc.assert(
    fc.property(withExistingEdge, ({ decl, edge }) => {
      fc.pre(edge !== undefined);
      const [a, b] = edge as Pair;
      const before = parse(decl);
      const after = parse(
        withCalls(
          decl,
          a,
          declaredCalls(decl, a).filter((n) => n !== b),
        ),
      );

      expect(changed(environments(before), environments(after))).toEqual([a, b].sort());
      expect(changed(grants(before), grants(after))).toEqual([b]);
      expect(invokerMembers(after, b, TARGET.project)).not.toContain(saMember(a));
    }),
    RUNS,
  );
});

test("invariant 7: service-account ids are valid for GCP and unique across the topology", () => {
  fc.assert(
    fc.property(declaration(), (decl) => {
      const ids = parse(decl).functions.map((f) => serviceAccountId(f.name));
      for (const id of ids) {
        expect(id).toMatch(/^[a-z]([-a-z0-9]*[a-z0-9])$/);
        expect(id.length).toBeGreaterThanOrEqual(6);
        expect(id.length).toBeLessThanOrEqual(30);
      }
      expect(new Set(ids).size).toBe(ids.length);
    }),
    RUNS,
  );
});

test("the generator covers what the invariants are about: cycles, public functions, prefix names", () => {
  // Guards the properties above against a generator that quietly stopped producing the hard cases.
  let cycles = 0;
  let publics = 0;
  let prefixes = 0;
  fc.assert(
    fc.property(declaration(), (decl) => {
      const all = names(decl);
      if (all.some((a) => declaredCalls(decl, a).some((b) => declaredCalls(decl, b).includes(a)))) cycles++;
      if (
        all.some((a) =>
          (decl[a]!.invokers ?? []).some((m) => m === "allUsers" || m === "allAuthenticatedUsers"),
        )
      )
        publics++;
      if (all.some((a) => all.some((b) => a !== b && b.startsWith(a)))) prefixes++;
    }),
    RUNS,
  );
  expect(cycles).toBeGreaterThan(20);
  expect(publics).toBeGreaterThan(20);
  expect(prefixes).toBeGreaterThan(20);
});
