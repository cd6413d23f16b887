import { parseTopology, type TopologyIssue } from "../../topology";
import { expectRejected, happyPath, withFunction } from "./helpers";

const issue = (path: string, message: string): TopologyIssue => ({ path, message });

// Calls between functions reach the callee from the internet unless the caller's egress goes through a VPC
// network (a connector taking all its traffic): internal-only ingress refuses the others (1st gen:
// https://cloud.google.com/functions/1stgendocs/networking/network-settings#ingress_settings; 2nd gen:
// https://cloud.google.com/run/docs/securing/ingress), and so does internal-and-load-balancer ingress, since
// callers call the function's own URL, not a load balancer.
describe("ingress that refuses the declared callers", () => {
  test.each([
    [
      "internal-only ingress on a function with two callers",
      withFunction("profiles", { ingress: "ALLOW_INTERNAL_ONLY" }),
      [
        issue(
          "functions.profiles.ingress",
          '"ALLOW_INTERNAL_ONLY" refuses the calls of login, search: it admits only requests from inside a VPC network, and their egress does not go through one, so their calls arrive from the internet. Set "ALLOW_ALL" (IAM still refuses every caller not declared), route the egress of each caller through a VPC network ("vpcConnector" with "vpcConnectorEgressSettings": "ALL_TRAFFIC", and Private Google Access on its subnet), or remove the calls to profiles',
        ),
      ],
    ],
    [
      "internal-and-load-balancer ingress on a 2nd-gen function with a caller",
      { a: { calls: ["b"] }, b: { ingress: "ALLOW_INTERNAL_AND_GCLB", generation: 2 } },
      [
        issue(
          "functions.b.ingress",
          '"ALLOW_INTERNAL_AND_GCLB" refuses the calls of a: it admits only requests from inside a VPC network or through a load balancer, and their egress does not go through one, so their calls arrive from the internet. Set "ALLOW_ALL" (IAM still refuses every caller not declared), route the egress of each caller through a VPC network ("vpcConnector" with "vpcConnectorEgressSettings": "ALL_TRAFFIC", and Private Google Access on its subnet), or remove the calls to b',
        ),
      ],
    ],
  ])("rejects %s", (_label, raw, issues) => expectRejected(raw, issues));

  test.each([["ALLOW_INTERNAL_ONLY"], ["ALLOW_INTERNAL_AND_GCLB"]])(
    "%s is accepted on a function nobody calls",
    (ingress) => {
      const topology = parseTopology(
        withFunction("login", { calls: ["profiles"], invokers: ["group:developers@example.com"], ingress }),
      );
      expect(topology.functions.find((f) => f.name === "login")?.ingress).toBe(ingress);
    },
  );

  test("a caller whose connector takes all its traffic may call an internal-only function; the others are named", () => {
    const connector = "projects/callgraph-dev/locations/us-central1/connectors/private";
    const raw = {
      front: { calls: ["back"], vpcConnector: connector, vpcConnectorEgressSettings: "ALL_TRAFFIC" },
      side: { calls: ["back"], vpcConnector: connector, vpcConnectorEgressSettings: "PRIVATE_RANGES_ONLY" },
      back: { ingress: "ALLOW_INTERNAL_ONLY" },
    };
    expect(() => parseTopology({ ...raw, side: {} })).not.toThrow();
    expect(() => parseTopology(raw)).toThrow(/"ALLOW_INTERNAL_ONLY" refuses the calls of side: /);
  });

  test("ALLOW_ALL is accepted on a function with callers", () => {
    expect(parseTopology(withFunction("profiles", { ingress: "ALLOW_ALL" })).functions).toHaveLength(3);
  });

  test("every such function is reported, with the other problems", () => {
    const error = (() => {
      try {
        parseTopology({
          ...happyPath(),
          profiles: { ingress: "ALLOW_INTERNAL_ONLY", calls: ["nowhere"] },
          search: { calls: ["profiles"], ingress: "ALLOW_INTERNAL_ONLY" },
          login: { calls: ["profiles", "search"] },
        });
      } catch (e) {
        return e as Error;
      }
      return undefined;
    })();
    expect(error?.message.split("\n").slice(1)).toEqual([
      '  functions.profiles.calls[0]: unknown function "nowhere"',
      '  functions.profiles.ingress: "ALLOW_INTERNAL_ONLY" refuses the calls of login, search: it admits only requests from inside a VPC network, and their egress does not go through one, so their calls arrive from the internet. Set "ALLOW_ALL" (IAM still refuses every caller not declared), route the egress of each caller through a VPC network ("vpcConnector" with "vpcConnectorEgressSettings": "ALL_TRAFFIC", and Private Google Access on its subnet), or remove the calls to profiles',
      '  functions.search.ingress: "ALLOW_INTERNAL_ONLY" refuses the calls of login: it admits only requests from inside a VPC network, and their egress does not go through one, so their calls arrive from the internet. Set "ALLOW_ALL" (IAM still refuses every caller not declared), route the egress of each caller through a VPC network ("vpcConnector" with "vpcConnectorEgressSettings": "ALL_TRAFFIC", and Private Google Access on its subnet), or remove the calls to search',
    ]);
  });
});
