/**
 * A small writer for Mermaid flowcharts that keeps node ids safe and link styles right. Mermaid numbers links
 * in the order they are written and `linkStyle` refers to those numbers (a wrong one fails to render), so the
 * writer hands them out. https://mermaid.js.org/syntax/flowchart.html#styling-links
 */
export type NodeShape =
  "box" | "stadium" | "rounded" | "hexagon" | "asymmetric" | "cylinder" | "subroutine" | "circle";
export type Arrow = "solid" | "dotted" | "thick";

const ARROWS: Record<Arrow, string> = { solid: "-->", dotted: "-.->", thick: "==>" };

export class Flowchart {
  private readonly body: string[] = [];
  private readonly classDefs = new Map<string, string>();
  private readonly classes = new Map<string, string[]>();
  private readonly linkStyles = new Map<string, number[]>();
  private links = 0;

  constructor(private readonly direction: "LR" | "TD" = "LR") {}

  get linkCount(): number {
    return this.links;
  }

  node(id: string, label: string, shape: NodeShape = "box", className?: string): void {
    const text = mermaidText(label);
    const open = {
      box: `["${text}"]`,
      stadium: `(["${text}"])`,
      rounded: `("${text}")`,
      hexagon: `{{"${text}"}}`,
      asymmetric: `>"${text}"]`,
      cylinder: `[("${text}")]`,
      subroutine: `[["${text}"]]`,
      circle: `(("${text}"))`,
    }[shape];
    this.body.push(`  ${id}${open}`);
    if (className) this.classes.set(className, [...(this.classes.get(className) ?? []), id]);
  }

  /** A link from `from` to `to`; `style` is a CSS list for this link alone (e.g. `stroke:#1a7f37`). */
  link(
    from: string,
    to: string,
    arrow: Arrow = "solid",
    options: { label?: string; style?: string } = {},
  ): void {
    const label = options.label ? `|"${mermaidText(options.label)}"|` : "";
    this.body.push(`  ${from} ${ARROWS[arrow]}${label} ${to}`);
    if (options.style)
      this.linkStyles.set(options.style, [...(this.linkStyles.get(options.style) ?? []), this.links]);
    this.links++;
  }

  classDef(name: string, style: string): void {
    this.classDefs.set(name, style);
  }

  render(): string {
    const lines = [`flowchart ${this.direction}`, ...this.body];
    for (const [name, style] of this.classDefs)
      if (this.classes.has(name)) lines.push(`  classDef ${name} ${style}`);
    for (const [name, ids] of this.classes)
      if (this.classDefs.has(name)) lines.push(`  class ${ids.join(",")} ${name}`);
    for (const [style, indices] of this.linkStyles) lines.push(`  linkStyle ${indices.join(",")} ${style}`);
    return lines.join("\n");
  }
}

/**
 * Text inside a quoted label: Mermaid's entity codes for the characters that would end or break it. Members
 * come from hand-written grants too, so nothing about them is assumed.
 */
export function mermaidText(text: string): string {
  return (
    text
      .replace(/#/g, "#35;")
      .replace(/"/g, "#quot;")
      .replace(/</g, "#lt;")
      .replace(/>/g, "#gt;")
      // A label in backticks is Markdown to Mermaid (its "markdown strings"): a backtick is shown, never that.
      .replace(/`/g, "#96;")
      .replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]+/g, " ")
  );
}

/** Stable, safe node ids (`p0`, `p1`, …) for arbitrary keys. */
export class NodeIds {
  private readonly ids = new Map<string, string>();
  constructor(private readonly prefix: string) {}

  has(key: string): boolean {
    return this.ids.has(key);
  }

  get(key: string): string {
    let id = this.ids.get(key);
    if (!id) {
      id = `${this.prefix}${this.ids.size}`;
      this.ids.set(key, id);
    }
    return id;
  }
}
