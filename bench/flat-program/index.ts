import * as fs from "node:fs";
import * as gcp from "@pulumi/gcp";
import * as pulumi from "@pulumi/pulumi";

/**
 * Benchmark baseline: the same custom resources the callgraph program registers for a topology (their inputs
 * recorded from an evaluation of the real program), created directly with the same @pulumi/gcp classes, with
 * no component, no validation and no derivation. What the real program costs beyond this is its overhead.
 */
interface Recorded {
  readonly urn: string;
  readonly type: string;
  readonly name: string;
  readonly inputs: Record<string, unknown>;
  readonly dependencies: readonly string[];
  readonly options: { readonly replaceWith: readonly string[] };
}

const CLASSES: Record<string, new (name: string, args: never, opts?: pulumi.CustomResourceOptions) => pulumi.CustomResource> = {
  "gcp:projects/service:Service": gcp.projects.Service,
  "gcp:storage/bucket:Bucket": gcp.storage.Bucket,
  "gcp:serviceaccount/account:Account": gcp.serviceaccount.Account,
  "gcp:storage/bucketObject:BucketObject": gcp.storage.BucketObject,
  "gcp:cloudfunctions/function:Function": gcp.cloudfunctions.Function,
  "gcp:cloudfunctions/functionIamBinding:FunctionIamBinding": gcp.cloudfunctions.FunctionIamBinding,
};

const recorded = JSON.parse(fs.readFileSync(process.env.CALLGRAPH_FLAT_RESOURCES!, "utf8")) as Recorded[];
// The same dependency graph and replacement triggers, given as options since the inputs are plain values.
const created = new Map<string, pulumi.CustomResource>();
const resolve = (urns: readonly string[]) => urns.map((u) => created.get(u)).filter((r): r is pulumi.CustomResource => r !== undefined);
for (const r of recorded) {
  const Class = CLASSES[r.type];
  if (!Class) throw new Error(`flat baseline: no class for ${r.type}`);
  const inputs = { ...r.inputs } as Record<string, unknown>;
  const source = inputs.source as { asset?: string } | undefined;
  if (source?.asset) inputs.source = new pulumi.asset.FileAsset(source.asset);
  created.set(r.urn, new Class(r.name, inputs as never, { dependsOn: resolve(r.dependencies), replaceWith: resolve(r.options.replaceWith) }));
}
