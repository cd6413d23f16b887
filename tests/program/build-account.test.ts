import { TYPES, UNKNOWN, type Evaluation, type RegisteredResource } from "../../engine";
import { isInvokingRole } from "../../engine/resource-types";
import { SERVICE_ACCOUNT_ID_PATTERN } from "../../topology";
import { BASE_CONFIG, BASE_TOPOLOGY, evaluateFixture } from "../fixtures";

// Invariant 9: builds run as a dedicated build account of the stack, never a default one; it holds no invoking
// role and no function runs as it. Grants per https://cloud.google.com/functions/docs/securing/build-custom-sa
// (and its 1st-gen twin): logs writer, Artifact Registry writer, read on the source bucket.
const SECOND_GEN = { ...BASE_CONFIG, "callgraph:generation": 2, "callgraph:projectNumber": "123456789012" };
const MIXED = {
  ...BASE_CONFIG,
  "callgraph:projectNumber": "123456789012",
  "callgraph:functions": { ...BASE_TOPOLOGY, alpha: { ...BASE_TOPOLOGY.alpha, generation: 2 } },
};

const cases: [string, Record<string, unknown>, boolean][] = [
  ["base fixture, update", BASE_CONFIG, false],
  ["base fixture, preview", BASE_CONFIG, true],
  ["2nd-gen stack, update", SECOND_GEN, false],
  ["2nd-gen stack, preview", SECOND_GEN, true],
  ["mixed stack, update", MIXED, false],
  ["mixed stack, preview", MIXED, true],
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

describe.each(cases)("%s", (_label, config, preview) => {
  let e: Evaluation;
  beforeAll(async () => {
    e = await evaluateFixture({ config, preview });
  });
  const ofType = (type: string) => e.resources.filter((r) => r.type === type);
  const functions = () => e.resources.filter((r) => r.type === TYPES.function || r.type === TYPES.functionV2);
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

  test("one build account, callgraph-build, a child of the CallGraph, with a valid id", () => {
    const builds = ofType(TYPES.serviceAccount).filter((a) => a.inputs.accountId === "callgraph-build");
    expect(builds).toHaveLength(1);
    const [account] = builds;
    expect(account.name).toBe("callgraph-build-sa");
    expect(account.parent).toBe(ofType(TYPES.callGraph)[0].urn);
    expect(account.inputs.project).toBe(e.project);
    // DESIGN.md invariant 7: 6-30 characters, ^[a-z]([-a-z0-9]*[a-z0-9])$.
    expect("callgraph-build").toMatch(SERVICE_ACCOUNT_ID_PATTERN);
    expect("callgraph-build".length).toBeGreaterThanOrEqual(6);
    expect("callgraph-build".length).toBeLessThanOrEqual(30);
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

  test("it holds exactly the three build grants, none of them an invoking role", () => {
    const grants = grantsToBuild().map((r) => [r.type, r.name, r.inputs.role]);
    expect(grants).toEqual([
      [TYPES.projectIamMember, "callgraph-build-logs", "roles/logging.logWriter"],
      [TYPES.artifactRepositoryIamMember, "callgraph-build-images", "roles/artifactregistry.writer"],
      [TYPES.bucketIamMember, "callgraph-build-source", "roles/storage.objectViewer"],
    ]);
    for (const [, , role] of grants) expect(isInvokingRole(role as string)).toBe(false);
    expect(e.graph.grants.map((g) => g.member)).not.toContain(member());
  });

  test("each grant is scoped as narrowly as IAM allows: project for logs, the repository, the source bucket", () => {
    const [logs, images, source] = grantsToBuild();
    expect(logs.inputs).toEqual({ project: e.project, role: "roles/logging.logWriter", member: member() });
    const region = e.graph.functions[0].region;
    expect(images.inputs).toEqual({
      project: e.project,
      location: region,
      repository: "callgraph-functions",
      role: "roles/artifactregistry.writer",
      member: member(),
    });
    const [repository] = ofType(TYPES.artifactRepository);
    expect(repository.inputs).toMatchObject({
      project: e.project,
      location: region,
      repositoryId: "callgraph-functions",
      format: "DOCKER",
    });
    expect(images.dependencies).toContain(repository.urn);
    const [bucket] = ofType(TYPES.bucket);
    // The bucket's name is auto-named: known after creation only, like a real preview.
    expect(source.inputs.bucket).toBe(preview ? UNKNOWN : bucket.outputs.name);
    expect(source.propertyDependencies.bucket).toEqual([bucket.urn]);
  });

  test("no build starts before its account may build: every function waits for every grant", () => {
    const account = ofType(TYPES.serviceAccount).find((a) => a.inputs.accountId === "callgraph-build")!;
    for (const grant of grantsToBuild()) expect(grant.dependencies).toContain(account.urn);
    for (const fn of functions())
      for (const grant of grantsToBuild())
        expect([fn.name, fn.dependencies]).toEqual([fn.name, expect.arrayContaining([grant.urn])]);
  });

  test("the mocks answer the new resources as GCP would, and withhold computed outputs in preview", () => {
    const [repository] = ofType(TYPES.artifactRepository);
    const region = e.graph.functions[0].region;
    if (preview) {
      expect(repository.id).toBe(UNKNOWN);
      expect(repository.outputs.registryUri).toBeUndefined();
      for (const grant of grantsToBuild()) expect(grant.outputs.etag).toBeUndefined();
    } else {
      expect(repository.id).toBe(
        `projects/${e.project}/locations/${region}/repositories/callgraph-functions`,
      );
      expect(repository.outputs).toMatchObject({
        name: "callgraph-functions",
        registryUri: `${region}-docker.pkg.dev/${e.project}/callgraph-functions`,
      });
      const [logs, images, source] = grantsToBuild();
      expect(logs.id).toBe(`${e.project} roles/logging.logWriter ${member()}`);
      expect(images.id).toBe(
        `projects/${e.project}/locations/${region}/repositories/callgraph-functions roles/artifactregistry.writer ${member()}`,
      );
      expect(source.id).toBe(`b/${source.inputs.bucket} roles/storage.objectViewer ${member()}`);
    }
  });

  test("the stack exports the build account's email once it exists", () => {
    expect(e.outputs.buildServiceAccount).toBe(preview ? UNKNOWN : email());
  });
});
