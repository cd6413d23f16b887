import { TYPES, type Evaluation, type RegisteredResource } from "../../engine";

/** The larger topology of the tests: a cycle, a diamond, a public function and long names sharing a prefix. */
export const LARGE_TOPOLOGY = {
  // cycle: ping -> pong -> ping
  ping: { calls: ["pong"], source: "functions/profiles", entryPoint: "profiles" },
  pong: { calls: ["ping"], source: "functions/profiles", entryPoint: "profiles" },
  // diamond: top -> left, right -> bottom
  top: {
    calls: ["left", "right"],
    invokers: ["group:developers@example.com"],
    source: "functions/search",
    entryPoint: "search",
  },
  left: { calls: ["bottom"], source: "functions/search", entryPoint: "search" },
  right: { calls: ["bottom"], source: "functions/search", entryPoint: "search" },
  bottom: {
    invokers: ["user:auditor@example.com", "serviceAccount:ci@other-project.iam.gserviceaccount.com"],
    source: "functions/profiles",
    entryPoint: "profiles",
  },
  // public
  "public-status": {
    invokers: ["allUsers"],
    calls: ["bottom"],
    source: "functions/profiles",
    entryPoint: "profiles",
  },
  // long names that share their first 40 characters
  "reporting-pipeline-aggregation-service-stage-one": {
    calls: ["reporting-pipeline-aggregation-service-stage-two"],
    source: "functions/profiles",
    entryPoint: "profiles",
  },
  "reporting-pipeline-aggregation-service-stage-two": {
    invokers: ["domain:example.com"],
    source: "functions/profiles",
    entryPoint: "profiles",
  },
} as const;

export const LARGE_CONFIG = {
  "gcp:project": "callgraph-test-1234",
  "gcp:region": "europe-west1",
  "callgraph:functions": LARGE_TOPOLOGY,
};

export function ofType(e: Evaluation, type: string): RegisteredResource[] {
  return e.resources.filter((r) => r.type === type);
}

export function functionsOf(e: Evaluation): RegisteredResource[] {
  return ofType(e, TYPES.function);
}

/** The declaration the evaluation ran with, as a plain map (the tests' independent reading of the config). */
export function declared(
  e: Evaluation,
): Record<string, { calls?: readonly string[]; invokers?: readonly string[] }> {
  return e.config["callgraph:functions"] as Record<
    string,
    { calls?: readonly string[]; invokers?: readonly string[] }
  >;
}

export function env(fn: RegisteredResource): Record<string, string> {
  return fn.inputs.environmentVariables as Record<string, string>;
}

/** Every URN `urn` depends on, directly or through other resources. */
export function transitiveDependencies(e: Evaluation, urn: string): Set<string> {
  const byUrn = new Map(e.resources.map((r) => [r.urn, r]));
  const seen = new Set<string>();
  const stack = [...(byUrn.get(urn)?.dependencies ?? [])];
  while (stack.length > 0) {
    const next = stack.pop()!;
    if (seen.has(next)) continue;
    seen.add(next);
    stack.push(...(byUrn.get(next)?.dependencies ?? []));
  }
  return seen;
}
