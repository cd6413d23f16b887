import type { GoogleClients } from "../google-clients";
import { checkAccounts, type LiveAccount } from "./check-accounts";
import { checkApis, requiredApis } from "./check-apis";
import { checkMembers, membersToLookUp, memberUses } from "./check-members";
import { checkOrgPolicies, constraintsFor, needsOrganization } from "./check-org-policies";
import { checkPermissions } from "./check-permissions";
import { checkRuntimes } from "./check-runtimes";
import { agentsNeeded, checkProjectNumber, checkServiceAgents } from "./check-service-agents";
import type { DeclaredDeployment } from "./declared";
import { requiredPermissions } from "./deploy-permissions";
import {
  readAccount,
  readAccountExists,
  readApiStates,
  readEffectiveRules,
  readGroupExists,
  readHeldPermissions,
  readOrganization,
  readProject,
  readProjectPolicy,
  readRuntimes,
  type LiveProject,
} from "./read-project";
import {
  CHECKS,
  type CheckId,
  type CheckSummary,
  type Finding,
  type Observed,
  type PreflightReport,
  type Severity,
} from "./types";

export interface PreflightOptions {
  readonly stack: string;
  /**
   * Fail when a check could not be made (not visible), as when something blocks. Default true: preflight is the
   * gate before `pulumi up` (and in CI before `pulumi preview`), and a check it could not make is not known to
   * pass, the same rule `callgraph audit` applies by default (`--fail-on not-visible`) and DESIGN.md invariant
   * 14 states. `--no-strict` reports them without failing, for a deployer who knows what they cannot see.
   */
  readonly strict?: boolean;
  /** Today, for runtime dates; tests fix it. */
  readonly today?: Date;
}

/**
 * Reads the live project (all reads at once, bounded by the clients' limiter) and holds it against what the
 * program would deploy. Read-only.
 */
export async function runPreflight(
  deployment: DeclaredDeployment,
  clients: GoogleClients,
  options: PreflightOptions,
): Promise<PreflightReport> {
  const { project } = deployment;
  const apis = requiredApis(deployment);
  const permissions = requiredPermissions(deployment);
  const regions = [...new Set(deployment.functions.map((f) => f.region))].sort();
  const constraints = constraintsFor(deployment);
  const lookUp = membersToLookUp(deployment);
  const accountEmails = new Set(deployment.accounts.map((a) => a.email));
  const agents = agentsNeeded(deployment.resources);
  // One projects.get answers both the project's number and, when it matters, its organization.
  let projectRead: Promise<Observed<LiveProject>> | undefined;
  const readProjectOnce = () => (projectRead ??= readProject(clients, project));
  const numberOf = (read: Observed<LiveProject>): Observed<string> =>
    read.visible ? { visible: true, value: read.value.number } : read;

  const [apiStates, runtimes, held, policies, accounts, groups, memberAccounts, liveProject, projectPolicy] =
    await Promise.all([
      readApiStates(
        clients,
        project,
        apis.map((a) => a.service),
      ),
      Promise.all(regions.map(async (r) => [r, await readRuntimes(clients, project, r)] as const)),
      readHeldPermissions(
        clients,
        project,
        permissions.permissions.map((p) => p.permission),
      ),
      Promise.all(constraints.map(async (c) => [c, await readEffectiveRules(clients, project, c)] as const)),
      Promise.all(
        deployment.accounts.map(async (a) => [a.email, await readAccount(clients, a.email)] as const),
      ),
      Promise.all(lookUp.groups.map(async (g) => [g, await readGroupExists(clients, g)] as const)),
      // Accounts the deployment also runs or builds as are read (with their keys) above: not asked twice.
      Promise.all(
        lookUp.serviceAccounts
          .filter((email) => !accountEmails.has(email))
          .map(async (email) => [email, await readAccountExists(clients, email)] as const),
      ),
      deployment.projectNumbers.length > 0 || agents.length > 0 ? readProjectOnce() : undefined,
      agents.length > 0 ? readProjectPolicy(clients, project) : undefined,
    ]);
  const policyMap = new Map(policies);
  // The organization is read only when it decides something: member domains against its customer ID.
  const organization = needsOrganization(deployment, policyMap)
    ? await readOrganization(clients, project, await readProjectOnce())
    : undefined;

  const accountMap = new Map(accounts);
  const findings: Finding[] = [
    ...checkApis(deployment, apiStates),
    ...checkRuntimes(deployment.functions, new Map(runtimes), options.today ?? new Date()),
    ...checkPermissions(permissions, held, project),
    ...checkMembers(deployment, {
      groups: new Map(groups),
      serviceAccounts: new Map([
        ...memberAccounts,
        ...lookUp.serviceAccounts.flatMap((email) => {
          const read = accountMap.get(email);
          return read ? [[email, existsOf(read)] as const] : [];
        }),
      ]),
    }),
    ...checkOrgPolicies(deployment, policyMap, organization),
    ...checkAccounts(deployment.accounts, accountMap, project),
    ...(liveProject ? checkProjectNumber(deployment.projectNumbers, numberOf(liveProject), project) : []),
    ...(liveProject && projectPolicy
      ? checkServiceAgents(deployment, agents, {
          projectNumber: numberOf(liveProject),
          policy: projectPolicy,
          apiStates,
        })
      : []),
  ];
  const examined: Record<CheckId, string> = {
    apis: plural(apis.length, "API"),
    runtimes: `${plural(deployment.functions.length, "function")} in ${regions.join(", ") || "no region"}`,
    permissions: plural(permissions.permissions.length, "permission"),
    members: plural(memberUses(deployment).length, "member"),
    "org-policies": plural(constraints.length, "constraint"),
    "service-accounts": plural(deployment.accounts.length, "account"),
    "project-number":
      deployment.projectNumbers.length > 0
        ? `callgraph:projectNumber ${deployment.projectNumbers.join(", ")}`
        : "no number declared",
    "service-agents": plural(agents.length, "agent"),
  };
  const checks = CHECKS.map((check): CheckSummary => ({
    check,
    result: worst(findings.filter((f) => f.check === check).map((f) => f.severity)),
    examined: examined[check],
  }));
  const strict = options.strict ?? true;
  const failing = (f: Finding) => f.severity === "blocker" || (strict && f.severity === "not-visible");
  return {
    schemaVersion: 1,
    stack: options.stack,
    project,
    ...(clients.apiRoot === undefined ? {} : { apiRoot: clients.apiRoot }),
    passed: !findings.some(failing),
    checks,
    findings,
  };
}

function existsOf(read: Observed<LiveAccount>): Observed<{ readonly exists: boolean }> {
  return read.visible ? { visible: true, value: { exists: read.value.exists } } : read;
}

const ORDER: readonly Severity[] = ["blocker", "not-visible", "warning", "note"];

function worst(severities: readonly Severity[]): CheckSummary["result"] {
  return ORDER.find((s) => severities.includes(s)) ?? "ok";
}

function plural(n: number, one: string): string {
  return `${n} ${one}${n === 1 ? "" : "s"}`;
}
