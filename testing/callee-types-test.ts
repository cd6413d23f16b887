import { test } from "@jest/globals";
import { staleCalleeTypesIn } from "../engine/callee-types";

/**
 * The user's functions, checked against the user's stack files: whatever they declare, the types must follow.
 * The generated types of a function cover every stack file of the project, so this is one test for all of them.
 */
export function calleeTypesTest(root: string): void {
  test("every function's callees.generated.ts matches the declaration in every Pulumi.<stack>.yaml", () => {
    const stale = staleCalleeTypesIn(root).map((s) =>
      s.actual === undefined ? `${s.file} (missing)` : s.file,
    );
    if (stale.length > 0) {
      throw new Error(
        `stale generated callee types: ${stale.join(", ")}. Run \`npx callgraph types\` ` +
          `after changing a function's calls, and commit the files it writes`,
      );
    }
  });
}
