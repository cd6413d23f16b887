import type { FunctionSpec } from "./graphs";

export const SMALL: Record<string, FunctionSpec> = {
  login: { calls: ["profiles"], invokers: ["group:dev@example.com"] },
  profiles: {},
  search: { calls: ["profiles"] },
};

/**
 * `SMALL` plus `n` new functions: each calls profiles and its neighbour, every tenth is public and every
 * seventh has an outside invoker, so the change has rows at every risk level.
 */
export function grownBy(n: number): Record<string, FunctionSpec> {
  const name = (i: number) => `worker-${String(i).padStart(3, "0")}`;
  const functions: Record<string, FunctionSpec> = { ...SMALL, search: {} };
  for (let i = 0; i < n; i++) {
    functions[name(i)] = {
      calls: ["profiles", name((i + 1) % n)],
      invokers: [
        ...(i % 10 === 0 ? ["allUsers"] : []),
        ...(i % 7 === 0 ? [`user:owner-${i}@example.com`] : []),
      ],
      code: "worker",
    };
  }
  return functions;
}
