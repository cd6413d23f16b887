import { TYPES, UNKNOWN, type Evaluation, type RegisteredResource } from "../../engine";
import { mockProjectNumber } from "../../engine/gcp-mocks";
import { isInvokingRole } from "../../engine/resource-types";
import { SERVICE_ACCOUNT_ID_PATTERN } from "../../topology";
import {
  BASE_CONFIG,
  BASE_TOPOLOGY,
  DEFAULT_GENERATION_CONFIG,
  evaluateFixture,
  SECOND_GEN_CONFIG,
} from "../fixtures";
import { transitiveDependencies } from "./fixtures";

// Invariant 9: builds run as a dedicated build account of the stack, never a default one; it holds no invoking
// role and no function runs as it; its grants are Google's documented minimum, each as narrow as IAM allows
// (https://cloud.google.com/functions/docs/building, "Grant Permissions"; the 1st-gen twin is
// https://cloud.google.com/functions/1stgendocs/securing/build-custom-sa), and no build starts before they apply.
const MIXED = {
  ...BASE_CONFIG,
  "callgraph:projectNumber": "123456789012",
  "callgraph:functions": { ...BASE_TOPOLOGY, alpha: { ...BASE_TOPOLOGY.alpha, generation: 2 } },
};

/** Which staging buckets each stack's builds read: `gcf-sources-` for 1st gen, `gcf-v2-sources-` for 2nd gen. */
const cases: [string, Record<string, unknown>, readonly ("gcf-sources" | "gcf-v2-sources")[]][] = [
  ["the default stack (2nd gen)", DEFAULT_GENERATION_CONFIG, ["gcf-v2-sources"]],
  ["a 1st-gen stack", BASE_CONFIG, ["gcf-sources"]],
  ["a 2nd-gen stack", SECOND_GEN_CONFIG, ["gcf-v2-sources"]],
  ["a mixed stack", MIXED, ["gcf-sources", "gcf-v2-sources"]],
];

/** What a function resource says about its build and its runtime identity, whatever its generation. */
function buildSettings(fn: RegisteredResource): { build: unknown; repository: unknown; runsAs: unknown } {
  if (fn.type === TYPES.functionV2) {
    const build = fn.inputs.buildConfig as Record<string, unknown>;
    const service = fn.inputs.serviceConfig as Record<string, unknown>;
    return {
      build: build.serviceAccount,
      repository: build.dockerRepository,
      runsAs: service.serviceAccountEmail,
    };
  }
  return {
    build: fn.inputs.buildServiceAccount,
    repository: fn.inputs.dockerRepository,
    runsAs: fn.inputs.serviceAccountEmail,
  };
}

describe.each(cases)("%s", (_label, config, stagingPrefixes) => {
  describe.each([
    ["pulumi up", false],
    ["pulumi preview", true],
  ])("%s", (_mode, preview) => {
    let e: Evaluation;
    beforeAll(async () => {
      e = await evaluateFixture({ config, preview });
    });
    const ofType = (type: string) => e.resources.filter((r) => r.type === type);
    const functions = () =>
      e.resources.filter((r) => r.type === TYPES.function || r.type === TYPES.functionV2);
    const email = () => `callgraph-build@${e.project}.iam.gserviceaccount.com`;
    const member = () => `serviceAccount:${email()}`;
    /** Every custom resource that grants something to the build account. */
    const grantsToBuild = () =>
      e.resources.filter(
        (r) =>
          r.custom &&
          (r.inputs.member === member() ||
            (Array.isArray(r.inputs.members) && r.inputs.members.includes(member()))),
      );
    const byName = (name: string) => e.resources.find((r) => r.name === name)!;
    const projectNumber = () =>
      (config["callgraph:projectNumber"] as string | undefined) ?? mockProjectNumber(e.project);

    test("one build account, callgraph-build, a child of the CallGraph, with a valid id", () => {
      const builds = ofType(TYPES.serviceAccount).filter((a) => a.inputs.accountId === "callgraph-build");
      expect(builds).toHaveLength(1);
      const [account] = builds;
      expect(account.name).toBe("callgraph-build-sa");
      expect(account.parent).toBe(ofType(TYPES.callGraph)[0].urn);
      expect(account.inputs.project).toBe(e.project);
      // DESIGN.md invariant 7: 6-30 characters, ^[a-z]([-a-z0-9]*[a-z0-9])$.
      expect("callgraph-build").toMatch(SERVICE_ACCOUNT_ID_PATTERN);
      expect(account.outputs.email).toBe(preview ? undefined : email());
    });

    test("every function is built by it and pushes to the program's own repository; none runs as it", () => {
      expect(functions().length).toBeGreaterThan(0);
      const repository = `projects/${e.project}/locations/${e.graph.functions[0].region}/repositories/callgraph-functions`;
      for (const fn of functions()) {
        const settings = buildSettings(fn);
        expect([fn.name, settings.build]).toEqual([
          fn.name,
          `projects/${e.project}/serviceAccounts/${email()}`,
        ]);
        expect([fn.name, settings.repository]).toEqual([fn.name, repository]);
        expect(settings.runsAs).not.toBe(email());
        expect(settings.runsAs).not.toBe(UNKNOWN);
      }
      expect(e.graph.functions.map((f) => f.serviceAccount)).not.toContain(email());
    });

    test("it holds exactly three grants, none of them an invoking role, and none on the program's own bucket", () => {
      const grants = grantsToBuild().map((r) => [r.type, r.name, r.inputs.role]);
      expect(grants).toEqual([
        [TYPES.projectIamMember, "callgraph-build-logs", "roles/logging.logWriter"],
        [TYPES.projectIamMember, "callgraph-build-sources", "roles/storage.objectViewer"],
        [TYPES.artifactRepositoryIamMember, "callgraph-build-images", "roles/artifactregistry.writer"],
      ]);
      for (const [, , role] of grants) expect(isInvokingRole(role as string)).toBe(false);
      expect(e.graph.grants.map((g) => g.member)).not.toContain(member());
      // The build reads the copy Cloud Functions stages, never the program's bucket: no grant there at all.
      expect(ofType(TYPES.bucketIamMember)).toEqual([]);
    });

    test("the logs grant is the project's (no narrower scope), the images grant the repository's", () => {
      expect(byName("callgraph-build-logs").inputs).toEqual({
        project: e.project,
        role: "roles/logging.logWriter",
        member: member(),
      });
      const region = e.graph.functions[0].region;
      const images = byName("callgraph-build-images");
      expect(images.inputs).toEqual({
        project: e.project,
        location: region,
        repository: "callgraph-functions",
        role: "roles/artifactregistry.writer",
        member: member(),
      });
      const [repository] = ofType(TYPES.artifactRepository);
      expect(repository.inputs).toMatchObject({ repositoryId: "callgraph-functions", format: "DOCKER" });
      expect(images.dependencies).toContain(repository.urn);
    });

    test("the source read is conditioned to the objects of exactly the staging buckets its builds read", () => {
      // Written out here, not built with the program's helper: this is the documented form the grant must have.
      const region = e.graph.functions[0].region;
      const buckets = stagingPrefixes.map((prefix) => `${prefix}-${projectNumber()}-${region}`);
      const expression =
        'resource.type == "storage.googleapis.com/Object" && (' +
        buckets.map((b) => `resource.name.startsWith("projects/_/buckets/${b}/objects/")`).join(" || ") +
        ")";
      expect(byName("callgraph-build-sources").inputs).toEqual({
        project: e.project,
        role: "roles/storage.objectViewer",
        member: member(),
        condition: {
          title: "callgraph build sources",
          description: `Objects of ${buckets.join(", ")}, where Cloud Functions stages the sources it builds (managed by callgraph).`,
          expression,
        },
      });
    });

    test("no build starts before its grants have had time to apply: every function waits 120 s after all of them", () => {
      const account = ofType(TYPES.serviceAccount).find((a) => a.inputs.accountId === "callgraph-build")!;
      for (const grant of grantsToBuild()) expect(grant.dependencies).toContain(account.urn);
      const wait = byName("callgraph-build-propagation");
      expect(wait.type).toBe(TYPES.sleep);
      expect(wait.inputs.createDuration).toBe("120s");
      // Only on create: no destroy delay, so later `up`s and `destroy` pay nothing.
      expect(wait.inputs.destroyDuration).toBeUndefined();
      for (const grant of grantsToBuild()) expect(wait.dependencies).toContain(grant.urn);
      for (const fn of functions())
        expect([fn.name, fn.dependencies]).toEqual([fn.name, expect.arrayContaining([wait.urn])]);
    });

    test("nothing starts before the APIs are usable: every other resource waits 60 s after enabling them", () => {
      const wait = byName("callgraph-api-propagation");
      expect(wait.type).toBe(TYPES.sleep);
      expect(wait.inputs.createDuration).toBe("60s");
      const services = ofType(TYPES.projectService);
      expect(services.map((s) => s.inputs.service)).toContain("logging.googleapis.com");
      for (const s of services) expect(wait.dependencies).toContain(s.urn);
      for (const r of e.resources.filter((x) => x.custom && x.type !== TYPES.projectService && x !== wait)) {
        expect([r.name, transitiveDependencies(e, r.urn).has(wait.urn)]).toEqual([r.name, true]);
      }
    });

    test("the mocks answer the new resources as GCP would, and withhold computed outputs in preview", () => {
      const [repository] = ofType(TYPES.artifactRepository);
      const region = e.graph.functions[0].region;
      if (preview) {
        expect(repository.id).toBe(UNKNOWN);
        expect(repository.outputs.registryUri).toBeUndefined();
        for (const grant of grantsToBuild()) expect(grant.outputs.etag).toBeUndefined();
      } else {
        expect(repository.outputs).toMatchObject({
          name: "callgraph-functions",
          registryUri: `${region}-docker.pkg.dev/${e.project}/callgraph-functions`,
        });
        expect(byName("callgraph-build-logs").id).toBe(`${e.project} roles/logging.logWriter ${member()}`);
        expect(byName("callgraph-build-sources").id).toBe(
          `${e.project} roles/storage.objectViewer ${member()} callgraph build sources`,
        );
      }
    });

    test("the stack exports the build account's email once it exists", () => {
      expect(e.outputs.buildServiceAccount).toBe(preview ? UNKNOWN : email());
    });
  });
});

describe("the waits cost nothing on later `pulumi up`s", () => {
  const wait = (e: Evaluation, name: string) => e.resources.find((r) => r.name === name)!.inputs;

  test("a new edge, function or invoker leaves both waits as they were (a Sleep waits only when created)", async () => {
    const before = await evaluateFixture({ config: BASE_CONFIG });
    const after = await evaluateFixture({
      config: {
        ...BASE_CONFIG,
        "callgraph:functions": {
          ...BASE_TOPOLOGY,
          beta: { ...BASE_TOPOLOGY.beta, calls: ["gamma"], invokers: ["user:ops@callgraph.dev"] },
          delta: { source: BASE_TOPOLOGY.beta.source, entryPoint: "beta", calls: ["alpha"] },
        },
      },
    });
    for (const name of ["callgraph-build-propagation", "callgraph-api-propagation"])
      expect(wait(after, name)).toEqual(wait(before, name));
  });

  test("a first 2nd-gen function changes both triggers: a new bucket to read and a new API, so both wait again", async () => {
    // The same project number on both sides: only the new generation differs.
    const before = await evaluateFixture({
      config: { ...BASE_CONFIG, "callgraph:projectNumber": "123456789012" },
    });
    const after = await evaluateFixture({ config: MIXED });
    for (const name of ["callgraph-build-propagation", "callgraph-api-propagation"]) {
      expect(wait(after, name).createDuration).toBe(wait(before, name).createDuration);
      expect(wait(after, name).triggers).not.toEqual(wait(before, name).triggers);
    }
  });
});
