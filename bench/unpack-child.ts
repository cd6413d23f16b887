import * as fs from "node:fs";
import { unzipSync } from "fflate";
import { unzipArchive } from "../local/unzip";

/**
 * Child of bench/cold-start.ts `measureUnpack`: unpacks every archive named on the command line once, in this fresh
 * process, the way `side` says ("ours": local/unzip.ts, as the local stack unpacks; "fflate": fflate's
 * `unzipSync`, as it did before), and prints the wall and CPU time of the unpacking alone (both modules are loaded
 * before the clock starts; the files are read, not written).
 */
function main(): void {
  const [side, ...archives] = process.argv.slice(2);
  const unpack = side === "ours" ? unzipArchive : side === "fflate" ? unzipSync : undefined;
  if (!unpack) throw new Error(`unpack-child: side must be "ours" or "fflate", not ${JSON.stringify(side)}`);
  const zips = archives.map((file) => fs.readFileSync(file));
  const cpu = process.cpuUsage();
  const start = process.hrtime.bigint();
  let bytes = 0;
  for (const zip of zips) for (const file of Object.values(unpack(zip))) bytes += file.length;
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  const used = process.cpuUsage(cpu);
  process.stdout.write(JSON.stringify({ ms, cpuMs: (used.user + used.system) / 1000, bytes }));
}

main();
