import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parseTopology, sourceFolderChecks, type TopologyIssue } from "../../topology";
import { expectRejected, folders, HAPPY_FOLDERS, happyPath, withFunction } from "./helpers";

// A function's `source` is bundled into its archive and run in the cloud: a stack file (which a pull request can
// change) must not be able to point it at files outside the project.
const issue = (path: string, message: string): TopologyIssue => ({ path, message });
const ABSOLUTE =
  "is an absolute path: write it relative to the project root (the folder of Pulumi.yaml), e.g. functions/<name>";
const CLIMBS =
  "climbs out of the project with `..`: a function's code must live inside the project (the folder of Pulumi.yaml)";
const OUTSIDE = (real: string) =>
  `leads (through a symlink) to ${JSON.stringify(real)}, outside the project: a function's archive may hold only ` +
  "the project's files. Move the code into the project, or point source at a folder inside it";

describe("a function source outside the project, from its text", () => {
  test.each([
    ["an absolute POSIX path", "/etc", ABSOLUTE],
    ["an absolute path into another checkout", "/home/me/other/functions/login", ABSOLUTE],
    ["a Windows drive path", "C:\\Users\\me", ABSOLUTE],
    ["a drive path with slashes", "c:/secrets", ABSOLUTE],
    ["a UNC path", "\\\\server\\share", ABSOLUTE],
    ["a bare ..", "..", CLIMBS],
    ["a path starting with ..", "../other-checkout/functions/login", CLIMBS],
    ["a path climbing out after going in", "functions/../../etc", CLIMBS],
    ["a path climbing out with backslashes", "functions\\..\\..\\etc", CLIMBS],
    ["a path that dips out and back in", "../callgraph/functions/login", CLIMBS],
    [
      "a path with a NUL byte (which fs refuses with an exception)",
      "functions/login\u0000",
      "contains a control character: write a folder path relative to the project root",
    ],
  ])("is refused: %s", (_label, source, message) => {
    // Refused whatever the disk says: the check is on the text, before any folder is looked up.
    const sourceExists = jest.fn(() => true);
    const sourceOutside = jest.fn(() => undefined);
    expectRejected(
      withFunction("profiles", { source }),
      [issue("functions.profiles.source", `source folder ${JSON.stringify(source)} ${message}`)],
      { sourceExists, sourceOutside },
    );
    expect(sourceExists).not.toHaveBeenCalledWith(source);
    expect(sourceOutside).not.toHaveBeenCalledWith(source);
  });

  test("is refused without any disk check injected too", () => {
    expectRejected(withFunction("profiles", { source: "/etc" }), [
      issue("functions.profiles.source", `source folder "/etc" ${ABSOLUTE}`),
    ]);
  });

  test.each([
    ["a path that goes in and out and in again", "functions/../functions/profiles"],
    ["a ./ prefix", "./functions/profiles"],
    ["a folder whose name starts with two dots", "..profiles"],
    ["a doubled separator", "functions//profiles"],
  ])("is accepted when it stays inside: %s", (_label, source) => {
    const topology = parseTopology(withFunction("profiles", { source }), { sourceExists: () => true });
    expect(topology.functions.find((f) => f.name === "profiles")?.source).toBe(source);
  });

  test("every function's problem is reported at once, with the other problems, before anything else happens", () => {
    expectRejected(
      {
        ...happyPath(),
        login: { calls: ["profile"], source: "/etc" },
        search: { source: "../../home" },
      },
      [
        issue("functions.login.calls[0]", 'unknown function "profile" (did you mean "profiles"?)'),
        issue("functions.login.source", `source folder "/etc" ${ABSOLUTE}`),
        issue("functions.search.source", `source folder "../../home" ${CLIMBS}`),
      ],
      { sourceExists: folders(...HAPPY_FOLDERS) },
    );
  });
});

describe("a function source that is a symlink out of the project", () => {
  let root: string;
  let outside: string;
  beforeAll(() => {
    // The project and a folder beside it, both real paths (on macOS /tmp itself is a link).
    root = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), "callgraph-project-")));
    outside = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), "callgraph-outside-")));
    fs.mkdirSync(path.join(root, "functions", "profiles"), { recursive: true });
    fs.mkdirSync(path.join(root, "functions", "login"), { recursive: true });
    fs.mkdirSync(path.join(outside, "stolen"), { recursive: true });
    // The source folder itself is a link out.
    fs.symlinkSync(path.join(outside, "stolen"), path.join(root, "functions", "search"), "dir");
    // A parent of the source folder is a link out.
    fs.symlinkSync(outside, path.join(root, "vendor"), "dir");
    // A link that stays inside the project is fine.
    fs.symlinkSync(path.join(root, "functions", "profiles"), path.join(root, "profiles-link"), "dir");
  });
  afterAll(() => {
    fs.rmSync(root, { recursive: true, force: true });
    fs.rmSync(outside, { recursive: true, force: true });
  });

  test("a source folder that is a symlink out of the project is refused, naming where it leads", () => {
    expectRejected(
      happyPath(),
      [
        issue(
          "functions.search.source",
          `source folder "functions/search" ${OUTSIDE(path.join(outside, "stolen"))}`,
        ),
      ],
      sourceFolderChecks(root, fs),
    );
  });

  test("a source folder under a symlinked parent that leads out of the project is refused", () => {
    expectRejected(
      withFunction("search", { source: "vendor/stolen" }),
      [
        issue(
          "functions.search.source",
          `source folder "vendor/stolen" ${OUTSIDE(path.join(outside, "stolen"))}`,
        ),
      ],
      sourceFolderChecks(root, fs),
    );
  });

  test("a symlink that stays inside the project is accepted", () => {
    const topology = parseTopology(
      withFunction("search", { source: "profiles-link" }),
      sourceFolderChecks(root, fs),
    );
    expect(topology.functions.map((f) => f.source)).toEqual([
      "functions/login",
      "functions/profiles",
      "profiles-link",
    ]);
  });

  test("a project reached through a symlink compares by its real path", () => {
    const link = path.join(outside, "project-link");
    fs.symlinkSync(root, link, "dir");
    try {
      const topology = parseTopology(
        withFunction("search", { source: "profiles-link" }),
        sourceFolderChecks(link, fs),
      );
      expect(topology.functions).toHaveLength(3);
    } finally {
      fs.rmSync(link);
    }
  });

  test("a missing folder is still reported as missing, not as outside", () => {
    expectRejected(
      withFunction("search", { source: "code/nowhere" }),
      [issue("functions.search.source", 'source folder "code/nowhere" does not exist')],
      sourceFolderChecks(root, fs),
    );
  });
});

describe("source folders shared by many functions", () => {
  test("each folder is asked of the disk once per parse, and every function still gets the answer", () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), "callgraph-shared-source-"));
    try {
      fs.mkdirSync(path.join(root, "code"));
      const calls = { realpathSync: 0, statSync: 0 };
      const counting = {
        realpathSync: ((p: fs.PathLike) => {
          calls.realpathSync++;
          return fs.realpathSync(p);
        }) as typeof fs.realpathSync,
        statSync: ((p: fs.PathLike, o?: fs.StatSyncOptions) => {
          calls.statSync++;
          return fs.statSync(p, o);
        }) as typeof fs.statSync,
      };
      const names = Array.from({ length: 20 }, (_, i) => `f${i}`);
      const config = Object.fromEntries(names.map((n) => [n, { source: "code" }]));
      const topology = parseTopology(config, sourceFolderChecks(root, counting));
      expect(topology.functions.map((f) => f.source)).toEqual(names.map(() => "code"));
      // One stat of the folder; one realpath of it and one of the root.
      expect(calls).toEqual({ realpathSync: 2, statSync: 1 });

      // A new parse asks again: a folder removed since is reported, not remembered.
      fs.rmSync(path.join(root, "code"), { recursive: true });
      expectRejected(
        config,
        names.map((n) => issue(`functions.${n}.source`, 'source folder "code" does not exist')),
        sourceFolderChecks(root, counting),
      );
    } finally {
      fs.rmSync(root, { recursive: true, force: true });
    }
  });
});
