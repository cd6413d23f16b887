import * as grpc from "@grpc/grpc-js";
import { AnalyzerClient } from "@pulumi/pulumi/proto/analyzer_grpc_pb";
import {
  AnalyzeDiagnostic,
  AnalyzeRequest,
  AnalyzeResponse,
  AnalyzerInfo,
  AnalyzerResource,
  AnalyzerResourceOptions,
  AnalyzeStackRequest,
  ConfigureAnalyzerRequest,
  EnforcementLevel,
  PolicyConfig,
} from "@pulumi/pulumi/proto/analyzer_pb";
import { unknownValue } from "@pulumi/pulumi/runtime/rpc";
import { spawn, type ChildProcess } from "node:child_process";
import * as path from "node:path";
import { Empty } from "google-protobuf/google/protobuf/empty_pb";
import { Struct } from "google-protobuf/google/protobuf/struct_pb";
import { RULES } from "../../policy/rules";
import {
  COMPUTED,
  gen1Function,
  gen2Function,
  happyStack,
  invokerMember,
  urnOf,
  withProp,
  withUnknownsAs,
  type TestResource,
} from "./fixtures";
import { REPO_ROOT } from "./rogue-program";

/**
 * The pack as the Pulumi CLI runs it for `--policy-pack policy`: `run-policy-pack` in a child process, from the
 * pack's folder, TypeScript compiled and type-checked by Pulumi's own ts-node; then the CLI's gRPC calls
 * (Analyzer service). Proves the folder layout, package.json, tsconfig and PolicyPack wiring, which the
 * in-process tests cannot (they must never construct the PolicyPack).
 */
jest.setTimeout(60_000);

let pack: ChildProcess;
let client: AnalyzerClient;

/** One unary gRPC call, as a promise. */
function call<Res>(
  invoke: (done: (error: grpc.ServiceError | null, res: Res) => void) => unknown,
): Promise<Res> {
  return new Promise((resolve, reject) => invoke((error, res) => (error ? reject(error) : resolve(res))));
}

function options(): AnalyzerResourceOptions {
  return new AnalyzerResourceOptions().setCustomtimeouts(new AnalyzerResourceOptions.CustomTimeouts());
}

function analyzeRequest(r: TestResource): AnalyzeRequest {
  return new AnalyzeRequest()
    .setType(r.type)
    .setName(r.name)
    .setUrn(urnOf(r))
    .setProperties(Struct.fromJavaScript(withUnknownsAs(r.props, unknownValue) as Record<string, never>))
    .setOptions(options());
}

function diagnostics(list: AnalyzeDiagnostic[]) {
  return list.map((d) => ({
    policy: d.getPolicyname(),
    level: d.getEnforcementlevel(),
    urn: d.getUrn(),
    message: d.getMessage(),
  }));
}

beforeAll(async () => {
  const runner = path.join(REPO_ROOT, "node_modules/@pulumi/pulumi/cmd/run-policy-pack");
  pack = spawn(process.execPath, [runner, "127.0.0.1:0", "."], {
    cwd: path.join(REPO_ROOT, "policy"),
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stderr = "";
  pack.stderr?.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  // The pack prints the port of its gRPC server on stdout once it listens.
  const port = await new Promise<number>((resolve, reject) => {
    let stdout = "";
    pack.stdout?.on("data", (chunk: Buffer) => {
      stdout += chunk.toString();
      const match = /^(\d+)\s*$/m.exec(stdout);
      if (match) resolve(Number(match[1]));
    });
    pack.on("exit", (code) =>
      reject(new Error(`the pack exited (${code}) before listening:\n${stdout}\n${stderr}`)),
    );
  });
  client = new AnalyzerClient(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
});

afterAll(() => {
  client?.close();
  if (pack?.pid !== undefined && pack.exitCode === null) pack.kill();
});

test("the pack loads and describes every policy, at its default level, with its config schema", async () => {
  const info = await call<AnalyzerInfo>((done) => client.getAnalyzerInfo(new Empty(), done));
  expect(info.getName()).toBe("callgraph");
  expect(info.getVersion()).toBe("0.1.0");
  expect(info.getPoliciesList().map((p) => [p.getName(), p.getEnforcementlevel()])).toEqual(
    RULES.map((r) => [
      r.name,
      r.defaultEnforcement === "advisory" ? EnforcementLevel.ADVISORY : EnforcementLevel.MANDATORY,
    ]),
  );
  const schema = info
    .getPoliciesList()
    .find((p) => p.getName() === "function-no-public-invoker")
    ?.getConfigschema();
  expect(schema?.getProperties()?.toJavaScript()).toMatchObject({
    forbidPublic: { type: "boolean", default: false },
  });
});

test("Analyze reports a function without its own account as a mandatory violation", async () => {
  const fn = withProp(gen1Function("login", []), "serviceAccountEmail", undefined);
  const response = await call<AnalyzeResponse>((done) => client.analyze(analyzeRequest(fn), done));
  expect(diagnostics(response.getDiagnosticsList())).toEqual([
    {
      policy: "function-explicit-service-account",
      level: EnforcementLevel.MANDATORY,
      urn: urnOf(fn),
      message: expect.stringMatching(
        /^Every Cloud Function .*\n.*sets no serviceAccountEmail, so it runs as the default account/,
      ),
    },
  ]);
});

test("Analyze reports a gen2 function built as the project's default build identity", async () => {
  const fn = withProp(gen2Function("reports", []), "buildConfig.serviceAccount", undefined);
  const response = await call<AnalyzeResponse>((done) => client.analyze(analyzeRequest(fn), done));
  expect(diagnostics(response.getDiagnosticsList())).toEqual([
    {
      policy: "function-explicit-build-service-account",
      level: EnforcementLevel.MANDATORY,
      urn: urnOf(fn),
      message: expect.stringMatching(
        /^Every Cloud Function .*\n.*sets no buildConfig\.serviceAccount, so Cloud Build builds it as the project's default build identity/,
      ),
    },
  ]);
});

test("Analyze turns an unknown value into the CLI's advisory 'can't run during preview' note, not a violation", async () => {
  const fn = withProp(gen1Function("login", []), "serviceAccountEmail", COMPUTED);
  const response = await call<AnalyzeResponse>((done) => client.analyze(analyzeRequest(fn), done));
  expect(diagnostics(response.getDiagnosticsList())).toEqual([
    {
      policy: "function-explicit-service-account",
      level: EnforcementLevel.ADVISORY,
      urn: "",
      message: expect.stringContaining(
        "during preview: string value at .serviceAccountEmail can't be known during preview",
      ),
    },
  ]);
});

test("AnalyzeStack reports a rogue grant against its URN; Configure changes the level", async () => {
  const stack = [...happyStack(), invokerMember("rogue", "profiles", "user:mallory@example.com")];
  const request = new AnalyzeStackRequest().setResourcesList(
    stack.map((r) =>
      new AnalyzerResource()
        .setType(r.type)
        .setName(r.name)
        .setUrn(urnOf(r))
        .setProperties(Struct.fromJavaScript(r.props as Record<string, never>))
        .setOptions(options()),
    ),
  );
  const mandatory = diagnostics(
    (await call<AnalyzeResponse>((done) => client.analyzeStack(request, done))).getDiagnosticsList(),
  );
  expect(mandatory).toEqual([
    {
      policy: "function-invokers-match-declaration",
      level: EnforcementLevel.MANDATORY,
      urn: urnOf(stack[stack.length - 1]),
      message: expect.stringContaining(
        '"rogue" grants roles/cloudfunctions.invoker on Cloud Function "profiles" to user:mallory@example.com',
      ),
    },
  ]);

  const configure = new ConfigureAnalyzerRequest();
  configure
    .getPolicyconfigMap()
    .set(
      "function-invokers-match-declaration",
      new PolicyConfig()
        .setEnforcementlevel(EnforcementLevel.ADVISORY)
        .setProperties(Struct.fromJavaScript({})),
    );
  await call<Empty>((done) => client.configure(configure, done));
  const advisory = diagnostics(
    (await call<AnalyzeResponse>((done) => client.analyzeStack(request, done))).getDiagnosticsList(),
  );
  expect(advisory.map((d) => d.level)).toEqual([EnforcementLevel.ADVISORY]);
});
