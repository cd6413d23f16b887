import {
  callFunction,
  fetchIdTokenFrom,
  identityEmail,
  mintableMembers,
  tokenHeadersFor,
  type FunctionRequest,
} from "../local";
import type { LocalStack } from "../local";
import type { Sample } from "../local/samples";
import { createLimiter } from "../live/concurrency";
import { invokerMembers, serviceAccountMember } from "../topology";
import type { Declaration } from "./declaration";

/** Somebody no declaration should let in: a Google account outside every example domain. */
export const OUTSIDER = "user:outsider@example.net";
/** How many calls are in flight at once: enough to overlap the functions' work, few enough for 2 cores. */
const CONCURRENCY = 8;

/**
 * Who calls every function: each function's own account, each member declared as an invoker that a token can
 * be minted for, an outsider, and nobody (`undefined`: no token). All from the declaration, none from the grants.
 */
export function identitiesOf(declaration: Declaration): (string | undefined)[] {
  const { topology, project } = declaration;
  return [
    ...mintableMembers([
      ...topology.functions.map((f) => serviceAccountMember(f.name, project)),
      ...topology.functions.flatMap((f) => f.invokers),
      OUTSIDER,
    ]),
    undefined,
  ];
}

/**
 * Whether IAM lets `identity` (undefined: no token) invoke a function whose declared invoker members are
 * `members` (https://cloud.google.com/iam/docs/principal-identifiers): `allUsers` is anybody, token or not;
 * `allAuthenticatedUsers` any holder of a Google token; `domain:D` any account whose email is in D; any other
 * member only itself. Tokens carry `identityEmail(member)`, as the local stack mints them.
 */
export function declaredAllows(members: readonly string[], identity: string | undefined): boolean {
  if (members.includes("allUsers")) return true;
  if (identity === undefined) return false;
  if (members.includes("allAuthenticatedUsers") || members.includes(identity)) return true;
  const email = identityEmail(identity);
  return members.some((m) => m.startsWith("domain:") && email.endsWith(`@${m.slice("domain:".length)}`));
}

/** One call of the matrix and what the declaration says it must get. */
export interface AccessCall {
  readonly function: string;
  readonly as: string | undefined;
  readonly request: FunctionRequest;
  readonly allowed: boolean;
  /** The function's sample, whose status an allowed call must get; without one a plain GET is sent. */
  readonly sample?: Sample;
}

/** Every (identity, function) pair, with the function's sample request (or a plain GET). */
export function planAccess(
  declaration: Declaration,
  samples: ReadonlyMap<string, Sample | undefined>,
): AccessCall[] {
  const { topology, project } = declaration;
  return topology.functions.flatMap((spec) => {
    const members = invokerMembers(topology, spec.name, project);
    const sample = samples.get(spec.name);
    return identitiesOf(declaration).map((as) => ({
      function: spec.name,
      as,
      request: sample?.request ?? { method: "GET" },
      allowed: declaredAllows(members, as),
      ...(sample ? { sample } : {}),
    }));
  });
}

/** A call made: what it got. */
export interface AccessResult {
  readonly call: AccessCall;
  /** HTTP status, or the error that kept the call from being answered. */
  readonly status: number | string;
}

/** Makes every call through the local stack's IAM front ends, a few at a time. */
export async function runAccess(stack: LocalStack, calls: readonly AccessCall[]): Promise<AccessResult[]> {
  const limit = createLimiter(CONCURRENCY);
  return Promise.all(
    calls.map((call) =>
      limit(async (): Promise<AccessResult> => {
        const fn = stack.functions[call.function];
        try {
          if (!fn) return { call, status: "not running on the local stack" };
          const identity = call.as === undefined ? undefined : stack.identities[call.as];
          if (call.as !== undefined && !identity)
            return { call, status: `the local stack mints no token for ${call.as}` };
          const token = identity ? await fetchIdTokenFrom(identity.metadataHost, fn.url) : undefined;
          const answer = await callFunction(fn.url, call.request, token, tokenHeadersFor(call.as));
          // The front end's refusal is IAM's; any other answer of its own (no function there, the function down or
          // past its timeout) never reached the function, so it proves no grant whatever its status.
          if (answer.byFrontEnd && answer.status !== 401 && answer.status !== 403)
            return { call, status: `the front end answered ${answer.status}, not the function` };
          return { call, status: answer.status };
        } catch (error) {
          return { call, status: `request failed: ${(error as Error).message}` };
        }
      }),
    ),
  );
}

/**
 * One line per call, `identity -> function: outcome`, for what the declaration expects or (with `result`) what
 * happened, so a failing comparison lists exactly the pairs that differ. IAM refuses a call without a token with
 * 401 and a token of a non-invoker with 403; `verifyCaller` answers the same. An allowed call gets its sample's
 * status; without a sample, any answer from the handler: not 401 or 403 (refused), and below 500, since a 5xx
 * proves nothing about the caller (`verifyCaller` answers 503 when it cannot fetch the signing keys); an answer
 * the front end wrote itself, other than its refusals, is reported as such.
 */
export function accessLine(call: AccessCall, result?: AccessResult): string {
  const who = `${call.as ?? "(no token)"} -> ${call.function}`;
  if (!result) {
    if (!call.allowed) return `${who}: refused (${call.as === undefined ? 401 : 403})`;
    return `${who}: ${call.sample ? `answered ${call.sample.expectedStatus}` : "allowed"}`;
  }
  const { status } = result;
  if (typeof status === "string") return `${who}: ${status}`;
  if (status === 401 || status === 403) return `${who}: refused (${status})`;
  if (!call.sample && status < 500) return `${who}: allowed`;
  return `${who}: answered ${status}`;
}

/**
 * For functions without a sample: what their handler answered the allowed callers, so the report says why a
 * plain request got, say, 400 (and that a `sample.json` would test a real request).
 */
export function unsampledNotes(declaration: Declaration, results: readonly AccessResult[]): string[] {
  return declaration.topology.functions.flatMap((spec) => {
    const answered = results.filter((r) => r.call.function === spec.name && r.call.allowed && !r.call.sample);
    if (answered.length === 0) return [];
    const statuses = [...new Set(answered.map((r) => r.status))].join(", ");
    return [
      `${spec.name} (stack ${declaration.stack}): no ${spec.source}/sample.json, so a plain GET proved its grants; ` +
        `its handler answered ${statuses} to the allowed callers. Add a sample.json to test a real request`,
    ];
  });
}
