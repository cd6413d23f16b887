import * as fs from "node:fs";
import * as artifactregistry from "@pulumi/gcp/artifactregistry";
import * as cloudfunctions from "@pulumi/gcp/cloudfunctions";
import * as cloudfunctionsv2 from "@pulumi/gcp/cloudfunctionsv2";
import * as cloudrunv2 from "@pulumi/gcp/cloudrunv2";
import * as projects from "@pulumi/gcp/projects";
import * as serviceaccount from "@pulumi/gcp/serviceaccount";
import * as storage from "@pulumi/gcp/storage";
import * as pulumi from "@pulumi/pulumi";
import * as time from "@pulumiverse/time";

/**
 * Benchmark baseline: the same custom resources the callgraph program registers for a topology (recorded from an
 * evaluation of the real program), created flat, as a hand-written program would: the same @pulumi/gcp classes,
 * an input that came from another resource's output wired to that output (`bucket: bucket.name`), the other
 * dependencies as `dependsOn`, and the same `replaceWith`. No component, no validation, no derivation: what the
 * real program costs beyond this is its overhead. bench/plan-cost.ts checks that both dependency graphs agree.
 */
interface Recorded {
  readonly urn: string;
  readonly type: string;
  readonly name: string;
  readonly custom: boolean;
  readonly parent?: string;
  readonly inputs: Readonly<Record<string, unknown>>;
  readonly outputs: Readonly<Record<string, unknown>>;
  readonly dependencies: readonly string[];
  readonly propertyDependencies: Readonly<Record<string, readonly string[]>>;
  readonly options: { readonly replaceWith: readonly string[] };
}

type ResourceClass = new (
  name: string,
  args: never,
  opts?: pulumi.CustomResourceOptions,
) => pulumi.CustomResource;

const CLASSES: Readonly<Record<string, ResourceClass>> = {
  "gcp:projects/service:Service": projects.Service,
  "gcp:storage/bucket:Bucket": storage.Bucket,
  "gcp:storage/bucketIAMMember:BucketIAMMember": storage.BucketIAMMember,
  "gcp:artifactregistry/repository:Repository": artifactregistry.Repository,
  "gcp:artifactregistry/repositoryIamMember:RepositoryIamMember": artifactregistry.RepositoryIamMember,
  "gcp:projects/iAMMember:IAMMember": projects.IAMMember,
  "gcp:serviceaccount/account:Account": serviceaccount.Account,
  "gcp:storage/bucketObject:BucketObject": storage.BucketObject,
  "gcp:cloudfunctions/function:Function": cloudfunctions.Function,
  "gcp:cloudfunctions/functionIamBinding:FunctionIamBinding": cloudfunctions.FunctionIamBinding,
  "gcp:cloudfunctionsv2/function:Function": cloudfunctionsv2.Function,
  "gcp:cloudrunv2/serviceIamBinding:ServiceIamBinding": cloudrunv2.ServiceIamBinding,
  "time:index/sleep:Sleep": time.Sleep,
};

// Parsed once per file version, so reading the recording is the harness's cost, not the baseline's; only the
// latest is kept, so a run over several sizes does not carry the recordings of the smaller ones in its heap.
// The plain baseline reads a recording of the custom resources only; the component variant one with all.
let parsed: { readonly key: string; readonly resources: readonly Recorded[] } | undefined;

function recording(): readonly Recorded[] {
  const file = process.env.CALLGRAPH_FLAT_RESOURCES;
  if (!file)
    throw new Error(
      "flat baseline: CALLGRAPH_FLAT_RESOURCES must name the recorded resources (bench/plan-cost.ts writes it)",
    );
  const stat = fs.statSync(file);
  const key = `${file}\0${stat.mtimeMs}\0${stat.size}`;
  if (parsed?.key !== key)
    parsed = { key, resources: JSON.parse(fs.readFileSync(file, "utf8")) as Recorded[] };
  return parsed.resources;
}

interface Created {
  readonly recorded: Recorded;
  readonly resource: pulumi.CustomResource;
}

/**
 * The output of `from` that holds `value` (its `name` first), as a hand-written program would pass it; an output
 * of `from` that resolves to `value` if the recording names none.
 */
function outputOf(from: Created, value: unknown): pulumi.Output<unknown> {
  const keys = Object.keys(from.recorded.outputs).sort((a, b) => Number(b === "name") - Number(a === "name"));
  const key = keys.find((k) => from.recorded.outputs[k] === value);
  const output = key === undefined ? undefined : (from.resource as unknown as Record<string, unknown>)[key];
  return pulumi.Output.isInstance(output) ? output : from.resource.urn.apply(() => value);
}

/**
 * Exported as a function, like the real program, so the engine can evaluate it repeatedly in one process. With
 * `CALLGRAPH_FLAT_COMPONENTS=1` and a recording that has them, the components are replayed too (same types,
 * names and parents, outputs registered empty): that variant isolates what the Pulumi SDK's component machinery
 * costs from what our program's own code does (bench/plan-cost.ts reports it).
 */
export = async () => {
  const withComponents = process.env.CALLGRAPH_FLAT_COMPONENTS === "1";
  const created = new Map<string, Created>();
  const components = new Map<string, pulumi.ComponentResource>();
  const resolve = (urns: readonly string[]) =>
    urns.map((u) => created.get(u)?.resource).filter((r): r is pulumi.CustomResource => r !== undefined);
  for (const r of recording()) {
    const parent = withComponents && r.parent ? components.get(r.parent) : undefined;
    if (!r.custom) {
      if (withComponents) components.set(r.urn, new pulumi.ComponentResource(r.type, r.name, {}, { parent }));
      continue;
    }
    const Class = CLASSES[r.type];
    if (!Class) throw new Error(`flat baseline: no class for ${r.type}`);
    const inputs: Record<string, unknown> = { ...r.inputs };
    const source = inputs.source as { asset?: string } | undefined;
    if (source?.asset) inputs.source = new pulumi.asset.FileAsset(source.asset);
    const implicit = new Set<string>();
    for (const [key, urns] of Object.entries(r.propertyDependencies)) {
      const from = urns.length === 1 ? created.get(urns[0]) : undefined;
      if (!from) continue; // several sources, or a component: left to dependsOn
      inputs[key] = outputOf(from, inputs[key]);
      implicit.add(urns[0]);
    }
    const resource = new Class(r.name, inputs as never, {
      parent,
      dependsOn: resolve(r.dependencies.filter((u) => !implicit.has(u))),
      replaceWith: resolve(r.options.replaceWith),
    });
    created.set(r.urn, { recorded: r, resource });
  }
  // Protected in the SDK's typings; a component that registers its outputs, as ours do.
  for (const component of components.values()) {
    (component as unknown as { registerOutputs(outputs: object): void }).registerOutputs({});
  }
  return {};
};
