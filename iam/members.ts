/**
 * `allAuthenticatedUsers` (any Google account) is as public as `allUsers`.
 * https://cloud.google.com/iam/docs/principal-identifiers
 */
export const PUBLIC_MEMBERS: readonly string[] = ["allUsers", "allAuthenticatedUsers"];

export function isPublicMember(member: string): boolean {
  return PUBLIC_MEMBERS.includes(member);
}

/** IAM compares member emails without case; so does every reader of this model. */
export function normalizeMember(member: string): string {
  const colon = member.indexOf(":");
  return colon < 0 ? member : `${member.slice(0, colon)}:${member.slice(colon + 1).toLowerCase()}`;
}

/** `serviceAccount:EMAIL` -> the email, lower case; anything else -> undefined. */
export function serviceAccountOf(member: string): string | undefined {
  return member.startsWith("serviceAccount:")
    ? member.slice("serviceAccount:".length).toLowerCase()
    : undefined;
}

/**
 * Service-account emails end in `.gserviceaccount.com` (`…@PROJECT.iam.gserviceaccount.com`, and Google's own
 * `…@appspot.gserviceaccount.com`, `…@developer.gserviceaccount.com`):
 * https://cloud.google.com/iam/docs/service-account-overview
 */
export function isServiceAccountEmail(email: string): boolean {
  return email.toLowerCase().endsWith(".gserviceaccount.com");
}
