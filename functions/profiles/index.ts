import * as functions from "@google-cloud/functions-framework";
import { HttpError, queryString, requireMethod, secured, sendJson } from "callgraph/runtime";
import type { Callee } from "./callees.generated";
import { findProfile, searchProfiles } from "./directory";

const MAX_PARAM_LENGTH = 100;

/**
 * `GET ?username=alice`: one profile (404 if none). `GET ?q=al`: `{ results }`, profiles whose username or
 * display name starts with `al`. Calls nothing.
 */
export const profiles = secured<Callee>(
  (req, res) => {
    requireMethod(req, "GET");
    const username = param(queryString(req, "username"), "username");
    if (username !== undefined) {
      const profile = findProfile(username);
      if (!profile) throw new HttpError(404, `no profile for username ${JSON.stringify(username)}`);
      return sendJson(res, 200, profile);
    }
    const q = param(queryString(req, "q"), "q");
    if (q !== undefined) return sendJson(res, 200, { results: searchProfiles(q) });
    throw new HttpError(400, "give ?username=<username> for one profile or ?q=<prefix> to search");
  },
  { usage: "GET ?username=<username> for one profile or ?q=<prefix> to search; no body" },
);

function param(value: string | undefined, name: string): string | undefined {
  if (value === undefined) return undefined;
  const trimmed = value.trim();
  if (trimmed === "" || trimmed.length > MAX_PARAM_LENGTH)
    throw new HttpError(400, `"${name}" must be 1 to ${MAX_PARAM_LENGTH} characters`);
  return trimmed;
}

// Registered for `getTestServer` and `functions-framework --target`; the platform's own framework finds the export.
functions.http("profiles", profiles);
