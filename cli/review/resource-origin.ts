import type { EffectiveGraph, RegisteredResource } from "../../engine";

/**
 * What in the user's files a resource comes from, so a finding about it can point there:
 * - `function`: a resource the callgraph components made for one declared function (its account, archive,
 *   function, invoker grant): the declaration of that function in the stack file is what to change;
 * - `program`: anything else, named by the resource written in the program that holds it (itself for a
 *   resource written at top level, e.g. a grant added by hand; the `CallGraph` component for the stack-wide
 *   resources it makes, such as the source bucket or the build account).
 */
export type ResourceOrigin =
  | { readonly kind: "function"; readonly function: string }
  | { readonly kind: "program"; readonly name: string; readonly type: string };

/** The resource Pulumi registers for the stack itself: the parent of every top-level resource. */
const STACK_TYPE = "pulumi:pulumi:Stack";

/**
 * Where `urn` comes from, by its chain of parents. A function's own resources are the children of its
 * `ServiceFunction` component (the function resource's parent, a component, never the stack); its invoker grant
 * is the one grant the components made on it (from the engine's graph, the one extractor). Undefined for a URN the program did not
 * register.
 */
export function resourceOrigin(
  urn: string,
  resources: readonly RegisteredResource[],
  graph: EffectiveGraph,
): ResourceOrigin | undefined {
  const byUrn = new Map(resources.map((r) => [r.urn, r]));
  const functionOf = new Map<string, string>();
  for (const f of graph.functions) {
    // A function written by hand at top level is the program's, not a declared one's.
    const component = byUrn.get(f.urn)?.parent;
    if (component === undefined || byUrn.get(component)?.type === STACK_TYPE) continue;
    functionOf.set(f.urn, f.name);
    functionOf.set(component, f.name);
  }
  for (const g of graph.grants)
    if (g.managed && g.scope === "function") functionOf.set(g.resource.urn, g.target);

  let resource: RegisteredResource | undefined = byUrn.get(urn);
  while (resource) {
    const fn = functionOf.get(resource.urn);
    if (fn !== undefined) return { kind: "function", function: fn };
    const parent: RegisteredResource | undefined =
      resource.parent === undefined ? undefined : byUrn.get(resource.parent);
    if (!parent || parent.type === STACK_TYPE)
      return { kind: "program", name: resource.name, type: resource.type };
    resource = parent;
  }
  return undefined;
}
