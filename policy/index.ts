import { PolicyPack } from "@pulumi/policy";
import { POLICIES } from "./policies";

// The entry point the Pulumi CLI runs for `--policy-pack policy`. Constructing the pack starts its gRPC
// server, so nothing else (tests, `callgraph check`) imports this file: they use ./policies and ./rules.
new PolicyPack("callgraph", {
  policies: [...POLICIES],
  enforcementLevel: "mandatory",
  description:
    "Least-privilege Cloud Functions: dedicated runtime and build accounts, invoker grants equal to each function's declared callers, no public access, a function trusts Google's token check only where no grant makes it public, no project-level grants but build logs, no keys, private source buckets.",
  provider: "gcp",
  tags: ["gcp", "cloud-functions", "iam"],
});
