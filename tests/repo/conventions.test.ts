import { execFileSync } from "node:child_process";
import * as path from "node:path";

const root = path.resolve(__dirname, "../..");
const files = execFileSync("git", ["ls-files", "--cached", "--others", "--exclude-standard"], {
  cwd: root,
  encoding: "utf8",
})
  .split("\n")
  .filter(Boolean);

// STYLE.md: one file-naming scheme, kebab-case, checked in CI.
test("source files are named in kebab-case", () => {
  const offenders = files
    .filter((f) => /\.(ts|js|cjs|mjs)$/.test(f))
    .filter((f) => !/^[a-z0-9]+(-[a-z0-9]+)*(\.[a-z0-9]+)*\.(ts|js|cjs|mjs)$/.test(path.basename(f)));
  expect(offenders).toEqual([]);
});

test("the lock file is committed and names no download address", () => {
  expect(files).toContain("package-lock.json");
  const lock = JSON.parse(
    execFileSync("git", ["show", ":package-lock.json"], { cwd: root, encoding: "utf8" }).trim() || "{}",
  );
  const resolved = Object.values((lock.packages ?? {}) as Record<string, { resolved?: string }>).filter((p) =>
    p.resolved?.startsWith("http"),
  );
  expect(resolved).toEqual([]);
});
