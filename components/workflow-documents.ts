import * as fs from "node:fs";
import * as path from "node:path";
import { parse } from "yaml";
import type { WorkflowDocument } from "../topology";

/** The largest definition Workflows deploys: "Source code size: 128 KB" (https://cloud.google.com/workflows/quotas). */
export const MAX_WORKFLOW_SOURCE_BYTES = 128 * 1024;

/**
 * How `parseTopology` reads a workflow caller's definition in a project at `root`: the file, parsed as YAML (which
 * JSON is too, as Workflows reads both). The topology model does no I/O, so this is what the program injects.
 */
export function workflowDocuments(root: string): (file: string) => WorkflowDocument {
  return (file) => {
    let text: string;
    try {
      const stat = fs.statSync(path.resolve(root, file), { throwIfNoEntry: false });
      if (!stat?.isFile()) return { problem: "does not exist (write its path relative to the project root)" };
      if (stat.size > MAX_WORKFLOW_SOURCE_BYTES)
        return {
          problem: `is ${stat.size} bytes: Workflows deploys at most ${MAX_WORKFLOW_SOURCE_BYTES} (its quotas page)`,
        };
      text = fs.readFileSync(path.resolve(root, file), "utf8");
    } catch (error) {
      return { problem: `cannot be read: ${(error as Error).message}` };
    }
    try {
      const document: unknown = parse(text);
      if (document === null || typeof document !== "object")
        return { problem: "is not a workflow: expected its steps, or main and subworkflows" };
      return { document };
    } catch (error) {
      return { problem: `is not valid YAML or JSON: ${(error as Error).message.split("\n")[0]}` };
    }
  };
}
