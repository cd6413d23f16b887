import { DownstreamClient } from "./downstream-client";
import { isPublic } from "./members";
import { readFunctionEnv, type FunctionEnv } from "./env";
import { MetadataIdTokenSource, type IdTokenSource } from "./id-token-source";
import { tokenSignatures } from "./token-signatures";

/** What a function builds once per process: its environment and its client for its callees. */
export interface FunctionRuntime {
  readonly env: FunctionEnv;
  readonly downstream: DownstreamClient;
}

/**
 * A runtime for `env`; the token source defaults to the metadata server. With `env.warmStart`, the callees' tokens
 * and the signing keys start fetching now, in the background.
 */
export function createFunctionRuntime(
  env: FunctionEnv,
  tokens: IdTokenSource = new MetadataIdTokenSource(),
): FunctionRuntime {
  const downstream = new DownstreamClient({
    callees: env.callees,
    tokens,
    attachTokens: env.attachTokens,
    timeoutMs: env.callTimeoutMs,
    retries: env.callRetries,
    caller: env.functionName,
    maxHops: env.maxHops,
  });
  if (env.warmStart) {
    downstream.warm();
    if (!isPublic(env.invokers)) tokenSignatures(env.jwksUrl).warm();
  }
  return { env, downstream };
}

let current: FunctionRuntime | undefined;

/**
 * The process's runtime, built on first use from `process.env`, then reused by every request (so ID-token
 * clients and their cached tokens live as long as the instance). Lazy, so importing a function reads no
 * environment; a bad environment throws on each request until fixed, and is never cached.
 */
export function functionRuntime(): FunctionRuntime {
  current ??= createFunctionRuntime(readFunctionEnv());
  return current;
}

/**
 * Builds the process's runtime when the function's code is loaded rather than at its first request, so a warm start
 * fetches while the instance waits for traffic. An environment that cannot be read (a test importing a handler, a
 * misconfigured deploy) is left for the first request to report.
 */
export function startFunctionRuntime(): void {
  try {
    functionRuntime();
  } catch {
    // reported by the first request, with the variable named
  }
}

/** Forgets the process's runtime, so the next request reads the environment again. For tests. */
export function resetFunctionRuntime(): void {
  current = undefined;
}
