import * as path from "node:path";
import { staleCalleeTypesIn } from "../../engine/callee-types";

const REPO_ROOT = path.resolve(__dirname, "../..");

// The user's functions, checked against the user's stack files: whatever they declare, the types must follow.
test("every function's callees.generated.ts matches the declaration in every Pulumi.<stack>.yaml", () => {
  const stale = staleCalleeTypesIn(REPO_ROOT).map((s) =>
    s.actual === undefined ? `${s.file} (missing)` : s.file,
  );
  if (stale.length > 0) {
    throw new Error(
      `stale generated callee types: ${stale.join(", ")}. Run \`npx callgraph types\` ` +
        `after changing a function's calls, and commit the files it writes`,
    );
  }
});
