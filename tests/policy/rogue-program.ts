import { randomBytes } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { stringify } from "yaml";
import { BASE_CONFIG } from "../fixtures";

export const REPO_ROOT = path.resolve(__dirname, "../..");

/**
 * The stack the fixture programs run: the base fixture (alpha and gamma call beta), so the policies are tested on a
 * known graph whatever the user declares (DESIGN.md invariant 12).
 */
export const FIXTURE_STACK_CONFIG = BASE_CONFIG;

/** {@link FIXTURE_STACK_CONFIG} as a `Pulumi.<stack>.yaml`. */
export const FIXTURE_STACK_YAML = stringify({ config: FIXTURE_STACK_CONFIG });

/** Each rogue resource the program gets, the policy that must catch it, and the resources it names. */
export const ROGUES = {
  rogueMember: { policy: "function-invokers-match-declaration", resources: ["rogue-member"] },
  publicGrant: { policy: "function-no-public-invoker", resources: ["public-grant"] },
  // The public grant opens gamma, which the program told to believe tokens whose signature Google removed.
  publicTrust: { policy: "function-token-trust-matches-grants", resources: ["callgraph-gamma-function"] },
  // Both functions that share alpha's account are at fault.
  sharedAccount: {
    policy: "function-dedicated-service-account",
    resources: ["callgraph-alpha-function", "shared-account"],
  },
  projectInvoker: { policy: "no-project-level-function-roles", resources: ["project-invoker"] },
  key: { policy: "no-service-account-keys", resources: ["alpha-key"] },
  buildRunner: { policy: "build-service-account-isolated", resources: ["build-runner"] },
  // The project-level invoker grant is also one of the grants the stack must not make on a project at all.
  projectGrants: { policy: "no-project-level-grants", resources: ["project-invoker", "build-storage-admin"] },
} as const;

/**
 * The real program (the repository's index.ts, on the fixture stack) with rogue resources added the way a teammate might
 * add them to the same program: a hand-written FunctionIamMember, a public grant, a second function running as
 * alpha's account, a project-level invoker grant for alpha's account, a key, a function running as the stack's
 * build account and a project-wide role for that account. Plus one grant whose member is computed (unknown in
 * preview) and harmless once known, to show that unknowns produce no false violation.
 */
const ROGUE_INDEX = `import * as gcp from "@pulumi/gcp";
import * as pulumi from "@pulumi/pulumi";
import { buildServiceAccountEmail, serviceAccountEmail } from "../../topology";
import program = require("../../index");

export = async () => {
  const outputs = await program();
  const gcpConfig = new pulumi.Config("gcp");
  const project = gcpConfig.require("project");
  const region = gcpConfig.require("region");
  const alpha = serviceAccountEmail("alpha", project);
  const build = buildServiceAccountEmail(project);
  const buildAccount = \`projects/\${project}/serviceAccounts/\${build}\`;

  new gcp.cloudfunctions.FunctionIamMember("rogue-member", {
    project, region, cloudFunction: "beta", role: "roles/cloudfunctions.invoker", member: "user:mallory@example.com",
  });
  new gcp.cloudfunctions.FunctionIamMember("public-grant", {
    project, region, cloudFunction: "gamma", role: "roles/cloudfunctions.invoker", member: "allUsers",
  });
  new gcp.cloudfunctionsv2.Function("shared-account", {
    project, location: region, name: "reports",
    buildConfig: { runtime: "nodejs22", entryPoint: "reports", serviceAccount: buildAccount },
    serviceConfig: { serviceAccountEmail: alpha },
  });
  new gcp.cloudfunctionsv2.Function("build-runner", {
    project, location: region, name: "builder",
    buildConfig: { runtime: "nodejs22", entryPoint: "builder", serviceAccount: buildAccount },
    serviceConfig: { serviceAccountEmail: build },
  });
  new gcp.projects.IAMMember("build-storage-admin", {
    project, role: "roles/storage.admin", member: \`serviceAccount:\${build}\`,
  });
  new gcp.projects.IAMMember("project-invoker", {
    project, role: "roles/cloudfunctions.invoker", member: \`serviceAccount:\${alpha}\`,
  });
  new gcp.serviceaccount.Key("alpha-key", { serviceAccountId: alpha });

  const reporting = new gcp.serviceaccount.Account("reporting", { project, accountId: "reporting-job" });
  const reports = new gcp.storage.Bucket("reports", {
    project, location: "US", uniformBucketLevelAccess: true, publicAccessPrevention: "enforced",
  });
  new gcp.storage.BucketIAMMember("reporting-reader", {
    bucket: reports.name, role: "roles/storage.objectViewer",
    member: pulumi.interpolate\`serviceAccount:\${reporting.email}\`,
  });
  return outputs;
};
`;

/** The real program as it is. */
const CLEAN_INDEX = `import program = require("../../index");

export = program;
`;

export interface RogueProgram {
  readonly dir: string;
  remove(): void;
}

/**
 * Writes the rogue program to a fresh folder inside the repository (so it resolves the repository's
 * node_modules, and the real program finds its function sources), with {@link FIXTURE_STACK_YAML} as its dev stack.
 * `extraStacks` adds `Pulumi.<stack>.yaml` files (YAML text).
 */
export function writeRogueProgram(extraStacks: Readonly<Record<string, string>> = {}): RogueProgram {
  return writeProgram(ROGUE_INDEX, extraStacks);
}

/** The real program alone, in a folder of its own with the same fixture dev stack as the rogue one. */
export function writeCleanProgram(): RogueProgram {
  return writeProgram(CLEAN_INDEX, {});
}

/**
 * A program of `index` (TypeScript that may import the repository's `index.ts` as `../../index`) in a fresh folder
 * inside the repository, with {@link FIXTURE_STACK_YAML} as its dev stack and `extraStacks` beside it.
 */
export function writeProgram(index: string, extraStacks: Readonly<Record<string, string>>): RogueProgram {
  const dir = path.join(REPO_ROOT, ".callgraph", `tmp-policy-${randomBytes(6).toString("hex")}`);
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, "Pulumi.yaml"), "name: callgraph\nruntime: nodejs\n");
  fs.writeFileSync(path.join(dir, "Pulumi.dev.yaml"), FIXTURE_STACK_YAML);
  for (const [stack, yaml] of Object.entries(extraStacks))
    fs.writeFileSync(path.join(dir, `Pulumi.${stack}.yaml`), yaml);
  fs.writeFileSync(path.join(dir, "index.ts"), index);
  return { dir, remove: () => fs.rmSync(dir, { recursive: true, force: true }) };
}
