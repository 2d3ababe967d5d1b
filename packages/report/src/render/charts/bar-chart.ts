// Horizontal bar chart for top-N lists (e.g. sources by would-drop packets). Each row can show a
// part (dark, e.g. would drop) in front of its whole (light, e.g. all traffic of that source).
import { formatCompact } from "../format.js";
import { COLORS, escapeXml, num, svgOpen } from "./svg.js";

export interface Bar {
  label: string;
  /** The highlighted quantity (e.g. would-drop packets). */
  value: number;
  /** Optional whole the value is part of (e.g. all packets of the source); drawn behind. */
  total?: number;
}

export interface BarChartInput {
  title: string;
  bars: readonly Bar[];
  valueLabel: string;
  totalLabel?: string;
  width?: number;
  /** Rows drawn at most; the chart stays bounded whatever the input length. */
  maxBars?: number;
  formatValue?: (n: number) => string;
}

const ROW = 20;
const LABEL_CHARS = 28;

/**
 * Shortens a label to fit its column (before escaping, so an entity is never cut in half). A key label
 * ("[2001:2:ffff:…:fffe]:65535") keeps its port and both ends of its address: the middle of the address is
 * what gives way, never the port. The full label is in the bar's <title> and in the tables.
 */
export function clipLabel(label: string, max = LABEL_CHARS): string {
  const chars = Array.from(label);
  if (chars.length <= max) return label;
  const port = /(\]?(?:\/\d+)?:\d+)$/.exec(label)?.[1] ?? "";
  const head = Array.from(label.slice(0, label.length - port.length));
  const room = max - Array.from(port).length - 1;
  if (room < 4) return `${chars.slice(0, max - 1).join("")}…`;
  const front = Math.ceil(room / 2);
  const back = room - front;
  return `${head.slice(0, front).join("")}…${head.slice(head.length - back).join("")}${port}`;
}

export function barChart(input: BarChartInput): string {
  const width = input.width ?? 1000;
  const maxBars = input.maxBars ?? 20;
  const fmt = input.formatValue ?? formatCompact;
  const bars = input.bars.slice(0, maxBars);
  const labelW = 200;
  const valueW = 70;
  const top = 22;
  const plotW = width - labelW - valueW - 8;
  const height = top + Math.max(1, bars.length) * ROW + 6;
  const parts: string[] = [svgOpen(width, height, input.title, "bars")];
  const hasTotal = bars.some((b) => b.total !== undefined);
  parts.push(
    `<rect x="${labelW}" y="4" width="10" height="10" fill="${COLORS.drop}"/>`,
    `<text x="${labelW + 14}" y="13" font-size="11" fill="${COLORS.ink}">${escapeXml(input.valueLabel)}</text>`,
  );
  if (hasTotal) {
    parts.push(
      `<rect x="${labelW + 160}" y="4" width="10" height="10" fill="${COLORS.totalFill}"/>`,
      `<text x="${labelW + 174}" y="13" font-size="11" fill="${COLORS.ink}">${escapeXml(input.totalLabel ?? "total")}</text>`,
    );
  }
  if (bars.length === 0) {
    parts.push(
      `<text x="${labelW}" y="${top + 14}" font-size="12" fill="${COLORS.muted}">Nothing to show</text>`,
      "</svg>",
    );
    return parts.join("");
  }
  let max = 0;
  for (const b of bars) {
    for (const v of [b.value, b.total ?? 0]) if (Number.isFinite(v) && v > max) max = v;
  }
  const scale = (v: number) => (max > 0 && Number.isFinite(v) ? (Math.max(0, v) / max) * plotW : 0);
  bars.forEach((b, i) => {
    const y = top + i * ROW;
    parts.push(
      `<g class="bar"><title>${escapeXml(`${b.label}: ${fmt(b.value)}${b.total !== undefined ? ` of ${fmt(b.total)}` : ""}`)}</title>`,
      `<text x="${labelW - 6}" y="${y + 14}" text-anchor="end" font-size="11" font-family="ui-monospace,monospace" fill="${COLORS.ink}">${escapeXml(
        clipLabel(b.label),
      )}</text>`,
    );
    if (b.total !== undefined) {
      parts.push(
        `<rect x="${labelW}" y="${y + 3}" width="${num(scale(b.total))}" height="${ROW - 6}" fill="${COLORS.totalFill}"/>`,
      );
    }
    // A non-zero value always gets at least a sliver, so it is never mistaken for zero.
    const w = b.value > 0 ? Math.max(1, scale(b.value)) : 0;
    parts.push(
      `<rect x="${labelW}" y="${y + 3}" width="${num(w)}" height="${ROW - 6}" fill="${COLORS.drop}"/>`,
      `<text x="${num(labelW + plotW + 6)}" y="${y + 14}" font-size="11" fill="${COLORS.ink}">${escapeXml(fmt(b.value))}</text></g>`,
    );
  });
  parts.push("</svg>");
  return parts.join("");
}
