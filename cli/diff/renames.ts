import * as path from "node:path";
import type { GraphFunction } from "../../engine";
import type { ReviewGraph } from "../review/review-graph";

/**
 * Pairs functions that were renamed: removed at base, added at head, with the same code (the archive is named
 * by the sha256 of its bytes), entry point and runtime, and the same edges and invokers once the pair is taken
 * as one function. Only one-to-one matches count: two identical candidates are left as a removal and an
 * addition, since either pairing would be a guess. A neighbour that is unmatched itself is compared by its code
 * rather than its name, so two renamed functions that call each other are found together. Returns base name ->
 * head name.
 */
export function detectRenames(base: ReviewGraph, head: ReviewGraph): Map<string, string> {
  const headNames = new Set(head.functions.map((f) => f.name));
  const baseNames = new Set(base.functions.map((f) => f.name));
  const removed = base.functions.filter((f) => !headNames.has(f.name));
  const added = head.functions.filter((f) => !baseNames.has(f.name));
  const renames = new Map<string, string>();

  for (let found = removed.length > 0 && added.length > 0; found;) {
    found = false;
    const taken = new Set(renames.values());
    const openRemoved = new Map(removed.filter((f) => !renames.has(f.name)).map((f) => [f.name, f]));
    const openAdded = new Map(added.filter((f) => !taken.has(f.name)).map((f) => [f.name, f]));
    // A neighbour that is itself unmatched on its side may be renamed too: it stands for its code, not its name.
    const byCode = (open: ReadonlyMap<string, GraphFunction>, n: string) => {
      const f = open.get(n);
      return f ? `?${fingerprint(f)}` : n;
    };
    const inBase = (n: string) => renames.get(n) ?? byCode(openRemoved, n);
    const inHead = (n: string) => byCode(openAdded, n);
    const headShapes = new Map([...openAdded.keys()].map((a) => [a, neighbourhood(head, a, inHead)]));
    const candidates = new Map<string, string[]>();
    for (const r of openRemoved.values()) {
      const shape = neighbourhood(base, r.name, inBase);
      const matches = [...openAdded.values()].filter(
        (a) => fingerprint(a) === fingerprint(r) && headShapes.get(a.name) === shape,
      );
      candidates.set(
        r.name,
        matches.map((a) => a.name),
      );
    }
    for (const [from, [to, ...others]] of candidates) {
      const rivals = [...candidates.values()].filter((list) => list.includes(to)).length;
      if (to !== undefined && others.length === 0 && rivals === 1) {
        renames.set(from, to);
        found = true;
      }
    }
  }
  return renames;
}

/** The deployed code: archive (content-addressed, so its file name is its hash), entry point and runtime. */
function fingerprint(f: GraphFunction): string {
  return [f.archivePath ? path.basename(f.archivePath) : "", f.entryPoint, f.runtime].join("\0");
}

/** Who invokes `name` and whom it invokes, with `name` itself written as `@self`, other names through `rename`. */
function neighbourhood(g: ReviewGraph, name: string, rename: (n: string) => string): string {
  const lines: string[] = [];
  const label = (n: string) => (n === name ? "@self" : rename(n));
  for (const inv of g.invocations) {
    if (inv.function === name)
      lines.push(`in ${inv.kind === "function" ? label(inv.invoker) : inv.invoker} ${inv.kind}`);
    if (inv.kind === "function" && inv.invoker === name) lines.push(`out ${label(inv.function)}`);
  }
  return lines.sort().join("\n");
}
