// Traffic over time with the would-drop series overlaid: the observed total as a grey area, the part
// a rule would have dropped as a red area in front of it (it is a subset of the total). x is real
// time, so gaps between snapshots show as gaps, not as squeezed-together points.
import { formatCompact } from "../format.js";
import {
  COLORS,
  escapeXml,
  finiteMax,
  type KeptPoint,
  minMaxByBucket,
  niceTicks,
  num,
  svgOpen,
  textWidth,
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
  /** The probably-legitimate part of the overlay (same length), drawn in front of it in its own colour and dash. */
  legit?: readonly number[];
  /** Time ranges to mark above the plot (e.g. a port flood no source explains), with what they mean. */
  marks?: { ranges: readonly { start: number; end: number }[]; label: string };
  totalLabel?: string;
  overlayLabel?: string;
  legitLabel?: string;
  /** Unit shown above the y axis, e.g. "packets/s". */
  unit: string;
  width?: number;
  height?: number;
  /** Whole-number y ticks (counts such as distinct sources or active blocks). */
  integer?: boolean;
}

const M = { left: 52, right: 12, top: 30, bottom: 30 };

/** Round steps for the time axis, in seconds: 1-30 s, 1-30 min, 1-12 h, then days. */
export const TIME_STEPS = [
  1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200, 86400, 172800, 604800,
] as const;

/**
 * Ticks for a time axis: the smallest round step giving at most `maxTicks` ticks, every tick a whole
 * multiple of the step in UTC (so 19:10, 19:15, 19:20; 06:00, 12:00; midnights), never a repeated label.
 */
export function niceTimeTicks(t0: number, t1: number, maxTicks: number): { ticks: number[]; step: number } {
  const span = Math.max(0, t1 - t0);
  const limit = Math.max(1, maxTicks);
  let step: number = TIME_STEPS[TIME_STEPS.length - 1]!;
  for (const s of TIME_STEPS) {
    if (Math.floor(t1 / s) - Math.ceil(t0 / s) + 1 <= limit) {
      step = s;
      break;
    }
  }
  // Beyond the table (months of data): whole multiples of a week.
  while (Math.floor(t1 / step) - Math.ceil(t0 / step) + 1 > limit) step *= 2;
  const ticks: number[] = [];
  for (let k = Math.ceil(t0 / step); k * step <= t1 && ticks.length <= limit; k++) ticks.push(k * step);
  if (ticks.length === 0 && span === 0) ticks.push(t0);
  return { ticks, step };
}

function pad2(n: number): string {
  return n < 10 ? `0${n}` : String(n);
}

/** A tick label at this step: seconds when the step is under a minute, the date when the window crosses days. */
export function timeTickLabel(t: number, step: number, withDate: boolean): string {
  const d = new Date(t * 1000);
  const date = `${pad2(d.getUTCMonth() + 1)}-${pad2(d.getUTCDate())}`;
  if (step >= 86400) return date;
  const hm = `${pad2(d.getUTCHours())}:${pad2(d.getUTCMinutes())}`;
  const time = step < 60 ? `${hm}:${pad2(d.getUTCSeconds())}` : hm;
  return withDate ? `${date} ${time}` : time;
}

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
  const legit = overlay && input.legit && input.legit.length >= n ? input.legit : undefined;
  const marks = input.marks && input.marks.ranges.length > 0 ? input.marks : undefined;
  const parts: string[] = [svgOpen(width, height, input.title, "timeseries")];

  // Legend and unit. Every series has a swatch with its own stroke style and a word, so none is told
  // apart by colour alone; entries are laid out right to left from their text widths.
  const totalLabel = input.totalLabel ?? "observed";
  const overlayLabel = input.overlayLabel ?? (legit ? "would drop, attack-like" : "would drop");
  const legitLabel = input.legitLabel ?? "would drop, probably legitimate";
  const legend: { label: string; swatch: (x: number) => string }[] = [
    {
      label: totalLabel,
      swatch: (x) =>
        `<rect x="${num(x)}" y="4" width="10" height="10" fill="${COLORS.totalFill}" stroke="${COLORS.total}"/>`,
    },
  ];
  if (overlay)
    legend.push({
      label: overlayLabel,
      swatch: (x) =>
        `<rect x="${num(x)}" y="4" width="10" height="10" fill="${COLORS.dropFill}" fill-opacity="0.55" stroke="${COLORS.drop}"/>`,
    });
  if (legit)
    legend.push({
      label: legitLabel,
      swatch: (x) =>
        `<rect x="${num(x)}" y="4" width="10" height="10" fill="${COLORS.legitFill}" fill-opacity="0.75" stroke="${COLORS.legit}" stroke-dasharray="3 2"/>`,
    });
  if (marks)
    legend.push({
      label: marks.label,
      swatch: (x) =>
        `<rect x="${num(x)}" y="8" width="10" height="4" fill="${COLORS.mark}"/><text x="${num(x + 5)}" y="7" text-anchor="middle" font-size="8" fill="${COLORS.mark}">!</text>`,
    });
  parts.push(
    `<text x="${M.left}" y="12" font-size="11" fill="${COLORS.muted}">${escapeXml(input.unit)}</text>`,
  );
  let lx = width - M.right;
  for (const e of [...legend].reverse()) {
    lx -= textWidth(e.label, 11) + 14;
    parts.push(
      e.swatch(lx),
      `<text x="${num(lx + 14)}" y="13" font-size="11" fill="${COLORS.ink}">${escapeXml(e.label)}</text>`,
    );
    lx -= 12;
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
  // x ticks on round UTC times (niceTimeTicks), at most one per ~110 px; the time zone is stated once.
  const withDate = new Date(t0 * 1000).getUTCDate() !== new Date(t1 * 1000).getUTCDate() || span > 86400;
  const { ticks: xTicks, step } = niceTimeTicks(t0, t1, Math.max(2, Math.floor(plotW / 110)));
  for (const t of xTicks) {
    const x = xOf(t);
    const label = timeTickLabel(t, step, withDate);
    const w = textWidth(label, 10);
    // Keep the label inside the plot's width: anchored at the edge it would otherwise cross.
    const anchor = x - w / 2 < M.left - 4 ? "start" : x + w / 2 > width - 2 ? "end" : "middle";
    parts.push(
      `<line x1="${num(x)}" y1="${num(base)}" x2="${num(x)}" y2="${num(base + 4)}" stroke="${COLORS.muted}"/>`,
      `<text class="xtick" x="${num(x)}" y="${num(base + 15)}" text-anchor="${anchor}" font-size="10" fill="${COLORS.muted}">${escapeXml(label)}</text>`,
    );
  }
  parts.push(
    `<text x="${num(width - M.right)}" y="${num(height - 2)}" text-anchor="end" font-size="10" fill="${COLORS.muted}">time (UTC)</text>`,
  );
  // Marked ranges: a band on top of the plot with a "!" per range wide enough, so the mark is a shape and a word.
  if (marks) {
    let drawn = 0;
    for (const r of marks.ranges) {
      if (drawn >= plotW / 2) break;
      const x0 = Math.max(M.left, xOf(r.start));
      const x1 = Math.min(M.left + plotW, xOf(r.end));
      if (!(x1 > x0 - 1)) continue;
      drawn++;
      parts.push(
        `<rect class="mark" x="${num(x0)}" y="${M.top - 8}" width="${num(Math.max(2, x1 - x0))}" height="5" fill="${COLORS.mark}"><title>${escapeXml(marks.label)}</title></rect>`,
      );
      if (x1 - x0 >= 8)
        parts.push(
          `<text x="${num((x0 + x1) / 2)}" y="${M.top - 10}" text-anchor="middle" font-size="9" fill="${COLORS.mark}">!</text>`,
        );
    }
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
      `<path class="${cls}" d="${line}" fill="none" stroke="${stroke}" stroke-width="1.2"${cls === "legit" ? ' stroke-dasharray="4 2"' : ""}/>`,
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
        `<path class="${cls}" d="${line}" fill="none" stroke="${stroke}" stroke-width="1.2"${cls === "legit" ? ' stroke-dasharray="4 2"' : ""}/>`,
      );
    }
  };
  series(input.total, COLORS.totalFill, COLORS.total, "0.8", "total");
  if (overlay) series(overlay, COLORS.dropFill, COLORS.drop, "0.55", "overlay");
  if (legit) series(legit, COLORS.legitFill, COLORS.legit, "0.75", "legit");
  parts.push(
    `<line x1="${M.left}" y1="${num(base)}" x2="${num(M.left + plotW)}" y2="${num(base)}" stroke="${COLORS.muted}"/>`,
    "</svg>",
  );
  return parts.join("");
}
