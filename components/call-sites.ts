import {
  BundleInputsError,
  compareCallSites,
  extractCallSites,
  formatFinding,
  type CallSite,
  type CallSiteFinding,
  type DynamicCallSite,
} from "../callsites";
import { CONFIG_KEY, TopologyError, type Topology } from "../topology";

/**
 * What one function's code can call, as its {@link ServiceFunction} records it (component inputs and outputs):
 * the fields of the extraction's report that say what the code does, nothing about where it was computed, so
 * the record changes only when a call site does, i.e. with the code (whose archive changes too).
 */
export interface RecordedCallSites {
  /** Every callee name the code passes, one entry per site, sorted by callee, file, line, column. */
  readonly callSites: readonly CallSite[];
  /** Sites the checker cannot pin to names (each could call any declared callee), sorted by file, line, column. */
  readonly dynamic: readonly DynamicCallSite[];
}

/** The outcome of checking every function's code against its declared calls, before anything is registered. */
export interface CheckedCallSites {
  /** By function name: what its ServiceFunction records. */
  readonly byFunction: Readonly<Record<string, RecordedCallSites>>;
  /** Unused edges and dynamic sites, one line each, as the program warns them (`functions.x: ...`). */
  readonly warnings: readonly string[];
}

/**
 * Extracts the call sites of every declared function (callsites/, by the TypeScript checker over the bundle's
 * inputs, cached by their content) and compares them with the declaration. A call of an undeclared callee is
 * an error: every one of them, of every function, is thrown together as one {@link TopologyError}, in the
 * validation's format, so nothing is registered and the user sees the file and line to fix. Unused edges and
 * dynamic sites are warnings: the grant is wider than needed (or unproven), not broken.
 *
 * An unused edge stays a warning here even when the stack's `callgraph:policy` makes its policy mandatory: that
 * key is `callgraph check`'s (the pack reads `--policy-pack-config`, which the program never sees), so the
 * program deciding from it would disagree with the pack whenever the two configs differ. The enforcement lives
 * where the policy config does: the pack and `check`, which read the call sites this records.
 *
 * @param projectRoot the folder `source` paths are relative to (the program's).
 * @param cacheDir where answers are kept; defaults to `<projectRoot>/.callgraph/callsites`.
 * @param functionNames every function the stack declares, when `topology` holds only some of them (those whose code
 *   can be checked while the rest of the declaration is refused): a call of one of the others is not said to call a
 *   function that does not exist.
 */
export function checkCallSites(
  topology: Topology,
  projectRoot: string,
  cacheDir?: string,
  functionNames: readonly string[] = topology.functions.map((f) => f.name),
): CheckedCallSites {
  let reports;
  try {
    reports = extractCallSites({
      projectRoot,
      functions: topology.functions.map((f) => ({ name: f.name, source: f.source })),
      cacheDir,
    });
  } catch (error) {
    // The archives were built from the same sources a moment before, so this is rare (a file changed meanwhile).
    if (!(error instanceof BundleInputsError)) throw error;
    throw new TopologyError([{ path: CONFIG_KEY, message: `call-site extraction: ${error.message}` }]);
  }
  const declared = Object.fromEntries(topology.functions.map((f) => [f.name, f.calls]));
  const findings = compareCallSites(declared, reports, functionNames);
  const errors = findings.filter((f) => f.severity === "error");
  if (errors.length > 0) throw new TopologyError(errors.map(issueOf));
  return {
    byFunction: Object.fromEntries(
      reports.map((r) => [r.function, { callSites: r.callSites, dynamic: r.dynamic }]),
    ),
    warnings: findings.map(formatFinding),
  };
}

function issueOf(finding: CallSiteFinding): { path: string; message: string } {
  return { path: finding.path, message: finding.message };
}
