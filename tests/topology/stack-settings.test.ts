import { POLICY_CONFIG_KEY } from "../../cli/options/check";
import { CALLGRAPH_CONFIG_KEYS, deploymentTargetIssues, unknownStackKeys } from "../../topology";

const VALID = { project: "callgraph-dev", region: "us-central1", projectNumber: "123456789012" };
const problems = (target: Partial<Record<keyof typeof VALID, unknown>>) =>
  deploymentTargetIssues({ ...VALID, ...target }).map((i) => `${i.path}: ${i.message}`);

describe("unknownStackKeys", () => {
  test("the keys callgraph reads are known, the check's policy key among them", () => {
    expect(CALLGRAPH_CONFIG_KEYS).toContain(POLICY_CONFIG_KEY);
    expect(unknownStackKeys([...CALLGRAPH_CONFIG_KEYS, "gcp:project", "aws:region"])).toEqual({
      issues: [],
      warnings: [],
    });
  });

  test("a near miss of one is a typo, and an error naming the key meant; any other is a warning", () => {
    const { issues, warnings } = unknownStackKeys([
      "callgraph:generaton",
      "callgraph:runtme",
      "callgraph:principles",
      "callgraph:functionz",
      "callgraph:teamOwner",
    ]);
    expect(issues.map((i) => `${i.path}: ${i.message.split(":")[0]}`)).toEqual([
      'callgraph:generaton: unknown key (did you mean "callgraph',
      'callgraph:runtme: unknown key (did you mean "callgraph',
      'callgraph:principles: unknown key (did you mean "callgraph',
      'callgraph:functionz: unknown key (did you mean "callgraph',
    ]);
    expect(issues[0].message).toContain('(did you mean "callgraph:generation"?)');
    expect(issues[2].message).toContain('(did you mean "callgraph:principals"?)');
    expect(warnings.map((w) => w.path)).toEqual(["callgraph:teamOwner"]);
  });
});

test("a project's own keys under callgraph: are no typos of callgraph's, however much of the namespace they share", () => {
  const own = [
    "owner",
    "region",
    "project",
    "name",
    "memory",
    "labels",
    "version",
    "domain",
    "projectId",
  ].map((k) => `callgraph:${k}`);
  expect(unknownStackKeys(own)).toEqual({
    issues: [],
    warnings: own.map((path) => ({ path, message: expect.stringMatching(/^not a key callgraph reads/) })),
  });
  // Another case is a typo too.
  expect(unknownStackKeys(["callgraph:projectnumber"]).issues[0].message).toMatch(
    /^unknown key \(did you mean "callgraph:projectNumber"\?\)/,
  );
});

describe("deploymentTargetIssues", () => {
  test("a valid target has none; any well-shaped region passes", () => {
    expect(problems({})).toEqual([]);
    expect(problems({ region: "europe-west12" })).toEqual([]);
    // A domain-scoped id is refused, saying why: its accounts' emails are another form than every grant's here.
    expect(problems({ project: "example.com:my-project" })).toEqual([
      expect.stringMatching(
        /^gcp:project: "example\.com:my-project" is a domain-scoped project id, which callgraph does not support/,
      ),
    ]);
    // A region Google adds later has the same shape and is not refused.
    expect(problems({ region: "antarctica-south9" })).toEqual([]);
  });

  test("each missing or malformed value is named with the value, all at once", () => {
    expect(problems({ project: "Bad_Project", region: "us-centrall", projectNumber: "0123" })).toEqual([
      'gcp:project: "Bad_Project" is not a project id: 6 to 30 lowercase letters, digits and hyphens, starting with a letter and not ending with a hyphen',
      'gcp:region: "us-centrall" is not a region (did you mean "us-central1"?): write one such as us-central1 or europe-west1',
      `callgraph:projectNumber: "0123" is not a project number: at most 13 digits, not starting with 0 (gcloud projects describe PROJECT_ID --format='value(projectNumber)')`,
    ]);
    expect(problems({ region: "5", projectNumber: "1".repeat(20) }).map((p) => p.split(":")[0])).toEqual([
      "gcp",
      "callgraph",
    ]);
    expect(problems({ project: undefined, region: "" })).toEqual([
      "gcp:project: is not set: set it (pulumi config set gcp:project PROJECT_ID) or pass project to CallGraph",
      "gcp:region: is not set: set it (pulumi config set gcp:region us-central1) or pass region to CallGraph",
    ]);
    expect(problems({ project: "abc" })[0]).toMatch(/^gcp:project: "abc" is not a project id/);
    expect(problems({ project: "a".repeat(31) })[0]).toMatch(/is not a project id/);
    expect(problems({ project: "trailing-" })[0]).toMatch(/is not a project id/);
  });
});
