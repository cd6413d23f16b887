import * as fs from "node:fs";
import * as path from "node:path";
import { isMap, isScalar, isSeq, LineCounter, parseDocument, type Node } from "yaml";

/** The namespace of the declaration's keys (`callgraph:functions`): a problem's path starts with its name. */
const NAMESPACE = "callgraph";

// A problem line of a refused declaration (topology/errors.ts `TopologyError`: `  <path>: <message>`), its path in
// topology/errors.ts `formatPath` form: `functions.login.calls[0]`, `functions["odd key"]`.
const PROBLEM =
  /^(\s*)((?:[a-z]+:)?[A-Za-z][A-Za-z0-9_-]*(?:\.[A-Za-z0-9_-]+|\[\d+\]|\["(?:[^"\\]|\\.)*"\])*): (.+)$/;
const SEGMENT = /\.([A-Za-z0-9_-]+)|\[(\d+)\]|\[("(?:[^"\\]|\\.)*")\]/g;

/**
 * `message` (a program's error for a declaration it refused) with each problem line led by the stack file's
 * `file:line:column` of the value it names (`Pulumi.dev.yaml:7:11: functions.login.calls[0]: unknown function`),
 * found with the YAML parser's source positions. Lines it cannot place (no such path in the file, a file that does
 * not parse) are left as they are. `file` is shown relative to `cwd` when it is under it.
 */
export function withStackFileLines(
  message: string,
  stackFile: string,
  project: string,
  cwd = process.cwd(),
): string {
  const locate = stackFileLocator(stackFile, project, cwd);
  return message
    .split("\n")
    .map((line) => {
      const match = PROBLEM.exec(line);
      const at = match ? locate(match[2]) : undefined;
      return match && at ? `${match[1]}${at}: ${match[2]}: ${match[3]}` : line;
    })
    .join("\n");
}

/**
 * `file:line:column` of the value a problem's path names in `stackFile` (the file relative to `cwd` when under it),
 * or undefined when the file has no such path or does not parse.
 */
export function stackFileLocator(
  stackFile: string,
  project: string,
  cwd = process.cwd(),
): (problemPath: string) => string | undefined {
  let text: string;
  try {
    text = fs.readFileSync(stackFile, "utf8");
  } catch {
    return () => undefined;
  }
  const lineCounter = new LineCounter();
  const document = parseDocument(text, { lineCounter });
  if (document.errors.length > 0) return () => undefined;
  const config = valueOf(document.contents, "config");
  const relative = path.relative(cwd, stackFile);
  const shown = relative && !relative.startsWith("..") ? relative : stackFile;
  return (problemPath) => {
    const offset = offsetOf(config, problemPath, project);
    if (offset === undefined) return undefined;
    const { line, col } = lineCounter.linePos(offset);
    return `${shown}:${line}:${col}`;
  };
}

/** Where the node at `problemPath` starts: the key, for a map entry; the item, for a list entry. */
function offsetOf(config: Node | undefined, problemPath: string, project: string): number | undefined {
  const first = /^(?:[a-z]+:)?[A-Za-z][A-Za-z0-9_-]*/.exec(problemPath)![0];
  // A path names a key of the declaration's namespace (`functions` is `callgraph:functions`); Pulumi reads a key
  // without a namespace as the project's, so `functions:` counts in project `callgraph` only.
  const keys = first.includes(":")
    ? [first]
    : [`${NAMESPACE}:${first}`, ...(project === NAMESPACE ? [first] : [])];
  let node: unknown;
  let offset: number | undefined;
  for (const key of keys) {
    const pair = pairOf(config, key);
    if (pair) {
      node = pair.value;
      offset = pair.key.range?.[0];
      break;
    }
  }
  if (offset === undefined) return undefined;
  for (const segment of problemPath.slice(first.length).matchAll(SEGMENT)) {
    if (segment[2] !== undefined) {
      const item: unknown = isSeq(node) ? node.items[Number(segment[2])] : undefined;
      const start = (item as Node | undefined)?.range?.[0];
      if (start === undefined) return offset; // as deep as the file goes
      node = item;
      offset = start;
    } else {
      const key = segment[1] ?? (JSON.parse(segment[3]) as string);
      const pair = pairOf(node, key);
      if (!pair?.key.range) return offset;
      node = pair.value;
      offset = pair.key.range[0];
    }
  }
  return offset;
}

function pairOf(node: unknown, key: string): { key: Node; value: unknown } | undefined {
  if (!isMap(node)) return undefined;
  const pair = node.items.find((p) => isScalar(p.key) && String(p.key.value) === key);
  return pair && isScalar(pair.key) ? { key: pair.key, value: pair.value } : undefined;
}

function valueOf(node: unknown, key: string): Node | undefined {
  return pairOf(node, key)?.value as Node | undefined;
}
