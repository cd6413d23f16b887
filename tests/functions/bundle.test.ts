import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import * as fs from "node:fs";
import { isBuiltin } from "node:module";
import * as os from "node:os";
import * as path from "node:path";
import * as esbuild from "esbuild";
import { fixtureSource, REPO_ROOT } from "../fixtures";
import { startFakeCallee, type FakeCallee } from "./support/fake-callee";
import { refusedOrigin } from "./support/loopback";
import {
  startMetadataServer,
  startTokenAuthority,
  type MetadataServer,
  type TokenAuthority,
} from "./support/token-authority";

const FUNCTIONS = ["alpha", "beta", "gamma", "relay"] as const;
// main.js is not in the package's exports map; it sits next to the entry point.
const FRAMEWORK_MAIN = path.join(
  path.dirname(require.resolve("@google-cloud/functions-framework")),
  "main.js",
);
const outDir = fs.mkdtempSync(path.join(os.tmpdir(), "callgraph-bundles-"));

/** Bundles a function as the program does: one CommonJS file with every dependency inlined. */
async function bundle(name: (typeof FUNCTIONS)[number]): Promise<{ file: string; externals: string[] }> {
  const dir = path.join(outDir, name);
  const result = await esbuild.build({
    entryPoints: [path.join(REPO_ROOT, fixtureSource(name), "index.ts")],
    bundle: true,
    platform: "node",
    target: "node20",
    format: "cjs",
    outfile: path.join(dir, "index.js"),
    metafile: true,
    logLevel: "silent",
  });
  fs.writeFileSync(
    path.join(dir, "package.json"),
    JSON.stringify({ name, version: "1.0.0", main: "index.js" }),
  );
  const externals = Object.values(result.metafile.outputs).flatMap((o) =>
    o.imports.filter((i) => i.external).map((i) => i.path),
  );
  return { file: path.join(dir, "index.js"), externals: [...new Set(externals)].sort() };
}

afterAll(() => fs.rmSync(outDir, { recursive: true, force: true }));

describe.each(FUNCTIONS)("the %s bundle", (name) => {
  test("needs nothing but Node's built-in modules, and exports the handler under the function's name", async () => {
    const { file, externals } = await bundle(name);
    expect(externals.filter((m) => !isBuiltin(m))).toEqual([]);
    // A fresh process, no environment: importing must not read or require CALLGRAPH_* variables.
    const type = execFileSync(
      process.execPath,
      ["-e", `process.stdout.write(typeof require(${JSON.stringify(file)}).${name})`],
      {
        env: { PATH: process.env.PATH },
      },
    ).toString();
    expect(type).toBe("function");
  });
});

describe("a caller's bundle served by the Functions Framework, as on the platform", () => {
  let authority: TokenAuthority;
  let metadata: MetadataServer;
  let beta: FakeCallee;
  let child: ChildProcess;
  let url: string;
  const SELF = "https://us-central1-proj.cloudfunctions.net/alpha";
  const ALPHA_SA = "fn-alpha@proj.iam.gserviceaccount.com";

  beforeAll(async () => {
    authority = await startTokenAuthority();
    metadata = await startMetadataServer(authority, ALPHA_SA);
    beta = await startFakeCallee({
      name: "beta",
      jwksUrl: authority.jwksUrl,
      callerSa: ALPHA_SA,
      answer: (query) => ({ status: 200, body: { function: "beta", from: query.get("from") } }),
    });
    const { file } = await bundle("alpha");
    const port = Number(new URL(await refusedOrigin()).port);
    url = `http://127.0.0.1:${port}/`;
    child = spawn(
      process.execPath,
      [
        FRAMEWORK_MAIN,
        "--target=alpha",
        `--source=${path.dirname(file)}`,
        `--port=${port}`,
        "--signature-type=http",
      ],
      {
        // Only what the deployment sets, plus the local metadata server: gaxios uses its bundled node-fetch here.
        env: {
          PATH: process.env.PATH,
          HOME: outDir,
          CALLGRAPH_FUNCTION: "alpha",
          CALLGRAPH_SELF_URL: SELF,
          CALLGRAPH_CALLEES: JSON.stringify({ beta: beta.url }),
          CALLGRAPH_INVOKERS: JSON.stringify(["group:developers@example.com"]),
          CALLGRAPH_JWKS_URL: authority.jwksUrl,
          // As the local stack does; unset, google-auth-library would first run `gcloud config config-helper`.
          GOOGLE_CLOUD_PROJECT: "proj",
          GCE_METADATA_HOST: metadata.host,
          METADATA_SERVER_DETECTION: "assume-present",
        },
        stdio: "ignore",
      },
    );
    await waitForServer(url);
  });

  afterAll(async () => {
    if (child.exitCode === null) {
      const exited = new Promise((resolve) => child.once("exit", resolve));
      child.kill("SIGTERM");
      await exited;
    }
    await Promise.all([beta.close(), metadata.close(), authority.close()]);
  });

  test("a developer calls alpha; alpha asks beta with a metadata-server token, once", async () => {
    const token = await authority.mint("developers@example.com", SELF);
    for (let i = 0; i < 3; i++) {
      const res = await fetch(url, { headers: { authorization: `Bearer ${token}` } });
      expect(res.status).toBe(200);
      expect(await res.json()).toMatchObject({
        function: "alpha",
        caller: "developers@example.com",
        beta: { function: "beta", from: "alpha" },
      });
    }
    expect(metadata.identityRequests).toEqual(new Map([[beta.url, 1]]));
  });

  test("without a token: 401 from the function's own verification", async () => {
    expect((await fetch(url)).status).toBe(401);
  });
});

async function waitForServer(url: string): Promise<void> {
  const deadline = Date.now() + 15_000;
  for (;;) {
    try {
      await fetch(url, { method: "OPTIONS" });
      return;
    } catch {
      if (Date.now() > deadline) throw new Error(`${url} did not start within 15 s`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}
