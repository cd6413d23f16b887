/** IAM members as the function sees them in `CALLGRAPH_INVOKERS`. */
// The one reading of what a member means (iam/ is pure and dependency-free, so it bundles with the function).
import { isPublicMember, isServiceAccountEmail } from "../../iam/members";

export { isServiceAccountEmail };

/**
 * `allUsers` or `allAuthenticatedUsers`: anyone may invoke. Both count as public: any Google account can get
 * a token (DESIGN.md, "GCP facts").
 */
export function isPublic(invokers: readonly string[]): boolean {
  return invokers.some(isPublicMember);
}

/**
 * Whether a verified `email` is one the invoker binding admits, as far as code can tell:
 * - a service account only as `serviceAccount:<email>`: a service-account caller must be a declared caller;
 * - a user as `user:<email>`, by a `domain:` member for its domain, or when any `group:` member is listed
 *   (group membership cannot be checked here; IAM checked it before the request arrived).
 */
export function isAllowedInvoker(email: string, invokers: readonly string[]): boolean {
  const normalized = email.toLowerCase();
  const members = invokers.map((m) => m.toLowerCase());
  if (isServiceAccountEmail(normalized)) return members.includes(`serviceaccount:${normalized}`);
  const domain = normalized.slice(normalized.lastIndexOf("@") + 1);
  return (
    members.includes(`user:${normalized}`) ||
    members.includes(`domain:${domain}`) ||
    members.some((m) => m.startsWith("group:"))
  );
}
