import * as fs from "node:fs";
import * as path from "node:path";

/** What the CLI says about itself: its version (`--version`, SARIF's tool) and where to report bugs. */
export interface PackageInfo {
  readonly name: string;
  readonly version: string;
  readonly bugs?: string | { readonly url?: string };
}

/**
 * callgraph's own package.json: the nearest one above this file that names the package, so the same code reads it
 * from its sources (`cli/`) and from the published package's compiled files (`dist/cli/`).
 */
export function packageInfo(from: string = __dirname): PackageInfo {
  for (let dir = from; ; dir = path.dirname(dir)) {
    const file = path.join(dir, "package.json");
    if (fs.existsSync(file)) {
      const info = JSON.parse(fs.readFileSync(file, "utf8")) as PackageInfo;
      if (info.name === "callgraph") return info;
    }
    if (path.dirname(dir) === dir) throw new Error(`no callgraph package.json above ${from}`);
  }
}
