import type { GrantScope, SourceKind } from "../../engine";
import type { EdgeEvidence } from "../review/edge-evidence";
import type { InvokerKind } from "../review/members";

/**
 * How much a reviewer should worry, per change (see docs/review.md for the table):
 * - high: someone new may invoke, or the grant escapes the declaration (public or external member, undeclared
 *   or project-level grant, a role beyond invoking, a default or shared runtime account);
 * - medium: a new edge between two functions, a changed service account, a rename (the function is replaced);
 * - low: access taken away, a function removed or added (whatever access it gets is listed on its own).
 */
export type Risk = "high" | "medium" | "low";

export const RISKS: readonly Risk[] = ["high", "medium", "low"];

/** Why a change has its risk: the first reason is the headline. */
export interface Assessment {
  readonly risk: Risk;
  readonly reasons: readonly string[];
}

interface ChangeBase extends Assessment {
  /** One line naming what changed, e.g. `search → profiles` or `allUsers → status`. */
  readonly subject: string;
}

export interface FunctionChange extends ChangeBase {
  readonly kind: "function-added" | "function-removed";
  readonly function: string;
  readonly serviceAccount: string;
}

/** One function removed and one added with the same code, entry point and edges. */
export interface RenameChange extends ChangeBase {
  readonly kind: "function-renamed";
  readonly from: string;
  readonly to: string;
}

/** The same function moved between Cloud Functions generations (1st gen <-> Cloud Run functions). */
export interface GenerationChange extends ChangeBase {
  readonly kind: "generation-changed";
  readonly function: string;
  readonly before: 1 | 2;
  readonly after: 1 | 2;
}

export interface ServiceAccountChange extends ChangeBase {
  readonly kind: "service-account-changed";
  readonly function: string;
  readonly before: string;
  readonly after: string;
}

/**
 * A grant of an invoking role. Grants are matched across revisions by function, invoker (a calling function by
 * name, so a changed account email is not a new grant), role, scope, and whether the callgraph components made
 * it: a hand-written copy of a declared grant is a grant of its own.
 */
export interface GrantFacts {
  /** The function it applies to; `*` for a project-level grant. */
  readonly function: string;
  /** A calling function's name, or the member. */
  readonly invoker: string;
  readonly invokerKind: InvokerKind;
  /** For a caller that is not a function: what it is (a Scheduler job, a push subscription, ...). */
  readonly sourceKind?: SourceKind;
  /** The IAM member as granted. */
  readonly member: string;
  readonly role: string;
  readonly scope: GrantScope;
  readonly managed: boolean;
  /** Why it is undeclared (at head; at base for a removal); empty when declared. */
  readonly undeclared: readonly string[];
  /** The resources that make the grant. */
  readonly resources: readonly { readonly urn: string; readonly type: string; readonly name: string }[];
}

/** A grant that appears, disappears, or stops being declared. */
export interface GrantChange extends ChangeBase, GrantFacts {
  readonly kind: "grant-added" | "grant-removed" | "grant-undeclared";
  /**
   * For an edge added between two functions, the head's code that calls across it (./call-sites.ts); absent
   * when the caller recorded no call sites, or for any other change.
   */
  readonly evidence?: EdgeEvidence;
}

/**
 * A grant that lets a function's account read Secret Manager secrets (`engine` `SecretGrant`), matched across
 * revisions by function (by name), secret, role, scope and whether the components made it.
 */
export interface SecretAccessFacts {
  readonly function: string;
  /** `projects/P/secrets/S`; `projects/P/secrets/*` (or a folder's, an organization's) for a grant above one secret. */
  readonly secret: string;
  readonly scope: "secret" | "project" | "folder" | "organization";
  readonly role: string;
  readonly member: string;
  readonly managed: boolean;
  readonly conditional: boolean;
  /** The resources that make the grant. */
  readonly resources: readonly { readonly urn: string; readonly type: string; readonly name: string }[];
}

/** A function's account gains or loses the right to read a secret. */
export interface SecretAccessChange extends ChangeBase, SecretAccessFacts {
  readonly kind: "secret-access-added" | "secret-access-removed";
}

/**
 * One runtime setting of a function that differs between the revisions: a map or a list (`environment`, `labels`,
 * `secrets`) as what it adds, removes and changes (variable names only, never their values), a single value
 * (`minInstances`, `vpcConnector`, `vpcConnectorEgressSettings`, `concurrency`, `cpu`) as before and after (absent:
 * not set, the platform's default).
 */
export interface SettingChange {
  readonly setting: string;
  readonly before?: string;
  readonly after?: string;
  readonly added?: readonly string[];
  readonly removed?: readonly string[];
  readonly changed?: readonly string[];
}

/** The runtime settings of a kept (or renamed) function changed. */
export interface SettingsChange extends ChangeBase {
  readonly kind: "settings-changed";
  readonly function: string;
  readonly settings: readonly SettingChange[];
}

export type Change =
  | FunctionChange
  | RenameChange
  | GenerationChange
  | ServiceAccountChange
  | GrantChange
  | SecretAccessChange
  | SettingsChange;

export type Status = "added" | "removed" | "kept";

/** A function in the union of both revisions, named as at head (as at base when removed). */
export interface DiffFunction {
  readonly name: string;
  readonly status: Status | "renamed";
  /** Its name at base, for a rename. */
  readonly previousName?: string;
  readonly serviceAccount: string;
}

/** "`invoker` may invoke `function`" in the union of both revisions. */
export interface DiffInvocation {
  readonly function: string;
  readonly invoker: string;
  readonly kind: InvokerKind;
  /** For a caller that is not a function: what it is. */
  readonly sourceKind?: SourceKind;
  readonly status: Status;
  /** Some grant behind it is undeclared (at head; at base when removed). */
  readonly undeclared: boolean;
}

/** What a change does to who may invoke whom. Pure data: renderers and `--fail-on` read it. */
export interface GraphDiff {
  /** Every change, most worrying first. Empty when nothing that matters to invocation changed. */
  readonly changes: readonly Change[];
  readonly counts: Readonly<Record<Risk, number>>;
  readonly functions: readonly DiffFunction[];
  readonly invocations: readonly DiffInvocation[];
  /** Undeclared grants present at base already and still there: not changes, but not to be forgotten. */
  readonly standingUndeclared: readonly GrantFacts[];
}

/** Which revisions were compared, for headings: a commit for each, none for the working tree. */
export interface Revisions {
  /** `absent`: what a side lacks when it has no program or no such stack (its graph is empty). */
  readonly base: { readonly ref: string; readonly commit: string; readonly absent?: string };
  readonly head: { readonly ref: string; readonly commit?: string; readonly absent?: string };
  readonly stack: string;
}
