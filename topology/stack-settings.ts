import type { TopologyIssue } from "./errors";
import { describeValue } from "./errors";
import { DECLARATION_CONFIG_KEYS } from "./stack-declaration";
import { distance } from "fastest-levenshtein";
import { suggestion } from "./suggestion";

const NAMESPACE = "callgraph:";

/**
 * The key `key` is a typo of, if any: a letter or two from one (another case counts as none), compared without the
 * namespace they share, so that `callgraph:owner` or `callgraph:region`, a project's own keys, are not taken for
 * `callgraph:callers` or `callgraph:runtime`.
 */
function nearMiss(key: string): string | undefined {
  const name = key.slice(NAMESPACE.length).toLowerCase();
  const allowed = name.length >= 6 ? 2 : 1;
  return CALLGRAPH_CONFIG_KEYS.find(
    (known) => distance(name, known.slice(NAMESPACE.length).toLowerCase()) <= allowed,
  );
}

/**
 * Every `callgraph:` key callgraph reads: the declaration's, the project number (`CallGraph`) and the stack's policy
 * enforcement levels (`callgraph check`, cli/options/check.ts `POLICY_CONFIG_KEY`).
 */
export const CALLGRAPH_CONFIG_KEYS: readonly string[] = [
  ...Object.values(DECLARATION_CONFIG_KEYS),
  "callgraph:projectNumber",
  "callgraph:policy",
];

/**
 * The stack's `callgraph:` keys callgraph does not read. One a letter or two from a key it reads ({@link nearMiss}) is a typo, and an
 * error: `callgraph:generaton: 1` would otherwise deploy every function as the default generation, silently. Any
 * other is a warning only: in a Pulumi project named `callgraph` (this repository), `pulumi config set KEY` writes a
 * project key of the user's own under `callgraph:`.
 */
export function unknownStackKeys(keys: readonly string[]): {
  issues: TopologyIssue[];
  warnings: TopologyIssue[];
} {
  const issues: TopologyIssue[] = [];
  const warnings: TopologyIssue[] = [];
  for (const key of keys) {
    if (!key.startsWith(NAMESPACE) || CALLGRAPH_CONFIG_KEYS.includes(key)) continue;
    const near = nearMiss(key);
    if (near)
      issues.push({
        path: key,
        message: `unknown key (did you mean ${JSON.stringify(near)}?): callgraph reads ${CALLGRAPH_CONFIG_KEYS.join(", ")}`,
      });
    else
      warnings.push({
        path: key,
        message: `not a key callgraph reads (${CALLGRAPH_CONFIG_KEYS.join(", ")}): ignored by callgraph`,
      });
  }
  return { issues, warnings };
}

/**
 * A project id as Google allows it: "6 to 30 characters", "lowercase letters, numbers, and hyphens", starting "with a
 * letter" and not ending "with a hyphen" (https://cloud.google.com/resource-manager/docs/creating-managing-projects,
 * "Before you begin").
 */
const PROJECT_ID = /^[a-z][a-z0-9-]{4,28}[a-z0-9]$/;

/**
 * A legacy domain-scoped project id, `example.com:my-project`
 * (https://cloud.google.com/resource-manager/docs/creating-managing-projects#identifying_projects): refused, since
 * its service accounts' emails are not `ID@PROJECT.iam.gserviceaccount.com`, the form every grant here is written in
 * (topology/names.ts) before anything is deployed.
 */
const DOMAIN_SCOPED = /^[a-z0-9.-]+\.[a-z]{2,}:[a-z][a-z0-9-]*$/;

/**
 * A region's shape: a continent or area, a direction and a number, hyphenated (`us-central1`, `europe-west4`,
 * `northamerica-northeast1`; https://cloud.google.com/functions/docs/locations). Only the shape is checked, so a
 * region Google adds is never refused; the names below only suggest a spelling.
 */
const REGION = /^[a-z]+(?:-[a-z]+)+[0-9]+$/;

/** Regions of Cloud Run functions, for "did you mean" only (https://cloud.google.com/functions/docs/locations). */
const KNOWN_REGIONS = [
  "africa-south1",
  "asia-east1",
  "asia-east2",
  "asia-northeast1",
  "asia-northeast2",
  "asia-northeast3",
  "asia-south1",
  "asia-south2",
  "asia-southeast1",
  "asia-southeast2",
  "australia-southeast1",
  "australia-southeast2",
  "europe-central2",
  "europe-north1",
  "europe-southwest1",
  "europe-west1",
  "europe-west2",
  "europe-west3",
  "europe-west4",
  "europe-west6",
  "europe-west8",
  "europe-west9",
  "europe-west10",
  "europe-west12",
  "me-central1",
  "me-central2",
  "me-west1",
  "northamerica-northeast1",
  "northamerica-northeast2",
  "southamerica-east1",
  "southamerica-west1",
  "us-central1",
  "us-east1",
  "us-east4",
  "us-east5",
  "us-south1",
  "us-west1",
  "us-west2",
  "us-west3",
  "us-west4",
];

/**
 * The longest project number a function's 2nd-gen URL has room for: `NAME-NUMBER.REGION.run.app` is one DNS label
 * for `NAME-NUMBER`, at most 63 characters (RFC 1035 §2.3.4), and a name takes at most 49 (topology/names.ts), so
 * the number at most 13 digits. Google's project numbers are 12 today.
 */
const PROJECT_NUMBER = /^[1-9][0-9]{0,12}$/;

/**
 * What is wrong with where the stack deploys: `gcp:project`, `gcp:region` and `callgraph:projectNumber`, each as
 * the program will use it (from its args, else the stack), and `undefined` for one neither gives. Reported with the
 * declaration's problems, all at once.
 */
export function deploymentTargetIssues(target: {
  readonly project: unknown;
  readonly region: unknown;
  readonly projectNumber: unknown;
}): TopologyIssue[] {
  const issues: TopologyIssue[] = [];
  const { project, region, projectNumber } = target;
  if (project === undefined || project === "")
    issues.push({
      path: "gcp:project",
      message: "is not set: set it (pulumi config set gcp:project PROJECT_ID) or pass project to CallGraph",
    });
  else if (typeof project === "string" && DOMAIN_SCOPED.test(project))
    issues.push({
      path: "gcp:project",
      message: `${describeValue(project)} is a domain-scoped project id, which callgraph does not support: its service accounts' emails are not ID@PROJECT.iam.gserviceaccount.com, the form every grant is declared in. Deploy into a project with a plain id`,
    });
  else if (typeof project !== "string" || !PROJECT_ID.test(project))
    issues.push({
      path: "gcp:project",
      message: `${describeValue(project)} is not a project id: 6 to 30 lowercase letters, digits and hyphens, starting with a letter and not ending with a hyphen`,
    });
  if (region === undefined || region === "")
    issues.push({
      path: "gcp:region",
      message: "is not set: set it (pulumi config set gcp:region us-central1) or pass region to CallGraph",
    });
  else if (typeof region !== "string" || !REGION.test(region))
    issues.push({
      path: "gcp:region",
      message: `${describeValue(region)} is not a region${typeof region === "string" ? suggestion(region, KNOWN_REGIONS) : ""}: write one such as us-central1 or europe-west1`,
    });
  if (projectNumber === undefined || projectNumber === "")
    issues.push({
      path: "callgraph:projectNumber",
      message: `is not set: 2nd-gen URLs and the buckets builds read carry it. Set it (pulumi config set callgraph:projectNumber "$(gcloud projects describe ${typeof project === "string" && project ? project : "PROJECT_ID"} --format='value(projectNumber)')") or pass projectNumber`,
    });
  else if (typeof projectNumber !== "string" || !PROJECT_NUMBER.test(projectNumber))
    issues.push({
      path: "callgraph:projectNumber",
      message: `${describeValue(projectNumber)} is not a project number: at most 13 digits, not starting with 0 (gcloud projects describe PROJECT_ID --format='value(projectNumber)')`,
    });
  return issues;
}
