#!/usr/bin/env bash
# Follows README "Add a function and an edge" literally, on a fresh clone of this repository, the way a new user
# would: write a `reports` function that calls `profiles`, declare it and `login -> reports` with `pulumi config
# set`, generate the callee types, then `npm test`, `npm start -- --once`, `callgraph diff --base main` and
# `callgraph check` must all succeed and describe the change. Then the two mistakes a reviewer must catch: an
# edge removed while code still uses it, and an `allUsers` grant written by hand, must each fail `callgraph check`
# and `npm test` with a message naming the function. Needs the Pulumi CLI (`pulumi config set`) and git.
set -euo pipefail

say() { printf '\n== %s\n' "$*"; }
fails() { # fails WHAT PATTERN -- COMMAND...: the command must fail, and its output must name PATTERN
  local what=$1 pattern=$2; shift 3
  local out
  if out=$("$@" 2>&1); then echo "$out" | tail -20; echo "expected to fail: $what"; exit 1; fi
  if ! grep -qE "$pattern" <<<"$out"; then echo "$out" | tail -40; echo "failed, but without naming $pattern: $what"; exit 1; fi
  echo "failed as expected ($what): $(grep -m1 -E "$pattern" <<<"$out")"
}

source_repo=$(git rev-parse --show-toplevel)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
git clone --quiet "$source_repo" "$work/repo"
cd "$work/repo"
git checkout --quiet -B main
git config user.email "walkthrough@example.com"
git config user.name "README walkthrough"

say "npm ci"
npm ci --no-audit --no-fund

say "Step 1: write the handler (modelled on functions/search/index.ts)"
mkdir -p functions/reports
cat > functions/reports/index.ts <<'TS'
import * as functions from "@google-cloud/functions-framework";
import { CalleeError, requireMethod, secured, sendJson } from "../shared";
import type { Callee } from "./callees.generated";

/** `GET`: counts the profiles whose username starts with "a", asking `profiles` with this function's identity. */
export const reports = secured<Callee>(
  async (req, res, { downstream }) => {
    requireMethod(req, "GET");
    const answer = await downstream.call("profiles", { method: "GET", query: { q: "a" } });
    const body = answer.body as { results?: unknown } | null;
    if (answer.status !== 200 || !Array.isArray(body?.results))
      throw new CalleeError(
        `profiles answered HTTP ${answer.status} without results`,
        "profiles",
        answer.status,
      );
    sendJson(res, 200, { profilesStartingWithA: body.results.length });
  },
  { usage: "GET; no body" },
);

functions.http("reports", reports);
TS

say "Step 2: declare it, and the edge into it"
export PULUMI_CONFIG_PASSPHRASE=walkthrough
pulumi login --local
pulumi stack select dev --create --non-interactive
pulumi config set --path 'callgraph:functions.reports.calls[0]' profiles
pulumi config set --path 'callgraph:functions.login.calls[1]' reports
npx callgraph types

say "Step 3: test, run and review the change"
npm test
npm start -- --once
git checkout --quiet -b add-reports
git add -A
git commit --quiet -m "Add reports"
diff=$(npx callgraph diff --base main --format text)
echo "$diff"
grep -q "login → reports" <<<"$diff"
grep -q "reports → profiles" <<<"$diff"
npx callgraph check

say "A mistake: remove the edge search -> profiles while search's code still calls profiles"
pulumi config rm --path 'callgraph:functions.search.calls[0]'
fails "check, edge removed" 'functions\.search' -- npx callgraph check
fails "npm test, edge removed" 'functions\.search' -- npm test
git checkout --quiet -- .

say "A mistake: an allUsers grant written by hand in index.ts"
# Inside the program function, where a user would write it, just before its outputs.
node - <<'JS'
const fs = require("node:fs");
const text = fs.readFileSync("index.ts", "utf8");
const grant = `  // A grant written by hand, outside the declaration: what review must catch.
  new gcp.cloudfunctions.FunctionIamMember("public-profiles", {
    project,
    region,
    cloudFunction: "profiles",
    role: "roles/cloudfunctions.invoker",
    member: "allUsers",
  });

`;
if (!text.includes("\n  return {")) throw new Error("index.ts: no `return {` to insert the grant before");
fs.writeFileSync("index.ts", text.replace("\n  return {", `\n${grant}  return {`));
JS
fails "check, allUsers by hand" 'profiles' -- npx callgraph check
fails "npm test, allUsers by hand" 'profiles' -- npm test
git checkout --quiet -- .

say "The README walkthrough held."
