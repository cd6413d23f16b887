import { fromEngine } from "../../engine";
import { parsePackConfig } from "../../policy/pack-config";
import { POLICIES } from "../../policy/policies";
import { RULES } from "../../policy/rules";
import { runRules } from "../../policy/run-rules";
import {
  COMPUTED,
  changed,
  happyStack,
  invokerBinding,
  sa,
  site,
  urnOf,
  withComponents,
  withProp,
  type TestRecord,
  type TestResource,
} from "./fixtures";
import { check, registered, runPolicy } from "./harness";

const DECLARED = "function-calls-declared";
const USED = "function-grants-used";
const none: TestRecord = { callSites: [], dynamic: [] };
/** login's code calls both its callees; profiles and reports call nothing: code and grants agree. */
const agreeing = {
  login: { callSites: [site("login", "profiles", 14), site("login", "reports", 20)], dynamic: [] },
  profiles: none,
  reports: none,
};
const componentUrn = (stack: readonly TestResource[], fn: string) =>
  urnOf(stack.find((r) => r.name === `callgraph-${fn}`)!);

describe("call-site rules", () => {
  test("pass when every call has a grant and every grant a call", async () => {
    const stack = withComponents(happyStack(), agreeing);
    expect(await check(DECLARED, stack)).toEqual({ violations: [] });
    expect(await check(USED, stack)).toEqual({ violations: [] });
  });

  test(`${DECLARED} fails on a call whose callee grants the caller nothing, naming file and line`, async () => {
    const stack = withComponents(happyStack(), {
      ...agreeing,
      profiles: { callSites: [site("profiles", "login", 14), site("profiles", "login", 30)], dynamic: [] },
    });
    expect((await check(DECLARED, stack)).violations).toEqual([
      {
        urn: componentUrn(stack, "profiles"),
        message:
          'functions.profiles: code calls "login" (functions/profiles/index.ts:14, functions/profiles/index.ts:30), ' +
          'but "login" is not in functions.profiles.calls. Add it to functions.profiles.calls in the declaration, or ' +
          "remove the call\nTo fix: declare the edge (functions.profiles.calls), or remove the " +
          "call; until then the call is refused with 403 (or UndeclaredCalleeError) in production.",
      },
    ]);
    expect((await check(USED, stack)).violations).toEqual([]);
  });

  test(`${DECLARED} fails on a call to a function the stack does not define`, async () => {
    const stack = withComponents(happyStack(), {
      ...agreeing,
      reports: { callSites: [site("reports", "billing", 3)], dynamic: [] },
    });
    const [only, ...rest] = (await check(DECLARED, stack)).violations;
    expect(rest).toEqual([]);
    // Declaring the edge cannot fix it: the message and the fix say there is no such function.
    expect(only.message).toBe(
      'functions.reports: code calls "billing" (functions/reports/index.ts:3), but no function is named "billing". ' +
        "Call a declared function (and add it to functions.reports.calls), or remove the call\nTo fix: call a " +
        "declared function (declaring the edge in functions.reports.calls), or remove the call; until then the call " +
        "is refused with 403 (or UndeclaredCalleeError) in production.",
    );
  });

  test(`${DECLARED} reads the grants, not the declaration: a grant made outside the component counts`, async () => {
    let stack = withComponents(happyStack(), {
      ...agreeing,
      reports: { callSites: [site("reports", "profiles", 8)], dynamic: [] },
    });
    stack = changed(stack, "callgraph-profiles-invokers", () =>
      invokerBinding("profiles", [sa("login"), sa("reports")]),
    );
    expect((await check(DECLARED, stack)).violations).toEqual([]);
  });

  test(`${USED} reports a grant no code calls, with the fix`, async () => {
    const stack = withComponents(happyStack(), {
      ...agreeing,
      login: { callSites: [site("login", "profiles", 14)], dynamic: [] },
    });
    expect((await check(USED, stack)).violations).toEqual([
      {
        urn: componentUrn(stack, "login"),
        message:
          'functions.login: functions.login.calls declares "reports", but no code of login calls it: an unused grant. ' +
          'Remove it from functions.login.calls, or call it\nTo fix: remove "reports" from functions.login.calls in ' +
          "the declaration (the program then drops the grant), or call it.",
      },
    ]);
    expect((await check(DECLARED, stack)).violations).toEqual([]);
  });

  test(`${USED} reports a dynamic call site with how to make it checkable; it proves no grant unused`, async () => {
    const dynamic = { file: "functions/login/route.ts", line: 7, column: 10, expression: "req.query.to" };
    const stack = withComponents(happyStack(), {
      ...agreeing,
      login: { callSites: [site("login", "profiles", 14)], dynamic: [dynamic] },
    });
    const { violations } = await check(USED, stack);
    expect(violations).toHaveLength(1);
    expect(violations[0].message).toBe(
      "functions.login: code at functions/login/route.ts:7 reaches a callee the checker cannot name (req.query.to), so " +
        'it could be any declared one; it leaves "reports" unproven. Make it checkable: pass a string literal, a ' +
        'const, or a value typed as a union of literals (e.g. "a" | "b")\nTo fix: pass the callee as a string literal, ' +
        'a const, or a value typed as a union of literals (e.g. "a" | "b").',
    );
  });

  test("default levels: calls-declared mandatory, grants-used advisory; the pack config makes it mandatory", () => {
    const levels = (raw: unknown) => parsePackConfig(raw, RULES, "test").levels;
    expect(levels(undefined).get(DECLARED)).toBe("mandatory");
    expect(levels(undefined).get(USED)).toBe("advisory");
    expect(levels({ [USED]: "mandatory" }).get(USED)).toBe("mandatory");
    expect(levels({ all: "mandatory" }).get(USED)).toBe("mandatory");
    expect(POLICIES.find((p) => p.name === USED)!.enforcementLevel).toBe("advisory");
    expect(POLICIES.find((p) => p.name === DECLARED)!.enforcementLevel).toBe("mandatory");
    const stack = withComponents(happyStack(), { ...agreeing, login: none });
    const report = runRules(fromEngine(registered(stack)));
    expect(report.violations.filter((v) => v.policy === USED).map((v) => v.enforcementLevel)).toEqual([
      "advisory",
      "advisory",
    ]);
  });

  test("a function without a record is undecided in check, never a pass or a violation", async () => {
    const stack = withComponents(happyStack(), { login: agreeing.login, reports: none });
    const report = runRules(
      fromEngine(registered(stack)),
      undefined,
      RULES.filter((r) => r.name === DECLARED),
    );
    expect(report.violations).toEqual([]);
    expect(report.undecided).toEqual([
      {
        policy: DECLARED,
        urn: componentUrn(stack, "profiles"),
        why: expect.stringMatching(
          /^ServiceFunction "callgraph-profiles" records no call sites: the program/,
        ),
        unknownPath: "callSites",
      },
    ]);
    // CrossGuard has no channel for it but violations and its unknown-value note: it reports nothing.
    expect(
      await runPolicy(
        POLICIES.find((p) => p.name === DECLARED)!,
        stack,
      ),
    ).toEqual({ violations: [] });
  });

  test("an invoker member unknown until deployment leaves every comparison undecided", async () => {
    let stack = withComponents(happyStack(), { ...agreeing, login: none });
    stack = changed(stack, "callgraph-profiles-invokers", (r) => withProp(r, "members", [COMPUTED]));
    const run = await check(USED, stack);
    expect(run.violations).toEqual([]);
    expect(run.unknownError).toBeDefined();
  });

  test("a record of another shape is undecided, naming what was expected", () => {
    const stack = withComponents(happyStack(), agreeing).map((r) =>
      r.name === "callgraph-login" ? withProp(r, "callSites", { sites: [] }) : r,
    );
    const report = runRules(
      fromEngine(registered(stack)),
      undefined,
      RULES.filter((r) => r.name === USED),
    );
    expect(report.violations).toEqual([]);
    expect(report.undecided.map((u) => u.why)).toEqual([
      expect.stringContaining("records call sites in a shape this pack does not read"),
    ]);
  });
});
