import * as path from "node:path";
import * as cloudfunctions from "@pulumi/gcp/cloudfunctions";
import * as serviceaccount from "@pulumi/gcp/serviceaccount";
import * as storage from "@pulumi/gcp/storage";
import * as pulumi from "@pulumi/pulumi";
import { buildFunctionArchive } from "../../components";
import { parseTopology, serviceAccountId, type FunctionSpec } from "../../topology";

/**
 * Benchmark baseline: the pattern most examples use, where a caller's environment is built from its callees'
 * `httpsTriggerUrl` outputs. Every caller then waits for its callees to deploy (and a cycle cannot deploy at
 * all), which is what invariant 5 avoids by computing URLs. Functions are created callees first.
 *
 * Exported as a function, like the real program, so the engine can evaluate it repeatedly in one process.
 */
export = async () => {
  const project = new pulumi.Config("gcp").require("project");
  const region = new pulumi.Config("gcp").require("region");
  const topology = parseTopology(new pulumi.Config("callgraph").getObject("functions"));
  const byName = new Map(topology.functions.map((f) => [f.name, f]));
  const root = path.resolve(__dirname, "../..");
  const bucket = new storage.Bucket("source", {
    location: region.toUpperCase(),
    uniformBucketLevelAccess: true,
    publicAccessPrevention: "enforced",
  });

  const deployed = new Map<string, cloudfunctions.Function>();
  const visiting = new Set<string>();
  const deploy = (spec: FunctionSpec): cloudfunctions.Function => {
    const existing = deployed.get(spec.name);
    if (existing) return existing;
    if (visiting.has(spec.name)) throw new Error(`cycle through ${spec.name}: this pattern cannot deploy it`);
    visiting.add(spec.name);
    const callees = spec.calls.map((name) => ({ name, fn: deploy(byName.get(name)!) }));
    const account = new serviceaccount.Account(`${spec.name}-sa`, {
      project,
      accountId: serviceAccountId(spec.name),
    });
    const archive = buildFunctionArchive({ projectRoot: root, source: spec.source });
    const object = new storage.BucketObject(`${spec.name}-source`, {
      bucket: bucket.name,
      name: `${spec.name}/${archive.sha256}.zip`,
      source: new pulumi.asset.FileAsset(archive.path),
    });
    const fn = new cloudfunctions.Function(`${spec.name}-function`, {
      project,
      region,
      name: spec.name,
      runtime: "nodejs22",
      entryPoint: spec.entryPoint,
      sourceArchiveBucket: bucket.name,
      sourceArchiveObject: object.name,
      triggerHttp: true,
      serviceAccountEmail: account.email,
      environmentVariables: {
        // The pattern under test: the caller's environment waits for each callee's deployed URL.
        CALLGRAPH_CALLEES: pulumi
          .all(
            callees.map(({ name, fn: callee }) =>
              callee.httpsTriggerUrl.apply((url) => [name, url] as const),
            ),
          )
          .apply((pairs) => JSON.stringify(Object.fromEntries(pairs))),
      },
    });
    for (const { name, fn: callee } of callees) {
      new cloudfunctions.FunctionIamMember(`${spec.name}-invokes-${name}`, {
        project,
        region,
        cloudFunction: callee.name,
        role: "roles/cloudfunctions.invoker",
        member: pulumi.interpolate`serviceAccount:${account.email}`,
      });
    }
    deployed.set(spec.name, fn);
    visiting.delete(spec.name);
    return fn;
  };
  for (const spec of topology.functions) deploy(spec);
  return {};
};
