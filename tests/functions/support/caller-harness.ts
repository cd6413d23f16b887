import { startFakeCallee, type CalleeAnswer, type FakeCallee } from "./fake-callee";
import { captureLogs, useFunctionEnv, type FunctionEnvVars } from "./function-env";
import { setEnv } from "./loopback";
import {
  metadataEnv,
  startMetadataServer,
  startTokenAuthority,
  useNodeFetchInGaxios,
  type MetadataServer,
  type TokenAuthority,
} from "./token-authority";

/** The function under test, as the Pulumi program would deploy it. */
export interface CallerHarnessOptions {
  readonly name: string;
  readonly selfUrl: string;
  /** Its runtime account: the metadata server mints for it, and every fake callee accepts only it. */
  readonly serviceAccount: string;
  readonly invokers: string[];
  /** The email whose token `token` is: one of `invokers`, so the function admits the tests' requests. */
  readonly caller: string;
  /** Each declared callee and what it answers a verified call. */
  readonly callees: Record<string, CalleeAnswer>;
  readonly timeoutMs?: number;
}

export interface CallerHarness {
  readonly authority: TokenAuthority;
  readonly metadata: MetadataServer;
  readonly callees: Record<string, FakeCallee>;
  /** The environment the function runs with, for a test that changes one variable and then restores it. */
  readonly vars: FunctionEnvVars;
  /** `caller`'s ID token for `selfUrl`. */
  readonly token: string;
  readonly logs: ReturnType<typeof captureLogs>;
  /** Restores the environment and the console, and closes every server. */
  close(): Promise<void>;
}

/**
 * Everything the test of a function that calls others needs, on loopback: a token authority, a metadata server
 * handing out the function's tokens, a fake of each callee checking them with the real `verifyCaller`, and the
 * function's environment pointing at them. Each function's tests start one, so their setup cannot drift apart.
 */
export async function startCallerHarness(options: CallerHarnessOptions): Promise<CallerHarness> {
  useNodeFetchInGaxios();
  const authority = await startTokenAuthority();
  const metadata = await startMetadataServer(authority, options.serviceAccount);
  const callees = Object.fromEntries(
    await Promise.all(
      Object.entries(options.callees).map(
        async ([name, answer]) =>
          [
            name,
            await startFakeCallee({
              name,
              jwksUrl: authority.jwksUrl,
              callerSa: options.serviceAccount,
              answer,
            }),
          ] as const,
      ),
    ),
  );
  const vars: FunctionEnvVars = {
    name: options.name,
    selfUrl: options.selfUrl,
    callees: Object.fromEntries(Object.entries(callees).map(([name, callee]) => [name, callee.url])),
    invokers: options.invokers,
    jwksUrl: authority.jwksUrl,
    ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }),
  };
  const restore = [setEnv(metadataEnv(metadata)), useFunctionEnv(vars)];
  const token = await authority.mint(options.caller, options.selfUrl);
  const logs = captureLogs();
  return {
    authority,
    metadata,
    callees,
    vars,
    token,
    logs,
    close: async () => {
      logs.restore();
      restore.reverse().forEach((r) => r());
      await Promise.all([
        ...Object.values(callees).map((c) => c.close()),
        metadata.close(),
        authority.close(),
      ]);
    },
  };
}
