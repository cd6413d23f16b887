import { test } from "@jest/globals";
import { staleCalleeTypesIn } from "../engine/callee-types";

/**
 * The user's functions, checked against the user's declarations (each stack file's, or the program's code for a
 * stack whose file declares no functions): whatever they declare, the types must follow. The generated types of a
 * function cover every stack of the project, so this is one test for all of them.
 */
export function calleeTypesTest(root: string): void {
  test("every function's callees.generated.ts matches the declaration of every stack", async () => {
    const stale = (await staleCalleeTypesIn(root)).map((s) =>
      s.actual === undefined ? `${s.file} (missing)` : s.file,
    );
    if (stale.length > 0) {
      throw new Error(
        `stale generated callee types: ${stale.join(", ")}. Run \`npx callgraph types\` ` +
          `after changing a function's calls, and commit the files it writes`,
      );
    }
  }, 60_000); // a stack declared in the program's code is read by evaluating the program
}
