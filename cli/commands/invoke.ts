import type { Command } from "commander";
import { evaluate } from "../../engine";
import {
  callFunction,
  callTimeoutMs,
  DEFAULT_CALL_TIMEOUT_MS,
  tokenHeadersFor,
  fetchIdTokenFrom,
  PROBE_HEADER,
  type FunctionRequest,
  type FunctionResponse,
  type Sample,
} from "../../local";
import { EXIT, UsageError } from "../errors";
import { deployedIdToken } from "../invoke/credentials";
import { own, readLocalState } from "../invoke/local-state";
import { invokeRequest, METHODS } from "../invoke/request";
import { sampleOf } from "../invoke/sample-request";
import { programOptions, withProgramOptions } from "../program-options";

interface InvokeFlags {
  readonly as?: string;
  readonly method?: string;
  readonly data?: string;
  readonly path?: string;
  readonly local?: boolean;
  readonly stack?: string;
  readonly dir?: string;
}

export function registerInvoke(program: Command): void {
  withProgramOptions(
    program
      .command("invoke <function>")
      .description(
        "call a function as an identity and print the answer: the quickest way to check 'can X call Y?'; exit 1 when it is refused (HTTP >= 400)",
      )
      .option(
        "--as <who>",
        "who calls: a function's name (its service account) or an IAM member. With --local, any identity of the local stack (user:, group:, serviceAccount:, domain:); against GCP, a function or serviceAccount:<email>, impersonated with your credentials. Default: with --local no token, against GCP your own credentials",
      )
      .option(
        "-X, --method <method>",
        `HTTP method: ${METHODS.join(", ")} (default: GET, or POST with --data)`,
      )
      .option(
        "-d, --data <json>",
        "JSON body (not with GET or HEAD). Without --data, --path and -X: the function's sample.json, if it has one",
      )
      .option("--path <path>", "path and query after the function's URL, e.g. /items?q=a")
      .option("--local", "call the local stack (npm start) instead of GCP"),
  ).action(async (fn: string, flags: InvokeFlags) => {
    const { response, sample } = await invoke(fn, flags);
    // After the answer, so that a failed call still prints its one error line only.
    if (sample)
      process.stderr.write(
        `(sent the request of ${sample.file}${sample.description ? `: ${sample.description}` : ""}; an allowed caller gets ${sample.expectedStatus})\n`,
      );
    process.stdout.write(
      `HTTP ${response.status}\n${typeof response.body === "string" ? response.body : JSON.stringify(response.body, null, 2)}\n`,
    );
    if (response.status >= 400) process.exitCode = EXIT.finding;
  });
}

async function invoke(
  fn: string,
  flags: InvokeFlags,
): Promise<{ response: FunctionResponse; sample?: Sample }> {
  const options = programOptions(flags);
  // The flags are checked first; the sample is read only once the stack and the function are known to exist.
  const given = hasRequest(flags) ? invokeRequest(fn, flags) : undefined;
  let sample: Sample | undefined;
  const request = () => {
    if (given) return given;
    sample = sampleOf(options.dir, options.stack, fn);
    return sample?.request ?? invokeRequest(fn, flags);
  };
  const response = flags.local
    ? await invokeLocal(options, fn, flags.as, request)
    : await invokeDeployed(options, fn, flags.as, request);
  return { response, sample };
}

/** Whether the flags say what to send; if not, the function's `sample.json` does, else a plain GET. */
function hasRequest(flags: InvokeFlags): boolean {
  return flags.data !== undefined || flags.path !== undefined || flags.method !== undefined;
}

/** Through the local stack: the identity's token from its stand-in metadata server, the call through the front end. */
async function invokeLocal(
  options: { stack: string; dir: string },
  fn: string,
  as: string | undefined,
  request: () => FunctionRequest,
): Promise<FunctionResponse> {
  const local = readLocalState(options.dir, options.stack);
  const target = own(local.functions, fn);
  if (!target)
    throw new UsageError(
      `invoke ${fn}: the local stack has no function "${fn}" (functions: ${Object.keys(local.functions).join(", ")}). Pass one of them`,
    );
  const member =
    as === undefined
      ? undefined
      : memberOf(
          fn,
          as,
          (name) => own(local.functions, name)?.serviceAccount,
          (name) => own(local.principals ?? {}, name),
        );
  let token: string | undefined;
  if (member) {
    const identity = own(local.identities, member);
    if (!identity)
      throw new UsageError(
        `invoke ${fn}: --as ${as}: the local stack has no identity ${member} (identities: ${Object.keys(local.identities).join(", ")}). Pass one of them`,
      );
    token = await fetchIdTokenFrom(identity.metadataHost, target.url).catch((error: unknown) => {
      throw localFailure(fn, `could not get a token for ${member} from ${identity.metadataHost}`, error);
    });
  }
  // Marked as a probe: the request log shows it as invoke's, and it counts toward no edge's coverage.
  const sent = request();
  const probe = { ...sent, headers: { ...sent.headers, [PROBE_HEADER]: "invoke" } };
  // As long as the function may run (its front end answers 504 or 408 at its deadline), a little more.
  const timeout = {
    timeoutMs:
      target.timeoutSeconds === undefined ? DEFAULT_CALL_TIMEOUT_MS : callTimeoutMs(target.timeoutSeconds),
  };
  return callFunction(target.url, probe, token, tokenHeadersFor(member), timeout).catch((error: unknown) => {
    throw localFailure(fn, `no answer from ${target.url}`, error);
  });
}

/** Mostly: the local stack described by local.json is gone (stopped, crashed). Say so, and how to start it. */
function localFailure(fn: string, what: string, error: unknown): UsageError {
  const gone = typeof (error as { cause?: { code?: unknown } } | null)?.cause?.code === "string";
  return new UsageError(
    gone
      ? `invoke ${fn} --local: ${what} (${causeOf(error)}): the local stack is not running any more. Start it with npm start`
      : `invoke ${fn} --local: ${what} (${causeOf(error)}). Restart the local stack with npm start`,
    { cause: error },
  );
}

/**
 * Against GCP: the function's URL from the program; a function's identity through service-account
 * impersonation, else the caller's own credentials (see {@link deployedIdToken}).
 */
async function invokeDeployed(
  options: { stack: string; dir: string },
  fn: string,
  as: string | undefined,
  request: () => FunctionRequest,
): Promise<FunctionResponse> {
  const evaluation = await evaluate({ programDir: options.dir, stack: options.stack });
  const functions = evaluation.graph.functions;
  const target = functions.find((f) => f.name === fn);
  if (!target)
    throw new UsageError(
      `invoke ${fn}: stack ${options.stack} has no function "${fn}" (functions: ${functions.map((f) => f.name).join(", ")}). Pass one of them`,
    );
  const member =
    as === undefined
      ? undefined
      : memberOf(fn, as, (name) => functions.find((f) => f.name === name)?.serviceAccount);
  const sent = request();
  const token = await deployedIdToken(fn, target.url, member);
  const timeout = { timeoutMs: callTimeoutMs(target.timeoutSeconds) };
  return callFunction(target.url, sent, token, tokenHeadersFor(member), timeout).catch((error: unknown) => {
    throw new UsageError(
      `invoke ${fn}: no answer from ${target.url} (${causeOf(error)}). Check that stack ${options.stack} is deployed (pulumi up) and that this machine reaches it`,
      { cause: error },
    );
  });
}

/**
 * `--as login` -> login's account; `--as group:x@y` -> itself; locally, `--as developers` -> the member a principal
 * of the stack stands for (its demo identity while it is not set).
 */
function memberOf(
  fn: string,
  as: string,
  accountOf: (fn: string) => string | undefined,
  principalOf: (name: string) => string | undefined = () => undefined,
): string {
  if (as.includes(":") || as === "allUsers" || as === "allAuthenticatedUsers") return as;
  const account = accountOf(as);
  if (account) return `serviceAccount:${account}`;
  const principal = principalOf(as);
  if (principal) return principal;
  throw new UsageError(
    `invoke ${fn}: --as ${as}: not a function of this stack, a principal of it, nor an IAM member. Pass a function's name, a principal's or a member such as user:alice@your-domain`,
  );
}

/** Why fetch failed, in a few words: `ECONNREFUSED`, a timeout, an HTTP status of the metadata server. */
function causeOf(error: unknown): string {
  const cause = (error as { cause?: { code?: unknown; message?: unknown } } | null)?.cause;
  if (typeof cause?.code === "string") return cause.code;
  if ((error as { name?: unknown } | null)?.name === "TimeoutError") return "timed out";
  const message = error instanceof Error ? error.message : String(error);
  return message.split("\n")[0];
}
