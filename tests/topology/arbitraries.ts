import fc from "fast-check";

const LETTERS = [..."abcdefghijklmnopqrstuvwxyz"];
const DIGITS = [..."0123456789"];
const INNER = [...LETTERS, ...DIGITS, "-"];

/** The rule for function names, written out here rather than imported, so the tests do not trust the code. */
export const VALID_NAME = /^[a-z](?:[-a-z0-9]{0,47}[a-z0-9])?$/;

/** A valid name of exactly `length` characters (1–49). */
function nameOfLength(length: number): fc.Arbitrary<string> {
  if (length === 1) return fc.constantFrom(...LETTERS);
  return fc
    .tuple(
      fc.constantFrom(...LETTERS),
      fc.string({ unit: fc.constantFrom(...INNER), minLength: length - 2, maxLength: length - 2 }),
      fc.constantFrom(...LETTERS, ...DIGITS),
    )
    .map(([first, middle, last]) => first + middle + last);
}

/** A 31-character prefix that long names share, so their service-account ids differ only by hash. */
export const SHARED_PREFIX = "reporting-pipeline-aggregation-";

/** Long names (32–49 characters) that all start with `SHARED_PREFIX`. */
export const longSharedPrefixName: fc.Arbitrary<string> = fc
  .tuple(
    fc.string({ unit: fc.constantFrom(...INNER), maxLength: 17 }),
    fc.constantFrom(...LETTERS, ...DIGITS),
  )
  .map(([middle, last]) => SHARED_PREFIX + middle + last);

/**
 * Any valid function name: straight from the regular expression (mostly short), of a uniformly drawn length
 * (so the 26/27-character border of the plain and hashed ids is hit), tiny names over two letters (so one
 * name is often a prefix of another, and so is its URL), and long names sharing a prefix.
 */
export const functionName: fc.Arbitrary<string> = fc.oneof(
  fc.stringMatching(VALID_NAME),
  fc.integer({ min: 1, max: 49 }).chain(nameOfLength),
  fc.stringMatching(/^[ab](?:[-ab]{0,2}[ab])?$/),
  longSharedPrefixName,
);

/** Members a generated function may declare as invokers; none is the service account of a generated function. */
export const MEMBER_POOL = [
  "allUsers",
  "allAuthenticatedUsers",
  "group:developers@example.com",
  "user:alice@example.com",
  "user:bob@example.org",
  "domain:example.com",
  "serviceAccount:ci@other-project.iam.gserviceaccount.com",
] as const;

/** The raw declaration of one function, as a test generates it (only the keys the graph properties need). */
export interface RawFunction {
  calls?: string[];
  invokers?: string[];
}

export type RawDeclaration = Record<string, RawFunction>;

/** The edges and invokers of a generated declaration, read straight from it. */
export function declaredCalls(decl: RawDeclaration, name: string): string[] {
  return decl[name]?.calls ?? [];
}

/** One function's settings given all names: random callees other than itself, in random order, and random invokers. */
function rawFunction(name: string, names: readonly string[]): fc.Arbitrary<RawFunction> {
  const others = names.filter((n) => n !== name);
  return fc.record(
    {
      calls: fc.shuffledSubarray(others),
      invokers: fc.shuffledSubarray([...MEMBER_POOL]),
    },
    // Either key may be absent, as in a real declaration (`profiles: {}`).
    { requiredKeys: [] },
  );
}

/**
 * A random valid declaration of 1–`maxFunctions` functions with random edges (cycles included, no self-calls,
 * no duplicates) and random invokers (public members included).
 */
export function declaration(maxFunctions = 30): fc.Arbitrary<RawDeclaration> {
  return fc
    .uniqueArray(functionName, { minLength: 1, maxLength: maxFunctions })
    .chain((names) =>
      fc.tuple(...names.map((name) => rawFunction(name, names))).map((fns) => ({ names, fns })),
    )
    .map(({ names, fns }) => Object.fromEntries(names.map((name, i) => [name, fns[i]!])));
}

/** The same declaration with its functions, and each function's calls and invokers, in another order. */
export function reordered(decl: RawDeclaration): fc.Arbitrary<RawDeclaration> {
  const names = Object.keys(decl);
  return fc
    .tuple(
      fc.shuffledSubarray(names, { minLength: names.length }),
      fc.tuple(
        ...names.map((name) => {
          const fn = decl[name]!;
          return fc.record({
            calls: fc.shuffledSubarray(fn.calls ?? [], { minLength: fn.calls?.length ?? 0 }),
            invokers: fc.shuffledSubarray(fn.invokers ?? [], { minLength: fn.invokers?.length ?? 0 }),
          });
        }),
      ),
    )
    .map(([order, fns]) => {
      const byName = new Map(names.map((name, i) => [name, fns[i]!]));
      return Object.fromEntries(
        order.map((name) => {
          const original = decl[name]!;
          const shuffled = byName.get(name)!;
          const fn: RawFunction = {};
          if (original.invokers) fn.invokers = shuffled.invokers;
          if (original.calls) fn.calls = shuffled.calls;
          return [name, fn];
        }),
      );
    });
}
