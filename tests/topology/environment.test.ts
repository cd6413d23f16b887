import { parseTopology, type Topology } from "../../topology";
import {
  functionEnvironment,
  MAX_REQUEST_BYTES,
  MAX_REQUEST_BYTES_ENV,
  PLATFORM_VERIFIES_TOKENS_ENV,
} from "../../topology/environment";
import { TARGET } from "./helpers";

const GEN2_TARGET = { ...TARGET, projectNumber: "123456789012" };

/** One private and one public function of generation `generation`, called by a third. */
function graph(generation: 1 | 2): Topology {
  return parseTopology({
    caller: { calls: ["private", "open"], generation },
    private: { invokers: ["group:developers@example.com"], generation },
    open: { invokers: ["allUsers"], generation },
    "open-to-accounts": { invokers: ["allAuthenticatedUsers"], generation },
  });
}

describe("functionEnvironment: who may accept a token whose signature Google removed", () => {
  // Cloud Run documents SIGNATURE_REMOVED_BY_GOOGLE (https://cloud.google.com/run/docs/troubleshooting#signature-removed);
  // for 1st gen it is undocumented either way, so both generations get the same rule.
  test.each([1, 2] as const)(
    "gen%s: a function whose invoker grant Google enforces is told so",
    (generation) => {
      const env = functionEnvironment(graph(generation), "private", GEN2_TARGET);
      expect(env[PLATFORM_VERIFIES_TOKENS_ENV]).toBe("true");
      // A function only its callers may invoke is private too.
      expect(
        functionEnvironment(graph(generation), "caller", GEN2_TARGET)[PLATFORM_VERIFIES_TOKENS_ENV],
      ).toBe("true");
    },
  );

  test.each([
    [1, "open"],
    [1, "open-to-accounts"],
    [2, "open"],
    [2, "open-to-accounts"],
  ] as const)("gen%s: public function %s is never told so (no IAM check verified the token)", (g, name) => {
    expect(functionEnvironment(graph(g), name, GEN2_TARGET)).not.toHaveProperty(PLATFORM_VERIFIES_TOKENS_ENV);
  });
});

describe("functionEnvironment: the platform's request size limit", () => {
  // "Max uncompressed HTTP request size": 10MB (1st gen), 32MB (2nd gen), https://cloud.google.com/functions/quotas
  test("the limits per generation", () => {
    expect(MAX_REQUEST_BYTES).toEqual({ 1: 10_485_760, 2: 33_554_432 });
  });

  test.each([1, 2] as const)("gen%s functions carry their generation's limit", (generation) => {
    for (const name of ["caller", "private", "open"]) {
      expect(functionEnvironment(graph(generation), name, GEN2_TARGET)[MAX_REQUEST_BYTES_ENV]).toBe(
        String(MAX_REQUEST_BYTES[generation]),
      );
    }
  });

  test("a mixed graph gives each function its own generation's limit", () => {
    const t = parseTopology({ a: { calls: ["b"], generation: 1 }, b: { generation: 2 } });
    expect(functionEnvironment(t, "a", GEN2_TARGET)[MAX_REQUEST_BYTES_ENV]).toBe("10485760");
    expect(functionEnvironment(t, "b", GEN2_TARGET)[MAX_REQUEST_BYTES_ENV]).toBe("33554432");
  });
});
