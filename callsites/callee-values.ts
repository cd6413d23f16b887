import * as ts from "typescript";

// A template literal multiplies its parts' values; past this many it is reported as dynamic, not enumerated.
const MAX_VALUES = 256;
// How many `const` initializers are followed from one argument (`const A = B; const B = \`${C}\``...).
const MAX_DEPTH = 8;

/**
 * The string values `expression` can have, when the checker proves them: its type is a string literal or a
 * union of them (a `const`, an `as const` value, a parameter or return typed `"a" | "b"`, an enum member, a
 * conditional of literals), or it is a template literal whose substitutions are literal-typed (TypeScript
 * widens those to `string`, so they are rebuilt here), or a `const` initialised with one.
 *
 * @returns the sorted distinct values, or `undefined` when the value is not pinned to literals (dynamic).
 */
export function calleeValues(checker: ts.TypeChecker, expression: ts.Expression): string[] | undefined {
  const values = valuesOf(checker, expression, 0);
  return values && [...new Set(values)].sort();
}

function valuesOf(checker: ts.TypeChecker, node: ts.Expression, depth: number): string[] | undefined {
  // A cast proves nothing about the value: its type is the one under the cast (`"billing" as any` is "billing",
  // `name as "billing"` is whatever `name` is). A non-null assertion and `satisfies` keep theirs: `maybe!` of a
  // `"a" | undefined` is "a".
  const fromType = literalStrings(checker, checker.getTypeAtLocation(withoutCasts(node)), false);
  if (fromType) return fromType;
  if (depth >= MAX_DEPTH) return undefined;
  const inner = skipWrappers(node);
  if (ts.isTemplateExpression(inner)) return templateValues(checker, inner, depth);
  if (ts.isIdentifier(inner)) {
    const initializer = constInitializer(checker, inner);
    return initializer && valuesOf(checker, initializer, depth + 1);
  }
  return undefined;
}

/** `a${B}c` -> every combination of B's values; undefined when a part is not literal. */
function templateValues(
  checker: ts.TypeChecker,
  node: ts.TemplateExpression,
  depth: number,
): string[] | undefined {
  let values = [node.head.text];
  for (const span of node.templateSpans) {
    const parts =
      literalStrings(checker, checker.getTypeAtLocation(span.expression), true) ??
      (ts.isIdentifier(skipWrappers(span.expression)) || ts.isTemplateExpression(span.expression)
        ? valuesOf(checker, span.expression, depth + 1)
        : undefined);
    if (!parts || values.length * parts.length > MAX_VALUES) return undefined;
    values = values.flatMap((prefix) => parts.map((part) => `${prefix}${part}${span.literal.text}`));
  }
  return values;
}

/** The initializer of the `const` an identifier refers to (through an import alias), if any. */
function constInitializer(checker: ts.TypeChecker, identifier: ts.Identifier): ts.Expression | undefined {
  let symbol = checker.getSymbolAtLocation(identifier);
  if (symbol && symbol.flags & ts.SymbolFlags.Alias) symbol = checker.getAliasedSymbol(symbol);
  const declaration = symbol?.valueDeclaration;
  if (!declaration || !ts.isVariableDeclaration(declaration) || !declaration.initializer) return undefined;
  return ts.getCombinedNodeFlags(declaration) & ts.NodeFlags.Const ? declaration.initializer : undefined;
}

/**
 * The values of a string literal type or a union of them; in a template substitution numbers count too (they
 * are written out). `never` and everything else (`string`, `any`, a union with `string`) are not literal.
 */
function literalStrings(checker: ts.TypeChecker, type: ts.Type, inTemplate: boolean): string[] | undefined {
  if (type.flags & ts.TypeFlags.TypeParameter) {
    const constraint = checker.getBaseConstraintOfType(type);
    if (!constraint || constraint === type) return undefined;
    type = constraint;
  }
  const members = type.isUnion() ? type.types : [type];
  const values: string[] = [];
  for (const member of members) {
    if (member.isStringLiteral()) values.push(member.value);
    else if (inTemplate && member.isNumberLiteral()) values.push(String(member.value));
    else return undefined;
  }
  return values.length > 0 ? values : undefined;
}

/** `(x)`, `x as T`, `<T>x` -> `x`: what a cast's value really is. */
function withoutCasts(node: ts.Expression): ts.Expression {
  while (ts.isParenthesizedExpression(node) || ts.isAsExpression(node) || ts.isTypeAssertionExpression(node))
    node = node.expression;
  return node;
}

/** `(x)`, `x as T`, `<T>x`, `x!`, `x satisfies T` -> `x`: the value at run time is the inner one. */
function skipWrappers(node: ts.Expression): ts.Expression {
  while (
    ts.isParenthesizedExpression(node) ||
    ts.isAsExpression(node) ||
    ts.isTypeAssertionExpression(node) ||
    ts.isNonNullExpression(node) ||
    ts.isSatisfiesExpression(node)
  ) {
    node = node.expression;
  }
  return node;
}
