import { esbuildTarget, TopologyError, type Topology, type TopologyIssue } from "../topology";
import { ArchiveError, buildFunctionArchive, type FunctionArchive } from "./function-archive";

/**
 * Builds the archive of every function, bundled for its runtime, and checks that each bundle exports the
 * function's `entryPoint`: a wrong entry point would otherwise pass every check and fail only when the platform
 * (or the local stack) starts the function. Every problem of every function is thrown together as one
 * {@link TopologyError}; call this before registering any resource, so a bad archive deploys nothing.
 *
 * @param topology The validated call graph.
 * @param projectRoot Folder that `source` paths are relative to.
 * @param outDir Where archives are written; defaults to `<projectRoot>/.callgraph/build`.
 * @returns Each function's archive, by function name.
 */
export function buildArchives(
  topology: Topology,
  projectRoot: string,
  outDir?: string,
): Record<string, FunctionArchive> {
  const { archives, issues } = buildEveryArchive(topology, projectRoot, outDir);
  if (issues.length > 0) throw new TopologyError(issues);
  return archives;
}

/** {@link buildArchives} without the throw: the archives that built, and every function's problem beside them. */
export function buildEveryArchive(
  topology: Topology,
  projectRoot: string,
  outDir?: string,
): { archives: Record<string, FunctionArchive>; issues: TopologyIssue[] } {
  const archives: Record<string, FunctionArchive> = {};
  const issues: TopologyIssue[] = [];
  // Functions that share a source folder and a target share one archive: it is built (or its cached copy checked
  // against its inputs) once per call, not once per function.
  const bySource = new Map<string, FunctionArchive | ArchiveError>();
  for (const spec of topology.functions) {
    const target = esbuildTarget(spec.runtime);
    const key = `${spec.source}\0${target}`;
    let built = bySource.get(key);
    if (!built) {
      try {
        built = buildFunctionArchive({ projectRoot, source: spec.source, target, outDir });
      } catch (error) {
        if (!(error instanceof ArchiveError)) throw error;
        built = error;
      }
      bySource.set(key, built);
    }
    if (built instanceof ArchiveError) {
      issues.push({ path: `functions.${spec.name}.source`, message: `${spec.source}: ${built.message}` });
      continue;
    }
    const archive = built;
    if (archive.exports && !archive.exports.includes(spec.entryPoint)) {
      const exported = archive.exports.length > 0 ? archive.exports.join(", ") : "nothing";
      issues.push({
        path: `functions.${spec.name}.entryPoint`,
        message: `the bundle of ${spec.source} exports no ${JSON.stringify(spec.entryPoint)} (it exports: ${exported})`,
      });
    }
    archives[spec.name] = archive;
  }
  return { archives, issues };
}
