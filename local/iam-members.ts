import { normalizeMember } from "../iam";
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
  // Addresses compare as IAM compares them, and as the function's own check does (iam/members.ts): without case.
  const address = email.toLowerCase();
  const domain = address.slice(address.lastIndexOf("@") + 1);
  return members.map(normalizeMember).some((member) => {
    const [kind, value] = member.split(/:(.*)/s);
    if (kind === "domain") return value === domain;
    return ["user", "group", "serviceAccount"].includes(kind) && value === address;
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
