import fc from "fast-check";
import { DEFAULTS, parseTopology, type FunctionSpec } from "../../topology";
import { declaration, reordered } from "./arbitraries";
import { happyPath, withFunction } from "./helpers";

describe("defaults", () => {
  test("a function declared as {} gets every default", () => {
    const [spec] = parseTopology({ profiles: {} }).functions;
    expect(spec).toEqual<FunctionSpec>({
      name: "profiles",
      calls: [],
      invokers: [],
      source: "functions/profiles",
      entryPoint: "profiles",
      memoryMb: 256,
      timeoutSeconds: 60,
      maxInstances: 10,
      ingress: "ALLOW_ALL",
      generation: 2,
      runtime: "nodejs22",
      principals: [],
    });
  });

  test("DEFAULTS states the same values", () => {
    expect(DEFAULTS).toEqual({
      memoryMb: 256,
      timeoutSeconds: 60,
      maxInstances: 10,
      ingress: "ALLOW_ALL",
      generation: 2,
    });
  });

  test("the entry point defaults to the function's own name, hyphens and all", () => {
    // A hyphenated name is a valid function but not a JavaScript identifier; the default is taken as is.
    const [spec] = parseTopology({ "get-profile": {} }).functions;
    expect(spec?.entryPoint).toBe("get-profile");
    expect(spec?.source).toBe("functions/get-profile");
  });

  test("declared settings replace the defaults", () => {
    // No function calls profiles here: internal-only ingress is refused on a function that has callers.
    const topology = parseTopology({
      profiles: {
        source: "src/profiles",
        entryPoint: "handleProfiles",
        memory: 1024,
        timeout: 120,
        maxInstances: 3,
        ingress: "ALLOW_INTERNAL_ONLY",
        generation: 1,
        runtime: "nodejs22",
      },
    });
    expect(topology.functions.find((f) => f.name === "profiles")).toEqual<FunctionSpec>({
      name: "profiles",
      calls: [],
      invokers: [],
      source: "src/profiles",
      entryPoint: "handleProfiles",
      memoryMb: 1024,
      timeoutSeconds: 120,
      maxInstances: 3,
      ingress: "ALLOW_INTERNAL_ONLY",
      generation: 1,
      runtime: "nodejs22",
      principals: [],
    });
  });

  test("the stack-wide generation applies to every function that does not set its own", () => {
    const topology = parseTopology(
      { profiles: {}, login: { calls: ["profiles"], generation: 1 } },
      { defaultGeneration: 2 },
    );
    expect(topology.functions.map((f) => [f.name, f.generation])).toEqual([
      ["login", 1],
      ["profiles", 2],
    ]);
  });

  test("empty lists are the same as absent ones", () => {
    expect(parseTopology({ profiles: { calls: [], invokers: [] } })).toEqual(parseTopology({ profiles: {} }));
  });
});

describe("output order", () => {
  test("functions are sorted by name", () => {
    const topology = parseTopology({ search: {}, login: {}, "a-b": {}, profiles: {}, a: {} });
    expect(topology.functions.map((f) => f.name)).toEqual(["a", "a-b", "login", "profiles", "search"]);
  });

  test("calls and invokers are sorted", () => {
    const topology = parseTopology({
      ...happyPath(),
      gateway: {
        calls: ["search", "profiles", "login"],
        invokers: ["user:zoe@example.com", "allUsers", "group:developers@example.com", "domain:example.com"],
      },
    });
    const gateway = topology.functions.find((f) => f.name === "gateway");
    expect(gateway?.calls).toEqual(["login", "profiles", "search"]);
    expect(gateway?.invokers).toEqual([
      "allUsers",
      "domain:example.com",
      "group:developers@example.com",
      "user:zoe@example.com",
    ]);
  });

  test("the happy path parses to exactly this", () => {
    const fn = (name: string, calls: string[], invokers: string[]): FunctionSpec => ({
      name,
      calls,
      invokers,
      source: `functions/${name}`,
      entryPoint: name,
      memoryMb: 256,
      timeoutSeconds: 60,
      maxInstances: 10,
      ingress: "ALLOW_ALL",
      generation: 2,
      runtime: "nodejs22",
      principals: [],
    });
    expect(parseTopology(happyPath())).toEqual({
      functions: [
        fn("login", ["profiles"], ["group:developers@example.com"]),
        fn("profiles", [], []),
        fn("search", ["profiles"], ["group:developers@example.com"]),
      ],
      principals: {},
    });
  });
});

describe("determinism", () => {
  test("the same declaration in any key and list order parses to the same topology", () => {
    fc.assert(
      fc.property(
        declaration(12).chain((decl) => fc.tuple(fc.constant(decl), reordered(decl))),
        ([decl, shuffled]) => {
          expect(parseTopology(shuffled)).toEqual(parseTopology(decl));
        },
      ),
      { numRuns: 100 },
    );
  });

  test("the output is sorted and free of duplicates", () => {
    fc.assert(
      fc.property(declaration(12), (decl) => {
        const { functions } = parseTopology(decl);
        const sorted = (xs: readonly string[]) => [...new Set(xs)].sort();
        expect(functions.map((f) => f.name)).toEqual(sorted(functions.map((f) => f.name)));
        for (const f of functions) {
          expect(f.calls).toEqual(sorted(f.calls));
          expect(f.invokers).toEqual(sorted(f.invokers));
        }
      }),
      { numRuns: 100 },
    );
  });

  test("parsing does not modify its input", () => {
    const input = withFunction("login", {
      calls: ["search", "profiles"],
      invokers: ["user:b@example.com", "user:a@example.com"],
    });
    const copy = structuredClone(input);
    parseTopology(input);
    expect(input).toEqual(copy);
  });
});
