import type { PropagationWait } from "../../engine";
import type { ReviewGraph } from "../review/review-graph";
import type { GraphHeading } from "./graph-table";
import { ungrantedSecrets } from "./function-settings-text";
import { jsonDocument } from "./json-document";
import { isUnused, type EdgeEvidence } from "../review/edge-evidence";

/**
 * The graph for machines: each function with who may invoke it, and every grant with the resource behind it
 * and why it is undeclared (an empty list when it is declared), each function's generation, runtime and settings,
 * which secrets each function's account may read, and the callers that are not functions. Stable key order, sorted lists.
 */
export function renderGraphJson(
  graph: ReviewGraph,
  heading: GraphHeading,
  waits: readonly PropagationWait[] = [],
): string {
  const document = {
    stack: heading.stack,
    project: heading.project,
    functions: graph.functions.map((f) => ({
      name: f.name,
      serviceAccount: f.serviceAccount,
      url: f.url,
      region: f.region,
      generation: f.generation,
      entryPoint: f.entryPoint,
      runtime: f.runtime,
      // Its runtime settings as registered: the user's variables (the program's CALLGRAPH_* ones left out), its
      // secrets, instances, connector, labels (but managed-by), 2nd gen's concurrency and CPU.
      settings: f.settings,
      secretAccess: graph.secretGrants
        .filter((g) => g.function === f.name)
        .map((g) => ({ secret: g.secret, scope: g.scope, role: g.role, managed: g.managed })),
      ungrantedSecrets: ungrantedSecrets(f, graph.secretGrants),
      invokedBy: graph.invocations
        .filter((i) => i.function === f.name)
        .map((i) => ({
          invoker: i.invoker,
          kind: i.kind,
          roles: i.roles,
          undeclared: i.undeclared,
          ...(i.evidence ? evidenceJson(i.evidence) : {}),
        })),
    })),
    // The callers that are not functions: what each is, the account it calls as, and the functions it calls.
    sources: graph.sources.map((x) => ({
      name: x.name,
      kind: x.kind,
      serviceAccount: x.serviceAccount,
      calls: x.targets,
      audiences: x.audiences,
      managed: x.managed,
    })),
    grants: graph.grants.map((g) => ({
      function: g.target,
      scope: g.scope,
      role: g.role,
      member: g.member,
      invoker: g.invoker,
      kind: g.kind,
      managed: g.managed,
      undeclared: g.undeclared,
      resource: g.resource,
    })),
    secretGrants: graph.secretGrants.map((g) => ({
      function: g.function,
      secret: g.secret,
      scope: g.scope,
      role: g.role,
      member: g.member,
      managed: g.managed,
      conditional: g.conditional,
      resource: g.resource,
    })),
    waits: waits.map((w) => ({
      name: w.name,
      duration: w.duration,
      after: w.after,
      waitedForBy: w.waitedForBy,
    })),
  };
  return jsonDocument("graph", document);
}

/** An edge's call sites for machines: where (file, line, column), dynamic sites with their expression. */
export function evidenceJson(evidence: EdgeEvidence) {
  return {
    callSites: evidence.callSites.map(({ file, line, column }) => ({ file, line, column })),
    dynamic: evidence.dynamic,
    unused: isUnused(evidence),
  };
}
