/**
 * IAM members a function may name as invokers. The public ones must be written exactly like this: IAM treats
 * `allAuthenticatedUsers` (any Google account) as public as `allUsers`, so both count as public here.
 * https://cloud.google.com/iam/docs/principal-identifiers
 */
export const PUBLIC_MEMBERS = ["allUsers", "allAuthenticatedUsers"] as const;

const EMAIL = /^[^@\s:]+@[^@\s:]+\.[^@\s:]+$/;
const DOMAIN = /^(?=.{1,253}$)(?:[a-z0-9](?:[-a-z0-9]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/i;

const KINDS: Record<string, RegExp> = {
  user: EMAIL,
  group: EMAIL,
  serviceAccount: EMAIL,
  domain: DOMAIN,
};

/** True for `allUsers` and `allAuthenticatedUsers`. */
export function isPublicMember(member: string): boolean {
  return (PUBLIC_MEMBERS as readonly string[]).includes(member);
}

/**
 * Checks one member's syntax. Returns `undefined` when it is valid, else what is wrong with it (the caller
 * adds the path and the value).
 */
export function memberProblem(member: string): string | undefined {
  if (isPublicMember(member)) return undefined;
  const publicTypo = PUBLIC_MEMBERS.find((p) => p.toLowerCase() === member.toLowerCase());
  if (publicTypo) return `public members must be written exactly "${publicTypo}"`;
  const colon = member.indexOf(":");
  if (colon < 0) {
    return `expected "user:", "group:", "serviceAccount:" or "domain:" followed by an email or domain, or "allUsers" / "allAuthenticatedUsers"`;
  }
  const kind = member.slice(0, colon);
  const value = member.slice(colon + 1);
  const pattern = KINDS[kind];
  if (!pattern) {
    const known = Object.keys(KINDS).find((k) => k.toLowerCase() === kind.toLowerCase());
    return known
      ? `member type is case-sensitive: write "${known}:"`
      : `unknown member type "${kind}:" (expected user:, group:, serviceAccount: or domain:)`;
  }
  if (!pattern.test(value))
    return kind === "domain" ? `"${value}" is not a domain` : `"${value}" is not an email address`;
  return undefined;
}
