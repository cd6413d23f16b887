import { isPublicMember } from "../../iam";
import { describeRefusal } from "./check-apis";
import type { DeclaredDeployment, DeclaredFunction } from "./declared";
import { memberParts } from "./members";
import {
  allowedValues,
  booleanDecision,
  listDecision,
  locationDecision,
  multiRegionOf,
  restricts,
  type ListDecision,
  type PolicyRule,
} from "./policy-rules";
import type { LiveOrganization } from "./read-project";
import type { Finding, Observed } from "./types";

export { listDecision, type ListDecision, type PolicyRule } from "./policy-rules";

/** The page that lists every constraint and its values. */
const CONSTRAINTS_PAGE =
  "https://cloud.google.com/resource-manager/docs/organization-policy/org-policy-constraints";

/** List constraints that can refuse what the program declares. */
export const LIST_CONSTRAINTS = {
  /** https://cloud.google.com/resource-manager/docs/organization-policy/restricting-domains */
  memberDomains: "iam.allowedPolicyMemberDomains",
  /** https://cloud.google.com/functions/docs/securing/gen-org-policy (values 1stGen, 2ndGen) */
  generations: "cloudfunctions.restrictAllowedGenerations",
  /** {@link CONSTRAINTS_PAGE} (values: the IngressSettings enum, e.g. ALLOW_ALL, ALLOW_INTERNAL_ONLY, ALLOW_INTERNAL_AND_GCLB) */
  ingress: "cloudfunctions.allowedIngressSettings",
  /** https://cloud.google.com/resource-manager/docs/organization-policy/defining-locations */
  locations: "gcp.resourceLocations",
  /** Cloud Run ingress (2nd-gen functions are Cloud Run services): https://cloud.google.com/run/docs/securing/ingress */
  runIngress: "run.allowedIngress",
  /** {@link CONSTRAINTS_PAGE}; https://cloud.google.com/build/docs/private-pools/run-builds-in-private-pool */
  workerPools: "cloudbuild.allowedWorkerPools",
} as const;

/** Boolean (and managed boolean) constraints that can refuse it, read from `spec.rules[].enforce`. */
export const BOOLEAN_CONSTRAINTS = {
  /** https://cloud.google.com/iam/docs/troubleshoot-org-policies */
  accountCreation: "iam.disableServiceAccountCreation",
  /** {@link CONSTRAINTS_PAGE} */
  vpcConnector: "cloudfunctions.requireVPCConnector",
  /** https://cloud.google.com/run/docs/securing/managing-access#invoker_check */
  requireInvokerIam: "run.managed.requireInvokerIam",
} as const;

export const CONSTRAINTS = { ...LIST_CONSTRAINTS, ...BOOLEAN_CONSTRAINTS } as const;

type Deployment = Pick<DeclaredDeployment, "project" | "functions" | "members" | "accounts">;

/**
 * The constraints that can refuse this deployment, each read only when it applies: the `run.*` ones with a
 * 2nd-gen function, account creation when the program creates an account, member domains when it grants anyone.
 * A constraint that cannot matter is not read, so a refusal to read it never blocks (or clouds) the report.
 */
export function constraintsFor(deployment: Deployment): string[] {
  const functions = deployment.functions.length > 0;
  const gen2 = deployment.functions.some((f) => f.generation === 2);
  return [
    ...(deployment.members.length > 0 ? [CONSTRAINTS.memberDomains] : []),
    ...(functions
      ? [
          CONSTRAINTS.generations,
          CONSTRAINTS.ingress,
          CONSTRAINTS.locations,
          CONSTRAINTS.workerPools,
          CONSTRAINTS.vpcConnector,
        ]
      : []),
    ...(gen2 ? [CONSTRAINTS.runIngress, CONSTRAINTS.requireInvokerIam] : []),
    ...(deployment.accounts.some((a) => a.createdBy) ? [CONSTRAINTS.accountCreation] : []),
  ];
}

/** Whether preflight needs the project's organization: to decide member domains against customer IDs. */
export function needsOrganization(
  deployment: Pick<DeclaredDeployment, "members">,
  policies: ReadonlyMap<string, Observed<readonly PolicyRule[]>>,
): boolean {
  const rules = policies.get(CONSTRAINTS.memberDomains);
  return (
    rules?.visible === true &&
    restricts(rules.value) &&
    deployment.members.some((m) => memberParts(m.member)?.domain !== undefined)
  );
}

const GENERATION_VALUE = { 1: "1stGen", 2: "2ndGen" } as const;

/**
 * A 2nd-gen function's ingress setting as Cloud Run's `run.allowedIngress` spells it (the gcloud values):
 * ALLOW_ALL -> all, ALLOW_INTERNAL_ONLY -> internal, ALLOW_INTERNAL_AND_GCLB -> internal-and-cloud-load-balancing.
 * https://cloud.google.com/run/docs/securing/ingress
 */
export const RUN_INGRESS: Readonly<Record<string, string>> = {
  ALLOW_ALL: "all",
  ALLOW_INTERNAL_ONLY: "internal",
  ALLOW_INTERNAL_AND_GCLB: "internal-and-cloud-load-balancing",
};

const DISABLE_ENFORCE = (constraint: string, project: string) =>
  `gcloud resource-manager org-policies disable-enforce ${constraint} --project=${project}`;

/**
 * Findings for the constraints that apply, given each one's effective rules as the project sees them, and (for
 * member domains) the project's organization, when it was read.
 */
export function checkOrgPolicies(
  deployment: Deployment,
  policies: ReadonlyMap<string, Observed<readonly PolicyRule[]>>,
  organization?: Observed<LiveOrganization | undefined>,
): Finding[] {
  const findings: Finding[] = [];
  const { project } = deployment;
  const admin = (what: string) =>
    `or ask an organization policy administrator (roles/orgpolicy.policyAdmin) to ${what} for project ${project}`;
  for (const constraint of constraintsFor(deployment)) {
    const observed = policies.get(constraint);
    if (!observed || !observed.visible) {
      findings.push({
        check: "org-policies",
        severity: "not-visible",
        subject: `constraints/${constraint}`,
        problem: `could not read the effective policy (${observed ? describeRefusal(observed) : "not read"}); not known to be clear.`,
        fix: `grant the deployer orgpolicy.policies.get (roles/orgpolicy.policyViewer), or run \`gcloud org-policies describe ${constraint} --effective --project=${project}\``,
        source:
          "https://cloud.google.com/resource-manager/docs/reference/orgpolicy/rest/v2/projects.policies/getEffectivePolicy",
      });
      continue;
    }
    const rules = observed.value;
    const perFunction = (
      functions: readonly DeclaredFunction[],
      decide: (f: DeclaredFunction) => ListDecision,
      finding: (f: DeclaredFunction, decision: "denied" | "undecided") => Omit<Finding, "check" | "severity">,
    ) => {
      for (const f of functions) {
        const decision = decide(f);
        if (decision === "allowed") continue;
        findings.push({
          check: "org-policies",
          severity: decision === "denied" ? "blocker" : "warning",
          ...finding(f, decision),
        });
      }
    };
    const refuses = (d: "denied" | "undecided") => (d === "denied" ? "refuses" : "may refuse");
    switch (constraint) {
      case CONSTRAINTS.generations:
        perFunction(
          deployment.functions,
          (f) => listDecision(rules, GENERATION_VALUE[f.generation]),
          (f, d) => ({
            subject: `${f.name} (gen ${f.generation})`,
            problem:
              `constraints/${constraint} ${refuses(d)} new ${GENERATION_VALUE[f.generation]} functions in project ${project}` +
              " (a function that already exists can still be redeployed).",
            fix: `set \`generation: ${f.generation === 1 ? 2 : 1}\` on the function (or \`callgraph:generation\` for the stack), ${admin(`allow ${GENERATION_VALUE[f.generation]}`)}`,
            source: "https://cloud.google.com/functions/docs/securing/gen-org-policy",
          }),
        );
        break;
      case CONSTRAINTS.ingress:
        perFunction(
          deployment.functions,
          (f) => listDecision(rules, f.ingress),
          (f, d) => ({
            subject: `${f.name} (ingress ${f.ingress})`,
            problem: `constraints/${constraint} ${refuses(d)} ingress ${f.ingress} in project ${project}.`,
            fix: `set the function's \`ingress\` to an allowed value (${allowedList(rules)}), ${admin(`allow ${f.ingress}`)}`,
            source: CONSTRAINTS_PAGE,
          }),
        );
        break;
      case CONSTRAINTS.runIngress:
        perFunction(
          deployment.functions.filter((f) => f.generation === 2),
          (f) => {
            const value = RUN_INGRESS[f.ingress];
            return value === undefined ? "undecided" : listDecision(rules, value);
          },
          (f, d) => ({
            subject: `${f.name} (gen 2, Cloud Run ingress ${RUN_INGRESS[f.ingress] ?? f.ingress})`,
            problem:
              `constraints/${constraint} ${refuses(d)} Cloud Run ingress \`${RUN_INGRESS[f.ingress] ?? f.ingress}\` (the function's ${f.ingress}) in project ${project}: ` +
              "a 2nd-gen function is a Cloud Run service, and its service is created with the function's ingress.",
            fix: `set the function's \`ingress\` to one whose Cloud Run value is allowed (${allowedList(rules)}; ALLOW_ALL is all, ALLOW_INTERNAL_ONLY internal, ALLOW_INTERNAL_AND_GCLB internal-and-cloud-load-balancing), ${admin(`allow ${RUN_INGRESS[f.ingress] ?? f.ingress}`)}`,
            source: "https://cloud.google.com/run/docs/securing/ingress",
          }),
        );
        break;
      case CONSTRAINTS.locations:
        findings.push(...locationFindings(deployment, rules, admin));
        break;
      case CONSTRAINTS.workerPools:
        if (!restricts(rules)) break;
        perFunction(
          deployment.functions,
          (f) => (f.workerPool === undefined ? "denied" : workerPoolDecision(rules, f.workerPool)),
          (f, d) => ({
            subject: `${f.name} (build ${f.workerPool ? `on ${f.workerPool}` : "on the default pool"})`,
            problem:
              f.workerPool === undefined
                ? `constraints/${constraint} allows builds only on the worker pools ${allowedList(rules)}; ${f.name} builds on Cloud Build's default pool (the program sets no worker pool), so its build is refused.`
                : `constraints/${constraint} ${refuses(d)} builds on ${f.workerPool} (allowed: ${allowedList(rules)}).`,
            fix: admin("allow the default worker pool (or exempt it from the constraint)").replace(
              /^or /,
              "",
            ),
            source: CONSTRAINTS_PAGE,
          }),
        );
        break;
      case CONSTRAINTS.memberDomains:
        if (restricts(rules)) findings.push(...memberFindings(deployment, rules, admin, organization));
        break;
      case CONSTRAINTS.accountCreation: {
        const decision = booleanDecision(rules);
        if (decision === "not-enforced") break;
        const created = deployment.accounts
          .filter((a) => a.createdBy)
          .map((a) => a.email)
          .sort();
        findings.push({
          check: "org-policies",
          severity: decision === "enforced" ? "blocker" : "warning",
          subject: `constraints/${constraint}`,
          problem:
            `constraints/${constraint} ${decision === "enforced" ? "is enforced" : "may be enforced (a conditional rule)"} on project ${project}: the program creates ` +
            `${created.length} service account${created.length === 1 ? "" : "s"} (one per function and the build account: ${abbreviate(created)}), ` +
            "and creating one fails with `FAILED_PRECONDITION: Service account creation is not allowed on this project`.",
          fix: `ask an organization policy administrator (roles/orgpolicy.policyAdmin) to exempt project ${project}: \`${DISABLE_ENFORCE(constraint, project)}\``,
          source: "https://cloud.google.com/iam/docs/troubleshoot-org-policies",
        });
        break;
      }
      case CONSTRAINTS.vpcConnector: {
        const decision = booleanDecision(rules);
        if (decision === "not-enforced") break;
        perFunction(
          deployment.functions,
          (f) =>
            f.vpcConnector !== undefined ? "allowed" : decision === "enforced" ? "denied" : "undecided",
          (f, d) => ({
            subject: `${f.name} (gen ${f.generation}, no VPC connector)`,
            problem:
              `constraints/${constraint} ${d === "denied" ? "is enforced" : "may be enforced (a conditional rule)"} on project ${project}: ` +
              `every function must be deployed with a VPC connector, and the program sets none on ${f.name}, so its deploy is refused.`,
            fix: `ask an organization policy administrator (roles/orgpolicy.policyAdmin) to exempt project ${project}: \`${DISABLE_ENFORCE(constraint, project)}\` (callgraph's functions take no VPC connector)`,
            source: CONSTRAINTS_PAGE,
          }),
        );
        break;
      }
      case CONSTRAINTS.requireInvokerIam: {
        const decision = booleanDecision(rules);
        if (decision === "enforced") break;
        const gen2 = deployment.functions
          .filter((f) => f.generation === 2)
          .map((f) => f.name)
          .sort();
        findings.push({
          check: "org-policies",
          severity: "warning",
          subject: `constraints/${constraint}`,
          problem:
            `constraints/${constraint} ${decision === "undecided" ? "may not be enforced (a conditional rule)" : "is not enforced"} on project ${project}: anyone with ` +
            `run.services.update on a 2nd-gen function's Cloud Run service (${abbreviate(gen2)}) can switch its invoker IAM check off ` +
            "(invokerIamDisabled), which makes the function public whatever its IAM policy says.",
          fix:
            `ask an organization policy administrator (roles/orgpolicy.policyAdmin) to enforce it for project ${project} ` +
            `(\`gcloud org-policies set-policy\` with name projects/${project}/policies/${constraint} and spec.rules [{enforce: true}]); ` +
            "`callgraph audit` reports a service whose check is off",
          source: "https://cloud.google.com/run/docs/securing/managing-access#invoker_check",
        });
        break;
      }
    }
  }
  return findings;
}

/**
 * `gcp.resourceLocations` against every region the functions deploy to, and the multi-region location group
 * Cloud Build needs there ("include the appropriate multi-region location. For example, if you are deploying in
 * any of the us regions, you should include us-locations. This allows Cloud Build to access the Artifact Registry
 * storage bucket": https://cloud.google.com/functions/docs/building). What cannot be decided is a warning.
 */
function locationFindings(
  deployment: Deployment,
  rules: readonly PolicyRule[],
  admin: (what: string) => string,
): Finding[] {
  const constraint = `constraints/${CONSTRAINTS.locations}`;
  const findings: Finding[] = [];
  const regions = [...new Set(deployment.functions.map((f) => f.region).filter(Boolean))].sort();
  for (const region of regions) {
    const names = deployment.functions
      .filter((f) => f.region === region)
      .map((f) => f.name)
      .sort();
    const subject = `${region} (${abbreviate(names)})`;
    const decision = locationDecision(rules, region);
    if (decision !== "allowed") {
      findings.push({
        check: "org-policies",
        severity: decision === "denied" ? "blocker" : "warning",
        subject,
        problem:
          `${constraint} ${decision === "denied" ? "refuses" : "may refuse"} resources in ${region} (allowed: ${allowedList(rules)})` +
          `${decision === "undecided" ? "; preflight cannot tell which locations some of its value groups hold" : ""}: the functions there and their source bucket and image repository cannot be created.`,
        fix: `set gcp:region to an allowed region, ${admin(`allow in:${region}-locations`)}`,
        source: "https://cloud.google.com/resource-manager/docs/organization-policy/defining-locations",
      });
      continue;
    }
    const multi = multiRegionOf(region);
    if (multi === undefined) {
      if (restricts(rules))
        findings.push({
          check: "org-policies",
          severity: "warning",
          subject,
          problem: `${constraint} restricts locations (allowed: ${allowedList(rules)}); Cloud Build reaches Artifact Registry's storage through a multi-region location group, and preflight does not know which one serves ${region}.`,
          fix: "if builds fail with a location error, ask an organization policy administrator which multi-region location group to allow",
          source: "https://cloud.google.com/functions/docs/building",
        });
      continue;
    }
    const multiDecision = locationDecision(rules, multi);
    if (multiDecision === "allowed") continue;
    findings.push({
      check: "org-policies",
      severity: multiDecision === "denied" ? "blocker" : "warning",
      subject,
      problem:
        `${constraint} allows ${region} but ${multiDecision === "denied" ? "not" : "perhaps not"} the ${multi} multi-region (allowed: ${allowedList(rules)}): ` +
        `Cloud Build reaches the Artifact Registry storage of functions in ${region} through ${multi}-locations, so their builds fail.`,
      fix: admin(`add in:${multi}-locations to the allowed values`).replace(/^or /, ""),
      source: "https://cloud.google.com/functions/docs/building",
    });
  }
  return findings;
}

/** A pool is allowed when the list names it, or a resource it sits under (`under:projects/P`). */
function workerPoolDecision(rules: readonly PolicyRule[], pool: string): ListDecision {
  if (listDecision(rules, pool) === "allowed") return "allowed";
  const under = allowedValues(rules)
    .filter((v) => v.startsWith("under:"))
    .map((v) => v.slice("under:".length));
  if (under.some((u) => pool.startsWith(`${u}/`))) return "allowed";
  // Pools may be named by project number or id: a pool not matched is not proven refused.
  return "undecided";
}

/**
 * Domain restricted sharing. Its allowed values are Google Workspace customer IDs (`C0…`), never an email domain.
 * For a user, group or domain member of the project's own organization's primary domain (its `displayName`), the
 * organization's `directoryCustomerId` decides: allowed exactly when it is among the allowed values. Members of
 * any other domain stay undecided (their customer ID needs the Admin SDK). Public members belong to no customer:
 * refused whenever the constraint restricts anything. The project's own service accounts belong to the project's
 * organization, which such a policy allows by design.
 * https://cloud.google.com/resource-manager/docs/organization-policy/restricting-domains
 */
function memberFindings(
  deployment: Pick<DeclaredDeployment, "project" | "members">,
  rules: readonly PolicyRule[],
  admin: (what: string) => string,
  organization: Observed<LiveOrganization | undefined> | undefined,
): Finding[] {
  const source = "https://cloud.google.com/resource-manager/docs/organization-policy/restricting-domains";
  const constraint = `constraints/${CONSTRAINTS.memberDomains}`;
  const findings: Finding[] = [];
  const undecided = new Set<string>();
  const ownAccounts = `@${deployment.project}.iam.gserviceaccount.com`;
  const org = organization?.visible ? organization.value : undefined;
  const orgDomain = org?.displayName?.toLowerCase();
  const customer = org?.directoryCustomerId;
  // Allowed values other than customer IDs (e.g. a principal set of an organization) might hold the member:
  // then a customer ID missing from the list proves nothing.
  const onlyCustomerIds = allowedValues(rules).every((v) => /^(is:)?C[0-9A-Za-z]+$/.test(v));
  const refused = new Map<string, string[]>();
  for (const m of deployment.members) {
    const parts = memberParts(m.member);
    if (isPublicMember(m.member)) {
      findings.push({
        check: "org-policies",
        severity: "blocker",
        subject: `${m.member} in ${m.resource}`,
        problem: `${constraint} restricts IAM members to allowed customers (${allowedList(rules)}); ${m.member} belongs to none, so granting ${m.role} to it is refused.`,
        fix: `remove ${m.member} from the function's \`invokers\`, ${admin("exempt the project from the constraint")}`,
        source,
      });
    } else if (m.member.toLowerCase().endsWith(ownAccounts)) {
      continue;
    } else if (
      parts?.domain !== undefined &&
      parts.kind !== "serviceAccount" &&
      orgDomain !== undefined &&
      customer !== undefined &&
      parts.domain === orgDomain
    ) {
      const decision = listDecision(rules, customer);
      if (decision === "allowed") continue;
      if (decision === "denied" && onlyCustomerIds)
        refused.set(m.member, [...(refused.get(m.member) ?? []), m.resource]);
      else undecided.add(m.member);
    } else {
      undecided.add(m.member);
    }
  }
  for (const [member, resources] of refused)
    findings.push({
      check: "org-policies",
      severity: "blocker",
      subject: member,
      problem:
        `${constraint} allows only members of ${allowedList(rules)}; ${memberParts(member)?.domain} is the primary domain of ${org!.name} ` +
        `(customer ${customer}), which is not among them, so granting it (${[...new Set(resources)].join(", ")}) fails: ` +
        "`One or more users named in the policy do not belong to a permitted customer`.",
      fix: `replace it with a member of an allowed customer, ${admin(`allow customer ${customer}`)}`,
      source,
    });
  if (organization !== undefined && !organization.visible)
    findings.push({
      check: "org-policies",
      severity: "not-visible",
      subject: `organization of project ${deployment.project}`,
      problem: `could not read it (${describeRefusal(organization)}): its customer ID, which decides whether ${constraint} allows members of its own domain, is not known.`,
      fix: "grant the deployer resourcemanager.organizations.get (e.g. roles/resourcemanager.organizationViewer), or compare `gcloud organizations list` (DIRECTORY_CUSTOMER_ID) with the allowed values",
      source: "https://cloud.google.com/resource-manager/reference/rest/v3/organizations/get",
    });
  if (undecided.size > 0) {
    findings.push({
      check: "org-policies",
      severity: "warning",
      subject: [...undecided].sort().join(", "),
      problem:
        `${constraint} allows only members of ${allowedList(rules)}; preflight cannot tell which customer these belong to ` +
        `(an email domain is not a customer ID${orgDomain ? `; only ${orgDomain}, the primary domain of ${org!.name}, is known to be customer ${customer ?? "(none listed)"}` : ""}). ` +
        "A member outside them makes `pulumi up` fail when it sets the grant.",
      fix:
        "check each member's domain against the allowed customer IDs (`gcloud organizations list` shows DIRECTORY_CUSTOMER_ID), " +
        admin("allow it"),
      source,
    });
  }
  return findings;
}

function allowedList(rules: readonly PolicyRule[]): string {
  const allowed = allowedValues(rules);
  return allowed.length > 0 ? allowed.join(", ") : "none";
}

/** Up to three names, then how many more. */
function abbreviate(names: readonly string[]): string {
  return names.length <= 3
    ? names.join(", ")
    : `${names.slice(0, 3).join(", ")} and ${names.length - 3} more`;
}
