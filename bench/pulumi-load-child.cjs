// Child of bench/pulumi-load.ts: loads the Pulumi program in its working directory exactly as `pulumi preview` /
// `pulumi up` do, by calling the installed SDK's own `run` (node_modules/@pulumi/pulumi/cmd/run/run.js), which
// reads the tsconfig, decides transpile-only, picks TypeScript and ts-node (its tsutils) and registers ts-node
// before it requires the program. The parent sets the environment the Pulumi language host would
// (PULUMI_NODEJS_TYPESCRIPT, PULUMI_NODEJS_TSCONFIG_PATH) and a fresh ts-node cache folder.
//
// Plain CommonJS run by plain `node`, on purpose: under tsx (or any other loader) `.ts` files would not reach
// Pulumi's ts-node alone, and what is measured would not be what Pulumi does.
//
// Only the CLI shell around `run` is left out: cmd/run/index.js parses the engine's flags and connects to the
// engine as soon as it is loaded, so `run.js`, which imports it for one exit-code constant, gets that constant
// here, and Pulumi's mocks stand in for the engine. No config is given (PULUMI_CONFIG={}), so the program stops
// at its first missing key (a `require` of it, or CallGraph's refusal, which names every key it lacks before it
// registers anything): what is timed is loading and compiling the program, and nothing is registered but the
// stack's root resource, with the mocks.
//
// Prints one JSON line: { ms, cpuMs, maxRssMb, stoppedAt } (stoppedAt: the config key the program missed
// first). cpuMs is this process's CPU time over the same span: on a shared machine it moves with the neighbours'
// load much less than wall time does.
"use strict";
const Module = require("node:module");

const programDir = process.cwd();
const resolve = (request) => require.resolve(request, { paths: [programDir] });

const cliEntry = resolve("@pulumi/pulumi/cmd/run");
const shell = new Module(cliEntry);
shell.filename = cliEntry;
shell.loaded = true;
// The value cmd/run/index.js exports (nodeJSProcessExitedAfterLoggingUserActionableMessage).
shell.exports = { nodeJSProcessExitedAfterLoggingUserActionableMessage: 32 };
require.cache[cliEntry] = shell;

const pulumi = require(resolve("@pulumi/pulumi"));
const { run } = require(resolve("@pulumi/pulumi/cmd/run/run"));
const { leakedPromises } = require(resolve("@pulumi/pulumi/runtime/debuggable"));

pulumi.runtime.setMocks(
  {
    newResource: (args) => ({ id: undefined, state: args.inputs }),
    call: (args) => {
      throw new Error(
        `pulumi-load-child: no invoke is expected before the program's config read, got ${args.token}`,
      );
    },
  },
  "pulumi-load",
  "bench",
  true,
);

function finish(stoppedAt) {
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  const { user, system } = process.cpuUsage(startCpu);
  const maxRssMb = (process.resourceUsage().maxRSS * 1024) / 2 ** 20; // maxRSS is in KiB
  // The stack's outputs stay pending (the program stopped on purpose): drop Pulumi's record of them, so its
  // exit-time leak report does not turn a measured load into a failure.
  leakedPromises();
  process.stdout.write(`${JSON.stringify({ ms, cpuMs: (user + system) / 1000, maxRssMb, stoppedAt })}\n`);
  process.exit(0);
}

function fail(message) {
  process.stderr.write(`${message}\n`);
  process.exit(1);
}

// The program as the language host passes it: Pulumi.yaml's `main` (argv[2], from the parent), else "." (run.js then
// takes the package's entry).
const startCpu = process.cpuUsage();
const start = process.hrtime.bigint();
run(
  { _: [process.argv[2] ?? "."] },
  () => undefined,
  () => undefined,
  () => false,
).then(
  () => fail("the program ran to its end without config: nothing says its load was all that was timed"),
  (error) => {
    // ConfigMissingError is not exported by the SDK: known by its name and the key it carries.
    if (error?.constructor?.name === "ConfigMissingError" && typeof error.key === "string") finish(error.key);
    // A program that reads its config with `get` (the reference one) stops at CallGraph's refusal instead, which
    // names every missing key at once, before anything is registered: the first it names is where it stopped.
    else if (error?.name === "TopologyError" && typeof error.issues?.[0]?.path === "string")
      finish(error.issues[0].path);
    else fail(`loading the program failed: ${error?.stack ?? error}`);
  },
);
