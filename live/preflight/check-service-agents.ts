import type { Policy } from "../answers";
import {
  SERVICE_AGENT_APIS,
  SERVICE_AGENT_ROLES,
  serviceAgentEmail,
  type ServiceAgentProduct,
} from "../../iam";
import { describeRefusal } from "./check-apis";
import type { DeclaredDeployment, DeclaredResource } from "./declared";
import type { Finding, Observed } from "./types";

const AGENTS_SOURCE = "https://cloud.google.com/iam/docs/service-agents";
const CREATE_SOURCE = "https://cloud.google.com/iam/docs/create-service-agents";

/** What each agent does for the callers, in the words of a finding. */
const DOES: Readonly<Record<ServiceAgentProduct, string>> = {
  pubsub: "mints the push subscriptions' (and triggers' deliveries') ID tokens",
  scheduler: "mints the jobs' ID tokens",
  tasks: "mints the tasks' ID tokens",
  eventarc: "creates and runs the triggers",
  workflows: "runs the workflows' executions as their accounts",
};

/** A service agent the deployment relies on, and the resources that rely on it. */
export interface NeededAgent {
  readonly product: ServiceAgentProduct;
  /** Logical names of the resources whose deliveries it makes, sorted. */
  readonly neededBy: readonly string[];
}

/**
 * The agents behind the resources the program registers, by type: a job, push subscription or queue whose HTTP
 * target carries an OIDC token (the product's agent mints it: https://cloud.google.com/scheduler/docs/http-target-auth,
 * https://cloud.google.com/pubsub/docs/authenticate-push-subscriptions,
 * https://cloud.google.com/tasks/docs/reference/rest/v2/OidcToken), a workflow (its executions run through the
 * Workflows agent: https://cloud.google.com/workflows/docs/access-control), a trigger (Eventarc's agent manages
 * it, and it delivers through a Pub/Sub push subscription whose tokens Pub/Sub's agent mints:
 * https://cloud.google.com/eventarc/docs/access-control). Derived from the resources, not from a list of kinds,
 * so a program that registers these itself is checked too.
 */
export function agentsNeeded(resources: readonly DeclaredResource[]): NeededAgent[] {
  const byProduct = new Map<ServiceAgentProduct, Set<string>>();
  const need = (product: ServiceAgentProduct, resource: string) => {
    let set = byProduct.get(product);
    if (!set) byProduct.set(product, (set = new Set()));
    set.add(resource);
  };
  for (const r of resources.filter((r) => r.custom)) {
    switch (r.type) {
      case "gcp:cloudscheduler/job:Job":
        if (present(r.inputs, ["httpTarget", "oidcToken"])) need("scheduler", r.name);
        break;
      case "gcp:pubsub/subscription:Subscription":
        if (present(r.inputs, ["pushConfig", "oidcToken"])) need("pubsub", r.name);
        break;
      case "gcp:cloudtasks/queue:Queue":
        if (present(r.inputs, ["httpTarget", "oidcToken"])) need("tasks", r.name);
        break;
      case "gcp:workflows/workflow:Workflow":
        need("workflows", r.name);
        break;
      case "gcp:eventarc/trigger:Trigger":
        need("eventarc", r.name);
        need("pubsub", r.name);
        break;
    }
  }
  return [...byProduct]
    .map(([product, names]) => ({ product, neededBy: [...names].sort() }))
    .sort((a, b) => a.product.localeCompare(b.product));
}

/** What preflight read for this check. */
export interface LiveAgents {
  /** The project's number, from Resource Manager `projects.get`. */
  readonly projectNumber: Observed<string>;
  /** The project's IAM policy (version 3), from Resource Manager `projects.getIamPolicy`. */
  readonly policy: Observed<Policy>;
  /** Service name -> state, as `services.batchGet` answered. */
  readonly apiStates: Observed<ReadonlyMap<string, string>>;
}

/**
 * The declared project number (`callgraph:projectNumber`, which every CallGraph records) against the live one: a
 * wrong number deploys without error and breaks quietly, since 2nd-gen callee URLs
 * (`https://NAME-NUMBER.REGION.run.app`) and the service agents' emails are built from it.
 * https://cloud.google.com/functions/docs/concepts/version-comparison ("Deterministic URLs"),
 * https://cloud.google.com/resource-manager/docs/creating-managing-projects#identifying_projects
 */
export function checkProjectNumber(
  declared: readonly string[],
  live: Observed<string>,
  project: string,
): Finding[] {
  if (declared.length === 0) return [];
  const subject = `callgraph:projectNumber ${declared.join(", ")}`;
  if (!live.visible)
    return [
      {
        check: "project-number",
        severity: "not-visible",
        subject,
        problem: `could not read project ${project}'s number (${describeRefusal(live)}).`,
        fix: "grant the deployer resourcemanager.projects.get (e.g. roles/browser)",
        source: "https://cloud.google.com/resource-manager/reference/rest/v3/projects/get",
      },
    ];
  const wrong = declared.filter((n) => n !== live.value);
  if (wrong.length === 0) return [];
  return [
    {
      check: "project-number",
      severity: "blocker",
      subject,
      problem:
        `project ${project}'s number is ${live.value}, not ${wrong.join(" or ")}: 2nd-gen functions would call ` +
        "URLs of another project and the grants would name another project's service agents, and the deploy " +
        "would not say so.",
      fix: `pulumi config set callgraph:projectNumber ${live.value}`,
      source:
        "https://cloud.google.com/resource-manager/docs/creating-managing-projects#identifying_projects",
    },
  ];
}

/**
 * Whether each agent the deployment relies on exists and holds its service-agent role, read from the project's
 * IAM policy, where Google grants the role when it creates the agent. The policy is the only read-only witness:
 * an agent lives in a Google-owned project, so IAM's `serviceAccounts.get` does not answer for it.
 * - holds the role (an unconditional binding): nothing to report;
 * - in the policy, but without the role (revoked, or only under a condition): a blocker, since its product can no
 *   longer act, and deliveries fail with nothing in the deploy to say so;
 * - not in the policy while its API is off: a note, since enabling the API (the program does) creates it;
 * - not in the policy while its API is on: a blocker where the program grants to the agent (a grant to an agent
 *   that does not exist fails the deploy), else a warning: Google creates some agents at first use (and grants
 *   their role then), so absence alone does not prove a failure.
 */
export function checkServiceAgents(
  deployment: Pick<DeclaredDeployment, "project" | "members" | "projectNumbers">,
  needed: readonly NeededAgent[],
  live: LiveAgents,
): Finding[] {
  if (needed.length === 0) return [];
  const { project } = deployment;
  const number = live.projectNumber.visible ? live.projectNumber.value : deployment.projectNumbers[0];
  if (number === undefined || !live.policy.visible) {
    const refusal = !live.policy.visible
      ? live.policy
      : live.projectNumber.visible
        ? undefined
        : live.projectNumber;
    return needed.map((agent) => ({
      check: "service-agents",
      severity: "not-visible",
      subject: subjectOf(agent, number),
      problem: `could not read the project's IAM policy${number === undefined ? " or number" : ""} (${refusal ? describeRefusal(refusal) : "not read"}); not known to exist and hold ${SERVICE_AGENT_ROLES[agent.product]}.`,
      fix: "grant the deployer resourcemanager.projects.getIamPolicy (e.g. roles/iam.securityReviewer)",
      source: "https://cloud.google.com/resource-manager/reference/rest/v3/projects/getIamPolicy",
    }));
  }
  const bindings = live.policy.value.bindings ?? [];
  const granted = new Set(
    deployment.members.map((m) => m.member.toLowerCase()).filter((m) => m.startsWith("serviceaccount:")),
  );
  const findings: Finding[] = [];
  for (const agent of needed) {
    const email = serviceAgentEmail(agent.product, number);
    const member = `serviceaccount:${email}`;
    const role = SERVICE_AGENT_ROLES[agent.product];
    const api = SERVICE_AGENT_APIS[agent.product];
    const named = bindings.filter((b) => (b.members ?? []).some((m) => m.toLowerCase() === member));
    const holds = named.filter((b) => b.role === role);
    const subject = subjectOf(agent, number);
    const bind = `gcloud projects add-iam-policy-binding ${project} --member=serviceAccount:${email} --role=${role}`;
    if (holds.some((b) => !b.condition)) continue;
    if (named.length > 0) {
      findings.push({
        check: "service-agents",
        severity: "blocker",
        subject,
        problem:
          `is in the project's policy but does not hold ${role}` +
          (holds.length > 0 ? " unconditionally (only under a condition)" : "") +
          `: it ${DOES[agent.product]}, and without its role nothing is delivered and nothing says why.`,
        fix: bind,
        source: AGENTS_SOURCE,
      });
      continue;
    }
    const state = live.apiStates.visible ? live.apiStates.value.get(api) : undefined;
    if (state !== "ENABLED") {
      findings.push({
        check: "service-agents",
        severity: "note",
        subject,
        problem:
          `not in the project's policy yet, and ${api} is ${state === undefined ? "not known to be on" : "off"}: ` +
          `Google creates the agent and grants it ${role} when the API is enabled (the program enables it); run ` +
          "preflight again after the first deploy to see it hold its role.",
        source: AGENTS_SOURCE,
      });
      continue;
    }
    const grantedByProgram = granted.has(member);
    findings.push({
      check: "service-agents",
      severity: grantedByProgram ? "blocker" : "warning",
      subject,
      problem:
        `is not in the project's policy though ${api} is on: it was never created, or its ${role} was revoked. ` +
        (grantedByProgram
          ? "The program grants it a role, and a grant to an agent that does not exist fails the deploy."
          : `Google creates some agents at first use and grants their role then; if it was revoked, the agent (which ${DOES[agent.product]}) cannot act, and nothing is delivered.`),
      fix: `gcloud beta services identity create --service=${api} --project=${project} && ${bind} (an agent created on request is granted nothing)`,
      source: CREATE_SOURCE,
    });
  }
  return findings;
}

function subjectOf(agent: NeededAgent, number: string | undefined): string {
  const who =
    number === undefined ? `${agent.product}'s service agent` : serviceAgentEmail(agent.product, number);
  return `${who} (for ${agent.neededBy.join(", ")})`;
}

function present(value: unknown, path: readonly string[]): boolean {
  let at = value;
  for (const key of path)
    at = at && typeof at === "object" ? (at as Record<string, unknown>)[key] : undefined;
  return at !== undefined && at !== null;
}
