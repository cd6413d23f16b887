import {
  parseStackDeclaration,
  parseTopology,
  principalWarnings,
  principalsInCode,
  unsetPrincipals,
  type TopologyIssue,
} from "../../topology";
import { expectRejected, happyPath } from "./helpers";

const issue = (path: string, message: string): TopologyIssue => ({ path, message });
const withPrincipals = (principals: unknown, functions: Record<string, unknown> = {}) =>
  parseTopology(
    {
      login: { calls: ["profiles"], invokers: ["developers"] },
      profiles: {},
      search: { calls: ["profiles"], invokers: ["developers", "user:auditor@acme.dev"] },
      ...functions,
    },
    { principals },
  );

describe("named principals", () => {
  test("an invoker may name a principal: its members become the function's invokers", () => {
    const t = withPrincipals({ developers: ["group:devs@acme.dev", "user:ann@acme.dev"] });
    const byName = Object.fromEntries(t.functions.map((f) => [f.name, f]));
    expect(byName.login.invokers).toEqual(["group:devs@acme.dev", "user:ann@acme.dev"]);
    expect(byName.login.principals).toEqual(["developers"]);
    expect(byName.search.invokers).toEqual([
      "group:devs@acme.dev",
      "user:ann@acme.dev",
      "user:auditor@acme.dev",
    ]);
    expect(byName.profiles.principals).toEqual([]);
    expect(t.principals).toEqual({ developers: ["group:devs@acme.dev", "user:ann@acme.dev"] });
  });

  test("a principal may be one member written as a string, and members are sorted and deduplicated", () => {
    const t = withPrincipals(
      { developers: "user:ann@acme.dev" },
      {
        login: { calls: ["profiles"], invokers: ["developers", "user:ann@acme.dev"] },
      },
    );
    expect(t.functions.find((f) => f.name === "login")!.invokers).toEqual(["user:ann@acme.dev"]);
  });

  test.each([
    ["an empty list", []],
    ["no value", null],
  ])("a principal declared with %s is not set yet: it grants nothing, and says so", (_label, members) => {
    const t = withPrincipals({ developers: members });
    expect(t.functions.map((f) => [f.name, f.invokers])).toEqual([
      ["login", []],
      ["profiles", []],
      ["search", ["user:auditor@acme.dev"]],
    ]);
    expect(unsetPrincipals(t.principals, t.functions)).toEqual({ developers: ["login", "search"] });
    expect(principalWarnings(t)).toEqual([
      issue(
        "callgraph:principals.developers",
        "not set yet, so when deployed it adds no one to the invokers of login, search (the local stack gives it a demo identity). " +
          `Set it before \`pulumi up\`: pulumi config set --path 'callgraph:principals.developers[0]' "user:$(gcloud config get account)"`,
      ),
    ]);
  });

  test("a principal no function names is a warning: it grants nothing", () => {
    const t = withPrincipals({ developers: ["user:ann@acme.dev"], auditors: ["user:bob@acme.dev"] });
    expect(principalWarnings(t)).toEqual([
      issue("callgraph:principals.auditors", "no function names it in its `invokers`, so it grants nothing"),
    ]);
  });

  test("without principals, nothing warns and the topology has none", () => {
    const t = parseTopology(happyPath());
    expect(t.principals).toEqual({});
    expect(principalWarnings(t)).toEqual([]);
  });

  test("parseStackDeclaration reads callgraph:principals with the other keys of a stack's config", () => {
    const t = parseStackDeclaration({
      "callgraph:functions": { api: { invokers: ["developers"], source: "tests/fixtures/functions/alpha" } },
      "callgraph:principals": { developers: ["group:devs@acme.dev"] },
      "callgraph:generation": 1,
    });
    expect(t.functions[0]).toMatchObject({ generation: 1, invokers: ["group:devs@acme.dev"] });
  });
});

describe("principal validation: every problem at once, before anything is registered", () => {
  test.each<[string, unknown, Record<string, unknown>, TopologyIssue[]]>([
    [
      "an invoker naming an undeclared principal, with the near miss",
      { developers: ["user:ann@acme.dev"] },
      { login: { calls: ["profiles"], invokers: ["developer"] } },
      [
        issue(
          "functions.login.invokers[0]",
          'unknown principal "developer" (did you mean "developers"?) (declared: developers): declare it under callgraph:principals, or write an IAM member such as "user:you@your-domain"',
        ),
      ],
    ],
    [
      "a principal with an invalid member",
      { developers: ["developers@acme.dev"] },
      {},
      [
        issue(
          "callgraph:principals.developers[0]",
          'invalid member "developers@acme.dev": expected "user:", "group:", "serviceAccount:" or "domain:" followed by an email or domain, or "allUsers" / "allAuthenticatedUsers"',
        ),
      ],
    ],
    [
      "a public principal: making a function public is written on the function",
      { developers: "allUsers" },
      {},
      [
        issue(
          "callgraph:principals.developers",
          'invalid member "allUsers": a principal cannot be public: write "allUsers" in the function\'s own `invokers`, where every reviewer reads it',
        ),
      ],
    ],
    [
      "principals that are not a map",
      ["user:ann@acme.dev"],
      { login: { calls: ["profiles"] }, search: { calls: ["profiles"] } },
      [
        issue(
          "callgraph:principals",
          'expected a map of principal name -> IAM members, e.g. { developers: ["group:devs@your-domain"] }, got ["user:ann@acme.dev"]',
        ),
      ],
    ],
    [
      "a principal name that could be read as something else, and a member listed twice",
      { "Dev Team": ["user:a@acme.dev"], developers: ["user:a@acme.dev", "user:a@acme.dev"] },
      {},
      [
        issue(
          'callgraph:principals["Dev Team"]',
          'invalid principal name "Dev Team": use lowercase letters, digits and hyphens, starting with a letter (at most 63 characters)',
        ),
        issue("callgraph:principals.developers[1]", '"user:a@acme.dev" is listed twice'),
      ],
    ],
    [
      "members of the wrong type",
      { developers: [42] },
      {},
      [
        issue(
          "callgraph:principals.developers",
          'expected an IAM member or a list of them, e.g. ["user:you@your-domain"], got [42]',
        ),
      ],
    ],
  ])("refuses %s", (_label, principals, functions, issues) => {
    const declaration = {
      login: { calls: ["profiles"], invokers: ["developers"] },
      profiles: {},
      search: { calls: ["profiles"] },
      ...functions,
    };
    expectRejected(declaration, issues, { principals });
  });

  test("a mistyped public member is still named as one, not taken for a principal", () => {
    expectRejected({ login: { invokers: ["allusers"] } }, [
      issue(
        "functions.login.invokers[0]",
        'invalid member "allusers": public members must be written exactly "allUsers"',
      ),
    ]);
  });
});

describe("principalsInCode: names in the program, members per stack", () => {
  const DEVS = "group:devs@example.com";
  const OPS = "group:ops@example.com";

  test("the stack gives members to a principal the code declares without any ([], null or no value)", () => {
    const inCode = { developers: [], operators: null, auditors: undefined, admins: [OPS] };
    const stack = { developers: [DEVS], operators: OPS, auditors: [OPS] };
    const merged = principalsInCode(inCode, stack);
    expect(merged).toEqual({
      principals: { developers: [DEVS], operators: OPS, auditors: [OPS], admins: [OPS] },
      issues: [],
      warnings: [],
    });
  });

  test("a stack entry the code does not declare, or whose members the code sets, is ignored by name", () => {
    const merged = principalsInCode({ admins: [OPS] }, { admins: [DEVS], typo: [DEVS] });
    expect(merged.principals).toEqual({ admins: [OPS] });
    expect(merged.warnings).toEqual([
      {
        path: "callgraph:principals.admins",
        message:
          'ignored: the declaration in code sets the members of "admins" itself; set them in one place',
      },
      {
        path: "callgraph:principals.typo",
        message: 'ignored: the declaration in code declares no principal "typo"',
      },
    ]);
  });

  test("no principals in code: the stack's are the declaration's; none in the stack: the code's", () => {
    expect(principalsInCode(undefined, { developers: [DEVS] }).principals).toEqual({ developers: [DEVS] });
    expect(principalsInCode({ developers: [] }, undefined).principals).toEqual({ developers: [] });
  });

  test("a malformed stack value is refused with the parser's own words, even where the code would not use it", () => {
    const merged = principalsInCode({ developers: [] }, { developers: ["allUsers"], "Bad Name": [DEVS] });
    expect(merged.issues.map((i) => i.path)).toEqual([
      "callgraph:principals.developers[0]",
      'callgraph:principals["Bad Name"]',
    ]);
    expect(principalsInCode({}, ["x"]).issues).toEqual([
      {
        path: "callgraph:principals",
        message: expect.stringMatching(/^expected a map of principal name -> IAM members/),
      },
    ]);
  });

  test("what the code wrote that is not a map is handed on unchanged, for the parser to name", () => {
    expect(principalsInCode(["developers"], { developers: [DEVS] }).principals).toEqual(["developers"]);
  });
});
