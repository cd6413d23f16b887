import { type Grant, isUnknown } from "../iam";

const SCOPES: Readonly<Record<Grant["scope"], string>> = {
  function: "function",
  "run-service": "Cloud Run service",
  project: "project",
  folder: "folder",
  organization: "organization",
  bucket: "bucket",
  "service-account": "service account",
  queue: "Cloud Tasks queue",
};

/** Where a grant applies, for messages: `project "callgraph-dev"`, `Cloud Run service "reports"`. */
export function describeGrantTarget(grant: Grant): string {
  const id = isUnknown(grant.target)
    ? "(not known until deployment)"
    : `"${grant.target ?? "(provider default)"}"`;
  return `${SCOPES[grant.scope]} ${id}`;
}
