import { formatPath, type TopologyIssue } from "./errors";
import type { FunctionSpec } from "./model";

/**
 * Functions whose ingress refuses their own declared callers. A call from another function leaves the caller for the
 * internet unless the caller routes its egress through a VPC network, so to an internal-only function it is external
 * and refused. 1st gen: "internal-only, HTTP-triggered functions can only be invoked by HTTP requests that are
 * created within a VPC network" (https://cloud.google.com/functions/1stgendocs/networking/network-settings#ingress_settings);
 * 2nd gen is a Cloud Run service: "Requests to Cloud Run from Cloud Run, Cloud Functions, or App Engine must go to the
 * VPC network to be considered internal. To route requests to the VPC network, use Direct VPC egress or a Serverless
 * VPC Access connector and enable Private Google Access on the subnet associated with [it]"
 * (https://cloud.google.com/run/docs/securing/ingress). So a caller whose `vpcConnector` takes all its traffic
 * (`vpcConnectorEgressSettings: ALL_TRAFFIC`) may reach it, and is not reported: whether its subnet has Private
 * Google Access is the network's, which the declaration does not say (verified against those pages only).
 * `ALLOW_INTERNAL_AND_GCLB` adds only what comes through a load balancer, and callers call the function's own URL,
 * so it refuses the others too.
 */
export function unreachableIngress(specs: readonly FunctionSpec[]): TopologyIssue[] {
  return specs.flatMap((spec) => {
    if (spec.ingress === "ALLOW_ALL") return [];
    const callers = specs
      .filter((s) => s.calls.includes(spec.name) && !egressThroughVpc(s))
      .map((s) => s.name);
    if (callers.length === 0) return [];
    const balancer = spec.ingress === "ALLOW_INTERNAL_AND_GCLB" ? " or through a load balancer" : "";
    return [
      {
        path: formatPath(["functions", spec.name, "ingress"]),
        message:
          `${JSON.stringify(spec.ingress)} refuses the calls of ${callers.join(", ")}: it admits only requests ` +
          `from inside a VPC network${balancer}, and their egress does not go through one, so their calls arrive ` +
          `from the internet. Set "ALLOW_ALL" (IAM still refuses every caller not declared), route the egress of ` +
          `each caller through a VPC network ("vpcConnector" with "vpcConnectorEgressSettings": "ALL_TRAFFIC", and ` +
          `Private Google Access on its subnet), or remove the calls to ${spec.name}`,
      },
    ];
  });
}

/** Whether every request of the function, its calls to other functions' URLs among them, leaves through its connector. */
function egressThroughVpc(spec: FunctionSpec): boolean {
  return spec.vpcConnector !== undefined && spec.vpcConnectorEgressSettings === "ALL_TRAFFIC";
}
