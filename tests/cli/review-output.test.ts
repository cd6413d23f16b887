import * as fs from "node:fs";
import * as path from "node:path";
import { DEFAULT_DIFF_FORMAT } from "../../cli/commands/diff";
import { computeDiff } from "../../cli/diff/compute-diff";
import { FAIL_ON_CLASSES, FAIL_ON_NAMES, failOnViolations, parseFailOn } from "../../cli/diff/fail-on";
import type { GraphDiff, Revisions } from "../../cli/diff/types";
import { UsageError } from "../../cli/errors";
import { colourWanted } from "../../cli/render/colour";
import { renderDiffJson } from "../../cli/render/diff-json";
import { renderDiffText } from "../../cli/render/diff-text";
import { renderGraphJson } from "../../cli/render/graph-json";
import { possessive } from "../../cli/render/words";
import { reviewGraph } from "../../cli/review/review-graph";
import { graphOf, handWrittenMember, PROJECT, projectMember } from "./support/graphs";
import { SMALL } from "./support/large-change";

const REVISIONS: Revisions = {
  base: { ref: "origin/main", commit: "0123456789abcdef0123456789abcdef01234567" },
  head: { ref: "working tree" },
  stack: "dev",
};

/** SMALL grown by one change of every kind `--fail-on` can name (bar renames, generations: tested below). */
const WIDE = computeDiff(
  graphOf(SMALL),
  graphOf(
    {
      login: { calls: ["profiles", "reports"], invokers: ["group:dev@example.com"] },
      profiles: {},
      // search: its edge to profiles removed, and it now runs as gen1's default account (which holds Editor).
      search: { serviceAccount: `${PROJECT}@appspot.gserviceaccount.com` },
      reports: { invokers: ["allUsers", "user:auditor@example.com"] },
    },
    [
      handWrittenMember("rogue", "profiles", "user:mallory@example.com", "roles/cloudfunctions.admin"),
      projectMember("everything", "user:ops@example.com"),
    ],
  ),
);

const classesOf = (diff: GraphDiff) =>
  failOnViolations(diff, FAIL_ON_CLASSES).map((line) => line.slice(0, line.indexOf(":")));

describe("--fail-on classes: one table, named after what the diff prints", () => {
  test("each class catches its own changes", () => {
    expect(
      Object.fromEntries(
        failOnViolations(WIDE, FAIL_ON_CLASSES).map((line) => {
          const at = line.indexOf(": ");
          return [line.slice(0, at), line.slice(at + 2)];
        }),
      ),
    ).toEqual({
      high: "search, allUsers → reports, user:auditor@example.com → reports, user:mallory@example.com → profiles, user:ops@example.com → every function (project-level)",
      medium: expect.stringContaining("login → reports"),
      low: expect.stringContaining("search → profiles"),
      public: "allUsers → reports",
      external:
        "user:auditor@example.com → reports, user:mallory@example.com → profiles, user:ops@example.com → every function (project-level)",
      undeclared:
        "user:mallory@example.com → profiles, user:ops@example.com → every function (project-level)",
      "project-level": "user:ops@example.com → every function (project-level)",
      "broad-role": "user:mallory@example.com → profiles",
      "default-account": "search",
      "new-grant": expect.stringContaining("login → reports"),
      "new-edge": "login → reports",
      "new-function": "reports",
      "removed-grant": "search → profiles",
      "service-account": "search",
    });
  });

  test("a rename and a generation change have their own classes", () => {
    const renamed = computeDiff(
      graphOf(SMALL),
      graphOf({ login: SMALL.login, profiles: {}, finder: { calls: ["profiles"], code: "search" } }),
    );
    expect(classesOf(renamed)).toEqual(["medium", "low", "renamed"]);
  });

  test("no change, no class", () => {
    expect(failOnViolations(computeDiff(graphOf(SMALL), graphOf(SMALL)), FAIL_ON_CLASSES)).toEqual([]);
  });

  test("comma-separated and repeated alike, in table order, without repeats", () => {
    expect(parseFailOn(["undeclared,public", "public", " high "]).map((c) => c.name)).toEqual([
      "high",
      "public",
      "undeclared",
    ]);
  });

  test("an unknown class is a usage error that lists every class", () => {
    expect(() => parseFailOn(["public,everything"])).toThrow(UsageError);
    expect(() => parseFailOn(["public,everything"])).toThrow(
      `diff: --fail-on: unknown class "everything". Use one or more of ${FAIL_ON_NAMES.join(", ")} (comma-separated; see callgraph diff --help)`,
    );
  });

  test("docs/review.md lists exactly these classes, in this order, with the same words", () => {
    const docs = fs.readFileSync(path.resolve(__dirname, "../../docs/review.md"), "utf8");
    const section = docs.slice(docs.indexOf("## `--fail-on` classes"), docs.indexOf("## Policy findings"));
    const rows = [...section.matchAll(/^\| `([a-z-]+)` +\| (.+?) +\|$/gm)].map((m) => [m[1], m[2]]);
    expect(rows).toEqual(
      FAIL_ON_CLASSES.map((c) => [c.name, c.means.replace(/(allUsers|allAuthenticatedUsers)/g, "`$1`")]),
    );
  });

  test("names are unique kebab-case, and each says what it catches", () => {
    expect(new Set(FAIL_ON_NAMES).size).toBe(FAIL_ON_NAMES.length);
    for (const c of FAIL_ON_CLASSES) {
      expect(c.name).toMatch(/^[a-z]+(-[a-z]+)*$/);
      expect(c.means.length).toBeGreaterThan(10);
    }
  });
});

describe("diff --format text", () => {
  const change = computeDiff(
    graphOf(SMALL),
    graphOf({ ...SMALL, search: {}, status: { invokers: ["allUsers"] } }),
  );

  test("heading, summary, one row per change with its reasons below, no Markdown", () => {
    expect(renderDiffText(change, REVISIONS)).toBe(
      [
        "Call graph: 1 high · 0 medium · 2 low",
        "origin/main (0123456) → working tree, stack dev: this change adds 1 public invoker and 1 function; removes 1 edge.",
        "",
        "HIGH  public invoker added  allUsers → status",
        "      new public invoker: anyone on the internet may invoke status",
        "LOW   function added        status",
        "      new function: nobody may invoke it but the grants listed for it",
        "LOW   edge removed          search → profiles",
        "      edge removed: search may no longer invoke profiles",
        "",
      ].join("\n"),
    );
  });

  test("no change says so", () => {
    expect(renderDiffText(computeDiff(graphOf(SMALL), graphOf(SMALL)), REVISIONS)).toBe(
      "Call graph: no change\norigin/main (0123456) → working tree, stack dev: no function, edge, invoker or service-account change.\n",
    );
  });

  test("colour: risk words and the heading in ANSI colour when asked, and nothing else changes", () => {
    const coloured = renderDiffText(change, REVISIONS, true);
    expect(coloured).toContain("\u001b[31mHIGH\u001b[0m  public invoker added");
    expect(coloured).toContain("\u001b[2mLOW \u001b[0m  function added");
    expect(coloured).toContain("\u001b[1mCall graph: 1 high · 0 medium · 2 low\u001b[0m");
    expect(coloured.replace(/\u001b\[\d+m/g, "")).toBe(renderDiffText(change, REVISIONS));
  });

  test("undeclared grants already at base are listed after the changes", () => {
    const rogue = [handWrittenMember("rogue", "profiles", "user:mallory@example.com")];
    const text = renderDiffText(
      computeDiff(graphOf(SMALL, rogue), graphOf({ ...SMALL, search: {} }, rogue)),
      REVISIONS,
    );
    expect(text).toContain(
      '\n1 undeclared grant already at base (not changed here):\n  user:mallory@example.com → profiles  roles/cloudfunctions.invoker  FunctionIamMember "rogue"\n',
    );
  });
});

describe("diff prints text unless --format says otherwise; colour only on a terminal without NO_COLOR (no-color.org)", () => {
  test("the default format is text, whatever stdout is", () => {
    expect(DEFAULT_DIFF_FORMAT).toBe("text");
  });

  test.each([
    [true, {}, true],
    [true, { NO_COLOR: "1" }, false],
    // no-color.org: "when present and not an empty string".
    [true, { NO_COLOR: "" }, true],
    [false, {}, false],
    [undefined, {}, false],
    [false, { NO_COLOR: "1" }, false],
  ])("isTTY %s, env %j: colour %s", (isTty, env, colour) => {
    expect(colourWanted(isTty, env)).toBe(colour);
  });
});

describe("every JSON document starts with its schemaVersion", () => {
  test("diff", () => {
    const json = JSON.parse(renderDiffJson(WIDE, REVISIONS)) as Record<string, unknown>;
    expect(Object.keys(json)[0]).toBe("schemaVersion");
    expect(json.schemaVersion).toBe(1);
  });

  test("graph, with each function's generation and runtime", () => {
    const json = JSON.parse(renderGraphJson(reviewGraph(graphOf(SMALL)), { stack: "dev", project: "p" })) as {
      schemaVersion: number;
      functions: { name: string; generation: number; runtime: string }[];
    };
    expect(Object.keys(json)[0]).toBe("schemaVersion");
    expect(json.schemaVersion).toBe(1);
    expect(json.functions.map((f) => [f.name, f.generation, f.runtime])).toEqual([
      ["login", 1, "nodejs22"],
      ["profiles", 1, "nodejs22"],
      ["search", 1, "nodejs22"],
    ]);
  });
});

describe("possessives", () => {
  test.each([
    ["login", "login's"],
    ["profiles", "profiles'"],
    ["status", "status'"],
    ["search", "search's"],
  ])("%s -> %s", (name, expected) => {
    expect(possessive(name)).toBe(expected);
  });

  test("the diff's reasons use it", () => {
    const diff = computeDiff(
      graphOf(SMALL),
      graphOf({ ...SMALL, profiles: {}, jobs: { calls: ["profiles"] } }),
    );
    expect(diff.changes.flatMap((c) => c.reasons)).toContain(
      "new edge: jobs' service account may invoke profiles",
    );
  });
});
