import { normalizeMember } from "../iam";
import { identityEmail } from "./token-service";

/**
 * Whether a caller may invoke a function whose invoker members are `members`, as IAM decides it.
 * `email` is the verified token's email, or undefined for a request without a token. Locally, a token minted
 * for `group:G` carries G's own address and one for `domain:D` an address in D (see `identityEmail`).
 */
export function isInvoker(email: string | undefined, members: readonly string[]): boolean {
  return invokerTest(members)(email);
}

/**
 * {@link isInvoker} for one set of members, read once: a front end asks it on every request.
 */
export function invokerTest(members: readonly string[]): (email: string | undefined) => boolean {
  if (members.includes("allUsers")) return () => true;
  const anyAccount = members.includes("allAuthenticatedUsers");
  const addresses = new Set<string>();
  const domains = new Set<string>();
  for (const member of members.map(normalizeMember)) {
    const [kind, value] = member.split(/:(.*)/s);
    if (kind === "domain") domains.add(value);
    else if (["user", "group", "serviceAccount"].includes(kind)) addresses.add(value);
  }
  return (email) => {
    if (email === undefined) return false;
    if (anyAccount) return true;
    // Addresses compare as IAM compares them, and as the function's own check does (iam/members.ts): without case.
    const address = email.toLowerCase();
    return addresses.has(address) || domains.has(address.slice(address.lastIndexOf("@") + 1));
  };
}

/** True when anybody may invoke (no token needed). */
export function isOpenToAll(members: readonly string[]): boolean {
  return members.includes("allUsers");
}

/** Identities a developer can act as locally: every member a token can be minted for. */
export function mintableMembers(members: readonly string[]): string[] {
  return [...new Set(members.filter((m) => /^(user|group|serviceAccount|domain):/.test(m)))].sort();
}

export { identityEmail };
