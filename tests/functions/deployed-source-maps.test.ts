import { spawnSync } from "node:child_process";
import { unzipSync } from "fflate";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { buildFunctionArchive } from "../../components/function-archive";

/**
 * Deployed, nobody passes `--enable-source-maps` or sets NODE_OPTIONS: the archive's own entry (loader.js) turns
 * source maps on before it loads the bundle, so an error logged in Cloud Logging names the TypeScript line. Run here
 * as the Functions Framework loads a function: plain `node`, requiring the unpacked archive's folder.
 */
const root = fs.mkdtempSync(path.join(os.tmpdir(), "callgraph-maps-"));
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

test("a throw at request time, in a deployed archive run by plain node, names the TypeScript file and line", () => {
  const source = path.join(root, "fns", "boom");
  fs.mkdirSync(source, { recursive: true });
  fs.writeFileSync(
    path.join(source, "index.ts"),
    ["// line 1", "export function boom(): never {", '  throw new Error("boom at line 3");', "}", ""].join(
      "\n",
    ),
  );
  const archive = buildFunctionArchive({
    projectRoot: root,
    source: "fns/boom",
    outDir: path.join(root, "out"),
  });
  const unpacked = path.join(root, "unpacked");
  for (const [name, bytes] of Object.entries(unzipSync(fs.readFileSync(archive.path)))) {
    fs.mkdirSync(path.dirname(path.join(unpacked, name)), { recursive: true });
    fs.writeFileSync(path.join(unpacked, name), bytes);
  }
  const run = spawnSync(
    process.execPath,
    ["-e", `try { require(${JSON.stringify(unpacked)}).boom() } catch (e) { console.log(e.stack) }`],
    { encoding: "utf8", env: { PATH: process.env.PATH ?? "" } },
  );
  expect(run.stdout).toMatch(/at (Object\.)?boom \(\S*fns\/boom\/index\.ts:3:\d+\)/);
  // Without the loader, the same bundle names only its own line: the loader is what makes the difference.
  const bare = spawnSync(
    process.execPath,
    [
      "-e",
      `try { require(${JSON.stringify(path.join(unpacked, "index.js"))}).boom() } catch (e) { console.log(e.stack) }`,
    ],
    { encoding: "utf8", env: { PATH: process.env.PATH ?? "" } },
  );
  expect(bare.stdout).toMatch(/at (Object\.)?boom \(\S*unpacked\/index\.js:\d+:\d+\)/);
});
