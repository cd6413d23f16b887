import * as path from "node:path";
import { evaluate, type RegisteredResource } from "../engine";
import { benchConfig, chainTopology } from "./topologies";

const URL_OUTPUT_PROGRAM = path.join(__dirname, "url-output-program");

/**
 * Length of the longest dependency chain among custom resources: the number of deployment waves `pulumi up`
 * needs, however parallel it is otherwise. Components deploy nothing themselves, so they add no wave, but
 * depending on one means waiting for everything under it, so a component counts as deep as its deepest child.
 * A dependency cycle (which the engine would refuse) is cut where it closes rather than looping.
 */
export function dependencyDepth(resources: readonly RegisteredResource[]): number {
  const byUrn = new Map(resources.map((r) => [r.urn, r]));
  const children = new Map<string, string[]>();
  for (const r of resources) if (r.parent) children.set(r.parent, [...(children.get(r.parent) ?? []), r.urn]);
  const memo = new Map<string, number>();
  const depth = (urn: string): number => {
    const known = memo.get(urn);
    if (known !== undefined) return known;
    const r = byUrn.get(urn);
    if (!r) return 0; // a resource from outside the program (e.g. a provider): already there
    memo.set(urn, 0); // cuts a cycle
    const waitsFor = r.custom ? r.dependencies : [...r.dependencies, ...(children.get(urn) ?? [])];
    const own = Math.max(0, ...waitsFor.map(depth)) + (r.custom ? 1 : 0);
    memo.set(urn, own);
    return own;
  };
  return Math.max(0, ...resources.map((r) => depth(r.urn)));
}

export interface CriticalPath {
  readonly functions: number;
  readonly depth: number;
  readonly baselineDepth: number;
}

/** Our program's dependency depth for an n-function call chain vs the URL-output pattern's. */
export async function measureCriticalPath(n: number): Promise<CriticalPath> {
  const config = benchConfig(chainTopology(n));
  const ours = await evaluate({ config });
  const baseline = await evaluate({ programDir: URL_OUTPUT_PROGRAM, config });
  return {
    functions: n,
    depth: dependencyDepth(ours.resources),
    baselineDepth: dependencyDepth(baseline.resources),
  };
}
