/**
 * Reading each ServiceFunction's call-site record from the registered resources (engine/call-sites.ts): from the
 * component's outputs, where every callgraph that records call sites registers it; a record of another shape is
 * refused naming the component, and the CLI takes that as the program's doing (exit 2), not as a bug.
 */
import { reportError } from "../../cli/report-error";
import { EXIT } from "../../cli/errors";
import { callSitesOf, CallSitesRecordError, SERVICE_FUNCTION_TYPE } from "../../engine/call-sites";
import type { RegisteredResource } from "../../engine/types";
import { CALL_GRAPH } from "../policy/fixtures";
import { registered } from "../policy/harness";

const SITE = { callee: "profiles", file: "functions/login/index.ts", line: 22, column: 5 };
const DYNAMIC = { file: "functions/login/index.ts", line: 30, column: 7, expression: "target" };

/** A ServiceFunction as the engine records one: no inputs, `outputs` as it registered them (or as given). */
function component(
  name: string,
  outputs: Record<string, unknown>,
  inputs: Record<string, unknown> = {},
): RegisteredResource {
  const [recorded] = registered([
    { type: SERVICE_FUNCTION_TYPE, name, props: outputs, component: CALL_GRAPH },
  ]);
  return { ...recorded!, inputs };
}

test("each record is read from its component's outputs, sorted by function", () => {
  const resources = [
    component("search", { functionName: "search", callSites: { callSites: [], dynamic: [DYNAMIC] } }),
    component("login", {
      functionName: "login",
      callSites: { callSites: [SITE], dynamic: [] },
      url: "https://x",
    }),
  ];
  expect(callSitesOf(resources)).toEqual([
    { function: "login", urn: resources[1]!.urn, callSites: [SITE], dynamic: [] },
    { function: "search", urn: resources[0]!.urn, callSites: [], dynamic: [DYNAMIC] },
  ]);
});

test("a component without a record in its outputs has none: not extracted, whatever its inputs say", () => {
  // Inputs are the program's to pass: a record there is not one any callgraph registers, so it is not evidence.
  const inputsOnly = component(
    "login",
    {},
    { functionName: "login", callSites: { callSites: [SITE], dynamic: [] } },
  );
  expect(callSitesOf([inputsOnly])).toEqual([]);
});

test.each([
  ["no functionName", { callSites: { callSites: [], dynamic: [] } }, "comes without a string functionName"],
  ["a record that is a string", { functionName: "login", callSites: "oops" }, "is not an object"],
  ["a list for a record", { functionName: "login", callSites: [] }, "is not an object"],
  [
    "a site without its callee",
    { functionName: "login", callSites: { callSites: [{ ...SITE, callee: 7 }], dynamic: [] } },
    "has no list of { callee, file, line, column } under callSites",
  ],
  [
    "a dynamic site without its expression",
    { functionName: "login", callSites: { callSites: [], dynamic: [{ ...DYNAMIC, expression: undefined }] } },
    "has no list of { file, line, column, expression } under dynamic",
  ],
  [
    "a line that is not a number",
    { functionName: "login", callSites: { callSites: [{ ...SITE, line: "22" }], dynamic: [] } },
    "has no list of { callee, file, line, column } under callSites",
  ],
])("%s is refused, naming the component and what is wrong", (_name, outputs, why) => {
  const resource = component("login", outputs);
  let error: unknown;
  try {
    callSitesOf([resource]);
  } catch (e) {
    error = e;
  }
  expect(error).toBeInstanceOf(CallSitesRecordError);
  expect((error as Error).message).toBe(
    `${resource.urn}: its callSites output ${why}. The program that registered it writes another shape than this ` +
      "reader expects: run the callgraph of the same version as the program",
  );
  // The program's doing, not a bug: one line, exit 2.
  const report = reportError(error, { debug: false, version: "9.9.9", command: "graph" });
  expect(report.exitCode).toBe(EXIT.usage);
  expect(report.lines).toEqual([`callgraph: graph: ${(error as Error).message}`]);
});
