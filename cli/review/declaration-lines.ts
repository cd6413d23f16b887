import { isMap, isScalar, LineCounter, parseDocument, type Pair } from "yaml";

/** Where something is written in a text file: 1-based line and column, as editors and SARIF count them. */
export interface TextPosition {
  readonly line: number;
  readonly column: number;
}

/** Where the declaration is written in a stack file. */
export interface DeclarationLines {
  /** The `callgraph:functions` key, if the file has it. */
  readonly functions?: TextPosition;
  /** Each declared function's key under `callgraph:functions`. */
  readonly byFunction: ReadonlyMap<string, TextPosition>;
}

/** The config key that holds the declaration (DESIGN.md, "The declaration"), without its namespace. */
const FUNCTIONS_KEY = { namespace: "callgraph", name: "functions" };

/**
 * Finds the lines that declare each function in a stack file's text (`config:` → `callgraph:functions:` →
 * `<name>:`), from the YAML parser's own source positions (`parseDocument` keeps each node's `range`, a
 * `LineCounter` turns offsets into lines: https://eemeli.org/yaml/#parse-options). A file that does not parse
 * has no lines to offer: the program would have failed on it before any check ran. Pulumi reads a key without a
 * namespace as the project's (`functions:` in project `callgraph`), so `project` says whether that form counts.
 */
export function declarationLines(text: string, project: string): DeclarationLines {
  const lineCounter = new LineCounter();
  const document = parseDocument(text, { lineCounter });
  const none: DeclarationLines = { byFunction: new Map() };
  if (document.errors.length > 0) return none;
  const position = (pair: Pair): TextPosition | undefined => {
    const offset = isScalar(pair.key) ? pair.key.range?.[0] : undefined;
    if (offset === undefined) return undefined;
    const { line, col } = lineCounter.linePos(offset);
    return { line, column: col };
  };
  const config = pairOf(document.contents, "config")?.value;
  const functionsPair =
    pairOf(config, `${FUNCTIONS_KEY.namespace}:${FUNCTIONS_KEY.name}`) ??
    (project === FUNCTIONS_KEY.namespace ? pairOf(config, FUNCTIONS_KEY.name) : undefined);
  if (!functionsPair) return none;
  const byFunction = new Map<string, TextPosition>();
  if (isMap(functionsPair.value)) {
    for (const pair of functionsPair.value.items) {
      const where = position(pair);
      if (isScalar(pair.key) && typeof pair.key.value === "string" && where)
        byFunction.set(pair.key.value, where);
    }
  }
  return { functions: position(functionsPair), byFunction };
}

function pairOf(node: unknown, key: string): Pair | undefined {
  if (!isMap(node)) return undefined;
  return node.items.find((pair) => isScalar(pair.key) && pair.key.value === key);
}
