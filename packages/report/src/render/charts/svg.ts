// Small building blocks shared by the chart functions: escaping, coordinate text, axis ticks and
// min/max downsampling. Charts are strings of SVG markup; nothing here touches a DOM.

/** Escapes text for an XML text node or a double-quoted attribute. Every label passes through here. */
export function escapeXml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => {
    switch (c) {
      case "&":
        return "&amp;";
      case "<":
        return "&lt;";
      case ">":
        return "&gt;";
      case '"':
        return "&quot;";
      default:
        return "&#39;";
    }
  });
}

/** Coordinates with at most one decimal: keeps the markup small and byte-stable. */
export function num(v: number): string {
  if (!Number.isFinite(v)) return "0";
  const r = Math.round(v * 10) / 10;
  return Object.is(r, -0) ? "0" : String(r);
}

/** Palette chosen to survive greyscale printing: the overlay is both darker and hatched-free but distinct in lightness. */
export const COLORS = {
  ink: "#1f2937",
  muted: "#6b7280",
  grid: "#e5e7eb",
  total: "#64748b",
  totalFill: "#cbd5e1",
  drop: "#b91c1c",
  dropFill: "#ef4444",
  allow: "#1d4ed8",
  bar: "#94a3b8",
  /** Probably-legitimate would-drop: amber, drawn dashed (told apart from attack drop by more than colour). */
  legit: "#b45309",
  legitFill: "#fbbf24",
  /** Marked time ranges (port flood no source explains). */
  mark: "#7c2d12",
} as const;

/** The opening tag every chart uses: accessible name, bounded viewBox, scales to its container. */
export function svgOpen(width: number, height: number, label: string, extraClass = ""): string {
  const cls = extraClass ? ` class="chart ${escapeXml(extraClass)}"` : ` class="chart"`;
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${num(width)} ${num(height)}" width="${num(width)}" height="${num(
      height,
    )}"${cls} role="img" aria-label="${escapeXml(label)}" preserveAspectRatio="xMinYMin meet">` +
    `<title>${escapeXml(label)}</title>`
  );
}

/**
 * "Nice" axis ticks (1, 2, 5 × 10^k) from 0 to at least max. Always returns at least [0, something > 0].
 * With `integer`, steps are whole numbers (counts of sources or blocks have no fractions).
 */
export function niceTicks(max: number, target = 4, integer = false): number[] {
  if (!Number.isFinite(max) || max <= 0) return [0, 1];
  const raw = max / target;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const norm = raw / mag;
  const nice = (norm < 1.5 ? 1 : norm < 3 ? 2 : norm < 7 ? 5 : 10) * mag;
  const step = integer ? Math.max(1, Math.round(nice)) : nice;
  const ticks: number[] = [];
  for (let v = 0; v < max + step * 1e-9; v += step) ticks.push(Number(v.toPrecision(12)));
  if (ticks[ticks.length - 1]! < max) ticks.push(Number((ticks.length * step).toPrecision(12)));
  return ticks;
}

/** One kept point of a downsampled series: original index plus value. */
export interface KeptPoint {
  index: number;
  value: number;
}

/**
 * Min/max downsampling by bucket: `bucketOf(i)` must be non-decreasing in i (e.g. the pixel column
 * of point i). Per bucket it keeps the points holding the minimum and the maximum, in their original
 * order, so spikes survive and the output has at most 2 points per bucket however long the input
 * is. Non-finite values are gaps: a bucket made only of gaps yields one NaN point, so the caller
 * can break the line there.
 */
export function minMaxByBucket(values: readonly number[], bucketOf: (i: number) => number): KeptPoint[] {
  const out: KeptPoint[] = [];
  const n = values.length;
  let i = 0;
  while (i < n) {
    const bucket = bucketOf(i);
    let minI = -1;
    let maxI = -1;
    const first = i;
    for (; i < n && bucketOf(i) === bucket; i++) {
      const v = values[i]!;
      if (!Number.isFinite(v)) continue;
      if (minI < 0 || v < values[minI]!) minI = i;
      if (maxI < 0 || v > values[maxI]!) maxI = i;
    }
    if (minI < 0) {
      out.push({ index: first, value: Number.NaN });
    } else if (minI === maxI) {
      out.push({ index: minI, value: values[minI]! });
    } else {
      const a = Math.min(minI, maxI);
      const b = Math.max(minI, maxI);
      out.push({ index: a, value: values[a]! }, { index: b, value: values[b]! });
    }
  }
  return out;
}

/** Min/max downsampling into `buckets` equal index ranges (at most 2 × buckets points). */
export function downsampleMinMax(values: readonly number[], buckets: number): KeptPoint[] {
  const n = values.length;
  if (n <= buckets * 2) return values.map((value, index) => ({ index, value }));
  return minMaxByBucket(values, (i) => Math.floor((i * buckets) / n));
}

/** Maximum of finite values, 0 when there are none. */
export function finiteMax(values: readonly number[]): number {
  let m = 0;
  for (const v of values) if (Number.isFinite(v) && v > m) m = v;
  return m;
}

/** Width of a text in px at this font size: a generous per-character estimate (digits and Latin letters). */
export function textWidth(text: string, fontSize: number): number {
  return Array.from(text).length * fontSize * 0.62;
}
