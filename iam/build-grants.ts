import type { IamCondition } from "./condition";

/**
 * What the account that builds the functions needs, and nothing more. Google's build pages
 * (https://cloud.google.com/functions/docs/building, "Grant Permissions", for Cloud Run functions; and
 * https://cloud.google.com/functions/1stgendocs/securing/build-custom-sa for 1st gen) ask for three roles:
 * - `roles/logging.logWriter` "to store build logs in Cloud Logging": Logging grants it on projects (and above)
 *   only (https://cloud.google.com/logging/docs/access-control), so it is a project-level grant;
 * - `roles/artifactregistry.writer` "to store build images in Artifact Registry": granted on the program's own
 *   repository, which every function names in `dockerRepository`;
 * - `roles/storage.objectViewer` "to retrieve the function source": see {@link stagingReadCondition}.
 *
 * Google's other documented minimum, `roles/run.builder` on the project (Cloud Run source deploys:
 * https://cloud.google.com/run/docs/configuring/services/build-service-account), holds `storage.objects.get` on
 * every bucket of the project and Artifact Registry writes on every repository: wider than these three, so it is
 * not used. The 1st-gen page's summary also names `roles/storage.objectAdmin`; it is not granted: a 1st-gen build
 * refused for want of its source asks for "Storage Object Viewer" on the staging bucket and nothing else
 * (terraform-provider-google#18956), and writes its image to Artifact Registry, not to a bucket.
 */
export const BUILD_ROLES = {
  logs: "roles/logging.logWriter",
  images: "roles/artifactregistry.writer",
  sources: "roles/storage.objectViewer",
} as const;

/**
 * The bucket Cloud Functions copies an uploaded archive into and builds from, per generation: the build reads the
 * source there, not in the program's own bucket ("failed to download archive gs://gcf-sources-NUMBER-REGION/…:
 * Access to bucket gcf-sources-NUMBER-REGION denied. You must grant Storage Object Viewer permission to …":
 * terraform-provider-google#18956 for 1st gen, #20571 for `gcf-v2-sources-` and 2nd gen; bucket names on
 * https://cloud.google.com/functions/docs/building). Google creates it with the first function of the generation in
 * the region, so no bucket-level grant can be made before that first build: the read is a project-level grant
 * narrowed by an IAM condition to these buckets.
 */
export function stagingBucket(generation: 1 | 2, projectNumber: string, region: string): string {
  return `${generation === 1 ? "gcf-sources" : "gcf-v2-sources"}-${projectNumber}-${region}`;
}

/** One staging bucket a condition opens to the build account. */
export interface StagingBucket {
  readonly generation: 1 | 2;
  readonly projectNumber: string;
  readonly region: string;
}

/** The title every such condition carries, so a reader of the project's policy knows whose it is. */
export const STAGING_READ_TITLE = "callgraph build sources";

const OBJECT_TYPE = 'resource.type == "storage.googleapis.com/Object"';

/**
 * The IAM condition that limits the build account's project-level `roles/storage.objectViewer` to the objects of
 * the staging buckets of the stack's generations and region. Cloud Storage evaluates `resource.name` as
 * `projects/_/buckets/BUCKET/objects/OBJECT` for object reads (https://cloud.google.com/iam/docs/conditions-resource-attributes,
 * "Resource name"), and Google's build page grants the build account exactly this role with a condition of this
 * form on `gcf-v2-sources-` (https://cloud.google.com/functions/docs/building, "Grant Permissions"). Narrower than
 * Google's example: each prefix ends in `/objects/`, so it names the one bucket of this project number and region,
 * not every bucket whose name starts so. A build downloads one known object (`storage.objects.get`); listing
 * (`storage.objects.list`, checked on the bucket) and `resourcemanager.projects.*` never match the condition, and
 * need not. Verified only against documentation: no build has run here.
 */
export function stagingReadCondition(buckets: readonly StagingBucket[]): Required<IamCondition> {
  const names = [
    ...new Set(buckets.map((b) => stagingBucket(b.generation, b.projectNumber, b.region))),
  ].sort();
  if (names.length === 0) throw new Error("a staging read condition needs at least one bucket");
  const prefixes = names.map((name) => `resource.name.startsWith("projects/_/buckets/${name}/objects/")`);
  return {
    title: STAGING_READ_TITLE,
    description: `Objects of ${names.join(", ")}, where Cloud Functions stages the sources it builds (managed by callgraph).`,
    expression: `${OBJECT_TYPE} && (${prefixes.join(" || ")})`,
  };
}

const STAGING_PREFIX =
  /^resource\.name\.startsWith\("projects\/_\/buckets\/(gcf-sources|gcf-v2-sources)-([0-9]+)-([a-z][a-z0-9-]*[a-z0-9])\/objects\/"\)$/;

/**
 * The staging buckets an expression opens, when it has exactly the form {@link stagingReadCondition} writes (an
 * object-type guard and one or more `/objects/` prefixes of staging buckets); `undefined` for anything else, which
 * readers must take as "opens more than the build needs". The inverse of {@link stagingReadCondition}.
 */
export function stagingBucketsOf(expression: string): StagingBucket[] | undefined {
  const guard = `${OBJECT_TYPE} && (`;
  if (!expression.startsWith(guard) || !expression.endsWith(")")) return undefined;
  const inner = expression.slice(guard.length, -1);
  const buckets: StagingBucket[] = [];
  for (const part of inner.split(" || ")) {
    const match = STAGING_PREFIX.exec(part);
    if (!match) return undefined;
    buckets.push({
      generation: match[1] === "gcf-sources" ? 1 : 2,
      projectNumber: match[2],
      region: match[3],
    });
  }
  return buckets;
}

/** One grant the build account may hold on its functions' project: a role, and the condition it must carry. */
export interface BuildProjectGrant {
  readonly role: string;
  /** Undefined: granted without condition (there is no narrower scope). */
  readonly condition?: Required<IamCondition>;
}

/**
 * Every grant the build account holds on the project, for a stack whose functions are built in `region` in these
 * generations: the one list the component registers and the policy pack allows (a test pins it).
 */
export function buildProjectGrants(
  generations: readonly (1 | 2)[],
  projectNumber: string,
  region: string,
): BuildProjectGrant[] {
  const buckets = [...new Set(generations)]
    .sort()
    .map((generation) => ({ generation, projectNumber, region }));
  return [
    { role: BUILD_ROLES.logs },
    ...(buckets.length > 0 ? [{ role: BUILD_ROLES.sources, condition: stagingReadCondition(buckets) }] : []),
  ];
}
