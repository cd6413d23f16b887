import * as path from "node:path";
import { evaluate, type RegisteredResource } from "../engine";
import { benchConfig, chainTopology } from "./topologies";

const URL_OUTPUT_PROGRAM = path.join(__dirname, "url-output-program");

/**
 * Length of the longest dependency chain among custom resources: the number of deployment waves `pulumi up`
 * needs, however parallel it is otherwise.
 */
export function dependencyDepth(resources: readonly RegisteredResource[]): number {
  const byUrn = new Map(resources.map((r) => [r.urn, r]));
  const memo = new Map<string, number>();
  const depth = (urn: string): number => {
    const known = memo.get(urn);
    if (known !== undefined) return known;
    const r = byUrn.get(urn);
    if (!r) return 0;
    memo.set(urn, 0); // guards against a malformed cycle
    const below = Math.max(0, ...r.dependencies.map(depth));
    const own = below + (r.custom ? 1 : 0);
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
  return { functions: n, depth: dependencyDepth(ours.resources), baselineDepth: dependencyDepth(baseline.resources) };
}
