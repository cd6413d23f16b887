/**
 * IAM member strings as preflight reads them: the kind, the email, the domain.
 * https://cloud.google.com/iam/docs/principal-identifiers
 */

export type MemberKind = "user" | "group" | "serviceAccount" | "domain";

export interface MemberParts {
  readonly kind: MemberKind;
  /** Lower case; for `user:`, `group:`, `serviceAccount:`. */
  readonly email?: string;
  /** Lower case: the part after `@`, or the whole value of a `domain:` member. */
  readonly domain?: string;
}

/**
 * `user:`, `group:`, `serviceAccount:` and `domain:` members, split; undefined for anything else (public members,
 * `deleted:…`, `principal://…`, `principalSet://…`, convenience values like `projectOwner:P`, a computed value).
 * A `?uid=` suffix (how IAM shows a recreated principal) is left out of the email.
 */
export function memberParts(member: string): MemberParts | undefined {
  const m = /^(user|group|serviceAccount|domain):(.+)$/.exec(member);
  if (!m) return undefined;
  const kind = m[1] as MemberKind;
  const value = m[2]!.replace(/\?uid=.*$/, "").toLowerCase();
  if (kind === "domain") return { kind, domain: value };
  const at = value.lastIndexOf("@");
  return at < 1 ? { kind, email: value } : { kind, email: value, domain: value.slice(at + 1) };
}

/**
 * Names reserved so that they never name anything real: the second-level domains `example.com`, `example.org` and
 * `example.net` (RFC 2606 §3, https://www.rfc-editor.org/rfc/rfc2606#section-3) and the top-level domains
 * `.example`, `.test`, `.invalid` (RFC 2606 §2) and `.localhost` (RFC 6761 §6.3,
 * https://www.rfc-editor.org/rfc/rfc6761#section-6.3), with everything below them.
 */
const RESERVED_DOMAINS = ["example.com", "example.org", "example.net"] as const;
const RESERVED_TLDS = ["example", "test", "invalid", "localhost"] as const;

/** The reserved name `domain` is or sits under (e.g. `example.org`, `.test`), or undefined. */
export function reservedName(domain: string): string | undefined {
  const d = domain.toLowerCase().replace(/\.$/, "");
  const sld = RESERVED_DOMAINS.find((r) => d === r || d.endsWith(`.${r}`));
  if (sld) return sld;
  const tld = RESERVED_TLDS.find((t) => d === t || d.endsWith(`.${t}`));
  return tld ? `.${tld}` : undefined;
}

/**
 * Whether a service account is one IAM can be asked about (`projects.serviceAccounts.get`): a user-managed account
 * (`ID@PROJECT.iam.gserviceaccount.com`) or a project's default one (`PROJECT@appspot.gserviceaccount.com`,
 * `NUMBER-compute@developer.gserviceaccount.com`). Google-managed service agents (`service-NUMBER@gcp-sa-….iam…`,
 * `…@cloudbuild.gserviceaccount.com`, `…@gcf-admin-robot.iam…`) live in Google's projects: the get would be refused
 * whether or not they exist. https://cloud.google.com/iam/docs/service-account-types
 */
export function isCheckableServiceAccount(email: string): boolean {
  const m = /^([^@]+)@(.+)$/.exec(email.toLowerCase());
  if (!m) return false;
  const [, local, domain] = m as unknown as [string, string, string];
  if (domain === "appspot.gserviceaccount.com") return true;
  if (domain === "developer.gserviceaccount.com") return /^\d+-compute$/.test(local);
  const project = /^([a-z][-a-z0-9]*)\.iam\.gserviceaccount\.com$/.exec(domain)?.[1];
  if (project === undefined) return false;
  return !project.startsWith("gcp-sa-") && !project.endsWith("-robot") && !/^service-\d+$/.test(local);
}
