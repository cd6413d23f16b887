import type { GoogleClients } from "../google-clients";
import { checkAccounts } from "./check-accounts";
import { checkApis, requiredApis } from "./check-apis";
import { CONSTRAINTS, checkOrgPolicies } from "./check-org-policies";
import { checkPermissions } from "./check-permissions";
import { checkRuntimes } from "./check-runtimes";
import type { DeclaredDeployment } from "./declared";
import { requiredPermissions } from "./deploy-permissions";
import {
  readAccount,
  readApiStates,
  readEffectiveRules,
  readHeldPermissions,
  readRuntimes,
} from "./read-project";
import {
  CHECKS,
  type CheckId,
  type CheckSummary,
  type Finding,
  type PreflightReport,
  type Severity,
} from "./types";

export interface PreflightOptions {
  readonly stack: string;
  /** Also fail when a check could not be made. */
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
  const constraints = Object.values(CONSTRAINTS);

  const [apiStates, runtimes, held, policies, accounts] = await Promise.all([
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
  ]);

  const findings: Finding[] = [
    ...checkApis(deployment, apiStates),
    ...checkRuntimes(deployment.functions, new Map(runtimes), options.today ?? new Date()),
    ...checkPermissions(permissions, held, project),
    ...checkOrgPolicies(deployment, new Map(policies)),
    ...checkAccounts(deployment.accounts, new Map(accounts), project),
  ];
  const examined: Record<CheckId, string> = {
    apis: plural(apis.length, "API"),
    runtimes: `${plural(deployment.functions.length, "function")} in ${regions.join(", ") || "no region"}`,
    permissions: plural(permissions.permissions.length, "permission"),
    "org-policies": plural(constraints.length, "constraint"),
    "service-accounts": plural(deployment.accounts.length, "account"),
  };
  const checks = CHECKS.map((check): CheckSummary => ({
    check,
    result: worst(findings.filter((f) => f.check === check).map((f) => f.severity)),
    examined: examined[check],
  }));
  const failing = (f: Finding) =>
    f.severity === "blocker" || (options.strict === true && f.severity === "not-visible");
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

const ORDER: readonly Severity[] = ["blocker", "not-visible", "warning", "note"];

function worst(severities: readonly Severity[]): CheckSummary["result"] {
  return ORDER.find((s) => severities.includes(s)) ?? "ok";
}

function plural(n: number, one: string): string {
  return `${n} ${one}${n === 1 ? "" : "s"}`;
}
