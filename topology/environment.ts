import { getFunction, invokerMembers, sourcesOf, urlOf } from "./graph";
import { isPublicMember } from "./members";
import type { Topology } from "./model";
import { callerAccountEmail, type GcpTarget } from "./names";
import type { Generation } from "./schema";

/**
 * Environment variable names the deployed code reads. `functions/shared/env.ts` declares the same names on
 * the receiving side (it may not import this folder); a test keeps the two lists equal.
 */
export const ENV = {
  /** The function's own name. */
  function: "CALLGRAPH_FUNCTION",
  /** The function's own URL: the audience its callers' tokens must carry. */
  selfUrl: "CALLGRAPH_SELF_URL",
  /** JSON object, declared callee name -> URL. The only URLs a function is told (invariant 4). */
  callees: "CALLGRAPH_CALLEES",
  /** JSON array of the IAM members that may invoke the function: its invoker binding, mirrored for in-code checks. */
  invokers: "CALLGRAPH_INVOKERS",
} as const;

/**
 * "true" on every function whose invoker grant Google enforces: any generation, not public, decided from the members
 * of the invoker binding the program registers (the policy pack's `function-token-trust-matches-grants` holds it to
 * every grant of the stack). Google's front end then checks every token before the code runs, and may hand the code
 * a copy whose signature is replaced by SIGNATURE_REMOVED_BY_GOOGLE: documented for Cloud Run, so 2nd gen
 * (https://cloud.google.com/run/docs/troubleshooting#signature-removed); for 1st gen it is undocumented either way.
 * Only a user's token is ever believed that way (a service account needs a signature that verifies:
 * functions/shared/verify-caller.ts). A public function is not fronted by an IAM check, so it never gets the variable.
 */
export const PLATFORM_VERIFIES_TOKENS_ENV = "CALLGRAPH_PLATFORM_VERIFIES_TOKENS";

/**
 * JSON object, account email -> `{name, kind}`, of the callers that are not functions and call the function
 * (`callgraph:callers`), so its code can tell its handler which of them called; set only on a function that has one.
 * `functions/shared/env.ts` reads it.
 */
export const SOURCES_ENV = "CALLGRAPH_SOURCES";

/**
 * JSON object, queue caller name -> the queue's full name (`projects/P/locations/L/queues/Q`), of the Cloud Tasks
 * queues the function is declared to add tasks to (`tasks.enqueuers`); set only on such a function.
 */
export const QUEUES_ENV = "CALLGRAPH_QUEUES";

/** The largest request body the platform delivers to the function, in bytes; read by `functions/shared/env.ts`. */
export const MAX_REQUEST_BYTES_ENV = "CALLGRAPH_MAX_REQUEST_BYTES";

/**
 * "Max uncompressed HTTP request size" per generation: 10MB for 1st gen, 32MB for 2nd gen, not increasable
 * (https://cloud.google.com/functions/quotas, "Resource limits"). Read as binary megabytes, as body-parser and the
 * Firebase emulator read "10mb" (firebase/firebase-tools#6201 asks it to follow the 32MB of 2nd gen).
 */
export const MAX_REQUEST_BYTES: Readonly<Record<Generation, number>> = {
  1: 10 * 1024 * 1024,
  2: 32 * 1024 * 1024,
};

/**
 * The environment a function is deployed with: the user's own variables, then the program's. It names the
 * function's own URL and its declared callees' URLs, and no other function's (invariant 4), plus its invoker members so its code can refuse a caller that
 * IAM would refuse, its platform's request size limit, and whether Google verifies its callers' tokens. Keys are
 * sorted, so the same graph always gives byte-identical values (no spurious diffs).
 */
export function functionEnvironment(
  topology: Topology,
  name: string,
  target: GcpTarget,
): Record<string, string> {
  const spec = getFunction(topology, name);
  const callees = Object.fromEntries(
    spec.calls.map((callee) => [callee, urlOf(getFunction(topology, callee), target)]),
  );
  // The members of the one invoker binding the program registers for the function: what it admits, and whether
  // Google's IAM check stands in front of it at all.
  const invokers = invokerMembers(topology, name, target.project);
  const sources = sourcesOf(topology, name);
  const queues = (topology.callers ?? []).filter((c) => c.kind === "tasks" && c.enqueuers.includes(name));
  return {
    // The user's own variables first (`environment`, sorted); none has a name the program sets (settings.ts).
    ...spec.environment,
    [ENV.function]: name,
    [ENV.selfUrl]: urlOf(spec, target),
    [ENV.callees]: JSON.stringify(callees),
    [ENV.invokers]: JSON.stringify(invokers),
    ...(sources.length === 0
      ? {}
      : {
          [SOURCES_ENV]: JSON.stringify(
            Object.fromEntries(
              sources.map((s) => [
                callerAccountEmail(s.name, target.project),
                { name: s.name, kind: s.kind },
              ]),
            ),
          ),
        }),
    ...(queues.length === 0
      ? {}
      : {
          [QUEUES_ENV]: JSON.stringify(
            Object.fromEntries(
              queues.map((q) => [
                q.name,
                `projects/${target.project}/locations/${target.region}/queues/${q.name}`,
              ]),
            ),
          ),
        }),
    [MAX_REQUEST_BYTES_ENV]: String(MAX_REQUEST_BYTES[spec.generation]),
    ...(invokers.some(isPublicMember) ? {} : { [PLATFORM_VERIFIES_TOKENS_ENV]: "true" }),
  };
}
