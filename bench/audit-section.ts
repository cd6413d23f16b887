import { benchAudit, type AuditBenchRow } from "./audit";
import { machine, markdown, num, table, times, type Section } from "./report";

/** Bench section 9: `callgraph audit` reading one policy per resource vs one Cloud Asset Inventory search. */
export function auditSection(rows: readonly AuditBenchRow[]): Section {
  const perResource = rows.find((r) => r.mode === "per-resource");
  const asset = rows.find((r) => r.mode === "asset");
  if (!perResource || !asset)
    throw new Error("audit bench: both modes must be measured (per-resource and asset)");
  // Both reads see the same estate, so a different verdict means one of them misread it: no speed-up counts then.
  if (perResource.findings !== asset.findings)
    throw new Error(
      `audit bench: the two reads disagree (${perResource.findings} findings per resource, ${asset.findings} with Asset)`,
    );
  const n = num(asset.functions);
  return {
    number: 9,
    title: "`callgraph audit`: one Asset query vs a read per resource",
    measured:
      `From bench/audit.ts (\`benchAudit\`): \`readLive\` and \`audit\` of ${n} 1st-gen functions, declared and ` +
      "deployed alike (a chain, each invoked by the previous one's account), against the loopback fake Google of " +
      "tests/live/audit/support (every function, policy and account answered in the documented shapes, 500 " +
      "functions per list page). With `--scope` (an organization containing the project) the functions', the " +
      "project's and the ancestors' IAM policies come from one Cloud Asset Inventory `searchAllIamPolicies` " +
      "(paged); the rest is read as without it. Wall time of one read each, and every request the fake answered.",
    baseline:
      "The same audit without `--scope`: one `getIamPolicy` per function, the project and each ancestor.",
    rows: [
      {
        id: "9a",
        measure: `Audit wall time, ${n} functions, Asset query vs per-resource reads`,
        ours: `${num(asset.wallMs / 1000, 1)} s`,
        baseline: `${num(perResource.wallMs / 1000, 1)} s`,
        ratio: times(asset.wallMs, perResource.wallMs),
        target: "< 1.00x",
        met: asset.wallMs < perResource.wallMs,
      },
      {
        id: "9b",
        measure: `Audit requests, ${n} functions, Asset query vs per-resource reads`,
        ours: num(asset.requests),
        baseline: num(perResource.requests),
        ratio: times(asset.requests, perResource.requests),
        target: "< 1.00x",
        met: asset.requests < perResource.requests,
      },
    ],
    notes: [
      `Both reads reached the same verdict (${asset.findings} findings or resources not visible), as they must: ` +
        "the estate is deployed as declared.",
      "The fake answers on loopback without network latency; against Google each request costs a round trip and " +
        "counts against the API's quota, so the request count is the figure that carries over.",
    ],
  };
}

// `npx tsx bench/audit-section.ts [functions]`: this section alone, printed as `npm run bench` writes it.
if (require.main === module) {
  void (async () => {
    const started = Date.now();
    const facts = machine();
    const rows = await benchAudit(Number(process.argv[2] ?? 1000));
    process.stderr.write(`${JSON.stringify(rows)}\n`);
    const section = auditSection(rows);
    process.stdout.write(`${table([section])}\n\n`);
    process.stdout.write(
      markdown({
        machine: facts,
        command: `npx tsx bench/audit-section.ts ${process.argv.slice(2).join(" ")}`.trim(),
        durationS: (Date.now() - started) / 1000,
        sections: [section],
      }),
    );
  })().catch((error: unknown) => {
    process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  });
}
