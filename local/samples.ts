import * as fs from "node:fs";
import * as path from "node:path";
import { z } from "zod";
import type { FunctionRequest } from "./metadata-client";

/** The optional file in a function's source folder that holds one request it answers, and the answer's status. */
export const SAMPLE_FILE = "sample.json";

/**
 * Methods a sample may use: what an HTTP function serves. CONNECT and TRACE are refused by fetch
 * (https://fetch.spec.whatwg.org/#methods, "forbidden method").
 */
export const SAMPLE_METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"] as const;

// fetch refuses a body on these (https://fetch.spec.whatwg.org/#dom-request: "If ... request's method is `GET`
// or `HEAD`, then throw a TypeError").
const BODYLESS: readonly string[] = ["GET", "HEAD"];

/** One request a function answers, read from its `sample.json`. */
export interface Sample {
  /** The file it was read from, absolute. */
  readonly file: string;
  /** What it says the request shows, if it says. */
  readonly description?: string;
  /** The request: method (default GET, or POST with a body), path and query after the URL, JSON body. */
  readonly request: FunctionRequest;
  /** The status the function answers a caller allowed to invoke it with. */
  readonly expectedStatus: number;
}

/**
 * The file's shape. Strict, so a misspelt key (`"expected": 200`) is an error rather than a sample that
 * silently sends something else. The body is a JSON object or array: the Functions Framework parses JSON with
 * body-parser's `strict` default, which refuses any other top-level value
 * (https://github.com/expressjs/body-parser#strict).
 */
const sampleSchema = z
  .strictObject({
    description: z.string({ error: "must be a string saying what the request shows" }).optional(),
    method: z
      .enum(SAMPLE_METHODS, { error: `must be one of ${SAMPLE_METHODS.join(", ")} (upper case)` })
      .optional(),
    path: z
      .string({ error: 'must be a string: the path and query after the function\'s URL, e.g. "/items?q=a"' })
      .regex(/^[/?]/, {
        error: 'must start with "/" or "?": it is what follows the function\'s URL, e.g. "?q=a" or "/items"',
      })
      .optional(),
    body: z
      .union([z.record(z.string(), z.unknown()), z.array(z.unknown())], {
        error: "must be a JSON object or array (sent as application/json); leave it out for no body",
      })
      .optional(),
    expectedStatus: z
      .int({ error: "must be a whole number: the HTTP status an allowed caller gets, e.g. 200" })
      .min(100, { error: "must be an HTTP status from 100 to 599" })
      .max(599, { error: "must be an HTTP status from 100 to 599" }),
  })
  .superRefine((sample, context) => {
    const method = sample.method ?? (sample.body === undefined ? "GET" : "POST");
    if (sample.body !== undefined && BODYLESS.includes(method))
      context.addIssue({
        code: "custom",
        path: ["body"],
        message: `cannot be sent with a ${method} request (fetch refuses it): use "method": "POST", or pass the values in "path" ("?key=value")`,
      });
  });

/** A `sample.json` that is not valid JSON or not a sample: names the file, the field and what it must be. */
export class SampleError extends Error {
  constructor(
    readonly file: string,
    readonly problems: readonly string[],
  ) {
    super(
      problems.length === 1
        ? `${file}: ${problems[0]}`
        : `${file}: ${problems.length} problems:\n${problems.map((p) => `  ${p}`).join("\n")}`,
    );
    this.name = "SampleError";
  }
}

/**
 * The sample of the function whose code is in `source` (relative to `projectRoot`, as the declaration's
 * `source`): `<source>/sample.json`, or undefined when the function has none. Throws a {@link SampleError} when
 * the file exists but is not a valid sample.
 */
export function readSample(projectRoot: string, source: string): Sample | undefined {
  const file = path.resolve(projectRoot, source, SAMPLE_FILE);
  let text: string;
  try {
    text = fs.readFileSync(file, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw new SampleError(file, [`cannot be read (${(error as Error).message})`]);
  }
  return parseSample(text, file);
}

/** Parses the text of a `sample.json`; `file` names it in errors. Pure. */
export function parseSample(text: string, file: string): Sample {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    throw new SampleError(file, [`is not valid JSON (${(error as Error).message}). Fix the syntax there`]);
  }
  if (typeof raw !== "object" || raw === null || Array.isArray(raw))
    throw new SampleError(file, [
      'must be a JSON object such as {"method": "GET", "path": "?q=a", "expectedStatus": 200}',
    ]);
  const parsed = sampleSchema.safeParse(raw, { reportInput: true });
  if (!parsed.success) throw new SampleError(file, parsed.error.issues.map(describeIssue));
  const { description, method, path: requestPath, body, expectedStatus } = parsed.data;
  return {
    file,
    ...(description === undefined ? {} : { description }),
    request: {
      method: method ?? (body === undefined ? "GET" : "POST"),
      ...(requestPath === undefined ? {} : { path: requestPath }),
      ...(body === undefined ? {} : { body }),
    },
    expectedStatus,
  };
}

/** `"field": message, got <value>`, or every unknown key with the keys a sample may have. */
function describeIssue(issue: z.core.$ZodIssue): string {
  if (issue.code === "unrecognized_keys") {
    const allowed = Object.keys(sampleSchema.shape).join(", ");
    return issue.keys
      .map((key) => `unknown key ${JSON.stringify(key)} (a sample has: ${allowed})`)
      .join("; ");
  }
  const field = JSON.stringify(issue.path.map(String).join("."));
  if (issue.code === "custom") return `${field} ${issue.message}`;
  if (issue.input === undefined) return `${field} is missing: it ${issue.message}`;
  return `${field} ${issue.message}, got ${shown(issue.input)}`;
}

function shown(value: unknown): string {
  const text = JSON.stringify(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}
