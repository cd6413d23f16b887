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

/** What to do about a chain cut at the hop limit, the same wherever it was cut. */
const HOP_LIMIT_FIX =
  "A chain that long is most likely a call loop in the code (a -> b -> a): break the loop, or raise " +
  "CALLGRAPH_MAX_HOPS on the functions of the chain if it is meant to be this long.";

/**
 * A chain of calls between functions reached the hop limit (`CALLGRAPH_MAX_HOPS`, hops.ts): a loop in the code
 * (a -> b -> a, or a -> a through another function) or a chain longer than allowed. Answered with 508 Loop
 * Detected and never retried, so the chain ends after `limit` calls instead of multiplying them at every level.
 * `hops` is the length of the chain, in calls between functions, where it was cut.
 */
export class HopLimitError extends Error {
  private constructor(
    message: string,
    /** The chain's length, in calls between functions, at the cut; undefined when a callee did not say. */
    readonly hops: number | undefined,
    /** The callee not called, or the callee that answered 508; undefined for a request refused on arrival. */
    readonly callee?: string,
  ) {
    super(message);
    this.name = "HopLimitError";
  }

  /** `caller` did not send a call to `callee` that would have been call `hops` of its chain, past `limit`. */
  static notSent(caller: string, callee: string, hops: number, limit: number): HopLimitError {
    return new HopLimitError(
      `${caller} did not call ${callee}: the call chain would be ${hops} calls between functions long, over the ` +
        `hop limit of ${limit} (CALLGRAPH_MAX_HOPS). ${HOP_LIMIT_FIX}`,
      hops,
      callee,
    );
  }

  /** A request to `fn` arrived as call `hops` of its chain, past `limit`: refused before the handler runs. */
  static arrived(fn: string, hops: number, limit: number): HopLimitError {
    return new HopLimitError(
      `${fn} refused the request: it ends a call chain ${hops} calls between functions long, over the hop limit ` +
        `of ${limit} (CALLGRAPH_MAX_HOPS). ${HOP_LIMIT_FIX}`,
      hops,
    );
  }

  /** `callee` answered 508: the chain was cut below it, at `hops` calls when its answer said so. */
  static below(callee: string, hops: number | undefined): HopLimitError {
    const where = hops === undefined ? "" : ` at ${hops} calls between functions, over the hop limit`;
    return new HopLimitError(
      `${callee} answered HTTP 508 (Loop Detected): the call chain through it was cut${where} ` +
        `(CALLGRAPH_MAX_HOPS). ${HOP_LIMIT_FIX}`,
      hops,
      callee,
    );
  }
}
