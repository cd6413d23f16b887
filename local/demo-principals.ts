import * as path from "node:path";
import {
  eachWarningOnce,
  evaluate,
  PRINCIPALS_KEY,
  readStackConfig,
  type EvaluateOptions,
  type Evaluation,
} from "../engine";
import { registeredDeclarations } from "../engine/registered-declarations";

/**
 * The identity that stands in, on this machine only, for a principal the stack declares without members yet
 * (`callgraph:principals: { developers: [] }`): a group at `demo.callgraph.invalid`, a name that can never be a
 * real principal (`.invalid` is reserved, RFC 2606), so it cannot reach a real binding even by mistake
 * (`callgraph preflight` refuses it). In the cloud an unset principal grants nothing; here the example's
 * developers can still call what they will be allowed to call.
 */
export function demoMember(principal: string): string {
  return `group:${principal}@demo.callgraph.invalid`;
}

/**
 * The config the local stack evaluates the program with: the stack's own (its file, then `options.config`), with
 * every principal that has no members yet given its {@link demoMember}. Read anew at each evaluation, so a stack
 * file edited while `npm start` serves is followed. Anything malformed is left as it is, for the program to refuse.
 */
export function localConfig(options: EvaluateOptions, defaultProgramDir: string): Record<string, unknown> {
  const programDir = path.resolve(options.programDir ?? defaultProgramDir);
  const declared = {
    ...readStackConfig(programDir, options.stack ?? "dev").config,
    ...(options.config ?? {}),
  };
  const principals = declared[PRINCIPALS_KEY];
  if (principals === null || typeof principals !== "object" || Array.isArray(principals))
    return { ...(options.config ?? {}) };
  const filled = Object.fromEntries(
    Object.entries(principals as Record<string, unknown>).map(([name, members]) => [
      name,
      members === null || members === undefined || (Array.isArray(members) && members.length === 0)
        ? [demoMember(name)]
        : members,
    ]),
  );
  return { ...(options.config ?? {}), [PRINCIPALS_KEY]: filled };
}

/**
 * The program evaluated as the local stack runs it (`pulumi up` mode, {@link localConfig}). A declaration in code
 * names its principals in the program, where no stack file shows them: when one the code leaves unset is still unset
 * in what the program registered, the program runs once more with it under `callgraph:principals`, which gives it
 * its demo identity as it gives one to a stack file's (components/call-graph-inputs.ts fills a principal the code
 * declares without members from the stack's). Read from the registration, so the names are the ones that deployed.
 */
export async function evaluateLocally(
  options: EvaluateOptions,
  defaultProgramDir: string,
): Promise<Evaluation> {
  const config = localConfig(options, defaultProgramDir);
  // A second run warns as the first did, but for what the demo identities settle: its warnings are printed once.
  return eachWarningOnce(async () => {
    const evaluation = await evaluate({ ...options, config, preview: false });
    const unset = [
      ...new Set(
        registeredDeclarations(evaluation.resources).flatMap(({ topology }) =>
          Object.entries(topology.principals).flatMap(([name, members]) =>
            members.length === 0 ? [name] : [],
          ),
        ),
      ),
    ];
    if (unset.length === 0) return evaluation;
    const declared = config[PRINCIPALS_KEY];
    const principals = {
      ...(declared !== null && typeof declared === "object" ? declared : {}),
      ...Object.fromEntries(unset.map((name) => [name, [demoMember(name)]])),
    };
    return evaluate({ ...options, config: { ...config, [PRINCIPALS_KEY]: principals }, preview: false });
  });
}

/**
 * Principal name -> the member `invoke --as NAME --local` calls as: its first member (a demo one when unset), as each
 * `CallGraph` registered its declaration, so a principal declared in code is one too.
 */
export function localPrincipals(evaluation: Evaluation): Record<string, string> {
  return Object.fromEntries(
    registeredDeclarations(evaluation.resources).flatMap(({ topology }) =>
      Object.entries(topology.principals).flatMap(([name, members]) =>
        members.length > 0 ? [[name, members[0]]] : [],
      ),
    ),
  );
}
