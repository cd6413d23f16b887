import * as fs from "node:fs";
import * as path from "node:path";
import type { SarifFinding } from "../render/check-sarif";
import { repositoryPath } from "./finding-locations";
import { sourceRoots } from "../../engine/program-entry";

/** The policy whose finding an undeclared call is (policy/rules/function-calls-declared.ts). */
export const UNDECLARED_CALL_POLICY = "function-calls-declared";

/** One call site of an undeclared callee, as the program reported it when it refused the declaration. */
export interface RefusedCall {
  readonly function: string;
  readonly callee: string;
  /** As the program wrote it: relative to the project root it resolved `source` against. */
  readonly file: string;
  readonly line: number;
  /** No function of the stack has the callee's name: declaring the edge cannot fix it. */
  readonly unknownCallee?: boolean;
}

// callsites/findings.ts `compareCallSites`, as the program throws it (components/call-sites.ts, a TopologyError line
// per function and callee): `functions.alpha: code calls "beta" (fns/alpha/index.ts:12, fns/alpha/other.ts:3), but`,
// led by the stack file's position of the function when the declaration is that file's (`Pulumi.dev.yaml:7:5: `).
const REFUSED_LINE =
  /^\s*(?:.+?:\d+:\d+: )?functions\.([a-z][a-z0-9-]*): code calls ("(?:[^"\\]|\\.)*") \((.+?)\), but (no function is named )?/;
const SITE = /^(.+):(\d+)$/;

/**
 * The undeclared calls a program failed on, read from its error message: the program refuses the whole
 * declaration before registering anything (so there are no resources to run the policy over), and its message is
 * all that crosses an evaluation in a child process. Empty when the failure was anything else.
 */
export function refusedCalls(message: string): RefusedCall[] {
  const calls: RefusedCall[] = [];
  for (const text of message.split("\n")) {
    const match = REFUSED_LINE.exec(text);
    if (!match) continue;
    let callee: string;
    try {
      callee = JSON.parse(match[2]) as string;
    } catch {
      continue;
    }
    for (const site of match[3].split(", ")) {
      const at = SITE.exec(site);
      if (at)
        calls.push({
          function: match[1],
          callee,
          file: at[1],
          line: Number(at[2]),
          ...(match[4] ? { unknownCallee: true } : {}),
        });
    }
  }
  return calls;
}

/**
 * Each refused call as a SARIF finding at its line (the file relative to the repository root, as code scanning
 * wants it). A site's file is relative to the folder the program resolved sources against (`sourceRoots`: the real
 * folder of its entry, or the program's folder); the first where the file exists.
 */
export function refusedCallFindings(calls: readonly RefusedCall[], programDir: string): SarifFinding[] {
  const roots = sourceRoots(programDir);
  return calls.map((call) => {
    const file =
      roots.map((root) => path.resolve(root, call.file)).find((f) => fs.existsSync(f)) ??
      path.resolve(programDir, call.file);
    return {
      policy: UNDECLARED_CALL_POLICY,
      enforcementLevel: "mandatory",
      why:
        `${call.function}'s code calls "${call.callee}" (${call.file}:${call.line}), which is not in ` +
        `functions.${call.function}.calls: the program refuses the declaration, so nothing deploys`,
      fix: call.unknownCallee
        ? `no function is named "${call.callee}": call a declared function, or remove the call`
        : `add "${call.callee}" to functions.${call.function}.calls in the declaration, or remove the call`,
      urn: "",
      resource: `function "${call.function}"`,
      location: {
        file: repositoryPath(file),
        line: call.line,
        column: calleeColumn(file, call.line, call.callee),
        what: `call of "${call.callee}" in function "${call.function}"`,
      },
    };
  });
}

/**
 * 1-based column of the callee's quoted name on the line, else of the first argument of a `.call(` there (a constant
 * holding the name), else of the line's first character that is not blank.
 */
function calleeColumn(file: string, line: number, callee: string): number {
  let text = "";
  try {
    text = fs.readFileSync(file, "utf8").split("\n")[line - 1] ?? "";
  } catch {
    return 1;
  }
  for (const quote of ['"', "'", "`"]) {
    const at = text.indexOf(`${quote}${callee}${quote}`);
    if (at >= 0) return at + 1;
  }
  const call = /\.call\(\s*/.exec(text);
  if (call) return call.index + call[0].length + 1;
  return Math.max(1, text.search(/\S/) + 1);
}
