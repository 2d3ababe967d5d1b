// Server side of the drill-down: a UiNode tree (explore/logic.ts) as escaped markup. The page's script
// builds the same tree with DOM calls (explore/dom.ts), so what is shown without and with JavaScript agrees.
import type { UiNode } from "./logic.js";

const ESC: Record<string, string> = {
  "&": "&amp;",
  "<": "&lt;",
  ">": "&gt;",
  '"': "&quot;",
  "'": "&#39;",
  "=": "&#61;",
  "`": "&#96;",
};

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"'=`]/g, (c) => ESC[c]!);
}

/** Markup of a node tree; tag and attribute names come from code, every value and text is escaped. */
export function nodeHtml(n: UiNode | string): string {
  if (typeof n === "string") return escapeHtml(n);
  const attrs = Object.entries(n.attrs ?? {})
    .map(([k, v]) => ` ${k}="${escapeHtml(v)}"`)
    .join("");
  const inner = (n.children ?? []).map(nodeHtml).join("");
  const svgNs = n.tag === "svg" ? ' xmlns="http://www.w3.org/2000/svg"' : "";
  return `<${n.tag}${svgNs}${attrs}>${inner}</${n.tag}>`;
}
