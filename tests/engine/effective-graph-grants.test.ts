import fc from "fast-check";
import { effectiveGraph, fromEngine, INVOKING_ROLES, isInvokingRole, TYPES, UNKNOWN } from "../../engine";
import type { RegisteredResource } from "../../engine";
import { GCP, grantsOf, isInvokingScope, isUnknown } from "../../iam";

// The effective graph reads grants from the IAM resources only (engine/effective-graph.ts), not from every
// registered resource: `grantsOf` gives any other resource none. Over random registrations of every type the
// model knows and some it does not, with IAM-looking inputs on all of them, the grants it reports must be
// exactly those the IAM model finds when handed every resource, less the bucket grants (which never invoke) and
// the grants of a role that cannot invoke.

const PROJECT = "callgraph-test";
const REGION = "us-central1";

const TYPE_POOL = [
  ...Object.values(GCP),
  TYPES.function,
  TYPES.functionV2,
  TYPES.bucketObject,
  "gcp:compute/instance:Instance",
  "callgraph:index:ServiceFunction",
];
const ROLES = [...INVOKING_ROLES, "roles/viewer", "roles/storage.objectViewer", UNKNOWN];
const MEMBERS = [
  "allUsers",
  "group:developers@example.com",
  `serviceAccount:fn-login@${PROJECT}.iam.gserviceaccount.com`,
  `serviceAccount:fn-search@${PROJECT}.iam.gserviceaccount.com`,
  UNKNOWN,
];
const TARGETS = ["login", "profiles", `projects/${PROJECT}/locations/${REGION}/functions/search`, UNKNOWN];

const inputs: fc.Arbitrary<Record<string, unknown>> = fc.record(
  {
    role: fc.constantFrom(...ROLES),
    member: fc.constantFrom(...MEMBERS),
    members: fc.oneof(fc.subarray(MEMBERS.filter((m) => m !== UNKNOWN)), fc.constant(UNKNOWN)),
    cloudFunction: fc.constantFrom(...TARGETS),
    name: fc.constantFrom(...TARGETS),
    service: fc.constantFrom(...TARGETS),
    project: fc.constantFrom(PROJECT, UNKNOWN),
    folder: fc.constantFrom("folders/123", UNKNOWN),
    orgId: fc.constantFrom("456", UNKNOWN),
    bucket: fc.constantFrom("callgraph-source", UNKNOWN),
    policyData: fc.oneof(
      fc.constant(UNKNOWN),
      fc
        .array(
          fc.record({
            role: fc.constantFrom(...ROLES.filter((r) => r !== UNKNOWN)),
            members: fc.subarray(MEMBERS.filter((m) => m !== UNKNOWN)),
          }),
          { maxLength: 3 },
        )
        .map((bindings) => JSON.stringify({ bindings })),
    ),
  },
  { requiredKeys: [] },
);

const registrations: fc.Arbitrary<RegisteredResource[]> = fc
  .array(fc.record({ type: fc.constantFrom(...TYPE_POOL), inputs, managed: fc.boolean() }), { maxLength: 25 })
  .map((drawn) => {
    const component: RegisteredResource = resource(
      "urn:pulumi:dev::callgraph::callgraph:index:CallGraph::callgraph",
      TYPES.callGraph,
      "callgraph",
      false,
      {},
    );
    return [
      component,
      ...drawn.map((d, i) =>
        resource(
          `urn:pulumi:dev::callgraph::${d.type}::r${i}`,
          d.type,
          `r${i}`,
          true,
          d.inputs,
          d.managed ? component.urn : undefined,
        ),
      ),
    ];
  });

function resource(
  urn: string,
  type: string,
  name: string,
  custom: boolean,
  inputs: Record<string, unknown>,
  parent?: string,
): RegisteredResource {
  return {
    urn,
    type,
    name,
    custom,
    parent,
    inputs,
    outputs: {},
    id: `${name}-id`,
    dependencies: [],
    propertyDependencies: {},
    options: {
      replaceWith: [],
      deleteBeforeReplace: false,
      protect: false,
      ignoreChanges: [],
      replaceOnChanges: [],
    },
  };
}

const plain = (value: unknown) => (isUnknown(value) ? UNKNOWN : value);

test("grants come from the IAM resources alone, exactly as the IAM model reads every resource", () => {
  fc.assert(
    fc.property(registrations, (resources) => {
      const expected = fromEngine(resources)
        .flatMap(grantsOf)
        // A grant on a bucket, a service account or a queue invokes no function, whatever its role.
        .filter((g) => isInvokingScope(g.scope))
        .map((g) => ({ urn: g.resource.urn, role: plain(g.role), member: plain(g.member) }))
        .filter((g) => g.role === UNKNOWN || isInvokingRole(String(g.role)));
      const actual = effectiveGraph(resources, { project: PROJECT, region: REGION }).grants.map((g) => ({
        urn: g.resource.urn,
        role: g.role,
        member: g.member,
      }));
      const key = (g: { urn: string; role: unknown; member: unknown }) => `${g.urn}\0${g.role}\0${g.member}`;
      expect(actual.map(key).sort()).toEqual(expected.map(key).sort());
    }),
    { numRuns: 300 },
  );
});
