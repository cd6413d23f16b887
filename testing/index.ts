/**
 * `callgraph/testing`: the stack tests of a project that deploys a `CallGraph`, generated from its declaration.
 * A project's test file holds only
 *
 * ```ts
 * import { stackTests } from "callgraph/testing";
 *
 * stackTests();
 * ```
 *
 * and jest runs, for every `Pulumi.<stack>.yaml` of the project, the checks that the deployment and the local stack
 * do exactly what the stack file declares. This entry point needs jest (its globals `describe`, `test`, `expect`...
 * through `@jest/globals`); the package's other entry points never load it.
 */
import * as path from "node:path";
import { calleeTypesTest } from "./callee-types-test";
import { declaredStacks } from "./declaration";
import { deploymentTests } from "./deployment-tests";
import { localAccessTests } from "./local-access-tests";

/** Which project `stackTests` verifies, and which of its stacks. */
export interface StackTestOptions {
  /** The project's folder (with `Pulumi.yaml`); relative to the working folder. Defaults to the working folder,
   * which jest sets to the project's `rootDir`. */
  readonly root?: string;
  /** The stacks to verify, each with its `Pulumi.<stack>.yaml` in `root`. Defaults to every stack file there, found
   * when the tests are collected, so a stack added is tested with no edit to any test. */
  readonly stacks?: readonly string[];
}

/**
 * Defines the stack tests of the project at `root` (call it at the top level of a jest test file):
 * - for each stack, in `pulumi up` and in `pulumi preview` mode: the resources the program registers (evaluated under
 *   mocks that answer like Google Cloud) grant invocation exactly as declared (no grant more, none less), their
 *   function-to-function edges are the declared `calls` and their other invokers the declared `invokers`; every
 *   declared function bundles, exports its entry point and is deployed from that bundle;
 * - for each stack, on the local stack: every function is invoked exactly by the identities its declaration allows
 *   (each function's account, each declared invoker, an outsider and no token), with the request of the function's
 *   `sample.json` when it has one;
 * - every function's `callees.generated.ts` matches the declaration in every stack file.
 *
 * No function name is written in these tests: everything comes from the stack files and the function folders.
 */
export function stackTests(options: StackTestOptions = {}): void {
  const root = path.resolve(options.root ?? process.cwd());
  const stacks = options.stacks ? [...options.stacks] : declaredStacks(root);
  deploymentTests(root, stacks);
  localAccessTests(root, stacks);
  calleeTypesTest(root);
}
