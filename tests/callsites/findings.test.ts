import { compareCallSites, edgeUses, formatFinding, type CallSiteReport } from "../../callsites";

function report(
  name: string,
  calls: [string, string, number][],
  dynamic: [string, number][] = [],
): CallSiteReport {
  return {
    function: name,
    callSites: calls.map(([callee, file, line]) => ({ callee, file, line, column: 5 })),
    dynamic: dynamic.map(([file, line]) => ({ file, line, column: 9, expression: "target" })),
    inputs: [],
    inputsHash: "",
  };
}

test("a call to an undeclared callee is an error in validation's format, naming every site", () => {
  const findings = compareCallSites({ search: ["profiles"], profiles: [] }, [
    report("search", [
      ["profiles", "functions/search/index.ts", 9],
      ["login", "functions/search/index.ts", 14],
      ["login", "functions/search/more.ts", 3],
    ]),
    report("profiles", []),
  ]);
  expect(findings.map((f) => [f.kind, f.severity, f.callee])).toEqual([
    ["undeclared-call", "error", "login"],
  ]);
  expect(formatFinding(findings[0])).toBe(
    'functions.search: code calls "login" (functions/search/index.ts:14, functions/search/more.ts:3), but ' +
      '"login" is not in functions.search.calls. Add it to functions.search.calls in the declaration, or remove the call',
  );
  expect(findings[0].sites).toHaveLength(2);
});

test("a call to a name no function has (renamed, removed, a typo) says so, with the nearest name", () => {
  const declared = { billing: ["orders"], orders: [], purchases: [] };
  const reports = [
    report("billing", [["orderz", "functions/billing/index.ts", 4]]),
    report("orders", []),
    report("purchases", []),
  ];
  const [finding] = compareCallSites(declared, reports, Object.keys(declared));
  expect(formatFinding(finding)).toBe(
    'functions.billing: code calls "orderz" (functions/billing/index.ts:4), but no function is named "orderz" ' +
      '(did you mean "orders"?). Call a declared function (and add it to functions.billing.calls), or remove the call',
  );
  // Without the stack's names (a policy that sees only some functions), the finding cannot tell, and says the edge.
  expect(formatFinding(compareCallSites(declared, reports)[0])).toContain(
    '"orderz" is not in functions.billing.calls',
  );
});

test("a declared edge no code calls is an unused grant", () => {
  const findings = compareCallSites({ login: ["profiles", "search"] }, [
    report("login", [["profiles", "functions/login/index.ts", 18]]),
  ]);
  expect(findings.map((f) => [f.kind, f.severity, f.callee])).toEqual([["unused-edge", "warning", "search"]]);
  expect(formatFinding(findings[0])).toBe(
    'functions.login: functions.login.calls declares "search", but no code of login calls it: an unused grant. ' +
      "Remove it from functions.login.calls, or call it",
  );
});

// A dynamic site could pass any declared name, so no edge of its function is provably unused.
test("a dynamic site is advisory, names the site and the fix, and keeps its function's edges from 'unused'", () => {
  const findings = compareCallSites({ router: ["a", "b"] }, [
    report("router", [["a", "functions/router/index.ts", 4]], [["functions/router/index.ts", 7]]),
  ]);
  expect(findings.map((f) => [f.kind, f.severity])).toEqual([["dynamic-call", "advisory"]]);
  expect(findings[0].message).toBe(
    "code at functions/router/index.ts:7 reaches a callee the checker cannot name (target), so it could be any " +
      'declared one; it leaves "b" unproven. Make it checkable: pass a string literal, a const, or a value typed ' +
      'as a union of literals (e.g. "a" | "b")',
  );
});

test("matching declaration and code: no findings; every edge lists its sites", () => {
  const declared = { a: ["b"], b: [] };
  const reports = [report("a", [["b", "functions/a/index.ts", 3]]), report("b", [])];
  expect(compareCallSites(declared, reports)).toEqual([]);
  expect(edgeUses(declared, reports)).toEqual([
    { caller: "a", callee: "b", callSites: reports[0].callSites, dynamic: [] },
  ]);
});

test("a declared function without a report is a programming error, named", () => {
  expect(() => compareCallSites({ a: [], b: ["a"] }, [report("a", [])])).toThrow(
    'no call-site report for "b"; extract every declared function first',
  );
});
