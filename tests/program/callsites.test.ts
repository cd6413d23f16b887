import * as fs from "node:fs";
import * as path from "node:path";
import { extractCallSites } from "../../callsites";
import { EvaluationError, type Evaluation } from "../../engine";
import { callSiteFindings, callSitesOf, edgeCallSites, SERVICE_FUNCTION_TYPE } from "../../engine/call-sites";
import { evaluateFixture, FIXTURE_TARGET, fixtureSource, REPO_ROOT } from "../fixtures";

/** A fixture whose one call's callee is chosen at run time (tests/callsites/fixtures): a dynamic site. */
const RUNTIME_CALLEE = "tests/callsites/fixtures/runtime-callee";

function config(functions: Record<string, unknown>): Record<string, unknown> {
  return { ...FIXTURE_TARGET, "callgraph:functions": functions };
}

/** `file:line` of the one line of `source`'s entry containing `text`, found by reading the file (not the checker). */
function lineOf(source: string, text: string): string {
  const file = `${source}/index.ts`;
  const lines = fs.readFileSync(path.join(REPO_ROOT, file), "utf8").split("\n");
  const found = lines.flatMap((line, i) => (line.includes(text) ? [i + 1] : []));
  if (found.length !== 1) throw new Error(`${file}: expected one line with ${text}, found ${found.length}`);
  return `${file}:${found[0]}`;
}

/** What the program warned through `pulumi.log.warn` (the SDK prints to console.warn without an engine). */
async function evaluateWarning(
  functions: Record<string, unknown>,
  preview = false,
): Promise<{ evaluation: Evaluation; warnings: string[] }> {
  const warn = jest.spyOn(console, "warn").mockImplementation(() => undefined);
  try {
    const evaluation = await evaluateFixture({ config: config(functions), preview });
    const warnings = warn.mock.calls.map((args) => String(args[0]).replace(/^warning: \[runtime\] /, ""));
    return { evaluation, warnings };
  } finally {
    warn.mockRestore();
  }
}

describe.each([false, true])("undeclared calls stop the program (preview: %s)", (preview) => {
  test("every undeclared call of every function, in the validation's format, before anything is registered", async () => {
    // alpha's and gamma's code call beta; neither declares it.
    const functions = {
      alpha: { source: fixtureSource("alpha") },
      beta: { source: fixtureSource("beta") },
      gamma: { source: fixtureSource("gamma") },
    };
    const error = await evaluateFixture({ config: config(functions), preview }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(EvaluationError);
    expect((error as EvaluationError).resources).toEqual([]);
    const problem = (name: string) =>
      `  functions.${name}: code calls "beta" (${lineOf(fixtureSource(name as "alpha"), "downstream.call(BETA")}), ` +
      `but "beta" is not in functions.${name}.calls. Add it to functions.${name}.calls in the declaration, or ` +
      `remove the call`;
    expect((error as EvaluationError).message).toBe(
      [
        "Invalid call graph in stack config (callgraph:functions), 2 problems:",
        problem("alpha"),
        problem("gamma"),
      ].join("\n"),
    );
  });
});

describe.each([false, true])("a declared edge no code calls (preview: %s)", (preview) => {
  // beta's code calls nothing, yet beta declares alpha: an unused grant (alpha -> beta is used).
  const functions = {
    alpha: { calls: ["beta"], source: fixtureSource("alpha") },
    beta: { calls: ["alpha"], source: fixtureSource("beta") },
  };
  let result: { evaluation: Evaluation; warnings: string[] };
  beforeAll(async () => {
    result = await evaluateWarning(functions, preview);
  });

  test("deploys, with a warning naming the edge and how to fix it", () => {
    expect(result.warnings).toEqual([
      'functions.beta: functions.beta.calls declares "alpha", but no code of beta calls it: an unused grant. ' +
        "Remove it from functions.beta.calls, or call it",
    ]);
  });

  test("each function's component records its call sites, as the extraction reports them", () => {
    const reports = extractCallSites({
      projectRoot: REPO_ROOT,
      functions: Object.entries(functions).map(([name, f]) => ({ name, source: f.source })),
    });
    expect(callSitesOf(result.evaluation.resources).map(({ urn: _urn, ...sites }) => sites)).toEqual(
      reports.map((r) => ({ function: r.function, callSites: r.callSites, dynamic: r.dynamic })),
    );
    const alpha = callSitesOf(result.evaluation.resources).find((r) => r.function === "alpha")!;
    expect(alpha.callSites.map((s) => `${s.callee}@${s.file}:${s.line}`)).toEqual([
      `beta@${lineOf(fixtureSource("alpha"), "downstream.call(BETA")}`,
    ]);
  });

  test("only the ServiceFunction components carry them, in their outputs: no resource's inputs change", () => {
    const { resources } = result.evaluation;
    expect(resources.filter((r) => JSON.stringify(r.inputs).includes('"callSites"'))).toEqual([]);
    const carriers = resources.filter((r) => JSON.stringify(r.outputs).includes('"callSites"'));
    expect(carriers.map((r) => r.type)).toEqual([SERVICE_FUNCTION_TYPE, SERVICE_FUNCTION_TYPE]);
    for (const component of carriers) {
      // Registered once, as outputs: what the engine keeps of a component and what a stack policy sees of it.
      expect(component.inputs).toEqual({});
      expect(Object.keys(component.outputs).sort()).toEqual([
        "callSites",
        "functionName",
        "serviceAccountEmail",
        "url",
      ]);
      // Known in preview too: callgraph derives each URL from the project number and region before any deploy.
      expect(component.outputs.url).toMatch(/^https:\/\/.+\.run\.app$|^https:\/\/.+\.cloudfunctions\.net\//);
      expect(component.outputs.serviceAccountEmail).toMatch(/\.iam\.gserviceaccount\.com$/);
    }
  });

  test("readers of the registered resources find the unused grant and each edge's evidence", () => {
    const { graph, resources } = result.evaluation;
    const recorded = callSitesOf(resources);
    expect(callSiteFindings(graph, recorded).map((f) => [f.kind, f.function, f.callee])).toEqual([
      ["unused-edge", "beta", "alpha"],
    ]);
    expect(
      edgeCallSites(graph, recorded).map((e) => [e.caller, e.callee, e.callSites.map((s) => s.line)]),
    ).toEqual([
      ["alpha", "beta", [Number(lineOf(fixtureSource("alpha"), "downstream.call(BETA").split(":")[1])]],
      ["beta", "alpha", []],
    ]);
  });
});

test("a call the checker cannot name is a warning naming the site and how to make it checkable", async () => {
  const { evaluation, warnings } = await evaluateWarning({
    relay: { calls: ["beta"], source: RUNTIME_CALLEE, entryPoint: "handler" },
    beta: { source: fixtureSource("beta") },
  });
  const site = lineOf(RUNTIME_CALLEE, "downstream.call(target");
  // The dynamic site could be relay's call of beta, so that edge is not reported unused.
  expect(warnings).toEqual([
    `functions.relay: code at ${site} reaches a callee the checker cannot name (target), so it could be any ` +
      `declared one; it leaves "beta" unproven. Make it checkable: pass a string literal, a const, or a value ` +
      `typed as a union of literals (e.g. "a" | "b")`,
  ]);
  const relay = callSitesOf(evaluation.resources).find((r) => r.function === "relay")!;
  expect(relay.dynamic.map((d) => `${d.file}:${d.line} ${d.expression}`)).toEqual([`${site} target`]);
});
