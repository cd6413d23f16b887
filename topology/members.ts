import { isPublicMember, PUBLIC_MEMBERS } from "../iam/members";

/**
 * IAM members a function may name as invokers. The public ones (`iam/members.ts`: `allUsers` and
 * `allAuthenticatedUsers`, which IAM treats as just as public) must be written exactly like that.
 * https://cloud.google.com/iam/docs/principal-identifiers
 */
export { isPublicMember, PUBLIC_MEMBERS };

const EMAIL = /^[^@\s:]+@[^@\s:]+\.[^@\s:]+$/;
const DOMAIN = /^(?=.{1,253}$)(?:[a-z0-9](?:[-a-z0-9]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/i;

const KINDS: Record<string, RegExp> = {
  user: EMAIL,
  group: EMAIL,
  serviceAccount: EMAIL,
  domain: DOMAIN,
};

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
