import { resetFunctionRuntime } from "../../../functions/shared";
import { setEnv } from "./loopback";

/** The environment the Pulumi program gives a function, pointed at loopback stand-ins. */
export interface FunctionEnvVars {
  readonly name: string;
  readonly selfUrl: string;
  readonly callees?: Record<string, string>;
  readonly invokers: string[];
  readonly jwksUrl: string;
  readonly timeoutMs?: number;
  readonly retries?: number;
}

/** Sets a function's environment and forgets its cached runtime; returns the restore function. */
export function useFunctionEnv(
  vars: FunctionEnvVars,
  extra: Record<string, string | undefined> = {},
): () => void {
  resetFunctionRuntime();
  const restore = setEnv({
    CALLGRAPH_FUNCTION: vars.name,
    CALLGRAPH_SELF_URL: vars.selfUrl,
    CALLGRAPH_CALLEES: JSON.stringify(vars.callees ?? {}),
    CALLGRAPH_INVOKERS: JSON.stringify(vars.invokers),
    CALLGRAPH_JWKS_URL: vars.jwksUrl,
    CALLGRAPH_CALL_TIMEOUT_MS: vars.timeoutMs === undefined ? undefined : String(vars.timeoutMs),
    CALLGRAPH_CALL_RETRIES: vars.retries === undefined ? undefined : String(vars.retries),
    ...extra,
  });
  return () => {
    restore();
    resetFunctionRuntime();
  };
}

/** Captures the functions' log lines (and keeps them off the test output). */
export function captureLogs(): { lines: string[]; restore: () => void } {
  const lines: string[] = [];
  const record = (...args: unknown[]) => void lines.push(args.map(String).join(" "));
  const spies = [
    jest.spyOn(console, "log").mockImplementation(record),
    jest.spyOn(console, "error").mockImplementation(record),
  ];
  return { lines, restore: () => spies.forEach((s) => s.mockRestore()) };
}
