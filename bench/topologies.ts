/** The demo handlers, reused as the code of generated functions (their source folders must exist). */
const SOURCES = [
  { source: "functions/profiles", entryPoint: "profiles" },
  { source: "functions/search", entryPoint: "search" },
  { source: "functions/login", entryPoint: "login" },
] as const;

/** `n` functions, each calling the next `fanOut` ones (a ring, so the graph is full of cycles). */
export function ringTopology(n: number, fanOut = 3): Record<string, unknown> {
  const name = (i: number) => `fn-${String(i).padStart(4, "0")}`;
  const functions: Record<string, unknown> = {};
  for (let i = 0; i < n; i++) {
    const calls = [];
    for (let k = 1; k <= Math.min(fanOut, n - 1); k++) calls.push(name((i + k) % n));
    functions[name(i)] = {
      calls,
      ...SOURCES[i % SOURCES.length],
      ...(i % 10 === 0 ? { invokers: ["group:developers@example.com"] } : {}),
    };
  }
  return functions;
}

/** A chain f0 -> f1 -> ... -> f(n-1). */
export function chainTopology(n: number): Record<string, unknown> {
  const name = (i: number) => `link-${String(i).padStart(4, "0")}`;
  const functions: Record<string, unknown> = {};
  for (let i = 0; i < n; i++) functions[name(i)] = { calls: i + 1 < n ? [name(i + 1)] : [], ...SOURCES[0] };
  return functions;
}

/** Full config for a generated topology. */
export function benchConfig(functions: Record<string, unknown>): Record<string, unknown> {
  return { "gcp:project": "callgraph-bench", "gcp:region": "us-central1", "callgraph:functions": functions };
}
