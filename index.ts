import * as organizations from "@pulumi/gcp/organizations";
import * as pulumi from "@pulumi/pulumi";
import { CallGraph, requireCliVersion } from "callgraph";

/**
 * The reference program: the call graph declared in this stack's config (`callgraph:functions`), deployed by the
 * callgraph package's `CallGraph`, as a user's program would. It is exported as a function (Pulumi runs it and takes
 * its result as the stack outputs) to look the project number up before anything is registered; a program that sets
 * `callgraph:projectNumber` can be a plain top-level one (`templates/` has one).
 */
export = async () => {
  await requireCliVersion();
  const project = new pulumi.Config("gcp").get("project");
  // 2nd-gen URLs and the buckets builds read from carry the project number: from config, or looked up (a read,
  // known at preview time too). Without a project there is nothing to look up: CallGraph then names both keys,
  // with every problem of the declaration.
  const projectNumber =
    new pulumi.Config("callgraph").get("projectNumber") ??
    (project ? (await organizations.getProject({ projectId: project })).number : undefined);

  // Validates the declaration, builds every archive and checks every call site before registering anything: a bad
  // graph (or an undeclared call in the code) deploys nothing. Sources are relative to this folder.
  const graph = new CallGraph("callgraph", { projectNumber, root: __dirname });

  return {
    /** Every function's URL and runtime service account. */
    functions: pulumi
      .all([graph.urls, graph.serviceAccounts])
      .apply(([urls, accounts]) =>
        Object.fromEntries(
          Object.keys(urls).map((name) => [name, { url: urls[name], serviceAccount: accounts[name] }]),
        ),
      ),
    /** The account every function is built by. */
    buildServiceAccount: graph.buildServiceAccount.email,
    /** The declared call graph: who may invoke whom, and who else may invoke each function. */
    callGraph: {
      edges: graph.edges,
      invokers: Object.fromEntries(graph.topology.functions.map((f) => [f.name, f.invokers])),
    },
  };
};
