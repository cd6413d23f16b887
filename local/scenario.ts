import * as path from "node:path";
import { possessive } from "../iam/possessive";
import { isInvoker, isOpenToAll } from "./iam-members";
import {
  callFunction,
  callTimeoutMs,
  fetchIdTokenFrom,
  type FunctionRequest,
  tokenHeadersFor,
  type FunctionResponse,
} from "./metadata-client";
import { PROBE_HEADER } from "./request-log";
import { deliver, NotDelivered } from "./deliveries";
import { declaredSample, declaredSourceFolders } from "./declared-sample";
import type { Sample } from "./samples";
import type { LocalStack } from "./stack";

/**
 * What a check expects: the request reached the function (`allowed`), the front end refused it, or (a source started
 * with `--break`) nothing was delivered.
 */
export type Expectation = "allowed" | 401 | 403 | "undelivered";

/** One call of the scenario. */
export interface Check {
  readonly title: string;
  /** Member to call as; undefined: no token. */
  readonly as?: string;
  readonly function: string;
  readonly request: FunctionRequest;
  readonly expect: Expectation;
  /** The function's `sample.json` the request came from; an allowed call must get its expected status. */
  readonly sample?: Sample;
  /** A caller that is not a function: the check sends its delivery (`deliver`), not `request`. */
  readonly source?: string;
}

export interface CheckResult {
  readonly check: Check;
  readonly status: number;
  readonly ok: boolean;
  readonly detail: string;
}

/**
 * The scenario, derived from the grants the program registered: every grant used (must get through), every other
 * function-to-function pair (403) and an anonymous call to every private function (401). Each function is called
 * with the request of its `sample.json` when it has one (an allowed call must then get the sample's status), else
 * with a plain GET, which proves the grant when the handler answers anything but 401 and 403.
 */
export function planScenario(stack: LocalStack, samples = readSamples(stack)): Check[] {
  const fns = Object.values(stack.functions).sort((a, b) => (a.name < b.name ? -1 : 1));
  const plain: FunctionRequest = { method: "GET" };
  const call = (name: string) => {
    const sample = samples.get(name);
    return sample ? { request: sample.request, sample } : { request: plain };
  };
  const checks: Check[] = [];

  // A source's account is probed with what the source sends, not a plain GET: its delivery into each function it
  // calls gets through (or, broken, is not delivered), and into every other function it is refused.
  const sources = Object.entries(stack.description.sources ?? {});
  const sourceMembers = new Set(sources.map(([, x]) => `serviceAccount:${x.serviceAccount}`));
  for (const [name, source] of sources) {
    if (source.kind === "workflow") continue;
    for (const fn of fns) {
      const calls = fn.invokers.includes(`serviceAccount:${source.serviceAccount}`);
      checks.push({
        title: source.broken
          ? `${name} (${source.kind}, --break) delivers nothing to ${fn.name}`
          : calls
            ? `${name} (${source.kind}) delivers to ${fn.name}`
            : `${name} (${source.kind}) delivering to ${fn.name} is refused`,
        source: name,
        function: fn.name,
        request: plain,
        expect: source.broken ? "undelivered" : calls ? "allowed" : 403,
      });
    }
  }

  for (const fn of fns) {
    for (const member of fn.invokers.filter(
      (m) => m !== "allUsers" && m !== "allAuthenticatedUsers" && !sourceMembers.has(m),
    )) {
      checks.push({
        title: `${describe(stack, member)} may invoke ${fn.name}`,
        as: member,
        function: fn.name,
        ...call(fn.name),
        expect: "allowed",
      });
    }
  }
  for (const caller of fns) {
    for (const callee of fns) {
      const member = `serviceAccount:${caller.serviceAccount}`;
      // Refused only where IAM refuses: not where the callee admits the caller by name, nor where it admits every
      // caller (allUsers) or every signed-in one (allAuthenticatedUsers).
      if (caller === callee || isInvoker(caller.serviceAccount, callee.invokers)) continue;
      checks.push({
        title: `${possessive(caller.name)} identity calling ${callee.name} is refused`,
        as: member,
        function: callee.name,
        request: call(callee.name).request,
        expect: 403,
      });
    }
  }
  for (const fn of fns) {
    const open = isOpenToAll(fn.invokers);
    checks.push({
      title: open ? `anyone may invoke ${fn.name} (public)` : `an anonymous call to ${fn.name} is refused`,
      function: fn.name,
      ...(open ? call(fn.name) : { request: call(fn.name).request }),
      expect: open ? "allowed" : 401,
    });
  }
  return checks;
}

/** Each function's `sample.json`, by function name; an invalid one throws a SampleError naming the file. */
export function readSamples(stack: LocalStack): Map<string, Sample> {
  const samples = new Map<string, Sample>();
  const folders = declaredSourceFolders(stack.evaluation);
  for (const name of Object.keys(stack.functions)) {
    const sample = declaredSample(stack.programDir, folders.get(name));
    if (sample) samples.set(name, sample);
  }
  return samples;
}

/**
 * Runs the checks one after the other (their output reads as a story) and reports each. Every request carries
 * the probe mark: the request log shows it as the scenario's, and it counts toward no edge's coverage (the calls
 * the functions make to their callees while answering it do).
 */
export async function runScenario(stack: LocalStack, checks: readonly Check[]): Promise<CheckResult[]> {
  const results: CheckResult[] = [];
  for (const check of checks) {
    const fn = stack.functions[check.function];
    if (check.source !== undefined) {
      results.push(await deliveryCheck(stack, check));
      continue;
    }
    let response: FunctionResponse;
    try {
      const token = check.as
        ? await fetchIdTokenFrom(stack.identities[check.as].metadataHost, fn.url)
        : undefined;
      const request = { ...check.request, headers: { ...check.request.headers, [PROBE_HEADER]: "scenario" } };
      response = await callFunction(fn.url, request, token, tokenHeadersFor(check.as), {
        timeoutMs: callTimeoutMs(fn.timeoutSeconds),
      });
    } catch (error) {
      results.push({ check, status: 0, ok: false, detail: `request failed: ${String(error)}` });
      continue;
    }
    results.push(judge(check, response));
  }
  return results;
}

/** A source's delivery, marked as the scenario's probe, judged like any call; not delivered is its own answer. */
async function deliveryCheck(stack: LocalStack, check: Check): Promise<CheckResult> {
  try {
    const answer = await deliver(
      stack.description,
      check.source!,
      { to: check.function },
      { timeoutMs: callTimeoutMs(stack.functions[check.function].timeoutSeconds) },
      { [PROBE_HEADER]: "scenario" },
    );
    if (check.expect === "undelivered")
      return { check, status: answer.status, ok: false, detail: `delivered: ${summarize(answer.body)}` };
    // A handler may refuse a body it does not expect; past the front end and the caller check is what is proved.
    return judge({ ...check, sample: undefined }, answer);
  } catch (error) {
    if (error instanceof NotDelivered)
      return {
        check,
        status: 0,
        ok: check.expect === "undelivered",
        detail: `not delivered: ${error.message}`,
      };
    return { check, status: 0, ok: false, detail: `request failed: ${String(error)}` };
  }
}

/** Whether the answer is what the check expects, and what to say about it. */
export function judge(check: Check, response: FunctionResponse): CheckResult {
  const { status } = response;
  const detail = summarize(response.body);
  if (check.expect !== "allowed") return { check, status, ok: status === check.expect, detail };
  // The front end's own answer (its 404, a function that is down) never reached the function, whatever its status.
  if (response.byFrontEnd)
    return { check, status, ok: false, detail: `answered by the front end, not the function: ${detail}` };
  if (check.sample)
    return {
      check,
      status,
      ok: status === check.sample.expectedStatus,
      detail:
        status === check.sample.expectedStatus
          ? detail
          : `${path.basename(path.dirname(check.sample.file))}/sample.json expects ${check.sample.expectedStatus}; got ${detail}`,
    };
  const reached = status !== 401 && status !== 403 && status < 500;
  return {
    check,
    status,
    ok: reached,
    detail:
      reached && status === 400
        ? `passed the front end and the caller check; the handler answered 400 for lack of a sample.json (${detail})`
        : detail,
  };
}

function describe(stack: LocalStack, member: string): string {
  const fn = Object.values(stack.functions).find((f) => `serviceAccount:${f.serviceAccount}` === member);
  return fn ? `${possessive(fn.name)} identity` : member;
}

function summarize(body: unknown): string {
  const text = typeof body === "string" ? body : JSON.stringify(body);
  return text.length > 100 ? `${text.slice(0, 97)}...` : text;
}
