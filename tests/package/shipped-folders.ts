import * as fs from "node:fs";
import * as path from "node:path";

const ROOT = path.resolve(__dirname, "../..");

/** The folders `npm run build` compiles into the package (tsconfig.build.json "include"), from the repository root. */
export function shippedFolders(): string[] {
  const text = fs.readFileSync(path.join(ROOT, "tsconfig.build.json"), "utf8");
  const include = /"include":\s*\[([^\]]*)\]/.exec(text)?.[1] ?? "";
  return [...include.matchAll(/"([^"]+)"/g)].map((m) => m[1]!);
}
