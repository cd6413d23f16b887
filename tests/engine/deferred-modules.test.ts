import { execFileSync } from "node:child_process";
import * as path from "node:path";
import { loadedOnFirstUse } from "../../engine/deferred-modules";

const REPO_ROOT = path.resolve(__dirname, "../..");

/**
 * engine/deferred-modules.ts: an evaluation in a process of its own loads neither Pulumi's TypeScript shim nor
 * @npmcli/arborist (which @pulumi/pulumi requires for closure serialization only) nor the Automation API, and a
 * closure serialized or the API read afterwards still works, loading them then. The shim is watched rather than TypeScript itself, which the call-site
 * proofs load when their cache is empty (a fresh clone: CI failed on that once), so the answer is the same with the
 * cache warm or cold. In a child process: jest's module registry does not go through Node's loader.
 */
test("an evaluation loads neither Pulumi's TypeScript shim, arborist nor the Automation API; serializing a closure or reading the API afterwards loads it and works", () => {
  const out = execFileSync(
    process.execPath,
    ["--import", "tsx", path.join(__dirname, "support", "deferred-child.ts")],
    { cwd: REPO_ROOT, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] },
  );
  expect(JSON.parse(out)).toEqual({
    resources: expect.any(Number),
    afterEvaluation: { typescriptShim: false, arborist: false, automation: false },
    serialized: true,
    afterSerializing: { typescriptShim: true },
    automation: { localWorkspace: "function", loaded: true },
  });
}, 60_000);

describe("loadedOnFirstUse", () => {
  test("loads nothing until used, then answers as the module, loading it once", () => {
    let loads = 0;
    const real = { answer: 42, nested: { x: 1 } };
    const stand = loadedOnFirstUse(() => (loads++, real)) as typeof real;
    expect(loads).toBe(0);
    expect(stand.answer).toBe(42);
    expect("nested" in stand).toBe(true);
    expect(Object.keys(stand)).toEqual(["answer", "nested"]);
    expect(stand.nested).toBe(real.nested);
    expect(loads).toBe(1);
  });

  test("TypeScript's __importStar takes it as it is, so a named export is read through it, on first use", () => {
    // The helper tsc emits for `import * as x from "..."` (as in @pulumi/pulumi's runtime/closure/codePaths.js):
    // a module without `__esModule` has its own properties copied now, which would read nothing of a stand-in.
    const importStar = (mod: Record<string, unknown>) => {
      if (mod?.__esModule) return mod;
      const result: Record<string, unknown> = {};
      for (const k in mod)
        if (k !== "default" && Object.prototype.hasOwnProperty.call(mod, k)) result[k] = mod[k];
      result.default = mod;
      return result;
    };
    class Arborist {}
    let loads = 0;
    const ns = importStar(loadedOnFirstUse(() => (loads++, { Arborist })) as Record<string, unknown>);
    expect(loads).toBe(0);
    expect(ns.Arborist).toBe(Arborist);
    expect(loads).toBe(1);
  });
});
