import { describeValue, formatPath, type TopologyIssue } from "./errors";
import { isPublicMember, memberProblem, PUBLIC_MEMBERS } from "./members";

/** The config key of the named principals, as written in `Pulumi.<stack>.yaml`. */
export const PRINCIPALS_KEY = "callgraph:principals";

/**
 * A principal's name: what a function's `invokers` writes instead of an IAM member. It has no `:`, so it can never
 * be read as a member (`user:…`), and it is not a public member's spelling.
 */
export const PRINCIPAL_NAME_PATTERN = /^[a-z](?:[-a-z0-9]{0,61}[a-z0-9])?$/;

/**
 * The named principals of a stack: name -> the IAM members it stands for, sorted. A principal declared without
 * members (`developers: []`, or no value) is "not set yet": it grants nothing in the cloud, and the local stack
 * gives it a demo identity of its own (`local/demo-principals.ts`). That is how the example stack can name its
 * developers without naming a member that cannot exist: `group:developers@example.com` makes the first invoker
 * binding fail with `Error 400: Group ... does not exist` (GoogleCloudPlatform/cloud-foundation-fabric#1549,
 * terraform-example-foundation#918), while each team sets its own with one command before deploying
 * (`pulumi config set --path 'callgraph:principals.developers[0]' "user:$(gcloud config get account)"`).
 */
export type Principals = Readonly<Record<string, readonly string[]>>;

/**
 * Validates `callgraph:principals`: a map of principal name -> an IAM member or a list of them. Public members are
 * refused there: making a function public must be written on the function itself (`invokers: [allUsers]`), where
 * every reviewer reads it. Returns the principals (only the valid ones) and every problem found.
 */
export function parsePrincipals(raw: unknown): { principals: Principals; issues: TopologyIssue[] } {
  if (raw === undefined || raw === null) return { principals: {}, issues: [] };
  if (typeof raw !== "object" || Array.isArray(raw)) {
    return {
      principals: {},
      issues: [
        {
          path: PRINCIPALS_KEY,
          message: `expected a map of principal name -> IAM members, e.g. { developers: ["group:devs@your-domain"] }, got ${describeValue(raw)}`,
        },
      ],
    };
  }
  const issues: TopologyIssue[] = [];
  const principals: Record<string, readonly string[]> = {};
  for (const [name, value] of Object.entries(raw as Record<string, unknown>)) {
    const at = (...rest: PropertyKey[]) => principalPath(name, ...rest);
    if (!PRINCIPAL_NAME_PATTERN.test(name)) {
      issues.push({
        path: at(),
        message: `invalid principal name ${JSON.stringify(name)}: use lowercase letters, digits and hyphens, starting with a letter (at most 63 characters)`,
      });
    }
    const members = value === null || value === undefined ? [] : typeof value === "string" ? [value] : value;
    if (!Array.isArray(members) || members.some((m) => typeof m !== "string")) {
      issues.push({
        path: at(),
        message: `expected an IAM member or a list of them, e.g. ["user:you@your-domain"], got ${describeValue(value)}`,
      });
      continue;
    }
    const seen = new Set<string>();
    let valid = true;
    (members as string[]).forEach((member, i) => {
      const where = typeof value === "string" ? at() : at(i);
      const problem = isPublicMember(member)
        ? `a principal cannot be public: write ${JSON.stringify(member)} in the function's own \`invokers\`, where every reviewer reads it`
        : memberProblem(member);
      if (problem) {
        issues.push({ path: where, message: `invalid member ${JSON.stringify(member)}: ${problem}` });
        valid = false;
      } else if (seen.has(member)) {
        issues.push({ path: where, message: `${JSON.stringify(member)} is listed twice` });
      }
      seen.add(member);
    });
    if (valid && PRINCIPAL_NAME_PATTERN.test(name)) principals[name] = [...seen].sort();
  }
  return { principals: sortedKeys(principals), issues };
}

/**
 * The principals of a declaration written in code, with the stack's `callgraph:principals` giving members to those
 * the code declares without any: names in the program, members per stack (a dev group here, a production one
 * there), set with the one command a warning about an unset principal prints. Only an unset principal is filled; a
 * stack entry for a name the code does not declare, or one whose members the code sets, is ignored with a warning
 * (a program may hold `CallGraph`s of other projects that declare it). Values stay as written: the topology's
 * parser validates the result as it validates a stack file's. The stack's own value is checked here, since no
 * other reader looks at it.
 */
export function principalsInCode(
  inCode: unknown,
  stack: unknown,
): { principals: unknown; issues: TopologyIssue[]; warnings: TopologyIssue[] } {
  if (stack === undefined || stack === null) return { principals: inCode, issues: [], warnings: [] };
  const { issues } = parsePrincipals(stack);
  if (issues.length > 0) return { principals: inCode, issues, warnings: [] };
  if (inCode === undefined || inCode === null) return { principals: stack, issues: [], warnings: [] };
  if (typeof inCode !== "object" || Array.isArray(inCode))
    return { principals: inCode, issues: [], warnings: [] }; // the parser names what is wrong with it
  const merged: Record<string, unknown> = { ...(inCode as Record<string, unknown>) };
  const warnings: TopologyIssue[] = [];
  for (const [name, members] of Object.entries(stack as Record<string, unknown>)) {
    if (!Object.hasOwn(merged, name))
      warnings.push({
        path: principalPath(name),
        message: `ignored: the declaration in code declares no principal ${JSON.stringify(name)}`,
      });
    else if (!isUnset(merged[name]))
      warnings.push({
        path: principalPath(name),
        message: `ignored: the declaration in code sets the members of ${JSON.stringify(name)} itself; set them in one place`,
      });
    else merged[name] = members;
  }
  return { principals: merged, issues: [], warnings };
}

/** A principal's value that names no member yet: none, or an empty list. */
function isUnset(value: unknown): boolean {
  return value === undefined || value === null || (Array.isArray(value) && value.length === 0);
}

/** True when `entry` of an `invokers` list names a principal rather than an IAM member. */
export function isPrincipalReference(entry: string): boolean {
  // `allusers` is a mistyped public member (memberProblem says so), not a principal.
  const publicSpelling = PUBLIC_MEMBERS.some((p) => p.toLowerCase() === entry.toLowerCase());
  return !publicSpelling && PRINCIPAL_NAME_PATTERN.test(entry);
}

/** The principals declared without members yet, by name, with the functions whose invokers name them. */
export function unsetPrincipals(
  principals: Principals,
  functions: readonly { readonly name: string; readonly principals: readonly string[] }[],
): Record<string, string[]> {
  const unset: Record<string, string[]> = {};
  for (const [name, members] of Object.entries(principals)) {
    if (members.length > 0) continue;
    unset[name] = functions.filter((f) => f.principals.includes(name)).map((f) => f.name);
  }
  return unset;
}

/**
 * Warnings about principals: one not set yet grants nothing outside the local stack (with the command that sets
 * it), and one no function names grants nothing anywhere. Pure: the program logs them with `pulumi.log.warn`.
 */
export function principalWarnings(topology: {
  readonly principals: Principals;
  readonly functions: readonly { readonly name: string; readonly principals: readonly string[] }[];
}): TopologyIssue[] {
  const warnings: TopologyIssue[] = [];
  for (const [name, users] of Object.entries(unsetPrincipals(topology.principals, topology.functions))) {
    if (users.length === 0) continue;
    warnings.push({
      path: principalPath(name),
      message:
        `not set yet, so when deployed it adds no one to the invokers of ${users.join(", ")} (the local stack gives it a demo identity). ` +
        `Set it before \`pulumi up\`: pulumi config set --path '${PRINCIPALS_KEY}.${name}[0]' "user:$(gcloud config get account)"`,
    });
  }
  for (const name of Object.keys(topology.principals)) {
    if (topology.functions.some((f) => f.principals.includes(name))) continue;
    warnings.push({
      path: principalPath(name),
      message: "no function names it in its `invokers`, so it grants nothing",
    });
  }
  return warnings;
}

/** `callgraph:principals.developers[0]`, bracketing a name that is not a plain word. */
export function principalPath(name: string, ...rest: PropertyKey[]): string {
  const tail = formatPath([name, ...rest]);
  return tail.startsWith("[") ? `${PRINCIPALS_KEY}${tail}` : `${PRINCIPALS_KEY}.${tail}`;
}

function sortedKeys<T>(record: Record<string, T>): Record<string, T> {
  return Object.fromEntries(Object.entries(record).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}
