/**
 * Every JSON document the CLI prints starts with `schemaVersion`, an integer per document kind. It grows only
 * when a change could break a reader (a field removed, renamed or given another meaning); new fields keep it.
 * docs/review.md lists each document's fields.
 */
export const SCHEMA_VERSIONS = {
  /**
   * `callgraph graph --format json`. Version 1: functions (with generation, runtime, and since issue 20 settings,
   * secretAccess, ungrantedSecrets), grants, secretGrants.
   */
  graph: 1,
  /** `callgraph diff --format json`. Version 1: base, head, stack, empty, counts, changes, functions... */
  diff: 1,
  /** `callgraph check --format json`. Version 1: stack, preview, resources, passed, policies, violations... */
  check: 1,
  /** `callgraph audit --format json`. Version 1: stack, project, region, policySource, counts, functions, findings, notVisible. */
  audit: 1,
} as const;

/** The document as pretty-printed JSON, `schemaVersion` first. */
export function jsonDocument(kind: keyof typeof SCHEMA_VERSIONS, body: object): string {
  return JSON.stringify({ schemaVersion: SCHEMA_VERSIONS[kind], ...body }, null, 2);
}
