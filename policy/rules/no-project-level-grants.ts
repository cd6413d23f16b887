import {
  GCP,
  type Grant,
  grantsOf,
  isUnknown,
  normalizeMember,
  serviceAccountOf,
  type Unknown,
} from "../../iam";
import { describeGrantTarget } from "../describe-grant";
import { buildAccountsOf, describeFunctions, functionsOf, type CloudFunction } from "../functions";
import { undecided, violation, type Finding } from "../model";
import { stackRule } from "../rule";
import { describeResource } from "../values";

export interface NoProjectLevelGrantsConfig {
  readonly allowedMembers: readonly string[];
}

/**
 * The one role a function build needs on the whole project: Cloud Build writes the build's logs to Cloud Logging in
 * the function's project (https://cloud.google.com/functions/docs/securing/build-custom-sa), and Logging checks
 * `logging.logEntries.create` on the project (or folder, organization) receiving the entries, with no narrower
 * resource to grant it on (https://cloud.google.com/logging/docs/reference/v2/rest/v2/entries/write). The build's
 * other needs (Artifact Registry writer, read on the source bucket) are granted on the repository and the bucket.
 */
export const BUILD_LOG_ROLE = "roles/logging.logWriter";

const ABOVE = ["project", "folder", "organization"];

const ELSEWHERE =
  "grant the role on the individual resources the member needs instead (gcp.storage.BucketIAMMember on a bucket, " +
  "gcp.artifactregistry.RepositoryIamMember on a repository, an invoker grant on a function through " +
  "callgraph:functions)";

/**
 * "Grants nothing at project level, but one": a grant on a project, folder or organization reaches every
 * resource in it, present and future, not only the ones this stack manages. The stack makes exactly one such grant:
 * roles/logging.logWriter to its build account, on the project its functions are built in, added as one member
 * (gcp.projects.IAMMember). A gcp.projects.IAMBinding is authoritative for its role and an IAMPolicy for the whole
 * project: either would remove the role from every other member of the project.
 * https://www.pulumi.com/registry/packages/gcp/api-docs/projects/iammember/
 */
export const noProjectLevelGrants = stackRule<NoProjectLevelGrantsConfig>({
  name: "no-project-level-grants",
  description: `The stack grants no role on a project, folder or organization, except ${BUILD_LOG_ROLE} on its functions' project to the account that builds them (a gcp.projects.IAMMember).`,
  remediation:
    "Grant roles on the individual resources a member needs (a bucket, a repository, a function), never on the whole project.",
  fields: {
    allowedMembers: {
      type: "string-list",
      default: [],
      description:
        "Members whose grants on a project, folder or organization this policy accepts, whatever the role (e.g. a group whose project access the same program manages).",
    },
  },
  check(resources, config): Finding[] {
    const builds = buildAccountsOf(functionsOf(resources));
    const allowed = new Set(config.allowedMembers.map(normalizeMember));
    const findings: Finding[] = [];
    for (const grant of resources.flatMap(grantsOf)) {
      if (!ABOVE.includes(grant.scope)) continue;
      if (!isUnknown(grant.member) && allowed.has(normalizeMember(grant.member))) continue;
      findings.push(...judge(grant, builds.byAccount, builds.unknown));
    }
    return findings;
  },
});

function judge(
  grant: Grant,
  builders: ReadonlyMap<string, readonly CloudFunction[]>,
  unknownBuilder: Unknown | undefined,
): Finding[] {
  const subject = describeResource(grant.resource);
  const where = describeGrantTarget(grant);
  const urn = grant.resource.urn;
  if (isUnknown(grant.role)) {
    return [
      undecided(
        urn,
        `${subject}: the role it grants on the ${grant.scope} is not known until deployment`,
        grant.role,
      ),
    ];
  }
  const to = isUnknown(grant.member) ? "a member not known until deployment" : normalizeMember(grant.member);
  const grants = `${subject} grants ${grant.role} on ${where} to ${to}`;
  if (grant.role !== BUILD_LOG_ROLE) {
    return [
      violation(
        urn,
        `${grants}: a grant on a whole ${grant.scope} reaches every resource in it, present and future, not only the ` +
          `ones this stack manages; the one such grant the stack may make is ${BUILD_LOG_ROLE} on the project to its build account.`,
        `${ELSEWHERE}; to accept it, list the member in allowedMembers.`,
      ),
    ];
  }
  if (grant.scope !== "project") {
    return [
      violation(
        urn,
        `${grants}: builds write their logs to their own project, so ${BUILD_LOG_ROLE} is needed on the project only, ` +
          `never on a whole ${grant.scope}.`,
        `grant ${BUILD_LOG_ROLE} on the functions' project instead (gcp.projects.IAMMember); to accept this grant, list the member in allowedMembers.`,
      ),
    ];
  }
  if (isUnknown(grant.member)) {
    return [
      undecided(
        urn,
        `${grants}; whether that is the account that builds the stack's functions is not known until deployment`,
        grant.member,
      ),
    ];
  }
  const member = normalizeMember(grant.member);
  const account = serviceAccountOf(member);
  const built = account === undefined ? undefined : builders.get(account);
  if (!built) {
    if (account !== undefined && unknownBuilder) {
      return [
        undecided(
          urn,
          `${grants}; whether that is the account that builds some function is not known until deployment`,
          unknownBuilder,
        ),
      ];
    }
    return [
      violation(
        urn,
        `${grants}, which builds no function of this stack: the one project-level grant the stack may make is ` +
          `${BUILD_LOG_ROLE} to the account its functions name in buildServiceAccount (gen2: buildConfig.serviceAccount), for their build logs.`,
        `remove this grant; ${ELSEWHERE}; to accept it, list the member in allowedMembers.`,
      ),
    ];
  }
  const builds = `the account that builds ${describeFunctions(built)}`;
  if (grant.resource.type !== GCP.projectIamMember) {
    return [
      violation(
        urn,
        `${grants}, ${builds}, through ${
          grant.resource.type === GCP.projectIamPolicy
            ? "an IAM policy, which replaces the project's whole policy: it would remove every other grant on the project"
            : `a binding, which is authoritative for ${BUILD_LOG_ROLE}: it would remove the role from every other member of the project`
        } (other workloads, Google's service agents).`,
        `grant it with gcp.projects.IAMMember, which adds this member and leaves the others.`,
      ),
    ];
  }
  const project = grant.target;
  if (isUnknown(project)) {
    return [
      undecided(
        urn,
        `${subject}: the project it grants ${BUILD_LOG_ROLE} on is not known until deployment`,
        project,
      ),
    ];
  }
  const projects = built.map((fn) => fn.project);
  const unknownProject = projects.find(isUnknown);
  // A function that states no project is in the provider's default project, which may be this one.
  if (project === undefined || projects.some((p) => p === undefined || p === project)) return [];
  if (unknownProject) {
    return [
      undecided(
        urn,
        `${grants}; whether that is the project of the functions it builds is not known until deployment`,
        unknownProject,
      ),
    ];
  }
  const named = [...new Set(projects as string[])].map((p) => `"${p}"`).join(", ");
  return [
    violation(
      urn,
      `${grants}, ${builds}, but those functions are in project ${named}: their builds write logs there, so this grant is not needed.`,
      `grant ${BUILD_LOG_ROLE} on project ${named} instead, and remove this grant.`,
    ),
  ];
}
