import { effectiveGraph, TYPES, type EffectiveGraph, type RegisteredResource } from "../../../engine";

/**
 * Effective graphs for the pure tests, made by the engine's own extractor from hand-built resources shaped as
 * the components register them: one CallGraph component, per function a Function with its own account and
 * archive, one invoker binding per function with members, the function's CALLGRAPH_INVOKERS. Extra resources
 * (a hand-written grant) can be added, as a program would.
 */
export const PROJECT = "p";
const REGION = "europe-west1";
const CALL_GRAPH_URN = `urn:pulumi:dev::cg::${TYPES.callGraph}::callgraph`;
const INVOKER = "roles/cloudfunctions.invoker";

export interface FunctionSpec {
  readonly calls?: readonly string[];
  readonly invokers?: readonly string[];
  /** Which code it runs (names the archive); defaults to the function's name. */
  readonly code?: string;
  readonly entryPoint?: string;
  /** Its runtime account; defaults to its own `fn-<name>@p.iam.gserviceaccount.com`. */
  readonly serviceAccount?: string;
}

export const account = (name: string) => `fn-${name}@${PROJECT}.iam.gserviceaccount.com`;

export function graphOf(
  functions: Readonly<Record<string, FunctionSpec>>,
  extra: readonly RegisteredResource[] = [],
): EffectiveGraph {
  const resources: RegisteredResource[] = [
    resource(TYPES.callGraph, "callgraph", {}, { custom: false, parent: undefined }),
  ];
  const members = (name: string) =>
    [
      ...new Set([
        ...Object.entries(functions)
          .filter(([, s]) => s.calls?.includes(name))
          .map(([caller, s]) => `serviceAccount:${s.serviceAccount ?? account(caller)}`),
        ...(functions[name].invokers ?? []),
      ]),
    ].sort();
  for (const [name, spec] of Object.entries(functions)) {
    const object = `${name}/${spec.code ?? name}.zip`;
    resources.push(
      resource(TYPES.bucketObject, `callgraph-${name}-source`, {
        bucket: "src",
        name: object,
        source: { asset: `/build/${spec.code ?? name}.zip` },
      }),
    );
    resources.push(
      resource(TYPES.function, `callgraph-${name}-function`, {
        name,
        project: PROJECT,
        region: REGION,
        runtime: "nodejs22",
        entryPoint: spec.entryPoint ?? spec.code ?? name,
        serviceAccountEmail: spec.serviceAccount ?? account(name),
        sourceArchiveBucket: "src",
        sourceArchiveObject: object,
        environmentVariables: { CALLGRAPH_FUNCTION: name, CALLGRAPH_INVOKERS: JSON.stringify(members(name)) },
      }),
    );
  }
  for (const name of Object.keys(functions)) {
    if (members(name).length === 0) continue;
    resources.push(
      resource(TYPES.functionIamBinding, `callgraph-${name}-invokers`, {
        project: PROJECT,
        region: REGION,
        cloudFunction: name,
        role: INVOKER,
        members: members(name),
      }),
    );
  }
  return effectiveGraph([...resources, ...extra], { project: PROJECT, region: REGION });
}

/** A grant written by hand in the program, outside the components (unmanaged). */
export function handWrittenMember(
  name: string,
  fn: string,
  member: string,
  role = INVOKER,
): RegisteredResource {
  return resource(
    TYPES.functionIamMember,
    name,
    { project: PROJECT, region: REGION, cloudFunction: fn, role, member },
    { parent: undefined },
  );
}

/** A project-level grant written by hand. */
export function projectMember(name: string, member: string, role = INVOKER): RegisteredResource {
  return resource(TYPES.projectIamMember, name, { project: PROJECT, role, member }, { parent: undefined });
}

function resource(
  type: string,
  name: string,
  inputs: Record<string, unknown>,
  options: { custom?: boolean; parent?: string } = { parent: CALL_GRAPH_URN },
): RegisteredResource {
  const parent = "parent" in options ? options.parent : CALL_GRAPH_URN;
  return {
    urn: `urn:pulumi:dev::cg::${parent ? `${TYPES.callGraph}$` : ""}${type}::${name}`,
    type,
    name,
    custom: options.custom ?? true,
    parent,
    inputs,
    outputs: inputs,
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
