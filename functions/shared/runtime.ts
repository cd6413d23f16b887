import { DownstreamClient } from "./downstream-client";
import { readFunctionEnv, type FunctionEnv } from "./env";
import { MetadataIdTokenSource, type IdTokenSource } from "./id-token-source";

/** What a function builds once per process: its environment and its client for its callees. */
export interface FunctionRuntime {
  readonly env: FunctionEnv;
  readonly downstream: DownstreamClient;
}

/** A runtime for `env`; the token source defaults to the metadata server. */
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
  });
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

/** Forgets the process's runtime, so the next request reads the environment again. For tests. */
export function resetFunctionRuntime(): void {
  current = undefined;
}
