import * as fs from "node:fs";
import { readStackConfig, stackFileOf, stacksIn } from "../engine/stack-config";
import { localConfig } from "../local/demo-principals";
import { workflowDocuments } from "../components/workflow-documents";
import { parseStackDeclaration, sourceFolderChecks, type Topology } from "../topology";

/** One stack file's declaration, read the way the program reads it. */
export interface Declaration {
  readonly root: string;
  readonly stack: string;
  /** `Pulumi.<stack>.yaml`, absolute: named in every failure, so the user knows which file to fix. */
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
