import { evaluate } from "../../engine";
import {
  callFunction,
  declaredSourceFolders,
  callTimeoutMs,
  deliver,
  NotDelivered,
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
import { invokeRequest } from "../invoke/request";
import { sampleOf } from "../invoke/sample-request";
import type { InvokeFlags } from "../options/invoke";
import { programOptions } from "../program-options";

/** `callgraph invoke`: one call (or one delivery of a caller that is not a function), printed with its status. */
export async function runInvoke(fn: string, flags: InvokeFlags): Promise<void> {
  if (flags.local && isSource(flags, fn)) return void (await invokeSource(fn, flags));
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
}

async function invoke(
  fn: string,
  flags: InvokeFlags,
): Promise<{ response: FunctionResponse; sample?: Sample }> {
  const options = programOptions(flags);
  // --to picks which callee a caller that is not a function delivers to; a function is its own target.
  if (flags.to !== undefined)
    throw new UsageError(
      flags.local
        ? `invoke ${fn} --to ${flags.to}: --to is for a caller that is not a function, naming which of its functions it delivers to; ${fn} is a function of the local stack, called directly. Drop --to, or run invoke ${flags.to}`
        : `invoke ${fn} --to ${flags.to}: --to needs --local: callers that are not functions are delivered by the local stack only, and a function is called directly. Add --local, or drop --to`,
    );
  // The flags are checked first; the sample is read only once the stack and the function are known to exist.
  const given = hasRequest(flags) ? invokeRequest(fn, flags) : undefined;
  let sample: Sample | undefined;
  const request = (sourceFolder: string | undefined) => {
    if (given) return given;
    sample = sampleOf(options.dir, options.stack, fn, sourceFolder);
    return sample?.request ?? invokeRequest(fn, flags);
  };
  const response = flags.local
    ? await invokeLocal(options, fn, flags.as, request)
    : await invokeDeployed(options, fn, flags.as, request);
  return { response, sample };
}

/** Whether `name` is a caller that is not a function of the serving local stack (not one of its functions). */
function isSource(flags: InvokeFlags, name: string): boolean {
  const options = programOptions(flags);
  const local = readLocalState(options.dir, options.stack);
  return own(local.functions, name) === undefined && own(local.sources ?? {}, name) !== undefined;
}

/**
 * `invoke <caller> --local`: what the Scheduler job, push subscription, queue or trigger would send, signed for its
 * own account, through the front end of the function it calls (or `--to`'s). `--data` is the message data, the
 * task's body or the event's data. Exit 1 when it is refused or nothing is delivered (a `--break` source).
 */
async function invokeSource(name: string, flags: InvokeFlags): Promise<void> {
  if (flags.as !== undefined || flags.method !== undefined || flags.path !== undefined)
    throw new UsageError(
      `invoke ${name}: ${name} is a caller that is not a function: it calls as its own account, with its own method and path; pass --data (and --to), not --as, -X or --path`,
    );
  const options = programOptions(flags);
  const local = readLocalState(options.dir, options.stack);
  if (flags.to !== undefined && own(local.functions, flags.to) === undefined)
    throw new UsageError(
      `invoke ${name} --to ${flags.to}: the local stack has no function "${flags.to}" (functions: ${Object.keys(local.functions).join(", ")})`,
    );
  try {
    const answer = await deliver(local, name, {
      ...(flags.data === undefined ? {} : { data: flags.data }),
      ...(flags.to === undefined ? {} : { to: flags.to }),
    });
    process.stdout.write(
      `${name} -> ${answer.function}: HTTP ${answer.status}\n${typeof answer.body === "string" ? answer.body : JSON.stringify(answer.body, null, 2)}\n`,
    );
    if (answer.status >= 400) process.exitCode = EXIT.finding;
  } catch (error) {
    if (!(error instanceof NotDelivered)) throw localFailure(name, "the delivery failed", error);
    process.stdout.write(`${name}: not delivered: ${error.message}\n`);
    process.exitCode = EXIT.finding;
  }
}

/** What each kind of deployed source is, and the gcloud command that makes it call now. */
const SOURCE_COMMANDS: Readonly<
  Record<string, { what: string; run: (name: string, config: Readonly<Record<string, unknown>>) => string }>
> = {
  scheduler: {
    what: "Cloud Scheduler job",
    run: (n, c) => `gcloud scheduler jobs run ${n} --location ${String(c["gcp:region"])}`,
  },
  pubsub: {
    what: "Pub/Sub push subscription",
    run: () => "gcloud pubsub topics publish <its topic> --message '...'",
  },
  tasks: {
    what: "Cloud Tasks queue",
    run: (n, c) =>
      `gcloud tasks create-http-task --queue ${n} --location ${String(c["gcp:region"])} --url <any> --body-content '...'`,
  },
  workflow: {
    what: "workflow",
    run: (n, c) => `gcloud workflows run ${n} --location ${String(c["gcp:region"])}`,
  },
  eventarc: {
    what: "Eventarc trigger",
    run: () => "cause the event it matches (e.g. upload an object to its bucket)",
  },
};

/** Whether the flags say what to send; if not, the function's `sample.json` does, else a plain GET. */
function hasRequest(flags: InvokeFlags): boolean {
  return flags.data !== undefined || flags.path !== undefined || flags.method !== undefined;
}

/** Through the local stack: the identity's token from its stand-in metadata server, the call through the front end. */
async function invokeLocal(
  options: { stack: string; dir: string },
  fn: string,
  as: string | undefined,
  request: (sourceFolder: string | undefined) => FunctionRequest,
): Promise<FunctionResponse> {
  const local = readLocalState(options.dir, options.stack);
  const target = own(local.functions, fn);
  const sources = Object.keys(local.sources ?? {});
  if (!target)
    throw new UsageError(
      `invoke ${fn}: the local stack has no function "${fn}" (functions: ${Object.keys(local.functions).join(", ")}${sources.length > 0 ? `; callers: ${sources.join(", ")}` : ""}). Pass one of them`,
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
  const sent = request(typeof target.sourceFolder === "string" ? target.sourceFolder : undefined);
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
  request: (sourceFolder: string | undefined) => FunctionRequest,
): Promise<FunctionResponse> {
  const evaluation = await evaluate({ programDir: options.dir, stack: options.stack });
  const functions = evaluation.graph.functions;
  const target = functions.find((f) => f.name === fn);
  const source = evaluation.graph.sources.find((x) => x.name === fn);
  if (!target && source)
    throw new UsageError(
      `invoke ${fn}: ${fn} is a ${SOURCE_COMMANDS[source.kind].what}, emulated by the local stack only (add --local); to make the deployed one call now: ${SOURCE_COMMANDS[source.kind].run(fn, evaluation.config)}`,
    );
  if (!target)
    throw new UsageError(
      `invoke ${fn}: stack ${options.stack} has no function "${fn}" (functions: ${functions.map((f) => f.name).join(", ")}). Pass one of them`,
    );
  const member =
    as === undefined
      ? undefined
      : memberOf(fn, as, (name) => functions.find((f) => f.name === name)?.serviceAccount);
  const sent = request(declaredSourceFolders(evaluation).get(fn));
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
