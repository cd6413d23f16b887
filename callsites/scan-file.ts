import * as ts from "typescript";
import { calleeValues } from "./callee-values";
import type { ClientDeclarations } from "./client-declarations";
import type { CallSite, DynamicCallSite } from "./report";

/** The sites of one file: shared by every function whose bundle reads it. */
export interface FileSites {
  readonly callSites: CallSite[];
  readonly dynamic: DynamicCallSite[];
}

const MAX_EXPRESSION = 80;

/**
 * Every place in `file` that reaches a callee through the client library, found by symbol:
 * - a call of the client's `call` method: its first argument's literal values are call sites, anything else a
 *   dynamic site;
 * - any other reference to that method (`d.call.bind(d)`, `const { call } = d`, passing `d.call` along): a
 *   dynamic site, since the name it will be called with is out of sight;
 * - a read of the environment's callee URL map (`env.callees.profiles`, `env.callees[name]`), which reaches a
 *   callee without the client: its key is a call site (or dynamic); handing the map on whole is dynamic, except
 *   as a client's own `callees` option, whose calls are tracked at the client.
 * Source text, not the bundle, decides: code the bundler drops still counts (tests/callsites/extract.test.ts).
 *
 * @param fileName the file's name relative to the project root, for the sites.
 */
export function scanFile(
  checker: ts.TypeChecker,
  file: ts.SourceFile,
  fileName: string,
  declarations: ClientDeclarations,
): FileSites {
  const sites: FileSites = { callSites: [], dynamic: [] };
  const { callMethod, envCallees } = declarations;
  if (!callMethod && !envCallees) return sites;
  const callName = callMethod && memberName(callMethod);
  const calleesName = envCallees && memberName(envCallees);
  const at = (node: ts.Node): { file: string; line: number; column: number } => {
    const { line, character } = file.getLineAndCharacterOfPosition(node.getStart(file));
    return { file: fileName, line: line + 1, column: character + 1 };
  };
  const dynamic = (node: ts.Node): void => {
    sites.dynamic.push({ ...at(node), expression: excerpt(node.getText(file)) });
  };
  const resolved = (argument: ts.Expression | undefined, site: ts.Node): void => {
    const values = argument && !ts.isSpreadElement(argument) ? calleeValues(checker, argument) : undefined;
    if (!values) return dynamic(argument ?? site);
    for (const callee of values) sites.callSites.push({ callee, ...at(argument!) });
  };

  const visit = (node: ts.Node): void => {
    const name = memberReferenceName(node);
    if (name !== undefined && (name === callName || name === calleesName) && !isDeclarationName(node)) {
      const referenced = referencedDeclarations(checker, node);
      if (callMethod && referenced.includes(callMethod)) onCallReference(node);
      else if (envCallees && referenced.includes(envCallees)) onCalleesReference(node);
    }
    ts.forEachChild(node, visit);
  };

  /** `x.call(name, …)` / `x["call"](name, …)` is resolved; any other use of the method is dynamic. */
  const onCallReference = (node: ts.Node): void => {
    const access = node.parent;
    const call = access.parent;
    if (isAccessOf(access, node) && ts.isCallExpression(call) && call.expression === access) {
      return resolved(call.arguments[0], call);
    }
    // The whole expression or declaration that lets the method escape: `d.call.bind(d)`, `{ call } = d`.
    if (isAccessOf(access, node)) dynamic(outermostChain(access));
    else dynamic(ts.isBindingElement(access) ? access.parent.parent : access);
  };

  /** `env.callees.NAME` and `env.callees[name]` name a callee; the map handed to a client is tracked there. */
  const onCalleesReference = (node: ts.Node): void => {
    const access = node.parent;
    if (!isAccessOf(access, node))
      return dynamic(ts.isBindingElement(access) ? access.parent.parent : access);
    const outer = access.parent;
    if (ts.isPropertyAccessExpression(outer) && outer.expression === access) {
      // A key of the map has no symbol of its own; a symbol means a method of it (`hasOwnProperty`): dynamic.
      if (checker.getSymbolAtLocation(outer.name)) return dynamic(outer);
      sites.callSites.push({ callee: outer.name.text, ...at(outer.name) });
      return;
    }
    if (ts.isElementAccessExpression(outer) && outer.expression === access) {
      return resolved(outer.argumentExpression, outer);
    }
    if (declarations.optionsCallees && handsToClient(checker, access, declarations.optionsCallees)) return;
    dynamic(access);
  };

  visit(file);
  return sites;
}

/** `d.call` -> `d.call.bind(d)`: the whole member-access and call chain built on `node`. */
function outermostChain(node: ts.Node): ts.Node {
  let outer = node;
  for (;;) {
    const parent = outer.parent;
    const chained =
      (ts.isPropertyAccessExpression(parent) ||
        ts.isElementAccessExpression(parent) ||
        ts.isCallExpression(parent)) &&
      parent.expression === outer;
    if (!chained) return outer;
    outer = parent;
  }
}

/** The member name a node may refer to: an identifier, or the string in `x["call"]`. */
function memberReferenceName(node: ts.Node): string | undefined {
  if (ts.isIdentifier(node)) return node.text;
  if (ts.isStringLiteralLike(node) && ts.isElementAccessExpression(node.parent)) {
    return node.parent.argumentExpression === node ? node.text : undefined;
  }
  return undefined;
}

/** The declarations a reference resolves to (a union's member has several); for a destructured `{ call }`, the property's. */
function referencedDeclarations(checker: ts.TypeChecker, node: ts.Node): readonly ts.Declaration[] {
  let symbol: ts.Symbol | undefined;
  const parent = node.parent;
  if (ts.isBindingElement(parent) && (parent.propertyName ?? parent.name) === node && ts.isIdentifier(node)) {
    symbol = checker.getTypeAtLocation(parent.parent).getProperty(node.text);
  } else {
    symbol = checker.getSymbolAtLocation(node);
  }
  if (symbol && symbol.flags & ts.SymbolFlags.Alias) symbol = checker.getAliasedSymbol(symbol);
  // Members of instantiated generics and of unions are copies whose declarations are the original ones.
  return symbol?.declarations ?? [];
}

/** `access` is `x.name` or `x["name"]` with `name` being `node`. */
function isAccessOf(
  access: ts.Node,
  node: ts.Node,
): access is ts.PropertyAccessExpression | ts.ElementAccessExpression {
  return (
    (ts.isPropertyAccessExpression(access) && access.name === node) ||
    (ts.isElementAccessExpression(access) && access.argumentExpression === node)
  );
}

/** The declaration itself (`call(…) {` in the class, `callees:` in the interface) is not a reference. */
function isDeclarationName(node: ts.Node): boolean {
  const parent = node.parent;
  return (
    (ts.isMethodDeclaration(parent) ||
      ts.isPropertySignature(parent) ||
      ts.isPropertyDeclaration(parent) ||
      ts.isMethodSignature(parent) ||
      ts.isPropertyAssignment(parent) ||
      ts.isGetAccessorDeclaration(parent)) &&
    parent.name === node
  );
}

/** `{ callees: env.callees }` (or shorthand) where the object is a client's options: the client checks the key. */
function handsToClient(checker: ts.TypeChecker, access: ts.Node, optionsCallees: ts.Declaration): boolean {
  const assignment = access.parent;
  if (!ts.isPropertyAssignment(assignment) || assignment.initializer !== access) return false;
  const contextual = checker.getContextualType(assignment.parent);
  const property = contextual?.getProperty(memberName(optionsCallees));
  return property?.declarations?.includes(optionsCallees) ?? false;
}

function memberName(declaration: ts.Declaration): string {
  const name = ts.getNameOfDeclaration(declaration);
  return name && ts.isIdentifier(name) ? name.text : "";
}

function excerpt(text: string): string {
  const flat = text.replace(/\s+/g, " ").trim();
  return flat.length > MAX_EXPRESSION ? `${flat.slice(0, MAX_EXPRESSION - 1)}…` : flat;
}
