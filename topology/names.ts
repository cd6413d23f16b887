import { createHash } from "node:crypto";

/** Where the graph is deployed. */
export interface GcpTarget {
  readonly project: string;
  readonly region: string;
  /** The project's number: part of 2nd-gen URLs. Needed only when a function is 2nd gen. */
  readonly projectNumber?: string;
}

/**
 * Function names: lowercase letters, digits and hyphens, starting with a letter, not ending with a hyphen, at most
 * 49 characters. The limit is the deterministic URL's, not a name rule of either generation (1st gen and the v2 API
 * take 63): callers are told a 2nd-gen callee's URL before it exists, `https://NAME-PROJECT_NUMBER.REGION.run.app`,
 * and Cloud Run assigns that URL only when its first DNS label, NAME-PROJECT_NUMBER, has at most 63 characters
 * (https://cloud.google.com/run/docs/triggering/https-request#deterministic). With a project number of up to 13
 * digits, 63 - 1 - 13 = 49; the Cloud Run Admin API v2 refuses service ids of 50 characters or more for the same
 * reason ("must be less than 50 characters", pulumi/pulumi-gcp#3166). Both generations take the same rule, so a
 * function can move between them without a rename.
 */
export const FUNCTION_NAME_PATTERN = /^[a-z](?:[-a-z0-9]{0,47}[a-z0-9])?$/;
export const MAX_FUNCTION_NAME_LENGTH = 49;

/** GCP's rule for service-account ids: https://cloud.google.com/iam/docs/service-accounts-create */
export const SERVICE_ACCOUNT_ID_PATTERN = /^[a-z](?:[-a-z0-9]*[a-z0-9])$/;
export const SERVICE_ACCOUNT_ID_MIN = 6;
export const SERVICE_ACCOUNT_ID_MAX = 30;

const PREFIX = "fn-";
const HASHED_LENGTH = SERVICE_ACCOUNT_ID_MAX;
const MIN_HASH_CHARS = 14;

/**
 * The service-account id of a function: `fn-<name>` when that fits GCP's 6–30 characters; otherwise the
 * name cut short plus a hash of the whole name, padded to exactly 30 characters. Plain ids are at most 29
 * characters and hashed ones exactly 30, so the two forms never collide, and two long names that share a
 * prefix still differ by their hash.
 */
export function serviceAccountId(functionName: string): string {
  return accountId(PREFIX, functionName);
}

/**
 * The service-account id of a caller that is not a function (`callgraph:callers`): `src-<name>`, shortened like a
 * function's. Its own prefix keeps it apart from every function's account (`fn-`) and the build account, so a
 * source never runs as a function's identity, nor a function as a source's.
 */
export function callerAccountId(callerName: string): string {
  return accountId(CALLER_PREFIX, callerName);
}

const CALLER_PREFIX = "src-";

function accountId(prefix: string, name: string): string {
  const plain = `${prefix}${name}`;
  if (plain.length >= SERVICE_ACCOUNT_ID_MIN && plain.length < HASHED_LENGTH) return plain;
  const hash = createHash("sha256").update(name).digest("hex");
  // At least 14 hash characters (56 bits), so distinct names practically never collide (a collision would
  // still be refused by `parseTopology`); the rest of the budget is a readable stem of the name.
  const stem = name.slice(0, HASHED_LENGTH - prefix.length - 1 - MIN_HASH_CHARS).replace(/-+$/, "");
  const head = `${prefix}${stem}-`;
  return head + hash.slice(0, HASHED_LENGTH - head.length);
}

/** The email of a caller's own account, known before deployment like a function's. */
export function callerAccountEmail(callerName: string, project: string): string {
  return `${callerAccountId(callerName)}@${project}.iam.gserviceaccount.com`;
}

/** The IAM member of a caller's own account. */
export function callerAccountMember(callerName: string, project: string): string {
  return `serviceAccount:${callerAccountEmail(callerName, project)}`;
}

/** The email GCP gives a service account: `ID@PROJECT.iam.gserviceaccount.com`. Known before deployment. */
export function serviceAccountEmail(functionName: string, project: string): string {
  return `${serviceAccountId(functionName)}@${project}.iam.gserviceaccount.com`;
}

/**
 * The id of the stack's build account: every function is built by it (DESIGN.md invariant 9), never by the
 * project's default build identity. It cannot collide with a function's account, whose ids start with `fn-`.
 */
export const BUILD_SERVICE_ACCOUNT_ID = "callgraph-build";

/** The build account's email, computed like the functions' so that preview knows it. */
export function buildServiceAccountEmail(project: string): string {
  return `${BUILD_SERVICE_ACCOUNT_ID}@${project}.iam.gserviceaccount.com`;
}

/** The IAM member of a function's service account. */
export function serviceAccountMember(functionName: string, project: string): string {
  return `serviceAccount:${serviceAccountEmail(functionName, project)}`;
}

/**
 * A function's URL, which is also the audience of ID tokens sent to it. Computing it, rather than reading the
 * function's output, keeps functions independent of each other in the resource graph (invariant 5).
 * - 1st gen: `https://REGION-PROJECT_ID.cloudfunctions.net/NAME` (https://cloud.google.com/functions/docs/calling/http).
 * - 2nd gen: the deterministic Cloud Run URL `https://NAME-PROJECT_NUMBER.REGION.run.app`
 *   (https://cloud.google.com/run/docs/triggering/https-request#deterministic); the audience is its origin,
 *   which is the whole URL.
 */
export function functionUrl(functionName: string, target: GcpTarget, generation: 1 | 2): string {
  if (generation === 1)
    return `https://${target.region}-${target.project}.cloudfunctions.net/${functionName}`;
  if (!target.projectNumber) {
    throw new Error(
      `the URL of 2nd-gen function ${functionName} needs the project number of ${target.project}`,
    );
  }
  return `https://${functionName}-${target.projectNumber}.${target.region}.run.app`;
}
