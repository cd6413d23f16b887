import { possessive } from "../iam/possessive";
import type { EffectiveGraph, Grant } from "../engine";
import { invokerMembers } from "../topology";
import type { Declaration } from "./declaration";

/**
 * Every way the effective graph (from the resources the program registered) differs from the declaration, one
 * sentence each, naming the function, the member and the resource or config key to fix. Empty when they agree:
 * each function is deployed, and its invokers are exactly `invokerMembers` of the declaration (DESIGN.md
 * invariant 2), each granted by the call graph's own resources.
 *
 * A project-level grant counts against every function, as it lets its member invoke all of them.
 */
export function grantMismatches(declaration: Declaration, graph: EffectiveGraph): string[] {
  const { topology, project, file } = declaration;
  const declared = new Set(topology.functions.map((f) => f.name));
  const deployed = new Set(graph.functions.map((f) => f.name));
  const problems: string[] = [];
  for (const name of declared)
    if (!deployed.has(name))
      problems.push(`${name}: declared in ${file} but the program deploys no such function`);
  for (const name of deployed)
    if (!declared.has(name))
      problems.push(
        `${name}: the program deploys it but ${file} does not declare it (callgraph:functions.${name})`,
      );

  for (const name of [...declared].sort()) {
    const expected = new Set(invokerMembers(topology, name, project));
    const grants = graph.grants.filter((g) => g.target === name || g.target === "*");
    for (const member of [...new Set(grants.map((g) => g.member))].sort()) {
      const by = grants.filter((g) => g.member === member);
      if (!expected.has(member)) {
        problems.push(
          `${name}: ${member} may invoke it, but ${file} does not declare it (granted by ${by.map(describe).join(", ")}). ` +
            `Remove the grant, or declare it in callgraph:functions (a caller's \`calls\` or ${possessive(name)} \`invokers\`)`,
        );
      } else {
        for (const stray of by.filter((g) => !g.managed || g.scope !== "function"))
          problems.push(
            `${name}: ${member} is declared, but granted by ${describe(stray)} outside the call graph's ` +
              `authoritative binding. Remove that resource`,
          );
      }
    }
    const granted = new Set(grants.map((g) => g.member));
    for (const member of [...expected].filter((m) => !granted.has(m)).sort())
      problems.push(
        `${name}: ${file} declares that ${member} may invoke it, but no resource the program registers grants it`,
      );
  }
  return problems;
}

function describe(grant: Grant): string {
  const where = grant.scope === "project" ? "on the whole project" : `on ${grant.target}`;
  return `${grant.resource.type} "${grant.resource.name}" (${grant.role} ${where})`;
}
