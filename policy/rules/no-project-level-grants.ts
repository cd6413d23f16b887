import {
  BUILD_ROLES,
  GCP,
  type Grant,
  grantsOf,
  isUnknown,
  normalizeMember,
  serviceAccountOf,
  stagingBucket,
  stagingBucketsOf,
  type Unknown,
  SOURCE_ROLES,
} from "../../iam";
import { sourcesOf } from "../sources";
import { describeGrantTarget } from "../describe-grant";
import { buildAccountsOf, describeFunctions, functionsOf, type CloudFunction } from "../functions";
import { undecided, violation, type Finding } from "../model";
import { stackRule } from "../rule";
import { describeResource } from "../values";

export interface NoProjectLevelGrantsConfig {
  readonly allowedMembers: readonly string[];
}

/**
 * The roles a function build needs on the whole project (`iam/build-grants.ts`, where each is cited): the build log
 * writer, which Cloud Logging grants on projects and above only
 * (https://cloud.google.com/logging/docs/reference/v2/rest/v2/entries/write), and the read of the buckets Cloud
 * Functions stages sources in, which exist only after a first function and so are granted on the project under an
 * IAM condition naming them. The build's third need, Artifact Registry writer, is granted on the repository.
 */
export const BUILD_LOG_ROLE = BUILD_ROLES.logs;
export const BUILD_SOURCES_ROLE = BUILD_ROLES.sources;
const BUILD_PROJECT_ROLES: readonly string[] = [BUILD_LOG_ROLE, BUILD_SOURCES_ROLE];

const ABOVE = ["project", "folder", "organization"];

const ELSEWHERE =
  "grant the role on the individual resources the member needs instead (gcp.storage.BucketIAMMember on a bucket, " +
  "gcp.artifactregistry.RepositoryIamMember on a repository, an invoker grant on a function through " +
  "callgraph:functions)";

/**
 * "Grants nothing at project level but the build's": a grant on a project, folder or organization reaches every
 * resource in it, present and future, not only the ones this stack manages. The stack makes exactly two such
 * grants, both to its build account, on the project its functions are built in, each added as one member
 * (gcp.projects.IAMMember): roles/logging.logWriter, and roles/storage.objectViewer under a condition that opens
 * only the objects of the staging buckets of the generations and regions the account builds. A gcp.projects.IAMBinding is authoritative for its role and an IAMPolicy for the whole
 * project: either would remove the role from every other member of the project.
 * https://www.pulumi.com/registry/packages/gcp/api-docs/projects/iammember/
 */
export const noProjectLevelGrants = stackRule<NoProjectLevelGrantsConfig>({
  name: "no-project-level-grants",
  description: `The stack grants no role on a project, folder or organization, except, to the account that builds its functions, on their project (a gcp.projects.IAMMember): ${BUILD_LOG_ROLE}, and ${BUILD_SOURCES_ROLE} conditioned on the objects of the buckets Cloud Functions builds them from; and ${SOURCE_ROLES.eventReceiver} to an Eventarc trigger's own account, which Google grants on projects only.`,
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
    const triggers = new Set(
      sourcesOf(resources).flatMap((s) =>
        s.kind === "eventarc" && typeof s.account === "string" ? [s.account] : [],
      ),
    );
    const findings: Finding[] = [];
    for (const grant of resources.flatMap(grantsOf)) {
      if (!ABOVE.includes(grant.scope)) continue;
      if (!isUnknown(grant.member) && allowed.has(normalizeMember(grant.member))) continue;
      if (isEventReceiver(grant, triggers)) continue;
      findings.push(...judge(grant, builds.byAccount, builds.unknown));
    }
    return findings;
  },
});

/**
 * An Eventarc trigger's account receives its events through `roles/eventarc.eventReceiver`, which Google grants on the
 * project only ("Roles and permissions", https://cloud.google.com/eventarc/docs/access-control): the one project
 * grant a source needs, accepted added as one member (gcp.projects.IAMMember) on a project to the account a trigger
 * of the stack runs as, and nothing else.
 */
function isEventReceiver(grant: Grant, triggers: ReadonlySet<string>): boolean {
  if (grant.scope !== "project" || grant.role !== SOURCE_ROLES.eventReceiver) return false;
  if (
    grant.resource.type !== GCP.projectIamMember ||
    isUnknown(grant.member) ||
    grant.condition !== undefined
  )
    return false;
  const account = serviceAccountOf(normalizeMember(grant.member));
  return account !== undefined && triggers.has(account);
}

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
  if (!BUILD_PROJECT_ROLES.includes(grant.role)) {
    return [
      violation(
        urn,
        `${grants}: a grant on a whole ${grant.scope} reaches every resource in it, present and future, not only the ` +
          `ones this stack manages; the only such grants the stack may make are ${BUILD_LOG_ROLE} and a conditioned ` +
          `${BUILD_SOURCES_ROLE} on the project, to its build account.`,
        `${ELSEWHERE}; to accept it, list the member in allowedMembers.`,
      ),
    ];
  }
  if (grant.scope !== "project") {
    return [
      violation(
        urn,
        `${grants}: builds run in their functions' own project, so ${grant.role} is needed on the project only, ` +
          `never on a whole ${grant.scope}.`,
        `grant ${grant.role} on the functions' project instead (gcp.projects.IAMMember); to accept this grant, list the member in allowedMembers.`,
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
        `${grants}, which builds no function of this stack: the only project-level grants the stack may make are ` +
          `the build's, to the account its functions name in buildServiceAccount (gen2: buildConfig.serviceAccount).`,
        `remove this grant; ${ELSEWHERE}; to accept it, list the member in allowedMembers.`,
      ),
    ];
  }
  const builds = `the account that builds ${describeFunctions(built)}`;
  if (grant.role === BUILD_SOURCES_ROLE) {
    const refused = stagingReadProblem(grant, built, unknownBuilder);
    if (refused) return [refused];
  }
  if (grant.resource.type !== GCP.projectIamMember) {
    return [
      violation(
        urn,
        `${grants}, ${builds}, through ${
          grant.resource.type === GCP.projectIamPolicy
            ? "an IAM policy, which replaces the project's whole policy: it would remove every other grant on the project"
            : `a binding, which is authoritative for ${grant.role}: it would remove the role from every other member of the project`
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
      `${grants}, ${builds}, but those functions are in project ${named}: their builds run there, so this grant is not needed.`,
      `grant ${grant.role} on project ${named} instead, and remove this grant.`,
    ),
  ];
}

/**
 * The build account's read of sources on a whole project is allowed only under the condition the component writes:
 * the objects of the staging buckets (`gcf-sources-NUMBER-REGION`, `gcf-v2-sources-NUMBER-REGION`) of generations
 * and regions that functions built by the account use. Without it, it reads every object of every bucket of the
 * project, present and future. Undefined when the grant is that one.
 */
function stagingReadProblem(
  grant: Grant,
  built: readonly CloudFunction[],
  unknownBuilder: Unknown | undefined,
): Finding | undefined {
  const urn = grant.resource.urn;
  const subject = `${describeResource(grant.resource)} grants ${BUILD_SOURCES_ROLE} on the project to the account that builds ${describeFunctions(built)}`;
  const fix =
    `condition it on the objects of the staging buckets its functions are built from, as the CallGraph component does ` +
    `(resource.type == "storage.googleapis.com/Object" && resource.name.startsWith("projects/_/buckets/${stagingBucket(2, "NUMBER", "REGION")}/objects/")); ` +
    "to accept this grant, list the member in allowedMembers.";
  if (isUnknown(grant.condition))
    return undecided(urn, `${subject}: its condition is not known until deployment`, grant.condition);
  if (grant.condition === undefined)
    return violation(
      urn,
      `${subject} without a condition: it reads every object of every bucket of the project, present and future, not only the sources Cloud Functions stages for the build.`,
      fix,
    );
  const buckets = stagingBucketsOf(grant.condition.expression);
  if (buckets === undefined)
    return violation(
      urn,
      `${subject} under the condition ${JSON.stringify(grant.condition.expression)}, which opens more than the objects of the buckets Cloud Functions builds from (or is not of the one form this policy can read).`,
      fix,
    );
  for (const bucket of buckets) {
    const used = built.some(
      (fn) =>
        fn.generation === bucket.generation &&
        (fn.location === undefined || isUnknown(fn.location) || fn.location === bucket.region),
    );
    // A function whose build account is not known yet may be built by this one, from that bucket.
    if (!used && unknownBuilder)
      return undecided(
        urn,
        `${subject}; whether some function it builds is built from ${stagingBucket(bucket.generation, bucket.projectNumber, bucket.region)} is not known until deployment`,
        unknownBuilder,
      );
    if (!used)
      return violation(
        urn,
        `${subject}, opening ${stagingBucket(bucket.generation, bucket.projectNumber, bucket.region)}, from which none of them is built (no ${bucket.generation === 1 ? "1st" : "2nd"}-gen function in ${bucket.region}).`,
        "open only the staging buckets of the generations and regions the account builds; the CallGraph component derives them.",
      );
  }
  return undefined;
}
