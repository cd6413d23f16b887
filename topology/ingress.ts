import { formatPath, type TopologyIssue } from "./errors";
import type { FunctionSpec } from "./model";

/**
 * Functions whose ingress refuses their own declared callers. A call from another function leaves the caller
 * for the internet unless the caller routes its egress through a VPC network (Serverless VPC Access or Direct
 * VPC egress), which this program does not configure; so to an internal-only function it is external and
 * refused. 1st gen: "internal-only, HTTP-triggered functions can only be invoked by HTTP requests that are
 * created within a VPC network" (https://cloud.google.com/functions/1stgendocs/networking/network-settings#ingress_settings);
 * 2nd gen is a Cloud Run service: "Requests to Cloud Run from Cloud Run, Cloud Functions, or App Engine must go
 * to the VPC network to be considered internal" (https://cloud.google.com/run/docs/securing/ingress).
 * `ALLOW_INTERNAL_AND_GCLB` adds only what comes through a load balancer, and callers call the function's own
 * URL, so it refuses them too.
 */
export function unreachableIngress(specs: readonly FunctionSpec[]): TopologyIssue[] {
  return specs.flatMap((spec) => {
    if (spec.ingress === "ALLOW_ALL") return [];
    const callers = specs.filter((s) => s.calls.includes(spec.name)).map((s) => s.name);
    if (callers.length === 0) return [];
    const balancer = spec.ingress === "ALLOW_INTERNAL_AND_GCLB" ? " or through a load balancer" : "";
    return [
      {
        path: formatPath(["functions", spec.name, "ingress"]),
        message:
          `${JSON.stringify(spec.ingress)} refuses the calls of ${callers.join(", ")}: it admits only requests ` +
          `from inside a VPC network${balancer}, and callgraph gives its functions no VPC egress, so calls ` +
          `between functions arrive from the internet. Set "ALLOW_ALL" (IAM still refuses every caller not ` +
          `declared), or remove the calls to ${spec.name}`,
      },
    ];
  });
}
