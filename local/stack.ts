import { randomBytes } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { type EvaluateOptions, type Evaluation, type GraphFunction, type GraphSource } from "../engine";
import { startDevLoop, type DevLoop } from "./dev-loop";
import { EdgeCoverage } from "./edge-coverage";
import { GCLOUD_USER_AUDIENCES, GOOGLE_TOKEN_ISSUERS } from "../iam/id-token";
import { LOCAL_FRONT_END_KEY_ENV, startFrontEnd, type FrontEnd, type SeenRequest } from "./front-end";
import { FunctionProcess, type LogSource } from "./function-process";
import { mintableMembers } from "./iam-members";
import type { RequestRecord } from "./request-log";
import { declaredSourceFolders } from "./declared-sample";
import { evaluateLocally, localPrincipals } from "./demo-principals";
import {
  localFunctionSecrets,
  localSecretsFile,
  missingSecretLine,
  readLocalSecrets,
  type LocalFunctionSecrets,
  type MissingSecret,
} from "./local-secrets";
import { createRunFolder } from "./run-folder";
import { scheduledJobs, startSchedules, type RunningSchedules } from "./schedules";
import { identityEmail, startTokenService, type TokenService } from "./token-service";

/** How to run the local stack. */
export interface LocalStackOptions extends EvaluateOptions {
  /** Delay before a crashed function is restarted; defaults to 500 ms. */
  readonly restartDelayMs?: number;
  /**
   * Members to mint tokens for besides the functions' accounts and declared invokers (e.g. an outsider); a function
   * is given the stack's evaluation first, for members that only the program's registrations name (a declaration
   * written in code: testing/local-access-tests.ts).
   */
  readonly extraIdentities?: readonly string[] | ((evaluation: Evaluation) => readonly string[]);
  /**
   * Where to write the stack's description (a serving stack: `servingPaths(...).manifest`, under its lock);
   * defaults to nowhere, so a run never overwrites the description of a stack that serves.
   */
  readonly stateFile?: string | false;
  /** Receives the functions' log lines and where each came from; defaults to dropping them. */
  readonly log?: (line: string, from: LogSource) => void;
  /** Receives every request through a front end, once answered: the request log. */
  readonly onRequest?: (record: RequestRecord) => void;
  /**
   * Rebuild a function's bundle when one of its source files changes and restart that function alone (the
   * development loop of `npm start`); `debounceMs` (default 200) waits for an editor's burst of writes to end.
   */
  readonly watch?: boolean | { readonly debounceMs?: number };
  /** Extra environment variables per function name, on top of the deployment's (benchmarks, experiments). */
  readonly environmentOverrides?: Readonly<Record<string, Readonly<Record<string, string>>>>;
  /**
   * Callers that are not functions to break as a missing grant breaks them (`--break <caller>`): no token is minted
   * for their account, so nothing they send arrives, and the request log says why. Unknown names are refused.
   */
  readonly broken?: readonly string[];
  /**
   * Cloud Scheduler jobs to run on their own schedules while the stack serves (`--schedules`): every job
   * (`"all"`), or those named. A name that is no job is refused before anything starts.
   */
  readonly schedules?: readonly string[] | "all";
}

/** A caller that is not a function, as the local stack emulates it (`callgraph invoke <caller> --local`). */
export interface LocalSource {
  readonly kind: GraphSource["kind"];
  readonly serviceAccount: string;
  /** The functions it calls, by name. */
  readonly targets: readonly string[];
  readonly delivery: GraphSource["delivery"];
  /** Why nothing it sends arrives, when it was started broken (`--break`). */
  readonly broken?: string;
}

/** One function of the local stack. */
export interface LocalFunction {
  readonly name: string;
  /** Its local URL (through its IAM front end); also the audience of tokens for it. */
  readonly url: string;
  /** The URL it has when deployed. */
  readonly deployedUrl: string;
  readonly serviceAccount: string;
  /** Members granted an invoking role on it, from the registered IAM resources. */
  readonly invokers: readonly string[];
  /** Its timeout as registered: its front end answers a request still running after it as the platform does. */
  readonly timeoutSeconds: number;
  /**
   * Its process, reachable directly (bypassing the front end) at `http://127.0.0.1:<process.port>/`; a new one
   * after the development loop restarted it.
   */
  readonly process: FunctionProcess;
  /**
   * The key its front end sends its process (`FRONT_END_HEADER`): without it the process answers 403, as a deployed
   * function is reached only through Google's front end. Each function has its own. Tests send it to reach a
   * function's own checks.
   */
  readonly frontEndKey: string;
  /** The archive its process runs. */
  readonly archivePath: string;
  /** Times the development loop replaced its process with a rebuilt bundle. */
  readonly reloads: number;
}

/** A running local stack. */
export interface LocalStack {
  readonly functions: Readonly<Record<string, LocalFunction>>;
  /** member -> metadata host of that identity. */
  readonly identities: Readonly<Record<string, { readonly metadataHost: string }>>;
  readonly jwksUrl: string;
  readonly tokens: TokenService;
  /** The evaluation the stack was built from. */
  readonly evaluation: Evaluation;
  /** The description written to the state file. */
  readonly description: LocalStackDescription;
  /** Real calls across each edge of the effective graph so far (probes do not count). */
  readonly coverage: EdgeCoverage;
  /** The program's folder (holds Pulumi.yaml and index.ts). */
  readonly programDir: string;
  /** This run's own folder (unpacked bundles), removed by {@link stop}. */
  readonly runDir: string;
  /**
   * Replaces a function's process with one running `archivePath`: the new process starts on a new port and takes
   * over the front end once it accepts connections, so the function keeps answering; if it does not start, the
   * old one keeps serving and this rejects.
   */
  reload(name: string, archivePath: string): Promise<void>;
  /** The development loop, when started with `watch`. */
  readonly devLoop?: DevLoop;
  /**
   * Secrets functions read that have no value in the local secrets file (`.callgraph/secrets.<stack>.json`): each
   * was reported when the stack started, and its function runs without it.
   */
  readonly missingSecrets: readonly MissingSecret[];
  /** The jobs running on their schedules (`schedules`), stopped with the stack. */
  readonly schedules?: RunningSchedules;
  stop(): Promise<void>;
}

/** The shape of `.callgraph/local.json`, read by `callgraph invoke --local` and the tests. */
export interface LocalStackDescription {
  /** The stack whose config the local stack runs (`invoke --local --stack` must name the same). */
  readonly stack: string;
  /** The process that serves it: `invoke --local` tells a stack that is gone from one that does not answer. */
  readonly pid: number;
  readonly functions: Record<
    string,
    {
      readonly url: string;
      readonly serviceAccount: string;
      /** Its timeout: `invoke --local` waits that long, and a little more, for the front end's answer. */
      readonly timeoutSeconds?: number;
      /** Its declared source folder (project-relative): where `invoke --local` finds its `sample.json`. */
      readonly sourceFolder?: string;
    }
  >;
  readonly identities: Record<string, { readonly metadataHost: string }>;
  /** Principal name (`callgraph:principals`) -> the member `invoke --as NAME --local` calls as. */
  readonly principals?: Record<string, string>;
  /** The callers that are not functions, by name (`invoke <caller> --local` sends what each would). */
  readonly sources?: Record<string, LocalSource>;
  /** The project and region the program deploys to: a delivery names its subscription, queue or event source by them. */
  readonly project?: string;
  readonly region?: string;
  readonly jwks: string;
}

/** What breaks each kind of source in the cloud when a grant is missing: the reason a broken one's log line gives. */
const BREAKS: Readonly<Record<GraphSource["kind"], string>> = {
  pubsub:
    "Pub/Sub's service agent may not mint tokens for it (roles/iam.serviceAccountTokenCreator missing on the push account): Pub/Sub delivers nothing, and only the subscription's metrics show it",
  eventarc:
    "Pub/Sub's service agent may not mint tokens for the trigger's account (roles/iam.serviceAccountTokenCreator missing on it): Eventarc delivers nothing",
  scheduler:
    "Cloud Scheduler's service agent may not mint tokens for the job's account: every run fails, logged in Cloud Logging only",
  tasks:
    "Cloud Tasks' service agent may not mint tokens for the queue's account: every dispatch fails and is retried until the task's retries run out",
  workflow: "the workflow's account may not mint its own tokens: every OIDC step fails",
};

/** A `--break` name the stack cannot break: the user's mistake (exit 2), said before anything starts. */
export class BreakError extends Error {
  readonly exitCode = 2;

  constructor(why: string) {
    super(`local --break: ${why}`);
    this.name = "BreakError";
  }
}

/** `--break` names -> the member whose tokens are refused and why; an unknown name is refused, naming the sources. */
function brokenSources(
  sources: readonly GraphSource[],
  names: readonly string[],
): Record<string, { member: string; reason: string }> {
  const result: Record<string, { member: string; reason: string }> = {};
  for (const name of names) {
    const source = sources.find((x) => x.name === name);
    if (!source)
      throw new BreakError(
        `the stack has no caller "${name}" that is not a function (callers: ${sources.map((x) => x.name).join(", ") || "none"}). Pass one of them`,
      );
    if (!source.serviceAccount)
      throw new BreakError(`${name} names no account, so it delivers nothing already`);
    result[name] = {
      member: `serviceAccount:${source.serviceAccount}`,
      reason: `${name} is broken (--break): ${BREAKS[source.kind]}`,
    };
  }
  return result;
}

/**
 * Evaluates the program with the engine, then runs it on loopback: a token service standing in for the
 * metadata server (one per identity), each function's real bundle in its own process with the environment the
 * deployment gives it (URLs pointing to the local front ends), and a front end per function that enforces
 * exactly the invoker grants the program registered.
 */
export async function startLocalStack(options: LocalStackOptions = {}): Promise<LocalStack> {
  const defaultProgramDir = process.cwd();
  // Principals not set yet get a demo identity here, and only here (demo-principals.ts).
  const evaluation = await evaluateLocally(options, defaultProgramDir);
  const programDir = path.resolve(options.programDir ?? defaultProgramDir);
  const log = options.log ?? (() => undefined);
  const grants = (fn: string) =>
    [
      ...new Set(
        evaluation.graph.grants.filter((g) => g.target === fn || g.target === "*").map((g) => g.member),
      ),
    ].sort();

  const functions = evaluation.graph.functions;
  for (const fn of functions) {
    if (!fn.archivePath)
      throw new Error(
        `function ${fn.name} has no source archive registered: the local stack runs the uploaded bundle`,
      );
  }
  // Local values of the functions' secrets: read (and refused if malformed) before anything starts.
  const secretsFile = localSecretsFile(programDir, evaluation.stack);
  const secretValues = readLocalSecrets(secretsFile);
  const members = mintableMembers([
    ...functions.map((f) => `serviceAccount:${f.serviceAccount}`),
    ...evaluation.graph.grants.map((g) => g.member),
    ...(typeof options.extraIdentities === "function"
      ? options.extraIdentities(evaluation)
      : (options.extraIdentities ?? [])),
  ]);

  const refusals = brokenSources(evaluation.graph.sources, options.broken ?? []);
  const jobs = options.schedules ? scheduledJobs(evaluation.graph.sources, options.schedules) : [];
  const tokens = await startTokenService(members, {
    refusals: Object.fromEntries(Object.values(refusals).map((r) => [r.member, r.reason])),
    onRefusal: (member, reason) => log(`no token for ${member}: ${reason}`, "lifecycle"),
  });
  // Proves to each function's process that a request came through its own front end (function-host.cjs): one key per
  // function, so no function's code, given its own, can reach another's process past that one's front end.
  const hostKeys = new Map(functions.map((fn) => [fn.name, randomBytes(24).toString("base64url")]));
  const run = createRunFolder(programDir, evaluation.stack);
  const coverage = new EdgeCoverage(evaluation.graph.edges);
  // Env secrets become variables of the function's process, file secrets files under this run's folder.
  const secrets = new Map<string, LocalFunctionSecrets>(
    functions.map((fn) => [
      fn.name,
      localFunctionSecrets(
        fn,
        secretValues,
        path.join(run.dir, "secrets", fn.name),
        fn.environment.NODE_OPTIONS,
      ),
    ]),
  );
  const missingSecrets = [...secrets.values()].flatMap((s) => s.missing);
  const shownFile = path.relative(programDir, secretsFile) || secretsFile;
  for (const missing of missingSecrets)
    log(
      missingSecretLine(missing, shownFile, functions.find((f) => f.name === missing.function)!.project),
      "lifecycle",
    );
  const callerOf = callerLabels(functions, members, evaluation.graph.sources);
  const processes = new Map<string, FunctionProcess>();
  const archives = new Map<string, string>();
  const reloads = new Map<string, number>();
  const frontEnds: FrontEnd[] = [];
  let devLoop: DevLoop | undefined;
  let schedules: RunningSchedules | undefined;
  const stop = async () => {
    await schedules?.stop();
    await devLoop?.close();
    await Promise.all([...processes.values()].map((p) => p.stop()));
    await Promise.all(frontEnds.map((f) => f.stop()));
    await tokens.stop();
    run.remove();
  };

  const report = (fn: string, seen: SeenRequest) => {
    if (!options.onRequest) return void countEdge(fn, seen);
    const calls = countEdge(fn, seen);
    const exercised = coverage.report().filter((e) => e.calls > 0).length;
    const total = evaluation.graph.edges.length;
    const { email, ...rest } = seen;
    options.onRequest({
      ...rest,
      function: fn,
      ...(email === undefined ? {} : { caller: callerOf(email) }),
      ...(calls === undefined ? {} : { edge: { calls, exercised, total } }),
    });
  };
  const countEdge = (fn: string, seen: SeenRequest): number | undefined =>
    seen.decision === "allowed" && !seen.probe && seen.email !== undefined
      ? coverage.record(callerOf(seen.email), fn)
      : undefined;

  // Deployed URL -> local front end URL, set once the front ends listen (before any process starts).
  let localUrls = new Map<string, string>();
  const processFor = (fn: GraphFunction, archivePath: string, generation: number) =>
    new FunctionProcess({
      name: fn.name,
      archivePath,
      entryPoint: fn.entryPoint,
      env: {
        ...localEnvironment(fn, localUrls, tokens, evaluation, hostKeys.get(fn.name)!),
        ...secrets.get(fn.name)?.env,
        ...options.environmentOverrides?.[fn.name],
      },
      workDir: path.join(run.dir, generation === 0 ? fn.name : `${fn.name}.${generation}`),
      restartDelayMs: options.restartDelayMs ?? 500,
      log,
    });

  try {
    const urls = new Map<string, string>();
    for (const fn of functions) {
      const frontEnd = await startFrontEnd({
        name: fn.name,
        generation: fn.generation,
        issuers: listOr(fn.environment.CALLGRAPH_TOKEN_ISSUERS, GOOGLE_TOKEN_ISSUERS),
        userAudiences: listOr(fn.environment.CALLGRAPH_USER_AUDIENCES, GCLOUD_USER_AUDIENCES),
        hostKey: hostKeys.get(fn.name)!,
        invokers: grants(fn.name),
        jwksUrl: tokens.jwksUrl,
        // Read per request: a process restarted after a crash, or replaced by the development loop, has its own port.
        // 0 until its process is created and listens, which the front end answers as a function that is down.
        targetPort: () => processes.get(fn.name)?.port ?? 0,
        timeoutMs: fn.timeoutSeconds * 1000,
        onRequest: (seen) => report(fn.name, seen),
      });
      urls.set(fn.name, frontEnd.url);
      frontEnds.push(frontEnd);
    }
    localUrls = new Map(functions.map((f) => [f.url, urls.get(f.name)!]));

    await Promise.all(
      functions.map(async (fn) => {
        const process = processFor(fn, fn.archivePath!, 0);
        processes.set(fn.name, process);
        archives.set(fn.name, fn.archivePath!);
        reloads.set(fn.name, 0);
        await process.start();
      }),
    );

    const result: Record<string, LocalFunction> = {};
    for (const fn of functions)
      result[fn.name] = {
        name: fn.name,
        url: urls.get(fn.name)!,
        deployedUrl: fn.url,
        serviceAccount: fn.serviceAccount,
        invokers: grants(fn.name),
        timeoutSeconds: fn.timeoutSeconds,
        frontEndKey: hostKeys.get(fn.name)!,
        get process() {
          return processes.get(fn.name)!;
        },
        get archivePath() {
          return archives.get(fn.name)!;
        },
        get reloads() {
          return reloads.get(fn.name)!;
        },
      };

    const reload = async (name: string, archivePath: string) => {
      const fn = functions.find((f) => f.name === name);
      if (!fn) throw new Error(`the local stack has no function ${name}`);
      const generation = reloads.get(name)! + 1;
      const next = processFor(fn, archivePath, generation);
      try {
        await next.start();
      } catch (error) {
        await next.stop();
        throw error;
      }
      const previous = processes.get(name)!;
      // From here on the front end forwards to the new process; requests already forwarded finish on the old one.
      processes.set(name, next);
      archives.set(name, archivePath);
      reloads.set(name, generation);
      await previous.stop();
      fs.rmSync(previous.workDir, { recursive: true, force: true });
    };

    const identities = Object.fromEntries(
      Object.entries(tokens.metadataHosts).map(([m, host]) => [m, { metadataHost: host }]),
    );
    const sourceFolders = declaredSourceFolders(evaluation);
    const description: LocalStackDescription = {
      stack: evaluation.stack,
      pid: process.pid,
      functions: Object.fromEntries(
        functions.map((f) => [
          f.name,
          {
            url: result[f.name].url,
            serviceAccount: f.serviceAccount,
            timeoutSeconds: f.timeoutSeconds,
            ...(sourceFolders.has(f.name) ? { sourceFolder: sourceFolders.get(f.name) } : {}),
          },
        ]),
      ),
      identities,
      principals: localPrincipals(evaluation),
      sources: Object.fromEntries(
        evaluation.graph.sources.map((x) => [
          x.name,
          {
            kind: x.kind,
            serviceAccount: x.serviceAccount,
            targets: x.targets,
            delivery: x.delivery,
            ...(refusals[x.name] ? { broken: refusals[x.name].reason } : {}),
          },
        ]),
      ),
      project: String(evaluation.config["gcp:project"] ?? ""),
      region: String(evaluation.config["gcp:region"] ?? ""),
      jwks: tokens.jwksUrl,
    };
    if (options.stateFile) {
      fs.mkdirSync(path.dirname(options.stateFile), { recursive: true });
      fs.writeFileSync(options.stateFile, `${JSON.stringify(description, null, 2)}\n`);
    }
    const stack: LocalStack = {
      functions: result,
      identities,
      jwksUrl: tokens.jwksUrl,
      tokens,
      evaluation,
      description,
      coverage,
      programDir,
      runDir: run.dir,
      reload,
      get devLoop() {
        return devLoop;
      },
      missingSecrets,
      get schedules() {
        return schedules;
      },
      stop,
    };
    if (options.watch)
      devLoop = startDevLoop(stack, {
        evaluate: () => evaluateLocally(options, defaultProgramDir),
        debounceMs: typeof options.watch === "object" ? options.watch.debounceMs : undefined,
        log: (line) => log(line, "lifecycle"),
      });
    if (jobs.length > 0)
      schedules = startSchedules(jobs, { target: () => description, log: (line) => log(line, "lifecycle") });
    return stack;
  } catch (error) {
    await stop();
    throw error;
  }
}

/**
 * Who a verified token's email is, for the request log and edge coverage: the function whose account it is, else
 * the member the local token service minted it for (a group's token carries the group's address), else the email.
 */
function callerLabels(
  functions: readonly GraphFunction[],
  members: readonly string[],
  sources: readonly GraphSource[] = [],
): (email: string) => string {
  const byEmail = new Map<string, string>();
  for (const member of members) byEmail.set(identityEmail(member).toLowerCase(), member);
  // A source by its name and kind, as a function by its name: `nightly (scheduler) -> reports`.
  for (const source of sources)
    if (source.serviceAccount)
      byEmail.set(source.serviceAccount.toLowerCase(), `${source.name} (${source.kind})`);
  for (const fn of functions) byEmail.set(fn.serviceAccount.toLowerCase(), fn.name);
  return (email) => byEmail.get(email.toLowerCase()) ?? email;
}

/**
 * The deployment's environment with every deployed function URL replaced by its local one, plus what makes
 * google-auth-library fetch tokens from this identity's stand-in metadata server, and the local JWKS.
 */
function localEnvironment(
  fn: GraphFunction,
  localUrls: ReadonlyMap<string, string>,
  tokens: TokenService,
  e: Evaluation,
  hostKey: string,
): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(fn.environment)) {
    let local = value;
    // Longest first, so `…/login` is not replaced inside `…/login-admin`.
    for (const [deployed, url] of [...localUrls].sort((a, b) => b[0].length - a[0].length))
      local = local.split(deployed).join(url);
    env[key] = local;
  }
  return {
    ...env,
    GCE_METADATA_HOST: tokens.metadataHosts[`serviceAccount:${fn.serviceAccount}`],
    METADATA_SERVER_DETECTION: "assume-present",
    CALLGRAPH_JWKS_URL: tokens.jwksUrl,
    // The front ends play Google's, stripping what Cloud Run strips, so the function's own setting stands
    // (CALLGRAPH_PLATFORM_VERIFIES_TOKENS as deployed); its process serves only requests carrying this key, as a
    // deployed function is reached only through Google's front end.
    [LOCAL_FRONT_END_KEY_ENV]: hostKey,
    GOOGLE_CLOUD_PROJECT: fn.project || e.project,
    FUNCTION_TARGET: fn.entryPoint,
    NODE_ENV: "production",
  };
}

/** A comma-separated list from the function's environment, or the production default it stands for. */
function listOr(value: string | undefined, fallback: readonly string[]): readonly string[] {
  const items = (value ?? "")
    .split(",")
    .map((v) => v.trim())
    .filter(Boolean);
  return items.length > 0 ? items : fallback;
}
