import { beforeAll, describe, expect, test } from "@jest/globals";
import { evaluate, type Evaluation } from "../engine";
import { callerAccountEmail, edges, serviceAccountMember, type FunctionSpec } from "../topology";
import {
  declarationOf,
  declaresInStackFile,
  readDeclaration,
  stackFileIgnored,
  type Declaration,
} from "./declaration";
import { bundleFunction } from "./entry-exports";
import { grantMismatches } from "./grant-mismatches";

/**
 * For each stack, the deployment the program would make (the resources it registers, in `pulumi up` and
 * `pulumi preview` mode) grants invocation exactly as declared, and every declared function bundles and exports
 * its entry point. No function name is written here: everything comes from the stack files (or, for a stack whose
 * file declares no functions, the declaration the program's `CallGraph` was given in code) and the function
 * folders.
 */
export function deploymentTests(root: string, stacks: readonly string[]): void {
  test("the project has at least one stack file to verify", () => {
    expect(stacks).not.toEqual([]);
  });

  describe.each([...stacks])("stack %s", (stack) => {
    // A stack file's declaration is read now, so each function gets its own test; one written in code is known
    // once the program has run (below).
    let fromFile: Declaration | undefined;
    let declarationError: unknown;
    if (declaresInStackFile(root, stack)) {
      try {
        fromFile = readDeclaration(root, stack);
      } catch (error) {
        declarationError = error;
      }
    }
    if (declarationError !== undefined) {
      test("its declaration is valid", () => {
        throw declarationError;
      });
      return;
    }

    // The program runs once per mode; the evaluations take turns in this process anyway.
    const evaluations = new Map<boolean, Evaluation>();
    const declarations = new Map<boolean, Declaration>();
    beforeAll(async () => {
      for (const preview of [false, true]) {
        const evaluation = await evaluate({ programDir: root, stack, preview });
        evaluations.set(preview, evaluation);
        declarations.set(preview, fromFile ?? declarationOf(root, stack, evaluation));
      }
    }, 60_000);

    if (fromFile)
      test("the program deploys the stack file's declaration", () => {
        expect(stackFileIgnored(fromFile!.file, evaluations.get(false)!)).toEqual([]);
      });

    describe.each([
      ["pulumi up", false],
      ["pulumi preview", true],
    ])("the deployment (%s)", (_mode, preview) => {
      let evaluation: Evaluation;
      let declaration: Declaration;
      beforeAll(() => {
        evaluation = evaluations.get(preview)!;
        declaration = declarations.get(preview)!;
      });

      test("grants invocation exactly as declared: no grant more, none less", () => {
        expect(grantMismatches(declaration, evaluation.graph)).toEqual([]);
      });

      test("its function-to-function edges are the declared `calls`", () => {
        const effective = evaluation.graph.edges.map((e) => `${e.from} -> ${e.to}`);
        expect(effective).toEqual(edges(declaration.topology).map((e) => `${e.from} -> ${e.to}`));
      });

      test("its other invokers are the declared `invokers`", () => {
        const functionAccounts = new Set(
          declaration.topology.functions.map((f) => serviceAccountMember(f.name, declaration.project)),
        );
        const effective = evaluation.graph.externalInvokers.map((i) => `${i.function} <- ${i.member}`);
        const declared = declaration.topology.functions.flatMap((f) =>
          f.invokers.filter((m) => !functionAccounts.has(m)).map((m) => `${f.name} <- ${m}`),
        );
        expect(effective).toEqual(declared);
      });

      test("its callers that are not functions are the declared `callgraph:callers`, each calling as its own account", () => {
        const callers = declaration.topology.callers ?? [];
        expect(evaluation.graph.sources.map((s) => `${s.name} (${s.kind}) as ${s.serviceAccount}`)).toEqual(
          callers.map((c) => `${c.name} (${c.kind}) as ${callerAccountEmail(c.name, declaration.project)}`),
        );
        expect(evaluation.graph.sourceEdges.map((e) => `${e.from} -> ${e.to}`)).toEqual(
          callers.flatMap((c) => c.calls.map((to) => `${c.name} -> ${to}`)).sort(),
        );
      });
    });

    describe("every declared function", () => {
      const bundled = (spec: FunctionSpec) => {
        const { exports, archive } = bundleFunction(root, spec);
        const deployed = evaluations.get(false)!.graph.functions.find((f) => f.name === spec.name);
        return {
          actual: { function: spec.name, exports, archive: deployed?.archivePath },
          expected: {
            function: spec.name,
            exports: expect.arrayContaining([spec.entryPoint]),
            archive: archive.path,
          },
        };
      };
      const title = "bundles, exports its entry point, and is deployed from that bundle";
      if (fromFile)
        test.each(fromFile.topology.functions.map((f) => [f.name, f] as const))(
          `%s ${title}`,
          (_name, spec) => {
            const { actual, expected } = bundled(spec);
            expect(actual).toEqual(expected);
          },
        );
      else
        test(`each ${title}`, () => {
          const all = declarations.get(false)!.topology.functions.map(bundled);
          expect(all.map((b) => b.actual)).toEqual(all.map((b) => b.expected));
        });
    });
  });
}
