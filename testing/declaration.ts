import * as fs from "node:fs";
import { registeredDeclarations } from "../engine/registered-declarations";
import { readStackConfig, stackFileOf, stacksIn } from "../engine/stack-config";
import type { Evaluation } from "../engine/types";
import { localConfig } from "../local/demo-principals";
import { workflowDocuments } from "../components/workflow-documents";
import {
  DECLARATION_CONFIG_KEYS,
  parseStackDeclaration,
  sourceFolderChecks,
  type Topology,
} from "../topology";

/** One stack file's declaration, read the way the program reads it. */
export interface Declaration {
  readonly root: string;
  readonly stack: string;
  /**
   * Where the declaration is, named in every failure so the user knows what to fix: `Pulumi.<stack>.yaml`
   * (absolute), or for a graph declared in the program's code, the `CallGraph` that registered it.
   */
  readonly file: string;
  /** `gcp:project`: the project the functions' accounts (and so the invoker members) belong to. */
  readonly project: string;
  readonly topology: Topology;
}

/**
 * Every stack with a `Pulumi.<stack>.yaml` in `root`, found when the tests are collected, so that a stack the
 * user adds is tested with no edit to any test.
 */
export function declaredStacks(root: string): string[] {
  return stacksIn(root);
}

/**
 * The declaration in `Pulumi.<stack>.yaml`: the stack file read by the engine's own reader and the declaration
 * validated by the topology model's `parseStackDeclaration`, as the program reads it. No
 * second parser: what is compared with the deployment is what the program itself would build from the file.
 * Throws the model's `TopologyError` (every problem, with its config path) when the declaration is invalid.
 * `where: "local"` reads it as the local stack runs it: principals not set yet stand for their demo identities.
 */
export function readDeclaration(
  root: string,
  stack: string,
  where: "cloud" | "local" = "cloud",
): Declaration {
  const file = stackFileOf(root, stack);
  // The engine reads a missing stack file as an empty one; a stack the tests were asked for must have its file.
  if (!fs.existsSync(file))
    throw new Error(`${file}: no such file. Add the stack's file, or leave ${stack} out of \`stacks\``);
  const stackConfig = readStackConfig(root, stack).config;
  // Locally, a principal not set yet stands for its demo identity, as the local stack runs it.
  const config =
    where === "local" ? { ...stackConfig, ...localConfig({ programDir: root, stack }, root) } : stackConfig;
  const topology = parseStackDeclaration(config, {
    ...sourceFolderChecks(root, fs),
    workflowDocument: workflowDocuments(root),
  });
  return {
    root,
    stack,
    file,
    project: String(config["gcp:project"] ?? ""),
    topology,
  };
}

/**
 * Whether `Pulumi.<stack>.yaml` declares the stack's functions (`callgraph:functions`); when it does not, the program
 * declares them in code (`new CallGraph(name, { declaration })`), read with {@link declarationOf}. A file that is
 * missing or cannot be read counts as declaring, so that {@link readDeclaration} reports it.
 */
export function declaresInStackFile(root: string, stack: string): boolean {
  if (!fs.existsSync(stackFileOf(root, stack))) return true;
  try {
    return DECLARATION_CONFIG_KEYS.functions in readStackConfig(root, stack).config;
  } catch {
    return true;
  }
}

/**
 * The declaration of a program that writes its call graph in code, as its `CallGraph` registered it in
 * `evaluation` (engine/registered-declarations.ts): validated by the component with the parser a stack file's is,
 * source folders included. One `CallGraph` per stack, as a stack file declares one graph.
 *
 * @throws Error when the program registered no `CallGraph`, or more than one.
 */
export function declarationOf(root: string, stack: string, evaluation: Evaluation): Declaration {
  const declared = registeredDeclarations(evaluation.resources);
  const file = stackFileOf(root, stack);
  if (declared.length !== 1)
    throw new Error(
      `${file} declares no ${DECLARATION_CONFIG_KEYS.functions}, and the program registers ` +
        (declared.length === 0
          ? "no CallGraph to read a declaration in code from: declare the functions in the stack file, or pass " +
            "`declaration` to the program's CallGraph"
          : `${declared.length} CallGraphs (${declared.map((d) => d.component).join(", ")}): the stack tests ` +
            "verify one per stack. Give each its own stack"),
    );
  const [{ component, project, topology }] = declared;
  return { root, stack, file: `CallGraph "${component}" (declared in code)`, project, topology };
}

/**
 * For a stack whose file declares its functions: each `CallGraph` of `evaluation` that takes its declaration in code
 * instead, which ignores the file's (components/call-graph-inputs.ts warns so), one line each saying what to fix.
 * Empty when the program deploys what the file declares.
 */
export function stackFileIgnored(file: string, evaluation: Evaluation): string[] {
  return registeredDeclarations(evaluation.resources)
    .filter((d) => d.declaredIn === "code")
    .map(
      (d) =>
        `CallGraph "${d.component}" takes its declaration in code, which ignores ${file}'s ` +
        `${DECLARATION_CONFIG_KEYS.functions}: remove the key from the stack file, or the declaration from the program`,
    );
}
