import { fromEngine } from "../../engine";
import { PolicyConfigError } from "../../policy/config";
import { parsePackConfig } from "../../policy/pack-config";
import { RULES } from "../../policy/rules";
import { runRules } from "../../policy/run-rules";
import { happyStack, invokerMember } from "./fixtures";
import { registered } from "./harness";

const level = (raw: unknown, policy: string) => parsePackConfig(raw, RULES, "test").levels.get(policy);

describe("policy pack config (the --policy-pack-config format)", () => {
  test("every policy runs at its default level, mandatory but for function-grants-used", () => {
    const settings = parsePackConfig(undefined, RULES, "test");
    expect([...settings.levels.values()]).toEqual(
      RULES.map((r) => (r.name === "function-grants-used" ? "advisory" : "mandatory")),
    );
  });

  test('"all" sets every level; a policy\'s own level, as a string or enforcementLevel, wins', () => {
    const raw = {
      all: "advisory",
      "no-service-account-keys": "mandatory",
      "storage-bucket-private": { enforcementLevel: "disabled", exemptBuckets: ["site"] },
    };
    expect(level(raw, "function-explicit-service-account")).toBe("advisory");
    expect(level(raw, "no-service-account-keys")).toBe("mandatory");
    expect(level(raw, "storage-bucket-private")).toBe("disabled");
    expect(parsePackConfig(raw, RULES, "test").configs.get("storage-bucket-private")).toEqual({
      exemptBuckets: ["site"],
    });
    expect(level({ all: { enforcementLevel: "advisory" } }, "no-service-account-keys")).toBe("advisory");
  });

  test.each([
    [
      "not an object",
      ["mandatory"],
      'cfg.json: must be an object mapping policy names (or "all") to settings',
    ],
    [
      "an unknown policy",
      { "no-keys": "mandatory" },
      'cfg.json: unknown policy "no-keys" (policies: function-explicit-service-account,',
    ],
    [
      "a bad level",
      { all: "strict" },
      'cfg.json: "all": enforcementLevel must be one of advisory, mandatory, remediate, disabled, not "strict"',
    ],
    [
      "settings under all",
      { all: { enforcementLevel: "advisory", forbidPublic: true } },
      'cfg.json: "all" takes only an enforcement level',
    ],
    [
      "an unknown setting",
      { "function-no-public-invoker": { forbidPublicc: true } },
      'cfg.json: policy "function-no-public-invoker" has no setting "forbidPublicc" (its settings: forbidPublic, allowedPublicFunctions, scope)',
    ],
    [
      "a setting of the wrong type",
      { "function-no-public-invoker": { forbidPublic: "yes" } },
      'cfg.json: policy "function-no-public-invoker": "forbidPublic" must be true or false, not "yes"',
    ],
    [
      "a list that is not of strings",
      { "no-service-account-keys": { allowedAccounts: [1] } },
      '"allowedAccounts" must be a list of strings, not [1]',
    ],
  ])("rejects %s, saying where and what", (_label, raw, message) => {
    expect(() => parsePackConfig(raw, RULES, "cfg.json")).toThrow(PolicyConfigError);
    expect(() => parsePackConfig(raw, RULES, "cfg.json")).toThrow(message);
  });

  test("every problem at once, on one line: one policy's mistake hides no other's", () => {
    const raw = {
      nosuch: "mandatory",
      "no-project-level-grants": "bogus",
      "function-no-public-invoker": { forbidPublic: "yes" },
      all: "strict",
    };
    expect(() => parsePackConfig(raw, RULES, "cfg.json")).toThrow(
      new PolicyConfigError(
        'cfg.json: unknown policy "nosuch" (policies: ' +
          RULES.map((r) => r.name).join(", ") +
          '); "no-project-level-grants": enforcementLevel must be one of advisory, mandatory, remediate, disabled, not "bogus"; ' +
          'policy "function-no-public-invoker": "forbidPublic" must be true or false, not "yes"; ' +
          '"all": enforcementLevel must be one of advisory, mandatory, remediate, disabled, not "strict"',
      ),
    );
  });

  test("runRules reports at the configured level and skips disabled policies", () => {
    const resources = fromEngine(
      registered([...happyStack(), invokerMember("rogue", "profiles", "user:mallory@example.com")]),
    );
    const advisory = runRules(
      resources,
      parsePackConfig({ "function-invokers-match-declaration": "advisory" }, RULES, "test"),
    );
    expect(advisory.violations.map((v) => [v.policy, v.enforcementLevel])).toEqual([
      ["function-invokers-match-declaration", "advisory"],
    ]);
    const disabled = runRules(
      resources,
      parsePackConfig({ "function-invokers-match-declaration": "disabled" }, RULES, "test"),
    );
    expect(disabled.violations).toEqual([]);
    expect(
      disabled.policies.find((p) => p.name === "function-invokers-match-declaration")?.enforcementLevel,
    ).toBe("disabled");
  });
});
