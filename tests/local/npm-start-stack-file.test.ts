import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { BASE_CONFIG, BASE_TOPOLOGY } from "../fixtures";
import { CALLGRAPH_BIN, REPO_ROOT, tempProject, writeStackFile } from "./temp-project";

// `npm start` (callgraph local) runs the stack again when its stack file changes, as a developer edits it: a new
// grant holds without a restart by hand, a broken stack file is logged at its file:line and the stack serves on.
const ALICE = "user:alice@example.com";
const project = tempProject("npm-start-stack-file");
const stackFile = path.join(project, "Pulumi.dev.yaml");
const declare = (betaInvokers: string[]) =>
  writeStackFile(project, "dev", {
    ...BASE_CONFIG,
    "callgraph:functions": { ...BASE_TOPOLOGY, beta: { ...BASE_TOPOLOGY.beta, invokers: betaInvokers } },
  });
declare([]);
afterAll(() => fs.rmSync(project, { recursive: true, force: true }));

const invoke = (...args: string[]) =>
  spawnSync(process.execPath, [CALLGRAPH_BIN, "invoke", ...args, "--local", "--dir", project], {
    cwd: REPO_ROOT,
    encoding: "utf8",
  });

test("a stack file edit restarts the stack on it; a broken one is logged at its line and the stack serves on", async () => {
  const child: ChildProcess = spawn(process.execPath, [CALLGRAPH_BIN, "local", "--dir", project], {
    cwd: REPO_ROOT,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let text = "";
  child.stdout?.on("data", (d) => (text += String(d)));
  child.stderr?.on("data", (d) => (text += String(d)));
  const until = async (what: string | RegExp) => {
    const seen = () => (typeof what === "string" ? text.includes(what) : what.test(text));
    for (let i = 0; i < 600 && !seen() && child.exitCode === null; i++)
      await new Promise((r) => setTimeout(r, 100));
    if (!seen()) throw new Error(`never saw ${String(what)}:\n${text}`);
  };
  try {
    await until("Serving until Ctrl-C");
    expect(invoke("beta", "--as", "group:developers@example.com").stdout.split("\n")[0]).toBe("HTTP 403");

    declare(["group:developers@example.com", ALICE]);
    await until("[watch] the local stack restarted on the new declaration");
    expect(text).toContain(
      "[watch] the declaration changed (beta: environment, invokers): restarting the local stack",
    );
    const allowed = invoke("beta", "--as", "group:developers@example.com", "--path", "?from=test");
    expect([allowed.status, allowed.stdout.split("\n")[0]]).toEqual([0, "HTTP 200"]);

    const good = fs.readFileSync(stackFile, "utf8");
    fs.writeFileSync(stackFile, good.replace('"calls": [', '"calls": [['));
    await until("[watch] build failed");
    expect(text).toMatch(
      /\[watch\] build failed, the stack keeps serving as it was: \S*Pulumi\.dev\.yaml:\d+:\d+: /,
    );
    expect(invoke("beta", "--as", "group:developers@example.com", "--path", "?from=test").status).toBe(0);
  } finally {
    child.kill("SIGINT");
    await new Promise((resolve) => (child.exitCode !== null ? resolve(null) : child.once("exit", resolve)));
  }
  expect(child.exitCode).toBe(0);
}, 150_000);
