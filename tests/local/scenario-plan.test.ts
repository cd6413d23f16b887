import { planScenario, type LocalStack } from "../../local";

// The scenario expects a caller refused only where IAM would refuse it (local/scenario.ts `planScenario`).

const account = (fn: string) => `fn-${fn}@p.iam.gserviceaccount.com`;

/** A stack with only what the plan reads: each function's name, account and invoker members; no sources. */
function stackOf(invokers: Record<string, readonly string[]>): LocalStack {
  const functions = Object.fromEntries(
    Object.entries(invokers).map(([name, members]) => [
      name,
      { name, serviceAccount: account(name), invokers: members },
    ]),
  );
  return { functions, description: { sources: {} } } as unknown as LocalStack;
}

const refusals = (stack: LocalStack) =>
  planScenario(stack, new Map())
    .filter((c) => c.expect === 403)
    .map((c) => `${c.as} -> ${c.function}`)
    .sort();

test("every function-to-function pair IAM refuses is expected refused, and only those", () => {
  const stack = stackOf({
    a: [],
    b: [`serviceAccount:${account("a")}`],
    c: ["allAuthenticatedUsers"],
    d: ["allUsers"],
  });
  // c admits every signed-in caller and d every caller: IAM lets a, b and c through to them.
  expect(refusals(stack)).toEqual(
    [
      `serviceAccount:${account("b")} -> a`,
      `serviceAccount:${account("c")} -> a`,
      `serviceAccount:${account("d")} -> a`,
      `serviceAccount:${account("c")} -> b`,
      `serviceAccount:${account("d")} -> b`,
    ].sort(),
  );
});

test("a member named in another case is the same member", () => {
  const stack = stackOf({ a: [], b: [`serviceAccount:${account("a").toUpperCase()}`] });
  expect(refusals(stack)).toEqual([`serviceAccount:${account("b")} -> a`]);
});
