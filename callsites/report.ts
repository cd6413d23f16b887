/** A place in the code where a function passes a callee name it is proven to hold. */
export interface CallSite {
  /** The callee name; an argument typed as a union of literals gives one site per member. */
  readonly callee: string;
  /** Relative to the project root, `/` separators. */
  readonly file: string;
  /** 1-based, as editors, compilers and SARIF count. */
  readonly line: number;
  /** 1-based, in UTF-16 code units (what TypeScript and editors count). */
  readonly column: number;
}

/**
 * A place where the code reaches a callee through a value the checker cannot pin to literals (a `string`, a
 * value read at run time, the client's `call` method passed around): it could call anything declared.
 */
export interface DynamicCallSite {
  readonly file: string;
  readonly line: number;
  readonly column: number;
  /** The source text of the unresolved value, whitespace collapsed, at most 80 characters. */
  readonly expression: string;
}

/** What one declared function's code can call, and the files that answer was computed from. */
export interface CallSiteReport {
  /** The declared function's name. */
  readonly function: string;
  /** Sorted by callee, file, line, column. */
  readonly callSites: readonly CallSite[];
  /** Sorted by file, line, column. */
  readonly dynamic: readonly DynamicCallSite[];
  /** The project files the function's bundle reads (its entry and every project file it imports), sorted. */
  readonly inputs: readonly string[];
  /** sha256 (hex) of the inputs' names and contents and of everything else the answer depends on. */
  readonly inputsHash: string;
}

/** The part of a report that depends on the source folder only (two functions may share one folder). */
export type SourceCallSites = Omit<CallSiteReport, "function">;

/** `file:line`, as findings and PR comments cite a site. */
export function siteLocation(site: { readonly file: string; readonly line: number }): string {
  return `${site.file}:${site.line}`;
}
