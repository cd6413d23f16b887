import { auditSection } from "../../bench/audit-section";
import type { AuditBenchRow } from "../../bench/audit";
import type { CallSitesCost } from "../../bench/callsites";
import { callSitesSection } from "../../bench/callsites-section";

const cost = (scenario: string, coldAdded: number, warmAdded: number): CallSitesCost => ({
  scenario,
  functions: 300,
  coldStored: 1000,
  coldEmpty: 1000 * (1 + coldAdded),
  coldAdded,
  storedExtraction: 5,
  warmEvaluation: 2000,
  warmExtraction: 2000 * warmAdded,
  warmAdded,
});

describe("callSitesSection", () => {
  test("one cold and one warm row per scenario, judged against +30% cold and +5% warm", () => {
    const section = callSitesSection([cost("default stack", 0.3, 0.05), cost("generated", 0.31, 0.051)]);
    expect(section.rows.map((r) => [r.id, r.met])).toEqual([
      ["8a", true],
      ["8b", false],
      ["8c", true],
      ["8d", false],
    ]);
    expect(section.rows[1].ratio).toBe("1.31x (+31.0%)");
    expect(section.notes.filter((n) => n.startsWith("Missed in this run: 8b."))).toHaveLength(1);
    expect(section.notes.filter((n) => n.startsWith("Missed in this run: 8d."))).toHaveLength(1);
  });

  test("no miss, no miss note", () => {
    const section = callSitesSection([cost("generated", 0.1, 0.01)]);
    expect(section.notes.some((n) => n.startsWith("Missed"))).toBe(false);
  });
});

describe("auditSection", () => {
  const row = (
    mode: AuditBenchRow["mode"],
    wallMs: number,
    requests: number,
    findings = 0,
  ): AuditBenchRow => ({
    mode,
    functions: 1000,
    wallMs,
    requests,
    findings,
  });

  test("Asset against per-resource reads, in wall time and requests", () => {
    const section = auditSection([row("per-resource", 3000, 3007), row("asset", 1500, 2008)]);
    expect(section.rows.map((r) => [r.id, r.ours, r.baseline, r.ratio, r.met])).toEqual([
      ["9a", "1.5 s", "3.0 s", "0.50x", true],
      ["9b", "2,008", "3,007", "0.67x", true],
    ]);
  });

  test("a slower or chattier Asset read misses its target", () => {
    const section = auditSection([row("per-resource", 1000, 100), row("asset", 1200, 100)]);
    expect(section.rows.map((r) => r.met)).toEqual([false, false]);
  });

  test("reads that disagree on the verdict are refused, and a missing mode too", () => {
    expect(() => auditSection([row("per-resource", 1, 1, 0), row("asset", 1, 1, 2)])).toThrow(
      "the two reads disagree (0 findings per resource, 2 with Asset)",
    );
    expect(() => auditSection([row("asset", 1, 1)])).toThrow("both modes must be measured");
  });
});
