import { computeDiff } from "../../cli/diff/compute-diff";
import { UNKNOWN } from "../../engine";
import type { Change, GrantChange } from "../../cli/diff/types";
import { account, graphOf, handWrittenMember, projectMember, type FunctionSpec } from "./support/graphs";

const BASE: Record<string, FunctionSpec> = {
  login: { calls: ["profiles"], invokers: ["group:dev@example.com"] },
  profiles: {},
  search: { calls: ["profiles"] },
};

/** The rows of a diff as `kind risk subject`, the way a reviewer scans the table. */
function rows(changes: readonly Change[]): string[] {
  return changes.map((c) => `${c.kind} ${c.risk} ${c.subject}`);
}

const diffOf = (head: Record<string, FunctionSpec>, extra: Parameters<typeof graphOf>[1] = []) =>
  computeDiff(graphOf(BASE), graphOf(head, extra));

describe("computeDiff", () => {
  test("the same graph: no change at all", () => {
    const diff = diffOf(BASE);
    expect(diff.changes).toEqual([]);
    expect(diff.counts).toEqual({ high: 0, medium: 0, low: 0 });
    expect(diff.invocations.every((i) => i.status === "kept")).toBe(true);
  });

  test("a new edge is a medium-risk grant added to the callee", () => {
    const diff = diffOf({ ...BASE, search: { calls: ["profiles", "login"] } });
    expect(rows(diff.changes)).toEqual(["grant-added medium search → login"]);
    const [grant] = diff.changes as GrantChange[];
    expect(grant).toMatchObject({
      invokerKind: "function",
      member: `serviceAccount:${account("search")}`,
      managed: true,
      undeclared: [],
    });
    expect(grant.reasons).toEqual(["new edge: search's service account may invoke login"]);
    expect(diff.invocations.filter((i) => i.status !== "kept")).toEqual([
      { function: "login", invoker: "search", kind: "function", status: "added", undeclared: false },
    ]);
  });

  test("a removed edge is low", () => {
    const diff = diffOf({ ...BASE, search: {} });
    expect(rows(diff.changes)).toEqual(["grant-removed low search → profiles"]);
    expect(diff.changes[0].reasons).toEqual(["edge removed: search may no longer invoke profiles"]);
  });

  test("a new public function: the public invoker is high, the function itself low", () => {
    const diff = diffOf({ ...BASE, status: { invokers: ["allUsers"] } });
    expect(rows(diff.changes)).toEqual(["grant-added high allUsers → status", "function-added low status"]);
    expect(diff.changes[0].reasons[0]).toBe("new public invoker: anyone on the internet may invoke status");
    expect(diff.counts).toEqual({ high: 1, medium: 0, low: 1 });
  });

  test("allAuthenticatedUsers is as public as allUsers", () => {
    const diff = diffOf({ ...BASE, profiles: { invokers: ["allAuthenticatedUsers"] } });
    expect(rows(diff.changes)).toEqual(["grant-added high allAuthenticatedUsers → profiles"]);
    expect(diff.changes[0].reasons[0]).toBe("new public invoker: any Google account may invoke profiles");
  });

  test("a new external member is high", () => {
    const diff = diffOf({ ...BASE, profiles: { invokers: ["user:alice@example.com"] } });
    expect(rows(diff.changes)).toEqual(["grant-added high user:alice@example.com → profiles"]);
    expect(diff.changes[0].reasons[0]).toBe(
      "new external member: user:alice@example.com may invoke profiles",
    );
  });

  test("a grant written by hand is an undeclared high-risk grant that names its resource", () => {
    const diff = diffOf(BASE, [
      handWrittenMember("rogue", "profiles", "serviceAccount:ci@other.iam.gserviceaccount.com"),
    ]);
    expect(rows(diff.changes)).toEqual([
      "grant-added high serviceAccount:ci@other.iam.gserviceaccount.com → profiles",
    ]);
    const [grant] = diff.changes as GrantChange[];
    expect(grant.managed).toBe(false);
    expect(grant.undeclared).toEqual([
      'made outside the callgraph components (FunctionIamMember "rogue")',
      "not among profiles' declared invokers",
    ]);
    expect(grant.reasons[1]).toMatch(/^undeclared grant: made outside the callgraph components/);
    expect(diff.invocations.find((i) => i.status === "added")).toMatchObject({
      function: "profiles",
      undeclared: true,
    });
  });

  test("a hand-written copy of a declared grant is still a grant of its own", () => {
    const diff = diffOf(BASE, [handWrittenMember("copy", "profiles", `serviceAccount:${account("login")}`)]);
    expect(rows(diff.changes)).toEqual(["grant-added high login → profiles"]);
    // The edge itself was already there: nothing new to draw.
    expect(diff.invocations.filter((i) => i.status !== "kept")).toEqual([]);
  });

  test("a project-level grant and a role beyond invoking are high, each for its reason", () => {
    const diff = diffOf(BASE, [
      projectMember("everyone-dev", "group:dev@example.com"),
      handWrittenMember(
        "admin",
        "login",
        `serviceAccount:${account("search")}`,
        "roles/cloudfunctions.admin",
      ),
    ]);
    expect(rows(diff.changes)).toEqual([
      "grant-added high group:dev@example.com → every function (project-level)",
      "grant-added high search → login",
    ]);
    expect(diff.changes[0].reasons).toContain(
      'undeclared grant: made outside the callgraph components (IAMMember "everyone-dev"); project-level: applies to every function of the project, present and future',
    );
    expect(diff.changes[1].reasons).toContain(
      "broad role roles/cloudfunctions.admin: more than invoking (it can change or delete the function)",
    );
  });

  test("a grant whose role is computed (a preview) is high: what cannot be read is not waved through", () => {
    const diff = diffOf(BASE, [
      handWrittenMember("later", "profiles", `serviceAccount:${account("search")}`, UNKNOWN),
    ]);
    expect(rows(diff.changes)).toEqual(["grant-added high search → profiles"]);
    expect(diff.changes[0].reasons).toContain(
      "role not known before deployment: it may be more than invoking",
    );
  });

  test("an undeclared grant present at both revisions is standing, not a change", () => {
    const rogue = handWrittenMember("rogue", "profiles", "user:mallory@example.com");
    const diff = computeDiff(graphOf(BASE, [rogue]), graphOf(BASE, [rogue]));
    expect(diff.changes).toEqual([]);
    expect(diff.standingUndeclared).toMatchObject([
      { function: "profiles", member: "user:mallory@example.com", managed: false },
    ]);
  });

  test("a removed function is one low row: its grants go with it", () => {
    const diff = diffOf({
      login: { calls: ["profiles"], invokers: ["group:dev@example.com"] },
      profiles: {},
    });
    expect(rows(diff.changes)).toEqual(["function-removed low search"]);
    expect(diff.functions.find((f) => f.name === "search")?.status).toBe("removed");
    expect(diff.invocations.filter((i) => i.status === "removed")).toMatchObject([
      { function: "profiles", invoker: "search" },
    ]);
  });

  test("a changed service account is medium; the default account is high", () => {
    expect(
      rows(
        diffOf({
          ...BASE,
          search: { calls: ["profiles"], serviceAccount: `other@p.iam.gserviceaccount.com` },
        }).changes,
      ),
    ).toEqual(["service-account-changed medium search"]);
    const toDefault = diffOf({
      ...BASE,
      search: { calls: ["profiles"], serviceAccount: "p@appspot.gserviceaccount.com" },
    });
    expect(rows(toDefault.changes)).toEqual(["service-account-changed high search"]);
    expect(toDefault.changes[0].reasons[1]).toBe(
      "runs as p@appspot.gserviceaccount.com, which holds Editor on the project",
    );
  });

  test("a new function that shares another's account is high", () => {
    const diff = diffOf({ ...BASE, copy: { serviceAccount: account("search") } });
    // Which of the two a grant to the shared account names is the engine's pick: only the function row is asserted.
    const added = diff.changes.find((c) => c.kind === "function-added");
    expect(added).toMatchObject({ subject: "copy", risk: "high" });
    expect(added?.reasons[1]).toBe("shares its service account with search: each gets the other's access");
  });

  describe("renames", () => {
    test("same code, entry point and edges under a new name: one medium rename row, nothing else", () => {
      const diff = diffOf({
        login: { calls: ["profiles"], invokers: ["group:dev@example.com"] },
        profiles: {},
        finder: { calls: ["profiles"], code: "search" },
      });
      expect(rows(diff.changes)).toEqual(["function-renamed medium search → finder"]);
      expect(diff.functions.find((f) => f.name === "finder")).toMatchObject({
        status: "renamed",
        previousName: "search",
      });
      expect(diff.invocations.every((i) => i.status === "kept")).toBe(true);
    });

    test("a renamed callee keeps its callers' edges", () => {
      const diff = diffOf({
        login: { calls: ["people"], invokers: ["group:dev@example.com"] },
        people: { code: "profiles" },
        search: { calls: ["people"] },
      });
      expect(rows(diff.changes)).toEqual(["function-renamed medium profiles → people"]);
    });

    test("two renamed functions that call each other are both found", () => {
      const base = graphOf({ a: { calls: ["b"] }, b: { calls: ["a"] } });
      const head = graphOf({ x: { calls: ["y"], code: "a" }, y: { calls: ["x"], code: "b" } });
      expect(rows(computeDiff(base, head).changes)).toEqual([
        "function-renamed medium a → x",
        "function-renamed medium b → y",
      ]);
    });

    test("new code is not a rename: a removal and an addition", () => {
      const diff = diffOf({
        login: { calls: ["profiles"], invokers: ["group:dev@example.com"] },
        profiles: {},
        finder: { calls: ["profiles"] },
      });
      expect(rows(diff.changes)).toEqual([
        "grant-added medium finder → profiles",
        "function-added low finder",
        "function-removed low search",
      ]);
    });

    test("new edges are not a rename", () => {
      const diff = diffOf({
        login: { calls: ["profiles"], invokers: ["group:dev@example.com"] },
        profiles: {},
        finder: { calls: ["profiles", "login"], code: "search" },
      });
      expect(diff.changes.map((c) => c.kind)).not.toContain("function-renamed");
    });

    test("two identical candidates: no guess", () => {
      const base = graphOf({ a: { code: "same" }, keep: {} });
      const head = graphOf({ x: { code: "same" }, y: { code: "same" }, keep: {} });
      expect(rows(computeDiff(base, head).changes)).toEqual([
        "function-added low x",
        "function-added low y",
        "function-removed low a",
      ]);
    });
  });
});
