import {
  parseTopology,
  TopologyError,
  type GcpTarget,
  type ParseOptions,
  type TopologyIssue,
} from "../../topology";

/** Where the tests deploy. */
export const TARGET: GcpTarget = {
  project: "callgraph-test",
  region: "us-central1",
  projectNumber: "123456789012",
};

/** The example of DESIGN.md ("The declaration"): login and search call profiles; developers may invoke both callers. */
export function happyPath(): Record<string, Record<string, unknown>> {
  return {
    login: { calls: ["profiles"], invokers: ["group:developers@example.com"] },
    profiles: {},
    search: { calls: ["profiles"], invokers: ["group:developers@example.com"] },
  };
}

/** The happy path with one function's declaration replaced (or added). */
export function withFunction(name: string, settings: unknown): Record<string, unknown> {
  return { ...happyPath(), [name]: settings };
}

/** A `sourceExists` that knows exactly these folders. */
export function folders(...existing: string[]): (folder: string) => boolean {
  const set = new Set(existing);
  return (folder) => set.has(folder);
}

/** The folders of the happy path's functions. */
export const HAPPY_FOLDERS = ["functions/login", "functions/profiles", "functions/search"];

/** Parses `raw`, which must be rejected, and returns the error. */
export function rejection(raw: unknown, options?: ParseOptions): TopologyError {
  let thrown: unknown;
  try {
    parseTopology(raw, options);
  } catch (error) {
    thrown = error;
  }
  expect(thrown).toBeInstanceOf(TopologyError);
  return thrown as TopologyError;
}

/** The message a `TopologyError` with these issues must have, written out independently of errors.ts. */
export function expectedMessage(issues: readonly TopologyIssue[]): string {
  const count = issues.length === 1 ? "1 problem" : `${issues.length} problems`;
  return [
    `Invalid call graph in stack config (callgraph:functions), ${count}:`,
    ...issues.map((i) => `  ${i.path}: ${i.message}`),
  ].join("\n");
}

/** Asserts that `raw` is rejected with exactly `issues`, all of them listed in the message. */
export function expectRejected(raw: unknown, issues: readonly TopologyIssue[], options?: ParseOptions): void {
  const error = rejection(raw, options);
  expect(error.issues).toEqual(issues);
  expect(error.message).toBe(expectedMessage(issues));
}

/** The keys a function declaration may have, as the unknown-key message lists them. */
export const ALLOWED_KEYS =
  "(allowed: calls, invokers, source, entryPoint, memory, timeout, maxInstances, ingress, generation, runtime, environment, secrets, minInstances, vpcConnector, vpcConnectorEgressSettings, labels, concurrency, cpu)";

/** The message for a member without a recognised type. */
export const MEMBER_SHAPE =
  'expected "user:", "group:", "serviceAccount:" or "domain:" followed by an email or domain, or "allUsers" / "allAuthenticatedUsers"';
