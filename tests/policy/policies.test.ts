import type { ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";
import * as fs from "node:fs";
import * as path from "node:path";
import { GCP } from "../../iam";
import { POLICIES } from "../../policy/policies";
import { RULES } from "../../policy/rules";
import { resourceArgs } from "./harness";

// The pack's shape: what `pulumi preview --policy-pack policy` loads (policy/index.ts passes POLICIES as they are).
describe("the policy pack", () => {
  test("has one policy per rule, same name and order, kebab-case, at its default level, with the rule's settings as its schema", () => {
    expect(POLICIES.map((p) => p.name)).toEqual(RULES.map((r) => r.name));
    expect(new Set(POLICIES.map((p) => p.name)).size).toBe(POLICIES.length);
    for (const [i, policy] of POLICIES.entries()) {
      const rule = RULES[i];
      expect(policy.name).toMatch(/^[a-z]+(-[a-z]+)+$/);
      expect(policy.enforcementLevel).toBe(rule.defaultEnforcement);
      expect(policy.description).toBe(rule.description);
      expect(policy.remediationSteps).toBe(rule.remediation);
      expect("validateStack" in policy).toBe(rule.kind === "stack");
      const properties = policy.configSchema?.properties ?? {};
      expect(Object.keys(properties)).toEqual(Object.keys(rule.fields));
      for (const [key, field] of Object.entries(rule.fields)) {
        expect(properties[key]).toEqual(
          field.type === "boolean"
            ? { type: "boolean", default: field.default, description: field.description }
            : field.type === "choice"
              ? {
                  type: "string",
                  enum: field.choices,
                  default: field.default,
                  description: field.description,
                }
              : {
                  type: "array",
                  items: { type: "string" },
                  default: field.default,
                  description: field.description,
                },
        );
      }
    }
  });

  // validateResourceOfType(gcp.X, ...) decides by type token; a class missing from a policy would silently skip
  // those resources. A validation that runs asks for its config, so counting getConfig calls shows which ran.
  test.each(RULES.filter((r) => r.kind === "resource").map((r) => [r.name, r] as const))(
    "%s runs on exactly its rule's resource types",
    async (name, rule) => {
      const policy = POLICIES.find((p) => p.name === name) as ResourceValidationPolicy;
      const candidates = [...Object.values(GCP), "gcp:compute/instance:Instance"];
      const ran: string[] = [];
      for (const type of candidates) {
        const args = {
          ...resourceArgs({ type, name: "r", props: {} }),
          getConfig: <T extends object>() => (ran.push(type), {} as T),
        };
        for (const validation of [policy.validateResource ?? []].flat()) {
          try {
            await validation(args, () => undefined);
          } catch {
            // notApplicable for other types; the count is what matters
          }
        }
      }
      expect(ran.sort()).toEqual(rule.kind === "resource" ? [...rule.types].sort() : []);
    },
  );

  test("stack policies are StackValidationPolicies", () => {
    const stackPolicies = POLICIES.filter((p): p is StackValidationPolicy => "validateStack" in p).map(
      (p) => p.name,
    );
    expect(stackPolicies).toEqual(RULES.filter((r) => r.kind === "stack").map((r) => r.name));
  });
});

test("docs/policy.md documents every policy and every setting with its type and default", () => {
  const doc = fs.readFileSync(path.join(__dirname, "../../docs/policy.md"), "utf8");
  const rows = doc
    .split("\n")
    .filter((line) => line.startsWith("|"))
    .map((line) =>
      line
        .split("|")
        .slice(1, -1)
        .map((cell) => cell.trim()),
    );
  const kinds = new Map(rows.filter((r) => r.length === 3).map(([name, kind]) => [name, kind]));
  // Settings rows: policy (blank: the one above; "every policy": a setting all policies have), setting, type,
  // default, meaning.
  const settings = new Set<string>();
  let policy = "";
  for (const row of rows.filter((r) => r.length === 5)) {
    policy = row[0] || policy;
    settings.add(
      row
        .slice(0, 4)
        .map((cell, i) => (i === 0 ? policy : cell))
        .join(" "),
    );
  }
  const typeOf = (field: (typeof RULES)[number]["fields"][string]) =>
    field.type === "boolean" ? "boolean" : field.type === "choice" ? "string" : "string[]";
  const common = Object.entries(RULES[0].fields).filter(([key, field]) =>
    RULES.every((r) => JSON.stringify(r.fields[key]) === JSON.stringify(field)),
  );
  expect(common.map(([key]) => key)).toEqual(["scope"]);
  for (const [key, field] of common) {
    expect(settings).toContain(
      `every policy \`${key}\` ${typeOf(field)} \`${JSON.stringify(field.default)}\``,
    );
  }
  for (const rule of RULES) {
    expect(kinds.get(`\`${rule.name}\``)).toBe(rule.kind);
    for (const [key, field] of Object.entries(rule.fields)) {
      if (common.some(([k]) => k === key)) continue;
      expect(settings).toContain(
        `\`${rule.name}\` \`${key}\` ${typeOf(field)} \`${JSON.stringify(field.default)}\``,
      );
    }
  }
});
