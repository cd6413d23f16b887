/**
 * Parses Mermaid diagrams with Mermaid itself (`mermaid.parse`, and the flowchart's parsed database for what
 * it holds): the check a reader's renderer would make, not a look at the text. Mermaid is ESM and wants a DOM
 * (DOMPurify), so this runs as its own process, in plain Node with happy-dom's window (child-check.ts strips its
 * types); jest talks to it over stdio.
 * Input: a JSON array of diagram texts on stdin. Output: a JSON array of results on stdout.
 */
import { Window } from "happy-dom";

interface FlowDb {
  getVertices(): Map<string, { text?: string }>;
  getEdges(): { start: string; end: string; style?: string[] }[];
}

export interface MermaidCheck {
  readonly ok: boolean;
  readonly error?: string;
  readonly type?: string;
  readonly vertices?: readonly string[];
  readonly edges?: readonly {
    readonly start: string;
    readonly end: string;
    readonly style: readonly string[];
  }[];
}

const window = new Window();
Object.assign(globalThis, { window, document: window.document });
const { default: mermaid } = await import("mermaid");

async function check(text: string): Promise<MermaidCheck> {
  try {
    const parsed = await mermaid.parse(text);
    if (!parsed) return { ok: false, error: "not a diagram" };
    const diagram = await mermaid.mermaidAPI.getDiagramFromText(text);
    const db = diagram.db as unknown as Partial<FlowDb>;
    if (typeof db.getVertices !== "function" || typeof db.getEdges !== "function")
      return { ok: true, type: parsed.diagramType };
    return {
      ok: true,
      type: parsed.diagramType,
      vertices: [...db.getVertices().values()].map((v) => v.text ?? ""),
      edges: db.getEdges().map((e) => ({ start: e.start, end: e.end, style: e.style ?? [] })),
    };
  } catch (error) {
    return { ok: false, error: error instanceof Error ? error.message : String(error) };
  }
}

const chunks: Buffer[] = [];
for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
const texts = JSON.parse(Buffer.concat(chunks).toString("utf8")) as string[];
const results: MermaidCheck[] = [];
for (const text of texts) results.push(await check(text));
process.stdout.write(JSON.stringify(results));
await window.happyDOM.close();
