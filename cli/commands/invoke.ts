import type { Command } from "commander";
import * as fs from "node:fs";
import * as path from "node:path";
import { GoogleAuth, Impersonated } from "google-auth-library";
import { evaluate } from "../../engine";
import {
  callFunction,
  fetchIdTokenFrom,
  type FunctionRequest,
  type LocalStackDescription,
} from "../../local";
import { UsageError } from "../errors";
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
        "call a function as an identity and print the answer: the quickest way to check 'can X call Y?'",
      )
      .option(
        "--as <who>",
        "a function name (its service account) or an IAM member (user:, group:, serviceAccount:, domain:); default: no token",
      )
      .option("-X, --method <method>", "HTTP method (default: GET, or POST with --data)")
      .option("-d, --data <json>", "JSON body")
      .option("--path <path>", "path after the function's URL, e.g. /items?q=a")
      .option("--local", "call the local stack (npm start) instead of GCP"),
  ).action(async (fn: string, flags: InvokeFlags) => {
    const response = await invoke(fn, flags);
    process.stdout.write(
      `HTTP ${response.status}\n${typeof response.body === "string" ? response.body : JSON.stringify(response.body, null, 2)}\n`,
    );
    if (response.status >= 400) process.exitCode = 1;
  });
}

async function invoke(fn: string, flags: InvokeFlags) {
  const options = programOptions(flags);
  let body: unknown;
  if (flags.data !== undefined) {
    try {
      body = JSON.parse(flags.data);
    } catch {
      throw new UsageError(`--data is not JSON: ${flags.data}`);
    }
  }
  const request: FunctionRequest = { method: flags.method?.toUpperCase(), path: flags.path, body };
  return flags.local
    ? invokeLocal(options.dir, fn, flags.as, request)
    : invokeDeployed(options, fn, flags.as, request);
}

/** Through the local stack: the identity's token from its stand-in metadata server, the call through the front end. */
async function invokeLocal(dir: string, fn: string, as: string | undefined, request: FunctionRequest) {
  const file = path.join(dir, ".callgraph", "local.json");
  if (!fs.existsSync(file))
    throw new UsageError(`no local stack is running (${file} is missing): start it with npm start`);
  const local = JSON.parse(fs.readFileSync(file, "utf8")) as LocalStackDescription;
  const target = local.functions[fn];
  if (!target)
    throw new UsageError(
      `no function "${fn}" in the local stack (functions: ${Object.keys(local.functions).join(", ")})`,
    );
  const member = as === undefined ? undefined : memberOf(as, (name) => local.functions[name]?.serviceAccount);
  let token: string | undefined;
  if (member) {
    const identity = local.identities[member];
    if (!identity)
      throw new UsageError(
        `the local stack has no identity ${member} (identities: ${Object.keys(local.identities).join(", ")})`,
      );
    token = await fetchIdTokenFrom(identity.metadataHost, target.url).catch((error: unknown) => {
      throw new UsageError(
        `could not get a token for ${member}: ${String(error)}; is the local stack still running?`,
      );
    });
  }
  return callFunction(target.url, request, token);
}

/**
 * Against GCP: the function's URL from the program; a function's identity through service-account
 * impersonation (the caller needs roles/iam.serviceAccountOpenIdTokenCreator on it), else the caller's own
 * credentials. https://cloud.google.com/docs/authentication/use-service-account-impersonation
 */
async function invokeDeployed(
  options: { stack: string; dir: string },
  fn: string,
  as: string | undefined,
  request: FunctionRequest,
) {
  const evaluation = await evaluate({ programDir: options.dir, stack: options.stack });
  const target = evaluation.graph.functions.find((f) => f.name === fn);
  if (!target)
    throw new UsageError(
      `no function "${fn}" in stack ${options.stack} (functions: ${evaluation.graph.functions.map((f) => f.name).join(", ")})`,
    );
  const member =
    as === undefined
      ? undefined
      : memberOf(as, (name) => evaluation.graph.functions.find((f) => f.name === name)?.serviceAccount);
  const auth = new GoogleAuth();
  let token: string;
  if (member === undefined) {
    const client = await auth.getIdTokenClient(target.url).catch((error: unknown) => {
      throw new UsageError(
        `your credentials cannot mint ID tokens (${String(error)}); use --as <function> to impersonate its account, or curl with $(gcloud auth print-identity-token)`,
      );
    });
    token = await client.idTokenProvider.fetchIdToken(target.url);
  } else {
    if (!member.startsWith("serviceAccount:"))
      throw new UsageError(
        `only service accounts can be impersonated, not ${member}; omit --as to call as yourself`,
      );
    const impersonated = new Impersonated({
      sourceClient: await auth.getClient(),
      targetPrincipal: member.slice("serviceAccount:".length),
      targetScopes: ["https://www.googleapis.com/auth/cloud-platform"],
      delegates: [],
    });
    token = await impersonated.fetchIdToken(target.url, { includeEmail: true });
  }
  return callFunction(target.url, request, token);
}

/** `--as login` -> login's account; `--as group:x@y` -> itself. */
function memberOf(as: string, accountOf: (fn: string) => string | undefined): string {
  if (as.includes(":") || as === "allUsers") return as;
  const account = accountOf(as);
  if (!account)
    throw new UsageError(
      `--as ${as}: not a function of this stack, nor a member such as user:alice@example.com`,
    );
  return `serviceAccount:${account}`;
}
