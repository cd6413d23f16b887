import { unzipSync } from "fflate";
import * as fs from "node:fs";
import { builtinModules } from "node:module";
import { LOADER } from "../../components/function-archive";
import { TYPES, UNKNOWN, type Evaluation } from "../../engine";
import { BASE_CONFIG, evaluateFixture } from "../fixtures";
import { declared, env, functionsOf, LARGE_CONFIG, ofType, transitiveDependencies } from "./fixtures";

const DEFAULT_ACCOUNT = /(@appspot\.gserviceaccount\.com|-compute@developer\.gserviceaccount\.com)$/;
const SA_ID = /^[a-z]([-a-z0-9]*[a-z0-9])$/;

// Every invariant of DESIGN.md, on the base fixture and on a larger topology, in update and in preview mode.
const cases: [string, Record<string, unknown>, boolean][] = [
  ["base fixture, update", BASE_CONFIG, false],
  ["base fixture, preview", BASE_CONFIG, true],
  ["larger topology, update", LARGE_CONFIG, false],
  ["larger topology, preview", LARGE_CONFIG, true],
];

describe.each(cases)("%s", (_label, config, preview) => {
  let e: Evaluation;
  beforeAll(async () => {
    e = await evaluateFixture({ config, preview });
  });

  /** The account email a function runs as, read from the registered Account resource (not from the config). */
  function accountEmailOf(fn: string): string {
    const sf = ofType(e, TYPES.serviceFunction).find((r) => r.name === `callgraph-${fn}`)!;
    const account = ofType(e, TYPES.serviceAccount).find((r) => r.parent === sf.urn)!;
    return `${account.inputs.accountId}@${account.inputs.project}.iam.gserviceaccount.com`;
  }

  test("every declared function is deployed, gen1 HTTP, HTTPS only, nodejs22", () => {
    const names = functionsOf(e)
      .map((f) => f.inputs.name)
      .sort();
    expect(names).toEqual(Object.keys(declared(e)).sort());
    for (const fn of functionsOf(e)) {
      expect(fn.inputs).toMatchObject({
        triggerHttp: true,
        httpsTriggerSecurityLevel: "SECURE_ALWAYS",
        runtime: "nodejs22",
      });
    }
  });

  test("invariant 1: each function runs as its own account, created by the program, never a default one", () => {
    // The function accounts are those of the ServiceFunctions; the one other account is the build account.
    const serviceFunctions = new Set(ofType(e, TYPES.serviceFunction).map((r) => r.urn));
    const accounts = ofType(e, TYPES.serviceAccount).filter((a) => serviceFunctions.has(a.parent!));
    expect(accounts).toHaveLength(functionsOf(e).length);
    expect(ofType(e, TYPES.serviceAccount).length - accounts.length).toBe(1);
    const emails = functionsOf(e).map((fn) => fn.inputs.serviceAccountEmail as string);
    expect(new Set(emails).size).toBe(emails.length);
    for (const fn of functionsOf(e)) {
      const email = fn.inputs.serviceAccountEmail as string;
      expect(email).not.toMatch(DEFAULT_ACCOUNT);
      expect(email).toBe(accountEmailOf(fn.inputs.name as string));
      // The account is a sibling of the function (same ServiceFunction), and the function waits for it.
      const account = accounts.find(
        (a) => `${a.inputs.accountId}@${a.inputs.project}.iam.gserviceaccount.com` === email,
      )!;
      expect(account.parent).toBe(fn.parent);
      expect(fn.dependencies).toContain(account.urn);
      if (!preview) expect(account.outputs.email).toBe(email);
    }
  });

  test("invariant 2: a function's invokers are exactly its callers' accounts and its declared invokers", () => {
    const decl = declared(e);
    for (const name of Object.keys(decl)) {
      const expected = new Set<string>(decl[name].invokers ?? []);
      for (const [caller, d] of Object.entries(decl))
        if ((d.calls ?? []).includes(name)) expected.add(`serviceAccount:${accountEmailOf(caller)}`);
      const granted = e.graph.grants
        .filter((g) => g.target === name || g.target === "*")
        .map((g) => g.member);
      expect(new Set(granted)).toEqual(expected);
      expect(granted).toHaveLength(expected.size);
    }
    // Nothing grants invocation at project level, nor with any role other than the invoker role.
    expect(
      e.graph.grants.every((g) => g.scope === "function" && g.role === "roles/cloudfunctions.invoker"),
    ).toBe(true);
    for (const type of [
      TYPES.projectIamBinding,
      TYPES.projectIamPolicy,
      TYPES.functionIamMember,
      TYPES.functionIamPolicy,
    ]) {
      expect(ofType(e, type)).toEqual([]);
    }
    // The only project-level grants: the build account's log writer and its conditioned read of the buckets builds
    // read from (invariant 9, tested in build-account.test.ts).
    const build = `serviceAccount:callgraph-build@${e.project}.iam.gserviceaccount.com`;
    expect(ofType(e, TYPES.projectIamMember).map((r) => [r.inputs.role, r.inputs.member])).toEqual([
      ["roles/logging.logWriter", build],
      ["roles/storage.objectViewer", build],
    ]);
    // Nothing but GCP resources, the components and the propagation waits.
    expect(
      e.resources.filter(
        (r) => !r.type.startsWith("gcp:") && !r.type.startsWith("callgraph:") && r.type !== TYPES.sleep,
      ),
    ).toEqual([]);
  });

  test("invariant 3: one authoritative binding per function with invokers, re-created when its function is replaced", () => {
    const bindings = ofType(e, TYPES.functionIamBinding);
    const withInvokers = functionsOf(e).filter((f) => JSON.parse(env(f).CALLGRAPH_INVOKERS).length > 0);
    expect(bindings.map((b) => b.inputs.cloudFunction).sort()).toEqual(
      withInvokers.map((f) => f.inputs.name).sort(),
    );
    for (const binding of bindings) {
      const fn = functionsOf(e).find((f) => f.inputs.name === binding.inputs.cloudFunction)!;
      expect(binding.inputs.role).toBe("roles/cloudfunctions.invoker");
      expect(binding.options.replaceWith).toEqual([fn.urn]);
      expect(binding.dependencies).toContain(fn.urn);
      expect(binding.inputs).toMatchObject({ project: fn.inputs.project, region: fn.inputs.region });
    }
  });

  test("invariant 4: a function is told its own URL and its declared callees' URLs, and no other function's", () => {
    const decl = declared(e);
    const urls = Object.fromEntries(
      functionsOf(e).map((f) => [
        f.inputs.name as string,
        e.graph.functions.find((g) => g.name === f.inputs.name)!.url,
      ]),
    );
    for (const fn of functionsOf(e)) {
      const name = fn.inputs.name as string;
      const vars = env(fn);
      expect(vars.CALLGRAPH_SELF_URL).toBe(urls[name]);
      const callees = [...(decl[name].calls ?? [])].sort();
      expect(JSON.parse(vars.CALLGRAPH_CALLEES)).toEqual(
        Object.fromEntries(callees.map((c) => [c, urls[c]])),
      );
      const text = Object.values(vars).join("\n");
      for (const other of Object.keys(urls)) {
        const mentioned =
          text.includes(`${urls[other]}"`) || text.endsWith(urls[other]) || text.includes(`${urls[other]}\n`);
        expect([other, mentioned]).toEqual([other, other === name || callees.includes(other)]);
      }
    }
  });

  test("invariant 5: no function depends on another function, so all deploy in parallel and cycles deploy", () => {
    const fnUrns = new Set(functionsOf(e).map((f) => f.urn));
    for (const fn of functionsOf(e)) {
      const deps = transitiveDependencies(e, fn.urn);
      expect([...deps].filter((d) => fnUrns.has(d))).toEqual([]);
      // URLs are computed: the environment does not wait on any output.
      expect(fn.propertyDependencies.environmentVariables ?? []).toEqual([]);
    }
  });

  test("invariant 7: service-account ids are valid, deterministic and unique", () => {
    const ids = ofType(e, TYPES.serviceAccount).map((a) => a.inputs.accountId as string);
    expect(new Set(ids).size).toBe(ids.length);
    for (const id of ids) {
      expect(id).toMatch(SA_ID);
      expect(id.length).toBeGreaterThanOrEqual(6);
      expect(id.length).toBeLessThanOrEqual(30);
    }
  });

  test("invariant 8: no keys, a private bucket, and each archive holds one self-contained bundle", () => {
    expect(ofType(e, TYPES.serviceAccountKey)).toEqual([]);
    const [bucket, ...others] = ofType(e, TYPES.bucket);
    expect(others).toEqual([]);
    expect(bucket.inputs).toMatchObject({
      uniformBucketLevelAccess: true,
      publicAccessPrevention: "enforced",
    });
    for (const fn of e.graph.functions) {
      const files = unzipSync(fs.readFileSync(fn.archivePath!));
      expect(Object.keys(files).sort()).toEqual(["index.js", "loader.js", "package.json"]);
      const manifest = JSON.parse(Buffer.from(files["package.json"]).toString());
      expect(manifest.dependencies).toBeUndefined();
      // The entry turns source maps on and loads the bundle, and nothing else.
      expect(manifest.main).toBe("loader.js");
      expect(Buffer.from(files["loader.js"]).toString()).toBe(LOADER);
      const code = Buffer.from(files["index.js"]).toString();
      const required = [...code.matchAll(/require\("([^"]+)"\)/g)].map((m) => m[1].replace(/^node:/, ""));
      expect(
        required.filter((m) => !builtinModules.includes(m.split("/")[0]) && !builtinModules.includes(m)),
      ).toEqual([]);
    }
  });

  test("the required APIs are enabled and never disabled on destroy; functions wait for them", () => {
    const services = ofType(e, TYPES.projectService);
    expect(services.map((s) => s.inputs.service).sort()).toEqual([
      "artifactregistry.googleapis.com",
      "cloudbuild.googleapis.com",
      "cloudfunctions.googleapis.com",
      "iam.googleapis.com",
      "logging.googleapis.com",
      "storage.googleapis.com",
    ]);
    for (const s of services) expect(s.inputs.disableOnDestroy).toBe(false);
    // Through the wait that follows them (enabling returns before an API is usable on a fresh project).
    for (const fn of functionsOf(e)) {
      const waits = transitiveDependencies(e, fn.urn);
      for (const s of services) expect([fn.name, waits.has(s.urn)]).toEqual([fn.name, true]);
    }
  });

  test("every child names its parent component, and logical names follow `${parent}-<role>`", () => {
    const [root] = ofType(e, TYPES.callGraph);
    for (const r of e.resources.filter((x) => x !== root)) {
      expect(r.parent).toBeDefined();
      const parent = e.resources.find((p) => p.urn === r.parent)!;
      expect(r.name.startsWith(`${parent.name}-`)).toBe(true);
    }
  });

  test("exports every function's URL and service account, and the declared graph", () => {
    const exported = e.outputs.functions as Record<string, { url: string; serviceAccount: string }>;
    for (const fn of e.graph.functions) {
      expect(exported[fn.name]).toEqual({ url: fn.url, serviceAccount: fn.serviceAccount });
      expect(fn.url).not.toBe(UNKNOWN);
    }
    const graph = e.outputs.callGraph as { edges: { from: string; to: string }[] };
    expect(graph.edges).toEqual(e.graph.edges.map(({ from, to }) => ({ from, to })));
  });
});
