// A small line without axes for small multiples (per-port SYN rate, distinct sources per interval).
// The maximum is marked and labelled so the one number that matters is readable without axes.
import { formatCompact } from "../format.js";
import { COLORS, downsampleMinMax, escapeXml, num, svgOpen } from "./svg.js";

export interface SparklineInput {
  title: string;
  values: readonly number[];
  width?: number;
  height?: number;
  /** Optional per-point flag (e.g. interval with a port-level finding) drawn as a red tick under the line. */
  flags?: readonly boolean[];
}

export function sparkline(input: SparklineInput): string {
  const width = input.width ?? 240;
  const height = input.height ?? 44;
  const pad = 3;
  const labelW = 52;
  const plotW = width - labelW - 2 * pad;
  const plotH = height - 2 * pad - 4;
  const parts = [svgOpen(width, height, input.title, "sparkline")];
  const n = input.values.length;
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
    `<circle cx="${num(xOf(maxAt.index))}" cy="${num(yOf(maxAt.value))}" r="2.2" fill="${COLORS.drop}"/>`,
    `<text x="${num(width - labelW + 4)}" y="${num(pad + 10)}" font-size="10" fill="${COLORS.ink}">max ${escapeXml(formatCompact(max))}</text>`,
    "</svg>",
  );
  return parts.join("");
}
