import * as functions from "@google-cloud/functions-framework";
import { CalleeError, HttpError, queryString, requireMethod, secured, sendJson } from "callgraph/runtime";
import type { Callee } from "./callees.generated";

/** The callee search asks; it must be declared in `calls` (Pulumi.<stack>.yaml). */
const PROFILES = "profiles";
const MAX_QUERY = 100;

/** `GET ?q=al`: asks `profiles` (`GET ?q=al`) with this function's own identity; answers `{ query, results }`. */
export const search = secured<Callee>(
  async (req, res, { downstream }) => {
    requireMethod(req, "GET");
    const query = queryString(req, "q")?.trim();
    if (!query || query.length > MAX_QUERY)
      throw new HttpError(400, `give ?q=<prefix> of 1 to ${MAX_QUERY} characters`);
    const answer = await downstream.call(PROFILES, { method: "GET", query: { q: query } });
    const body = answer.body as { results?: unknown } | null;
    if (answer.status !== 200 || !Array.isArray(body?.results)) {
      throw new CalleeError(
        `${PROFILES} answered HTTP ${answer.status} without a results list for a search`,
        PROFILES,
        answer.status,
      );
    }
    sendJson(res, 200, { query, results: body.results });
  },
  { usage: `GET ?q=<prefix> of 1 to ${MAX_QUERY} characters; no body` },
);

// Registered for `getTestServer` and `functions-framework --target`; the platform's own framework finds the export.
functions.http("search", search);
