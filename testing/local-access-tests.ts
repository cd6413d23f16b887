import { afterAll, beforeAll, describe, expect, test } from "@jest/globals";
import { startLocalStack, type LocalStack } from "../local";
import { declaredSample } from "../local/declared-sample";
import type { Sample } from "../local/samples";
import {
  accessLine,
  identitiesOf,
  OUTSIDER,
  planAccess,
  runAccess,
  unsampledNotes,
  type AccessResult,
  type AccessCall,
} from "./access-matrix";
import { declarationOf, declaresInStackFile, readDeclaration, type Declaration } from "./declaration";

/**
 * For each stack, the local stack runs the real bundles behind IAM front ends that enforce the registered grants,
 * and every (identity, function) pair is allowed exactly where the stack file declares it. Allowed means the call
 * passed the front end and the function's own `verifyCaller`; a function's `sample.json` supplies the request and
 * the status it must get. No function name is written here: everything comes from the stack files and the
 * function folders.
 */
export function localAccessTests(root: string, stacks: readonly string[]): void {
  describe.each([...stacks])("stack %s on the local stack", (stack) => {
    // A stack file's declaration is read now, so each function gets its own test; one written in code is read from
    // the local stack's own evaluation, when it starts (the identities to mint come from it).
    let fromFile: Declaration | undefined;
    if (declaresInStackFile(root, stack)) {
      try {
        fromFile = readDeclaration(root, stack, "local");
      } catch (error) {
        // The deployment tests report the invalid declaration; here it only explains why nothing ran.
        test("its declaration is valid", () => {
          throw error;
        });
        return;
      }
    }

    let declaration: Declaration;
    const sampleErrors = new Map<string, unknown>();
    let calls: AccessCall[] = [];
    let local: LocalStack | undefined;
    let results: AccessResult[] = [];
    beforeAll(async () => {
      local = await startLocalStack({
        programDir: root,
        stack,
        stateFile: false,
        // Declared members are minted whether or not a grant names them, so a missing grant shows as a 403.
        extraIdentities: (evaluation) => {
          declaration = fromFile ?? declarationOf(root, stack, evaluation);
          return identitiesOf(declaration).filter((m): m is string => m !== undefined);
        },
      });
      const samples = new Map<string, Sample | undefined>();
      for (const spec of declaration.topology.functions) {
        try {
          samples.set(spec.name, declaredSample(root, spec.source));
        } catch (error) {
          sampleErrors.set(spec.name, error);
        }
      }
      calls = planAccess(declaration, samples).filter((c) => !sampleErrors.has(c.function));
      results = await runAccess(local, calls);
      for (const note of unsampledNotes(declaration, results)) console.info(note);
    }, 60_000);
    afterAll(async () => local?.stop());

    test(`calls as every function's account, every declared invoker, ${OUTSIDER} and no token`, () => {
      expect(results.map((r) => r.call.as ?? "(no token)")).toEqual(calls.map((c) => c.as ?? "(no token)"));
      const tested = declaration.topology.functions.length - sampleErrors.size;
      expect(calls.length).toBe(tested * identitiesOf(declaration).length);
    });

    const title = "is invoked exactly by the identities its declaration allows";
    const accessOf = (name: string) => {
      if (sampleErrors.has(name)) throw sampleErrors.get(name);
      const mine = results.filter((r) => r.call.function === name);
      return {
        actual: mine.map((r) => accessLine(r.call, r)),
        expected: mine.map((r) => accessLine(r.call)),
      };
    };
    if (fromFile)
      test.each(fromFile.topology.functions.map((f) => [f.name] as const))(`%s ${title}`, (name) => {
        const { actual, expected } = accessOf(name);
        expect(actual).toEqual(expected);
      });
    else
      test(`each function ${title}`, () => {
        const all = declaration.topology.functions.map((f) => accessOf(f.name));
        expect(all.flatMap((a) => a.actual)).toEqual(all.flatMap((a) => a.expected));
      });
  });
}
