import * as functions from "@google-cloud/functions-framework";
import { CalleeError, HttpError, requireMethod, secured, sendJson } from "callgraph/runtime";
import type { Callee } from "./callees.generated";
import { checkCredentials } from "./users";

/** The callee login reads profiles from; it must be declared in `calls` (Pulumi.<stack>.yaml). */
const PROFILES = "profiles";
const MAX_USERNAME = 64;
const MAX_PASSWORD = 1024;
const USAGE = 'send a JSON body {"username": "...", "password": "..."} with Content-Type: application/json';

/**
 * `POST {"username","password"}`: checks the password, then fetches the user's profile from `profiles` with
 * this function's own identity and answers `{ username, profile }` (profile null when profiles has none).
 */
export const login = secured<Callee>(
  async (req, res, { downstream }) => {
    requireMethod(req, "POST");
    const { username, password } = credentials(req.body);
    if (!(await checkCredentials(username, password)))
      throw new HttpError(401, "invalid username or password");
    const answer = await downstream.call(PROFILES, { method: "GET", query: { username } });
    if (answer.status !== 200 && answer.status !== 404) {
      throw new CalleeError(
        `${PROFILES} answered HTTP ${answer.status} for ${username}'s profile`,
        PROFILES,
        answer.status,
      );
    }
    sendJson(res, 200, { username, profile: answer.status === 200 ? answer.body : null });
  },
  { usage: `POST: ${USAGE}` },
);

function credentials(body: unknown): { username: string; password: string } {
  const usage = USAGE;
  if (typeof body !== "object" || body === null || Array.isArray(body)) throw new HttpError(400, usage);
  const { username, password } = body as Record<string, unknown>;
  if (typeof username !== "string" || username === "" || username.length > MAX_USERNAME) {
    throw new HttpError(400, `"username" must be a string of 1 to ${MAX_USERNAME} characters; ${usage}`);
  }
  if (typeof password !== "string" || password === "" || password.length > MAX_PASSWORD) {
    throw new HttpError(400, `"password" must be a string of 1 to ${MAX_PASSWORD} characters; ${usage}`);
  }
  return { username, password };
}

// Registered for `getTestServer` and `functions-framework --target`; the platform's own framework finds the export.
functions.http("login", login);
