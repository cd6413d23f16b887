import * as path from "node:path";
import ts from "typescript";

/**
 * One place where a test reads what the user declares (DESIGN.md invariant 12): a stack file of the repository
 * root, or a function folder `functions/<name>` other than the tool's library `functions/shared`.
 */
export interface DeclarationRead {
  /** `path:line:column`, relative to the repository root. */
  readonly at: string;
  readonly what: string;
}

/** A function folder of the user's, relative to the repository root: `functions/<name>`, name not `shared`. */
const USER_FUNCTION = /^(?:\.\/)?functions\/([a-z][a-z0-9-]*)(?:\/|$)/;
const STACK_FILE = /^Pulumi\.([^/\\]+)\.yaml$/;
/** Calls whose arguments are what a test expects of the code under test. */
const EXPECTATION = /^(to[A-Z]\w*|objectContaining|arrayContaining)$/;
/** Calls whose first argument is a module to load. */
const LOADERS = new Set(["require", "jest.mock", "jest.doMock", "jest.requireActual", "jest.requireMock"]);
/** Calls that evaluate the program with `EvaluateOptions`, whose stack defaults to `dev` (engine/evaluate.ts). */
const EVALUATORS = new Set(["evaluate", "startLocalStack"]);
/** `callgraph/testing`'s generated stack tests, which verify the working folder (the root) unless given a `root`. */
const STACK_TESTS = "stackTests";
/** Functions of the project that read every (or one) `Pulumi.<stack>.yaml` of the folder they are given first. */
const STACK_READERS = new Set([
  "readStackConfig",
  "stacksIn",
  "calleeTypesOf",
  "staleCalleeTypesIn",
  "writeCalleeTypes",
]);
/** fs calls that read, copy or list a path given as their first argument. */
const FS_READS = new Set([
  "readFileSync",
  "readFile",
  "existsSync",
  "copyFileSync",
  "cpSync",
  "readdirSync",
  "statSync",
]);

/**
 * The places in one test file (its path relative to `repoRoot`, and its text) that read the user's declaration:
 * - a module import, `require` or `jest.mock` of `<root>/functions/<name>`;
 * - `functions/<name>` as a `source` (a config's function, an archive to build) or in esbuild's `entryPoints`,
 *   unless it is an expected value or the options say it is relative to another folder (`projectRoot: tmp`);
 * - an fs read of a relative `functions/<name>` or `Pulumi.<stack>.yaml` (tests run in the root);
 * - `path.join`/`path.resolve` of the repository root that reaches `functions`, `functions/<name>` or a
 *   `Pulumi.<stack>.yaml`;
 * - a `"callgraph:functions"` entry without `source` (its code is then the default folder `functions/<name>`);
 * - `evaluate()` without `stack` or `programDir` (the engine then reads the root's `Pulumi.dev.yaml`),
 *   `stackTests()` without `root` (it verifies every stack file of the working folder), and a reader of a
 *   folder's stack files (`readStackConfig`, `stacksIn`, the callee types') given the root.
 * Paths built from values the file does not spell out (a temp folder, a name from a loop) are not followed, and a
 * name that is only data (a path in a report being rendered) is not a read.
 */
export function declarationReads(file: string, text: string, repoRoot: string): DeclarationRead[] {
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
  const dir = path.dirname(path.resolve(repoRoot, file));
  const found: DeclarationRead[] = [];
  const report = (node: ts.Node, what: string) => {
    const { line, character } = source.getLineAndCharacterOfPosition(node.getStart(source));
    found.push({ at: `${file}:${line + 1}:${character + 1}`, what });
  };
  /** What an absolute path inside the repository root reads of the user's, if anything. */
  const userPath = (absolute: string): string | undefined => {
    const relative = path.relative(repoRoot, absolute).split(path.sep).join("/");
    if (relative === "functions") return "every function folder (functions/)";
    const fn = USER_FUNCTION.exec(relative)?.[1];
    if (fn && fn !== "shared") return `the user's function folder functions/${fn}`;
    const stack = STACK_FILE.exec(relative)?.[1];
    return stack ? `the user's stack file Pulumi.${stack}.yaml` : undefined;
  };
  const rootVariables = rootBindings(source, dir, repoRoot);
  const isRoot = (node: ts.Expression) => staticPath(node, dir, rootVariables) === repoRoot;

  const visit = (node: ts.Node): void => {
    const specifier = moduleSpecifier(node);
    if (specifier?.startsWith(".")) {
      const read = userPath(path.resolve(dir, specifier));
      if (read && !read.startsWith("the user's stack")) report(node, `imports ${read}`);
    } else if (ts.isStringLiteralLike(node) || ts.isTemplateHead(node)) {
      const fn = USER_FUNCTION.exec(node.text)?.[1];
      if (fn && fn !== "shared" && isSourcePath(node) && !relativeToAnotherRoot(node, isRoot))
        report(node, `gives the user's function folder functions/${fn} as a source`);
    }
    if (isFunctionsDeclaration(node) && !inExpectation(node) && !relativeToAnotherRoot(node, isRoot)) {
      // Without `source`, a function's code is the default folder functions/<name> (topology/parse.ts).
      for (const fn of node.initializer.properties) {
        if (
          ts.isPropertyAssignment(fn) &&
          ts.isObjectLiteralExpression(fn.initializer) &&
          !hasSource(fn.initializer)
        )
          report(
            fn,
            `declares ${fn.name.getText()} without a source: its code is the user's functions/<name>`,
          );
      }
    }
    if (ts.isCallExpression(node)) {
      const callee = calleeName(node.expression);
      if (callee === "path.join" || callee === "path.resolve") {
        const target = staticPath(node, dir, rootVariables);
        const read = target === undefined ? undefined : userPath(target);
        if (read) report(node, `builds a path to ${read}`);
      } else if (FS_READS.has(callee.replace(/^fs\./, "")) && node.arguments[0]) {
        // A relative path is relative to the working folder: the repository root, where the tests run.
        const [first] = node.arguments;
        const read = ts.isStringLiteralLike(first) ? userPath(path.resolve(repoRoot, first.text)) : undefined;
        if (read) report(node, `reads ${read} (tests run in the repository root)`);
      } else if (EVALUATORS.has(callee.split(".").pop() ?? "")) {
        const [options] = node.arguments;
        if (!options || (ts.isObjectLiteralExpression(options) && !namesStack(options)))
          report(
            node,
            `${callee} without \`stack\` or \`programDir\`: the engine reads the root's Pulumi.dev.yaml`,
          );
      } else if (callee.split(".").pop() === STACK_TESTS) {
        const [options] = node.arguments;
        if (!options || (ts.isObjectLiteralExpression(options) && !namesRoot(options)))
          report(node, `${callee} without \`root\`: it verifies every stack file of the repository root`);
      } else if (
        STACK_READERS.has(callee.split(".").pop() ?? "") &&
        node.arguments[0] &&
        isRoot(node.arguments[0])
      ) {
        report(node, `reads the stack files of the repository root (${callee})`);
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

/** `a.b.c` for a property chain, `f` for an identifier, "" otherwise. */
function calleeName(expression: ts.Expression): string {
  if (ts.isIdentifier(expression)) return expression.text;
  if (ts.isPropertyAccessExpression(expression)) {
    const object = calleeName(expression.expression);
    return object ? `${object}.${expression.name.text}` : expression.name.text;
  }
  return "";
}

/** The module a node loads: import/export `from`, `import x = require()`, `import()`, `require`, `jest.mock`. */
function moduleSpecifier(node: ts.Node): string | undefined {
  if ((ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) && node.moduleSpecifier)
    return ts.isStringLiteral(node.moduleSpecifier) ? node.moduleSpecifier.text : undefined;
  if (ts.isExternalModuleReference(node) && ts.isStringLiteral(node.expression)) return node.expression.text;
  if (!ts.isCallExpression(node)) return undefined;
  const [first] = node.arguments;
  const loads =
    node.expression.kind === ts.SyntaxKind.ImportKeyword || LOADERS.has(calleeName(node.expression));
  return loads && first && ts.isStringLiteralLike(first) ? first.text : undefined;
}

/**
 * A literal the program or a bundler resolves against the repository root: the value of a `source` (a function's
 * folder in a config, an archive to build) or an element of esbuild's `entryPoints`.
 */
function isSourcePath(node: ts.StringLiteralLike | ts.TemplateHead): boolean {
  const literal = ts.isTemplateHead(node) ? node.parent : node;
  const holder = ts.isArrayLiteralExpression(literal.parent) ? literal.parent.parent : literal.parent;
  if (!ts.isPropertyAssignment(holder) || holder.name === literal) return false;
  const name = holder.name.getText().replace(/^["']|["']$/g, "");
  return (name === "source" || name === "entryPoints") && !inExpectation(holder);
}

/** Inside what a test expects, not what it reads: `expect(spec).toEqual({ source: ... })`. */
function inExpectation(node: ts.Node): boolean {
  for (let at: ts.Node | undefined = node.parent; at; at = at.parent) {
    if (ts.isCallExpression(at) && EXPECTATION.test(calleeName(at.expression).split(".").pop() ?? ""))
      return true;
  }
  return false;
}

/** A `"callgraph:functions": { ... }` config entry written out in the file. */
function isFunctionsDeclaration(
  node: ts.Node,
): node is ts.PropertyAssignment & { initializer: ts.ObjectLiteralExpression } {
  return (
    ts.isPropertyAssignment(node) &&
    ts.isStringLiteral(node.name) &&
    node.name.text === "callgraph:functions" &&
    ts.isObjectLiteralExpression(node.initializer)
  );
}

/** Whether a function's settings name its source (a spread may carry one, so it counts). */
function hasSource(settings: ts.ObjectLiteralExpression): boolean {
  return settings.properties.some(
    (p) =>
      ts.isSpreadAssignment(p) ||
      (p.name !== undefined && p.name.getText().replace(/["']/g, "") === "source"),
  );
}

/** Whether an enclosing options object says the path is relative to another folder (`projectRoot: tempDir`). */
function relativeToAnotherRoot(node: ts.Node, isRoot: (e: ts.Expression) => boolean): boolean {
  for (let at: ts.Node | undefined = node.parent; at; at = at.parent) {
    if (!ts.isObjectLiteralExpression(at)) continue;
    for (const p of at.properties) {
      const key = p.name?.getText();
      if (
        ts.isPropertyAssignment(p) &&
        (key === "projectRoot" || key === "programDir") &&
        !isRoot(p.initializer)
      )
        return true;
    }
  }
  return false;
}

/** Whether an `evaluate` options literal chooses its stack or program (a spread may, so it counts). */
function namesStack(options: ts.ObjectLiteralExpression): boolean {
  return options.properties.some(
    (p) =>
      ts.isSpreadAssignment(p) ||
      (p.name !== undefined &&
        ts.isIdentifier(p.name) &&
        (p.name.text === "stack" || p.name.text === "programDir")),
  );
}

/** Whether a `stackTests` options literal chooses its project (a spread may, so it counts). */
function namesRoot(options: ts.ObjectLiteralExpression): boolean {
  return options.properties.some(
    (p) =>
      ts.isSpreadAssignment(p) || (p.name !== undefined && ts.isIdentifier(p.name) && p.name.text === "root"),
  );
}

/**
 * The variables of this file that hold a path it spells out (`const ROOT = path.resolve(__dirname, "../..")`),
 * in declaration order, and the names a repository root is imported under (`REPO_ROOT`).
 */
function rootBindings(source: ts.SourceFile, dir: string, repoRoot: string): Map<string, string> {
  const bindings = new Map<string, string>();
  const visit = (node: ts.Node): void => {
    if (ts.isVariableDeclaration(node) && ts.isIdentifier(node.name) && node.initializer) {
      const value = staticPath(node.initializer, dir, bindings);
      if (value !== undefined) bindings.set(node.name.text, value);
    } else if (ts.isImportSpecifier(node) && (node.propertyName ?? node.name).text === "REPO_ROOT") {
      bindings.set(node.name.text, repoRoot);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return bindings;
}

/** The absolute path an expression spells out from `__dirname`, literals and known variables, if it does. */
function staticPath(
  node: ts.Expression,
  dir: string,
  bindings: ReadonlyMap<string, string>,
): string | undefined {
  if (ts.isIdentifier(node)) return node.text === "__dirname" ? dir : bindings.get(node.text);
  if (ts.isParenthesizedExpression(node)) return staticPath(node.expression, dir, bindings);
  if (!ts.isCallExpression(node)) return undefined;
  const callee = calleeName(node.expression);
  if (callee !== "path.join" && callee !== "path.resolve") return undefined;
  const [base, ...rest] = node.arguments;
  const start = base && staticPath(base, dir, bindings);
  if (start === undefined || !rest.every(ts.isStringLiteralLike)) return undefined;
  return path.resolve(start, ...rest.map((r) => (r as ts.StringLiteralLike).text));
}
