import { isInheritedScope, type Grant } from "./grants";
import { isPublicMember, normalizeMember, serviceAccountOf } from "./members";
import { isInvokerRole, isInvokingRole } from "./roles";
import { isUnknown, type Unknown } from "./unknown";

/** What one grant means for invoking functions: the classification every reader shares. */
export interface GrantMeaning {
  /** The role lets the member invoke functions (an invoking role); {@link Unknown} when the role is not known. */
  readonly invokes: boolean | Unknown;
  /** The role does nothing but invoke (`roles/run.invoker`, ...). */
  readonly invokerOnly: boolean | Unknown;
  /** The grant reaches every function below its target (a project, folder or organization grant). */
  readonly inherited: boolean;
  /** The member is anyone (`allUsers`, `allAuthenticatedUsers`). */
  readonly public: boolean | Unknown;
  /** The member as IAM compares it (email in lower case). */
  readonly member: string | Unknown;
  /** The member's service-account email, lower case, when it is one. */
  readonly serviceAccount?: string;
  /** The grant holds only under a condition; it still counts (see `IamCondition`). */
  readonly conditional: boolean;
}

export function meaningOf(grant: Grant<unknown>): GrantMeaning {
  const { role, member } = grant;
  const known = isUnknown(member) ? undefined : member;
  const serviceAccount = known === undefined ? undefined : serviceAccountOf(known);
  return {
    invokes: isUnknown(role) ? role : isInvokingRole(role),
    invokerOnly: isUnknown(role) ? role : isInvokerRole(role),
    inherited: isInheritedScope(grant.scope),
    public: isUnknown(member) ? member : isPublicMember(member),
    member: isUnknown(member) ? member : normalizeMember(member),
    ...(serviceAccount === undefined ? {} : { serviceAccount }),
    conditional: grant.condition !== undefined,
  };
}
