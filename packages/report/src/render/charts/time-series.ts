// Traffic over time with the would-drop series overlaid: the observed total as a grey area, the part
// a rule would have dropped as a red area in front of it (it is a subset of the total). x is real
// time, so gaps between snapshots show as gaps, not as squeezed-together points.
import { formatAxisTime, formatCompact } from "../format.js";
import {
  COLORS,
  escapeXml,
  finiteMax,
  type KeptPoint,
  minMaxByBucket,
  niceTicks,
  num,
  svgOpen,
} from "./svg.js";

export interface TimeSeriesChartInput {
  /** Accessible name and tooltip, e.g. "Packets per second on the monitored ports". */
  title: string;
  /** Interval end times, unix seconds, ascending. */
  times: readonly number[];
  /**
   * Interval start times (same length). When given and the intervals are wider than 2 px, each value
   * is drawn as a step held over its interval: traffic in (start, end] is not a point at the end,
   * and a would-drop step that begins one interval after onset shows exactly that.
   */
  starts?: readonly number[];
  /** Observed value per interval (same length as times). Non-finite = no data (a gap). */
  total: readonly number[];
  /** Would-drop value per interval, drawn in front of the total. */
  overlay?: readonly number[];
  totalLabel?: string;
  overlayLabel?: string;
  /** Unit shown above the y axis, e.g. "packets/s". */
  unit: string;
  width?: number;
  height?: number;
  /** Whole-number y ticks (counts such as distinct sources or active blocks). */
  integer?: boolean;
}

const M = { left: 52, right: 12, top: 30, bottom: 26 };

/** Splits kept points into runs of finite values (NaN breaks a run). */
function segments(points: readonly KeptPoint[]): KeptPoint[][] {
  const out: KeptPoint[][] = [];
  let cur: KeptPoint[] = [];
  for (const p of points) {
    if (Number.isFinite(p.value)) cur.push(p);
    else if (cur.length) {
      out.push(cur);
      cur = [];
    }
  }
  if (cur.length) out.push(cur);
  return out;
}

export function timeSeriesChart(input: TimeSeriesChartInput): string {
  const width = input.width ?? 1000;
  const height = input.height ?? 240;
  const plotW = width - M.left - M.right;
  const plotH = height - M.top - M.bottom;
  const n = Math.min(input.times.length, input.total.length);
  const overlay = input.overlay && input.overlay.length >= n ? input.overlay : undefined;
  const parts: string[] = [svgOpen(width, height, input.title, "timeseries")];

  // Legend and unit.
  const totalLabel = input.totalLabel ?? "observed";
  const overlayLabel = input.overlayLabel ?? "would drop";
  parts.push(
    `<text x="${M.left}" y="12" font-size="11" fill="${COLORS.muted}">${escapeXml(input.unit)}</text>`,
    `<rect x="${num(width - 250)}" y="4" width="10" height="10" fill="${COLORS.totalFill}" stroke="${COLORS.total}"/>`,
    `<text x="${num(width - 236)}" y="13" font-size="11" fill="${COLORS.ink}">${escapeXml(totalLabel)}</text>`,
  );
  if (overlay) {
    parts.push(
      `<rect x="${num(width - 130)}" y="4" width="10" height="10" fill="${COLORS.dropFill}" fill-opacity="0.55" stroke="${COLORS.drop}"/>`,
      `<text x="${num(width - 116)}" y="13" font-size="11" fill="${COLORS.ink}">${escapeXml(overlayLabel)}</text>`,
    );
  }

  if (n === 0) {
    parts.push(
      `<rect x="${M.left}" y="${M.top}" width="${num(plotW)}" height="${num(plotH)}" fill="none" stroke="${COLORS.grid}"/>`,
      `<text x="${num(M.left + plotW / 2)}" y="${num(M.top + plotH / 2)}" text-anchor="middle" font-size="12" fill="${COLORS.muted}">No intervals in this window</text>`,
      "</svg>",
    );
    return parts.join("");
  }

  const times = input.times.slice(0, n);
  const allStarts = input.starts && input.starts.length >= n ? input.starts : undefined;
  const starts = allStarts && n <= plotW / 2 ? allStarts : undefined;
  const t0 = allStarts ? Math.min(allStarts[0]!, times[0]!) : times[0]!;
  const t1 = times[n - 1]!;
  const span = t1 - t0;
  // A single point (or all at one time) sits in the middle.
  const xOf = (t: number) => M.left + (span > 0 ? ((t - t0) / span) * plotW : plotW / 2);
  const yMax = Math.max(finiteMax(input.total.slice(0, n)), overlay ? finiteMax(overlay.slice(0, n)) : 0);
  const ticks = niceTicks(yMax, 4, input.integer ?? false);
  const top = ticks[ticks.length - 1]!;
  const yOf = (v: number) => M.top + plotH - (Math.max(0, v) / top) * plotH;
  const base = M.top + plotH;

  // Missing snapshots: a shaded band, so a gap reads as "no data", never as "no traffic".
  if (allStarts) {
    let prevEnd = Number.NaN;
    let bands = 0;
    for (let i = 0; i < n && bands < plotW / 4; i++) {
      if (!Number.isFinite(input.total[i]!)) continue;
      const a = allStarts[i]!;
      const x0 = xOf(prevEnd);
      const x1 = xOf(a);
      if (x1 - x0 >= 2) {
        bands++;
        parts.push(
          `<rect class="gap" x="${num(x0)}" y="${M.top}" width="${num(x1 - x0)}" height="${num(plotH)}" fill="${COLORS.grid}" fill-opacity="0.6"/>`,
        );
        if (x1 - x0 >= 40)
          parts.push(
            `<text x="${num((x0 + x1) / 2)}" y="${M.top + 12}" text-anchor="middle" font-size="10" fill="${COLORS.muted}">no data</text>`,
          );
      }
      prevEnd = times[i]!;
    }
  }
  // Grid and y labels.
  for (const t of ticks) {
    const y = yOf(t);
    parts.push(
      `<line x1="${M.left}" y1="${num(y)}" x2="${num(M.left + plotW)}" y2="${num(y)}" stroke="${COLORS.grid}" stroke-width="1"/>`,
      `<text x="${M.left - 6}" y="${num(y + 4)}" text-anchor="end" font-size="10" fill="${COLORS.muted}">${escapeXml(formatCompact(t))}</text>`,
    );
  }
  // x labels: about one every 150 px, in UTC; the date is added when the window crosses midnight.
  const withDate = new Date(t0 * 1000).getUTCDate() !== new Date(t1 * 1000).getUTCDate() || span > 86400;
  const xTicks = span > 0 ? Math.max(2, Math.min(7, Math.floor(plotW / 150))) : 1;
  for (let k = 0; k < xTicks; k++) {
    const t = xTicks === 1 ? t0 : t0 + (span * k) / (xTicks - 1);
    const x = xOf(t);
    const anchor = xTicks === 1 ? "middle" : k === 0 ? "start" : k === xTicks - 1 ? "end" : "middle";
    parts.push(
      `<line x1="${num(x)}" y1="${num(base)}" x2="${num(x)}" y2="${num(base + 4)}" stroke="${COLORS.muted}"/>`,
      `<text x="${num(x)}" y="${num(base + 16)}" text-anchor="${anchor}" font-size="10" fill="${COLORS.muted}">${escapeXml(
        formatAxisTime(t, withDate),
      )} UTC</text>`,
    );
  }

  // One bucket per pixel column: at most 2 points per pixel whatever the number of intervals.
  const bucketOf = (i: number) => Math.floor(xOf(times[i]!) - M.left);
  const draw = (
    line: string,
    first: number,
    last: number,
    fill: string,
    stroke: string,
    opacity: string,
    cls: string,
  ) => {
    const area = `${line}L${num(last)} ${num(base)}L${num(first)} ${num(base)}Z`;
    parts.push(
      `<path class="${cls}" d="${area}" fill="${fill}" fill-opacity="${opacity}" stroke="none"/>`,
      `<path class="${cls}" d="${line}" fill="none" stroke="${stroke}" stroke-width="1.2"/>`,
    );
  };
  // Steps: one horizontal run per interval; a gap (missing snapshots, NaN) ends the path.
  const steps = (
    values: readonly number[],
    ss: readonly number[],
    ...style: [string, string, string, string]
  ) => {
    let d = "";
    let first = 0;
    let lastX = 0;
    let prevEnd = Number.NaN;
    const flush = () => {
      if (d) draw(d, first, lastX, ...style);
      d = "";
    };
    for (let i = 0; i < n; i++) {
      const v = values[i]!;
      const a = ss[i]!;
      const b = times[i]!;
      if (!Number.isFinite(v) || !(b > a) || (d && a > prevEnd + 1e-6)) flush();
      if (!Number.isFinite(v) || !(b > a)) continue;
      const y = num(yOf(v));
      if (!d) {
        first = xOf(a);
        d = `M${num(first)} ${y}`;
      } else d += `L${num(xOf(a))} ${y}`;
      lastX = xOf(b);
      d += `L${num(lastX)} ${y}`;
      prevEnd = b;
    }
    flush();
  };
  const series = (values: readonly number[], fill: string, stroke: string, opacity: string, cls: string) => {
    if (starts) return steps(values, starts, fill, stroke, opacity, cls);
    const kept = minMaxByBucket(values.slice(0, n), bucketOf);
    for (const seg of segments(kept)) {
      if (seg.length === 1) {
        const p = seg[0]!;
        const x = xOf(times[p.index]!);
        parts.push(
          `<line class="${cls}" x1="${num(x)}" y1="${num(base)}" x2="${num(x)}" y2="${num(yOf(p.value))}" stroke="${stroke}" stroke-width="3"/>`,
          `<circle class="${cls}" cx="${num(x)}" cy="${num(yOf(p.value))}" r="3" fill="${stroke}"/>`,
        );
        continue;
      }
      const line = seg
        .map((p, i) => `${i === 0 ? "M" : "L"}${num(xOf(times[p.index]!))} ${num(yOf(p.value))}`)
        .join("");
      const first = seg[0]!;
      const last = seg[seg.length - 1]!;
      const area = `${line}L${num(xOf(times[last.index]!))} ${num(base)}L${num(xOf(times[first.index]!))} ${num(base)}Z`;
      parts.push(
        `<path class="${cls}" d="${area}" fill="${fill}" fill-opacity="${opacity}" stroke="none"/>`,
        `<path class="${cls}" d="${line}" fill="none" stroke="${stroke}" stroke-width="1.2"/>`,
      );
    }
  };
  series(input.total, COLORS.totalFill, COLORS.total, "0.8", "total");
  if (overlay) series(overlay, COLORS.dropFill, COLORS.drop, "0.55", "overlay");
  parts.push(
    `<line x1="${M.left}" y1="${num(base)}" x2="${num(M.left + plotW)}" y2="${num(base)}" stroke="${COLORS.muted}"/>`,
    "</svg>",
  );
  return parts.join("");
}
