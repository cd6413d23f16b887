import { diffCommand } from "../../cli/commands/diff";
import type { GrantChange } from "../../cli/diff/types";
import { fn, ProgramRepo } from "./support/program-repo";

/** alpha declares beta at base; head declares gamma -> beta too. The tiny functions' code calls nobody. */
const BASE = { alpha: fn({ calls: ["beta"] }), beta: fn({ code: "hello" }), gamma: fn() };

let repo: ProgramRepo;

beforeAll(() => {
  // The program warns about each unused grant as it evaluates (pulumi.log.warn): expected here, not news.
  jest.spyOn(console, "warn").mockImplementation(() => undefined);
  repo = ProgramRepo.create();
  repo.topology(BASE).commit("base");
  repo.topology({ ...BASE, gamma: fn({ calls: ["beta"] }) }).commit("unused-edge");
}, 60_000);

afterAll(() => {
  repo?.dispose();
  jest.restoreAllMocks();
});

describe("callgraph diff on a repository", () => {
  test("an edge added that no code calls fails --fail-on unused, and the comment says why", async () => {
    const result = await diffCommand({
      base: "base",
      head: "unused-edge",
      dir: repo.dir,
      failOn: ["unused"],
    });
    const change = result.diff.changes.find((c) => c.subject === "gamma → beta") as GrantChange;
    expect(change.evidence).toEqual({ callSites: [], dynamic: [] });
    expect(result.failures).toEqual(["unused: gamma → beta"]);
    expect(result.output).toContain('unused grant: no code of gamma calls "beta"');
  }, 60_000);
});
