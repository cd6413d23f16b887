import { possessive } from "../../iam/possessive";
import { classifyTokenFailure } from "./token-failure";

/**
 * Typed errors of calls to callees. Each names the callee, adds context and says how to fix; none ever carries
 * a token (messages are built from names, URLs, statuses and error codes only).
 */
export class CalleeError extends Error {
  constructor(
    message: string,
    /** The callee's name, as declared in the call graph. */
    readonly callee: string,
    /** The callee's last HTTP status, when it answered. */
    readonly status?: number,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** The code called a function that is not among its declared callees; no request was sent. */
export class UndeclaredCalleeError extends CalleeError {
  constructor(callee: string, declared: readonly string[]) {
    const known = declared.length ? declared.map((c) => `"${c}"`).join(", ") : "none";
    super(
      `"${callee}" is not a declared callee of this function (declared: ${known}). ` +
        `Add it to this function's \`calls\` in the stack config (callgraph:functions) and run \`pulumi up\`.`,
      callee,
    );
  }
}

/** The callee could not be reached, or kept failing (5xx, 429) after the allowed retries. */
export class CalleeUnavailableError extends CalleeError {
  constructor(
    callee: string,
    detail: string,
    status: number | undefined,
    /** Requests sent, retries included. */
    readonly attempts: number,
    options?: { cause?: unknown },
  ) {
    super(
      `${callee} is unavailable: ${detail} (${attempts} attempt${attempts === 1 ? "" : "s"}). Check ${possessive(callee)} logs and health.`,
      callee,
      status,
      options,
    );
  }
}

/** Every attempt ran out of time. A kind of unavailability, reported apart so it can map to 504. */
export class CalleeTimeoutError extends CalleeUnavailableError {
  constructor(
    callee: string,
    /** The per-attempt timeout. */
    readonly timeoutMs: number,
    attempts: number,
  ) {
    super(callee, `no answer within ${timeoutMs} ms`, undefined, attempts);
  }
}

/**
 * The callee refused this function's identity (401/403): the declared graph and IAM disagree with the code. With
 * `tokensAttached` false no identity was sent at all (`CALLGRAPH_ATTACH_TOKENS=false`), and the message says so.
 */
export class CalleeRejectedError extends CalleeError {
  constructor(callee: string, caller: string, status: number, tokensAttached = true) {
    super(
      tokensAttached
        ? `${possessive(caller)} identity may not invoke ${callee} (HTTP ${status}): check the declared graph ` +
            `(${caller} must list ${callee} in \`calls\`) and run \`pulumi up\`; IAM changes take a few minutes to apply.`
        : `${callee} refused a call without an ID token (HTTP ${status}): CALLGRAPH_ATTACH_TOKENS is "false" for ` +
            `${caller}; unset it so calls carry ${possessive(caller)} identity.`,
      callee,
      status,
    );
  }
}

/**
 * No ID token could be obtained to call the callee. The message (which reaches this function's caller) names the
 * callee and the cause class only; `detail` (the metadata server's error, its URL, codes) is for the log.
 */
export class CalleeTokenError extends CalleeError {
  /** The token's audience: the callee's URL. For the log. */
  readonly audience: string;
  /** What failed underneath, tokens redacted. For the log, never for an answer. */
  readonly detail: string;

  constructor(callee: string, audience: string, cause: unknown) {
    const failure = classifyTokenFailure(cause);
    super(
      `could not get an ID token to call ${callee}: the metadata server ${failure.reason}. ` +
        `On Cloud Functions the metadata server provides it; elsewhere set GCE_METADATA_HOST (as \`npm start\` does).`,
      callee,
      undefined,
      { cause },
    );
    this.audience = audience;
    this.detail = failure.detail;
  }
}

/** The caller of this function failed verification: 401 (who are you?) or 403 (you may not). */
export class CallerVerificationError extends Error {
  constructor(
    readonly status: 401 | 403 | 503,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = "CallerVerificationError";
  }
}
