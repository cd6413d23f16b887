import type { PolicyRef, PolicySource } from "./types";

/**
 * What the audit can find, one kind per question an auditor asks:
 * - `undeclared-invoker`: someone the declaration does not name may invoke (where it was granted says how);
 * - `public-exposure`: anyone (`allUsers`, `allAuthenticatedUsers`) may invoke, and the declaration does not say so;
 * - `account-overreach`: a runtime or build account of the stack may invoke something the declaration does not
 *   let it call (an undeclared edge, another function, the whole project);
 * - `missing-grant`: a declared grant is not in the live policy (not yet applied, or removed by hand);
 * - `undeclared-function`: a function in the region that the stack does not declare;
 * - `missing-function`: a declared function that is not deployed;
 * - `account-keys`: an account the functions run or build as holds user-managed keys;
 * - `deployed-differs`: a deployed function's runtime account, build account or callee URLs differ from the
 *   declaration;
 * - `invoker-check-disabled`: a 2nd-gen function's Cloud Run service has its invoker IAM check off
 *   (`invokerIamDisabled`): anyone can invoke it, whatever its IAM policy says;
 * - `failed-deployment`: a declared function whose last deployment failed (v1 `OFFLINE`/`UNKNOWN`, v2
 *   `FAILED`/`UNKNOWN`), which a plain `pulumi up` does not redeploy;
 * - `indirect-invoker`: someone the declaration does not name may act as an account that may invoke (mint its
 *   tokens, or attach it to code), and so invoke what it invokes;
 * - `missing-source`, `source-differs`, `agent-grant-missing`, `undeclared-source`: the callers that are not
 *   functions (`callgraph:callers`), as `source-audit.ts` holds them against the declaration.
 */
export const FINDING_KINDS = [
  "undeclared-invoker",
  "public-exposure",
  "account-overreach",
  "missing-grant",
  "undeclared-function",
  "missing-function",
  "account-keys",
  "deployed-differs",
  "invoker-check-disabled",
  "failed-deployment",
  "indirect-invoker",
  "missing-source",
  "source-differs",
  "agent-grant-missing",
  "undeclared-source",
] as const;
export type FindingKind = (typeof FINDING_KINDS)[number];

export interface AuditFinding {
  readonly kind: FindingKind;
  /** One line naming what it is about, e.g. `group:ops@example.com → profiles` or `fn-login@p.iam…`. */
  readonly subject: string;
  readonly function?: string;
  readonly member?: string;
  readonly role?: string;
  /** For a grant: the policy that makes it. */
  readonly grantedOn?: PolicyRef;
  /** For an inherited grant: the functions of the region it reaches. */
  readonly reaches?: readonly string[];
  /** For a conditional grant: its CEL expression. */
  readonly condition?: string;
  /** For `deployed-differs`: what differs. */
  readonly field?: "serviceAccount" | "buildServiceAccount" | "callees" | "sourceAccount" | "sourceTargets";
  readonly expected?: string;
  readonly actual?: string;
  /** For `account-keys`: the key ids. */
  readonly keys?: readonly string[];
  /** For `account-overreach` and `account-keys`: the account, and what the stack uses it for. */
  readonly account?: string;
  readonly accountUse?: string;
  /** For `indirect-invoker`: the account acted as, the role that lets the member act as it, and where it is granted. */
  readonly via?: ActingAs;
  /** For `failed-deployment`: the state the API reports, and the URN of the function's resource in the stack. */
  readonly state?: string;
  readonly urn?: string;
  /** What is wrong, in a sentence. */
  readonly problem: string;
  /** How to fix it: a command or a change to the stack config. */
  readonly fix: string;
  readonly source?: string;
}

/** A read that was refused: what it leaves unknown is never reported as clean. */
export interface NotVisible {
  readonly subject: string;
  readonly problem: string;
  readonly fix: string;
  readonly source?: string;
}

/**
 * How a member may act as a service account: `role` on it (`roles/iam.serviceAccountTokenCreator`, …), granted on
 * the account's own policy or inherited from the project and above (`grantedOn`, in words).
 */
export interface ActingAs {
  readonly account: string;
  readonly role: string;
  readonly grantedOn: string;
  /** The CEL expression of a conditional grant. */
  readonly condition?: string;
}

/** One invoking grant of a function, live, next to the declaration. */
export interface InvokerRow {
  readonly member: string;
  readonly role: string;
  /** Where it is granted; undefined for a declared grant that is not live. */
  readonly grantedOn?: PolicyRef;
  readonly declared: boolean;
  readonly live: boolean;
  readonly public: boolean;
  readonly condition?: string;
  /**
   * Set when the member does not hold `role` itself but may act as an account that does (`role` and `grantedOn`
   * are then that account's grant).
   */
  readonly via?: ActingAs;
}

export interface FunctionAudit {
  readonly name: string;
  readonly generation: 1 | 2;
  /** `deployed`: declared and live; `not-deployed`: declared only; `undeclared`: live only; `unknown`: its listing was refused. */
  readonly status: "deployed" | "not-deployed" | "undeclared" | "unknown";
  readonly serviceAccount?: string;
  /** Effective invokers (direct, inherited, public) and declared ones, side by side. */
  readonly invokers: readonly InvokerRow[];
  /** False when a policy that governs it could not be read: its invokers may be more than listed. */
  readonly complete: boolean;
  /** 2nd gen: true when its Cloud Run service's invoker IAM check is off (anyone may invoke it). */
  readonly invokerIamDisabled?: boolean;
  /** Its deployment state as the API reports it (v1 `status`, v2 `state`), when known. */
  readonly state?: string;
}

export interface AuditResult {
  readonly project: string;
  readonly region: string;
  readonly policySource: PolicySource;
  readonly functions: readonly FunctionAudit[];
  readonly findings: readonly AuditFinding[];
  readonly notVisible: readonly NotVisible[];
}
