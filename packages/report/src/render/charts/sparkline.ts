// A small line without axes for small multiples (per-port SYN rate, distinct sources per interval).
// The maximum is marked (a dark ring, not red: red is kept for flagged intervals) and labelled in a column
// reserved for the label's width, right-aligned, so the label is never cut at the edge of the SVG.
import { formatCompact } from "../format.js";
import { COLORS, downsampleMinMax, escapeXml, num, svgOpen, textWidth } from "./svg.js";

export interface SparklineInput {
  title: string;
  values: readonly number[];
  width?: number;
  height?: number;
  /** Optional per-point flag (e.g. interval with a port-level finding) drawn as a red tick under the line. */
  flags?: readonly boolean[];
  /** What a flag means, for the label under the line ("hot"); default "flagged". */
  flagLabel?: string;
}

export function sparkline(input: SparklineInput): string {
  const width = input.width ?? 240;
  const height = input.height ?? 44;
  const pad = 3;
  const fontSize = 10;
  const n = input.values.length;
  let maxAll = 0;
  for (const v of input.values) if (Number.isFinite(v) && v > maxAll) maxAll = v;
  const label = `max ${formatCompact(maxAll)}`;
  // Flags are explained in words too (ticks under the line), so their meaning never rests on colour.
  const flagged = input.flags?.some((f) => f) ?? false;
  const flagKey = flagged ? `ticks: ${input.flagLabel ?? "flagged"}` : "";
  // The label column is as wide as its longest text (plus a gap): "max 34.4k" fits whole.
  const labelW = Math.ceil(Math.max(textWidth(label, fontSize), textWidth(flagKey, fontSize - 1))) + 6;
  const plotW = width - labelW - 2 * pad;
  const plotH = height - 2 * pad - 4;
  const parts = [svgOpen(width, height, input.title, "sparkline")];
  const kept = downsampleMinMax(input.values, Math.max(1, Math.floor(plotW / 2))).filter((p) =>
    Number.isFinite(p.value),
  );
  if (kept.length === 0) {
    parts.push(
      `<text x="${pad}" y="${num(height / 2 + 4)}" font-size="10" fill="${COLORS.muted}">no data</text>`,
      "</svg>",
    );
    return parts.join("");
  }
  let max = 0;
  let maxAt = kept[0]!;
  for (const p of kept) {
    if (p.value > max) {
      max = p.value;
      maxAt = p;
    }
  }
  const xOf = (i: number) => pad + (n > 1 ? (i / (n - 1)) * plotW : plotW / 2);
  const yOf = (v: number) => pad + plotH - (max > 0 ? (Math.max(0, v) / max) * plotH : 0);
  if (input.flags) {
    const step = Math.max(1, Math.ceil(n / plotW));
    // One tick per flagged pixel column at most, so 100 000 flags stay a bounded number of elements.
    let lastCol = -1;
    for (let i = 0; i < n; i += 1) {
      if (!input.flags[i]) continue;
      const col = Math.floor(i / step);
      if (col === lastCol) continue;
      lastCol = col;
      parts.push(
        `<rect class="flag" x="${num(xOf(i) - 0.5)}" y="${num(height - 4)}" width="1.5" height="3" fill="${COLORS.drop}"/>`,
      );
    }
  }
  if (kept.length === 1) {
    parts.push(
      `<circle cx="${num(xOf(kept[0]!.index))}" cy="${num(yOf(kept[0]!.value))}" r="2" fill="${COLORS.ink}"/>`,
    );
  } else {
    const d = kept.map((p, i) => `${i === 0 ? "M" : "L"}${num(xOf(p.index))} ${num(yOf(p.value))}`).join("");
    parts.push(`<path d="${d}" fill="none" stroke="${COLORS.ink}" stroke-width="1.2"/>`);
  }
  parts.push(
    `<circle class="max" cx="${num(xOf(maxAt.index))}" cy="${num(yOf(maxAt.value))}" r="2.4" fill="#fff" stroke="${COLORS.ink}" stroke-width="1.2"/>`,
    `<text class="max" x="${num(width - pad)}" y="${num(pad + 10)}" text-anchor="end" font-size="${fontSize}" fill="${COLORS.ink}">${escapeXml(label)}</text>`,
  );
  if (flagKey)
    parts.push(
      `<text class="flag-key" x="${num(width - pad)}" y="${num(height - 3)}" text-anchor="end" font-size="${fontSize - 1}" fill="${COLORS.drop}">${escapeXml(flagKey)}</text>`,
    );
  parts.push("</svg>");
  return parts.join("");
}
