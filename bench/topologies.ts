import { runs } from "../tests/fixtures";

/**
 * The code every generated function runs: the relay fixture, which calls whatever its function declares through
 * dynamic call sites. The program refuses a function whose code calls an undeclared callee (invariant 10), so
 * a function's code must fit its place in the topology; the relay fits every place (its sites are dynamic: advisories,
 * never an error), and it is the tool's own code, so the benches run whatever the user declares
 * (DESIGN.md invariant 12).
 */
const CODE = runs("relay");

/** `n` functions, each calling the next `fanOut` ones (a ring, so the graph is full of cycles). */
export function ringTopology(n: number, fanOut = 3): Record<string, unknown> {
  const name = (i: number) => `fn-${String(i).padStart(4, "0")}`;
  const functions: Record<string, unknown> = {};
  for (let i = 0; i < n; i++) {
    const calls = [];
    for (let k = 1; k <= Math.min(fanOut, n - 1); k++) calls.push(name((i + k) % n));
    functions[name(i)] = {
      calls,
      ...CODE,
      ...(i % 10 === 0 ? { invokers: ["group:developers@example.com"] } : {}),
    };
  }
  return functions;
}

/** A chain f0 -> f1 -> ... -> f(n-1). */
export function chainTopology(n: number): Record<string, unknown> {
  const name = (i: number) => `link-${String(i).padStart(4, "0")}`;
  const functions: Record<string, unknown> = {};
  for (let i = 0; i < n; i++) functions[name(i)] = { calls: i + 1 < n ? [name(i + 1)] : [], ...CODE };
  return functions;
}

/** Full config for a generated topology. */
export function benchConfig(functions: Record<string, unknown>): Record<string, unknown> {
  return { "gcp:project": "callgraph-bench", "gcp:region": "us-central1", "callgraph:functions": functions };
}
