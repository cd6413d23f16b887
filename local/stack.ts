import * as fs from "node:fs";
import * as path from "node:path";
import { evaluate, type EvaluateOptions, type Evaluation, type GraphFunction } from "../engine";
import { startFrontEnd, type FrontEnd } from "./front-end";
import { FunctionProcess } from "./function-process";
import { mintableMembers } from "./iam-members";
import { freePort } from "./listen";
import { startTokenService, type TokenService } from "./token-service";

/** How to run the local stack. */
export interface LocalStackOptions extends EvaluateOptions {
  /** Delay before a crashed function is restarted; defaults to 500 ms. */
  readonly restartDelayMs?: number;
  /** Members to mint tokens for besides the functions' accounts and declared invokers (e.g. an outsider). */
  readonly extraIdentities?: readonly string[];
  /** Where to write the stack's description; defaults to `<programDir>/.callgraph/local.json`; false: nowhere. */
  readonly stateFile?: string | false;
  /** Receives the functions' log lines; defaults to dropping them. */
  readonly log?: (line: string) => void;
  /** Extra environment variables per function name, on top of the deployment's (benchmarks, experiments). */
  readonly environmentOverrides?: Readonly<Record<string, Readonly<Record<string, string>>>>;
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
  /** Its process, reachable directly (bypassing the front end) at `http://127.0.0.1:<process.port>/`. */
  readonly process: FunctionProcess;
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
  stop(): Promise<void>;
}

/** The shape of `.callgraph/local.json`, read by `callgraph invoke --local` and the tests. */
export interface LocalStackDescription {
  /** The stack whose config the local stack runs (`invoke --local --stack` must name the same). */
  readonly stack: string;
  readonly functions: Record<string, { readonly url: string; readonly serviceAccount: string }>;
  readonly identities: Record<string, { readonly metadataHost: string }>;
  readonly jwks: string;
}

/**
 * Evaluates the program with the engine, then runs it on loopback: a token service standing in for the
 * metadata server (one per identity), each function's real bundle in its own process with the environment the
 * deployment gives it (URLs pointing to the local front ends), and a front end per function that enforces
 * exactly the invoker grants the program registered.
 */
export async function startLocalStack(options: LocalStackOptions = {}): Promise<LocalStack> {
  const evaluation = await evaluate({ ...options, preview: false });
  const programDir = path.resolve(options.programDir ?? path.join(__dirname, ".."));
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
  const members = mintableMembers([
    ...functions.map((f) => `serviceAccount:${f.serviceAccount}`),
    ...evaluation.graph.grants.map((g) => g.member),
    ...(options.extraIdentities ?? []),
  ]);

  const tokens = await startTokenService(members);
  const started: { frontEnds: FrontEnd[]; processes: FunctionProcess[] } = { frontEnds: [], processes: [] };
  const stop = async () => {
    await Promise.all(started.processes.map((p) => p.stop()));
    await Promise.all(started.frontEnds.map((f) => f.stop()));
    await tokens.stop();
  };

  try {
    const ports = new Map<string, number>();
    for (const fn of functions) ports.set(fn.name, await freePort());
    const frontEnds = new Map<string, FrontEnd>();
    for (const fn of functions) {
      const frontEnd = await startFrontEnd({
        name: fn.name,
        invokers: grants(fn.name),
        jwksUrl: tokens.jwksUrl,
        targetPort: () => ports.get(fn.name)!,
        timeoutMs: fn.timeoutSeconds * 1000,
      });
      frontEnds.set(fn.name, frontEnd);
      started.frontEnds.push(frontEnd);
    }
    const localUrls = new Map(functions.map((f) => [f.url, frontEnds.get(f.name)!.url]));

    const result: Record<string, LocalFunction> = {};
    await Promise.all(
      functions.map(async (fn) => {
        const process = new FunctionProcess({
          name: fn.name,
          archivePath: fn.archivePath!,
          entryPoint: fn.entryPoint,
          env: {
            ...localEnvironment(fn, localUrls, tokens, evaluation),
            ...options.environmentOverrides?.[fn.name],
          },
          port: ports.get(fn.name)!,
          workDir: path.join(programDir, ".callgraph", "local", evaluation.stack, fn.name),
          restartDelayMs: options.restartDelayMs ?? 500,
          log,
        });
        started.processes.push(process);
        await process.start();
        result[fn.name] = {
          name: fn.name,
          url: frontEnds.get(fn.name)!.url,
          deployedUrl: fn.url,
          serviceAccount: fn.serviceAccount,
          invokers: grants(fn.name),
          process,
        };
      }),
    );

    const identities = Object.fromEntries(
      Object.entries(tokens.metadataHosts).map(([m, host]) => [m, { metadataHost: host }]),
    );
    const description: LocalStackDescription = {
      stack: evaluation.stack,
      functions: Object.fromEntries(
        functions.map((f) => [f.name, { url: result[f.name].url, serviceAccount: f.serviceAccount }]),
      ),
      identities,
      jwks: tokens.jwksUrl,
    };
    const stateFile = options.stateFile ?? path.join(programDir, ".callgraph", "local.json");
    if (stateFile) {
      fs.mkdirSync(path.dirname(stateFile), { recursive: true });
      fs.writeFileSync(stateFile, `${JSON.stringify(description, null, 2)}\n`);
    }
    return { functions: result, identities, jwksUrl: tokens.jwksUrl, tokens, evaluation, description, stop };
  } catch (error) {
    await stop();
    throw error;
  }
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
    // Cloud Run (gen2) verifies tokens and strips their signature; the local front ends pass them whole, so no
    // function here may trust a stripped one (functions/shared/env.ts).
    CALLGRAPH_PLATFORM_VERIFIES_TOKENS: "false",
    GOOGLE_CLOUD_PROJECT: fn.project || e.project,
    FUNCTION_TARGET: fn.entryPoint,
    NODE_ENV: "production",
  };
}
