// Run by tests/engine/deferred-modules.test.ts in a process of its own (jest's module registry bypasses Node's
// loader): an evaluation, what it loaded, then a closure serialized and the Automation API read, which need the deferred
// modules. Pulumi's own
// TypeScript shim is what is watched, not TypeScript: the call-site proofs load TypeScript themselves when their
// cache is empty (a fresh clone), and that load is not Pulumi's.
import * as path from "node:path";
import { evaluateFixture, REPO_ROOT } from "../../fixtures";

const loaded = (suffix: string) => Object.keys(require.cache).some((file) => file.endsWith(suffix));
const TYPESCRIPT_SHIM = path.join("node_modules", "@pulumi", "pulumi", "typescript-shim.js");
const ARBORIST = path.join("node_modules", "@npmcli", "arborist", "lib", "index.js");
const AUTOMATION = path.join("node_modules", "@pulumi", "pulumi", "automation", "index.js");

async function main(): Promise<void> {
  const evaluation = await evaluateFixture();
  const afterEvaluation = {
    typescriptShim: loaded(TYPESCRIPT_SHIM),
    arborist: loaded(ARBORIST),
    automation: loaded(AUTOMATION),
  };
  const pulumi = require(require.resolve("@pulumi/pulumi", { paths: [REPO_ROOT] })) as {
    runtime: { serializeFunction(f: () => unknown): Promise<{ text: string }> };
    automation: { LocalWorkspace?: unknown };
  };
  const serialized = await pulumi.runtime.serializeFunction(() => 6 * 7);
  // The Automation API, read afterwards as a program driving a stack would: the real module, loaded then.
  const localWorkspace = typeof pulumi.automation.LocalWorkspace;
  process.stdout.write(
    JSON.stringify({
      resources: evaluation.resources.length,
      afterEvaluation,
      serialized: /exports\.handler = [\s\S]*6\s*\*\s*7/.test(serialized.text),
      afterSerializing: { typescriptShim: loaded(TYPESCRIPT_SHIM) },
      automation: { localWorkspace, loaded: loaded(AUTOMATION) },
    }),
  );
}

void main();
