import { isOpenToAll } from "./iam-members";
import {
  callFunction,
  fetchIdTokenFrom,
  type FunctionRequest,
  type FunctionResponse,
} from "./metadata-client";
import type { LocalStack } from "./stack";

/** What a check expects: the request reached the function (`allowed`), or the front end refused it. */
export type Expectation = "allowed" | 401 | 403;

/** One call of the scenario. */
export interface Check {
  readonly title: string;
  /** Member to call as; undefined: no token. */
  readonly as?: string;
  readonly function: string;
  readonly request: FunctionRequest;
  readonly expect: Expectation;
  /** An extra condition on the answer, for the demo call. */
  readonly also?: { readonly description: string; readonly holds: (response: FunctionResponse) => boolean };
}

export interface CheckResult {
  readonly check: Check;
  readonly status: number;
  readonly ok: boolean;
  readonly detail: string;
}

/** A request each demo handler answers with 2xx, by entry point; others get a plain GET. */
export const DEMO_REQUESTS: Readonly<Record<string, FunctionRequest>> = {
  profiles: { method: "GET", query: { username: "alice" } },
  search: { method: "GET", query: { q: "a" } },
  login: { method: "POST", body: { username: "alice", password: "wonderland" } },
};

/**
 * The scenario, derived from the grants the program registered: the demo login (when the graph has it),
 * then every grant used (must get through), every other function-to-function pair (403) and an anonymous
 * call to every private function (401).
 */
export function planScenario(stack: LocalStack): Check[] {
  const fns = Object.values(stack.functions).sort((a, b) => (a.name < b.name ? -1 : 1));
  const entry = (name: string) => stack.evaluation.graph.functions.find((f) => f.name === name)!.entryPoint;
  const requestFor = (name: string) => DEMO_REQUESTS[entry(name)] ?? { method: "GET" };
  const checks: Check[] = [];

  const login = fns.find((f) => entry(f.name) === "login");
  const developer = login?.invokers.find((m) => /^(group|user|domain):/.test(m));
  if (login && developer) {
    checks.push({
      title: `${developer} logs in as alice through ${login.name}, which fetches her profile from its callee`,
      as: developer,
      function: login.name,
      request: DEMO_REQUESTS.login,
      expect: "allowed",
      also: {
        description: "answer carries alice's profile",
        holds: (r) =>
          r.status === 200 && (r.body as { profile?: { username?: string } }).profile?.username === "alice",
      },
    });
  }
  for (const fn of fns) {
    for (const member of fn.invokers.filter((m) => m !== "allUsers" && m !== "allAuthenticatedUsers")) {
      checks.push({
        title: `${describe(stack, member)} may invoke ${fn.name}`,
        as: member,
        function: fn.name,
        request: requestFor(fn.name),
        expect: "allowed",
      });
    }
  }
  for (const caller of fns) {
    for (const callee of fns) {
      const member = `serviceAccount:${caller.serviceAccount}`;
      if (caller === callee || callee.invokers.includes(member) || isOpenToAll(callee.invokers)) continue;
      checks.push({
        title: `${caller.name}'s identity calling ${callee.name} is refused`,
        as: member,
        function: callee.name,
        request: requestFor(callee.name),
        expect: 403,
      });
    }
  }
  for (const fn of fns) {
    const open = isOpenToAll(fn.invokers);
    checks.push({
      title: open ? `anyone may invoke ${fn.name} (public)` : `an anonymous call to ${fn.name} is refused`,
      function: fn.name,
      request: requestFor(fn.name),
      expect: open ? "allowed" : 401,
    });
  }
  return checks;
}

/** Runs the checks one after the other (their output reads as a story) and reports each. */
export async function runScenario(stack: LocalStack, checks: readonly Check[]): Promise<CheckResult[]> {
  const results: CheckResult[] = [];
  for (const check of checks) {
    const fn = stack.functions[check.function];
    let response: FunctionResponse;
    try {
      const token = check.as
        ? await fetchIdTokenFrom(stack.identities[check.as].metadataHost, fn.url)
        : undefined;
      response = await callFunction(fn.url, check.request, token);
    } catch (error) {
      results.push({ check, status: 0, ok: false, detail: `request failed: ${String(error)}` });
      continue;
    }
    const reached = response.status !== 401 && response.status !== 403 && response.status < 500;
    let ok = check.expect === "allowed" ? reached : response.status === check.expect;
    let detail = summarize(response.body);
    if (ok && check.also && !check.also.holds(response)) {
      ok = false;
      detail = `expected: ${check.also.description}; got ${detail}`;
    }
    results.push({ check, status: response.status, ok, detail });
  }
  return results;
}

function describe(stack: LocalStack, member: string): string {
  const fn = Object.values(stack.functions).find((f) => `serviceAccount:${f.serviceAccount}` === member);
  return fn ? `${fn.name}'s identity` : member;
}

function summarize(body: unknown): string {
  const text = typeof body === "string" ? body : JSON.stringify(body);
  return text.length > 100 ? `${text.slice(0, 97)}...` : text;
}
