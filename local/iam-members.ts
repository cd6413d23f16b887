import { identityEmail } from "./token-service";

/**
 * Whether a caller may invoke a function whose invoker members are `members`, as IAM decides it.
 * `email` is the verified token's email, or undefined for a request without a token. Locally, a token minted
 * for `group:G` carries G's own address and one for `domain:D` an address in D (see `identityEmail`).
 */
export function isInvoker(email: string | undefined, members: readonly string[]): boolean {
  if (members.includes("allUsers")) return true;
  if (email === undefined) return false;
  if (members.includes("allAuthenticatedUsers")) return true;
  const domain = email.slice(email.lastIndexOf("@") + 1);
  return members.some((member) => {
    const [kind, value] = member.split(/:(.*)/s);
    if (kind === "domain") return value === domain;
    return ["user", "group", "serviceAccount"].includes(kind) && value === email;
  });
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
