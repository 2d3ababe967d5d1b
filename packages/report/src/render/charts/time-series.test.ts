import assert from "node:assert/strict";
import { test } from "node:test";
import { niceTimeTicks, TIME_STEPS, timeSeriesChart, timeTickLabel } from "./time-series.js";
import { checkXml } from "./xml-check.js";

const EVIL = `<script>alert(1)</script>"><img src=x onerror=alert(2)>&`;

/** Every number of every path "d" attribute, as [x, y] pairs. */
function pathPoints(svg: string): [number, number][] {
  const out: [number, number][] = [];
  for (const [el, name, value] of checkXml(svg).attributes) {
    if (el !== "path" || name !== "d") continue;
    for (const m of value.matchAll(/[ML]([-\d.]+) ([-\d.]+)/g)) out.push([Number(m[1]), Number(m[2])]);
  }
  return out;
}

test("time series: well-formed, accessible, both series drawn", () => {
  const times = [0, 60, 120, 180, 240].map((t) => 1_800_000_000 + t);
  const svg = timeSeriesChart({
    title: "Packets per second",
    times,
    total: [10, 20, 40, 20, 10],
    overlay: [0, 0, 30, 15, 0],
    unit: "packets/s",
  });
  const x = checkXml(svg);
  assert.equal(x.counts.get("svg"), 1);
  assert.equal(x.counts.get("title"), 1);
  assert.ok(svg.includes('role="img"'));
  assert.ok(svg.includes('aria-label="Packets per second"'));
  // One area + one line per series.
  assert.equal(x.counts.get("path"), 4);
  assert.match(x.text, /packets\/s/);
  assert.match(x.text, /UTC/);
});

test("time series: scaling puts the maximum at the top of the plot and zero on the baseline", () => {
  const svg = timeSeriesChart({
    title: "t",
    times: [0, 10, 20],
    total: [0, 50, 100],
    unit: "u",
    height: 230,
  });
  const pts = pathPoints(svg);
  const ys = pts.map((p) => p[1]);
  // Margins: top 30, bottom 30 -> plot from y=30 to y=200; the nice top tick for 100 is 100.
  assert.equal(Math.min(...ys), 30);
  assert.equal(Math.max(...ys), 200);
  const xs = pts.map((p) => p[0]);
  assert.equal(Math.min(...xs), 52);
  assert.equal(Math.max(...xs), 1000 - 12);
});

test("time series: labels are escaped", () => {
  const svg = timeSeriesChart({
    title: EVIL,
    times: [1, 2],
    total: [1, 2],
    overlay: [0, 1],
    unit: EVIL,
    totalLabel: EVIL,
    overlayLabel: EVIL,
  });
  const x = checkXml(svg);
  assert.equal(x.counts.get("script"), undefined);
  assert.equal(x.counts.get("img"), undefined);
  assert.ok(x.text.includes(EVIL), "the label survives as text");
});

test("time series: empty data and a single point", () => {
  const empty = checkXml(timeSeriesChart({ title: "e", times: [], total: [], unit: "u" }));
  assert.equal(empty.counts.get("path"), undefined);
  assert.match(empty.text, /No intervals/);
  const one = checkXml(timeSeriesChart({ title: "o", times: [100], total: [5], overlay: [5], unit: "u" }));
  assert.equal(one.counts.get("circle"), 2, "a single point is drawn as a marker per series");
});

test("time series: gaps (NaN) break the line into segments", () => {
  const x = checkXml(
    timeSeriesChart({
      title: "g",
      times: [0, 1, 2, 3, 4, 5],
      total: [1, 2, Number.NaN, Number.NaN, 3, 4],
      unit: "u",
    }),
  );
  assert.equal(x.counts.get("path"), 4, "two segments, each an area and a line");
});

test("time series: 100 000 points stay bounded and keep the spike", () => {
  const n = 100_000;
  const times = Array.from({ length: n }, (_, i) => i * 10);
  const total = Array.from({ length: n }, (_, i) => (i === 54_321 ? 1_000_000 : 100 + (i % 7)));
  const overlay = Array.from({ length: n }, (_, i) => (i === 54_321 ? 900_000 : 0));
  // A snapshot missing every 50 intervals: many gaps, still a bounded number of bands.
  const starts = times.map((t, i) => (i % 50 === 0 ? t - 20 : t - 10));
  const svg = timeSeriesChart({ title: "big", times, starts, total, overlay, unit: "u" });
  const bands = checkXml(svg).attributes.filter(
    ([el, n, v]) => el === "rect" && n === "class" && v === "gap",
  );
  assert.ok(bands.length <= 936 / 4, `${bands.length} gap bands`);
  assert.ok(svg.length < 200_000, `svg is ${svg.length} bytes`);
  const pts = pathPoints(svg);
  // The plot is 936 px wide: at most 2 points per pixel column per path (area and line repeat them).
  assert.ok(pts.length <= 4 * 2 * 937 + 16, `${pts.length} points`);
  assert.equal(Math.min(...pts.map((p) => p[1])), 30, "the one-interval spike reaches the top");
});

test("time series: with interval starts, values are held over their interval as steps", () => {
  const svg = timeSeriesChart({
    title: "s",
    starts: [0, 60, 120, 240],
    times: [60, 120, 180, 300],
    total: [10, 20, 10, 5],
    overlay: [0, 0, 10, 0],
    unit: "u",
    width: 352,
  });
  const x = checkXml(svg);
  // The missing interval (180, 240] splits each series into two step runs (area + line each).
  assert.equal(x.counts.get("path"), 8);
  const lines = x.attributes
    .filter(([el, n, v]) => el === "path" && n === "d" && !v.endsWith("Z"))
    .map(([, , v]) => v);
  // Plot 52..340 px for t 0..300: 0.96 px per second. First interval 0..60 at one height, then 60..120 higher.
  assert.match(lines[0]!, /^M52 (\S+)L109\.6 \1L109\.6 (\S+)L167\.2 \2L167\.2 \1L224\.8 \1$/);
  const gaps = x.attributes.filter(([el, n, v]) => el === "rect" && n === "class" && v === "gap");
  assert.equal(gaps.length, 1, "the missing interval is shaded");
  assert.match(x.text, /no data/);
  // The overlay is one step over (120, 180] only.
  assert.match(lines[2]!, /^M52 (\S+)L109\.6 \1L109\.6 \1L167\.2 \1L167\.2 (\S+)L224\.8 \2/);
});

/** The x-axis tick labels of a chart, in order. */
function xTickLabels(svg: string): string[] {
  return [...svg.matchAll(/<text class="xtick"[^>]*>([^<]*)</g)].map((m) => m[1]!);
}

test("time axis: short windows get distinct round ticks with seconds; long ones fall on round hours; UTC stated", () => {
  // 19:11:07 to 19:15:07 at a 10 s cadence: the old axis printed "19:11, 19:11, 19:12, 19:12, ...".
  const t0 = Date.UTC(2026, 10, 26, 19, 11, 7) / 1000;
  const short = Array.from({ length: 25 }, (_, i) => t0 + i * 10);
  const svg = timeSeriesChart({ title: "t", times: short, total: short.map(() => 1), unit: "u" });
  const labels = xTickLabels(svg);
  assert.ok(labels.length >= 3, labels.join(", "));
  assert.equal(new Set(labels).size, labels.length, `repeated tick labels: ${labels.join(", ")}`);
  assert.match(svg, /time \(UTC\)/);
  const oneMin = Array.from({ length: 13 }, (_, i) => t0 + i * 5);
  const secs = xTickLabels(
    timeSeriesChart({ title: "t", times: oneMin, total: oneMin.map(() => 1), unit: "u" }),
  );
  assert.ok(
    secs.every((l) => /^\d\d:\d\d:\d\d$/.test(l)),
    `seconds shown on a one-minute window: ${secs.join(", ")}`,
  );
  assert.equal(new Set(secs).size, secs.length);
  // 17 h 23 min from an odd start: every tick on a whole hour.
  const l0 = Date.UTC(2026, 10, 26, 0, 7, 13) / 1000;
  const long = Array.from({ length: 1044 }, (_, i) => l0 + i * 60);
  const hours = xTickLabels(
    timeSeriesChart({ title: "t", times: long, total: long.map(() => 1), unit: "u" }),
  );
  assert.ok(hours.length >= 3);
  assert.ok(
    hours.every((l) => /^\d\d:00$/.test(l)),
    `odd tick times: ${hours.join(", ")}`,
  );
});

test("niceTimeTicks: round steps from the table, multiples of the step, within the window", () => {
  const t0 = Date.UTC(2026, 0, 1, 3, 17, 41) / 1000;
  for (const [span, max] of [
    [45, 6],
    [600, 8],
    [7200, 8],
    [3 * 86400, 7],
    [40 * 86400, 6],
  ] as const) {
    const { ticks, step } = niceTimeTicks(t0, t0 + span, max);
    assert.ok(ticks.length >= 1 && ticks.length <= max, `${span}: ${ticks.length} ticks`);
    assert.ok(
      (TIME_STEPS as readonly number[]).includes(step) || step % 604800 === 0,
      `${span}: step ${step}`,
    );
    for (const t of ticks) {
      assert.equal(t % step, 0);
      assert.ok(t >= t0 && t <= t0 + span);
    }
  }
  assert.equal(timeTickLabel(Date.UTC(2026, 0, 2) / 1000, 86400, true), "01-02");
});

test("time series: probably-legitimate would-drop is its own dashed series, labelled; marked ranges carry a word", () => {
  const times = [60, 120, 180, 240];
  const svg = timeSeriesChart({
    title: "t",
    times,
    starts: [0, 60, 120, 180],
    total: [10, 10, 10, 10],
    overlay: [0, 8, 8, 0],
    legit: [0, 0, 5, 0],
    marks: { ranges: [{ start: 180, end: 240 }], label: "port flood, not attributable" },
    unit: "u",
  });
  const x = checkXml(svg);
  assert.match(svg, /<path class="legit"[^>]*stroke-dasharray/);
  assert.ok(!/<path class="legit"[^>]*fill="#ef4444"/.test(svg), "not the attack-drop red");
  assert.match(x.text, /would drop, attack-like/);
  assert.match(x.text, /would drop, probably legitimate/);
  assert.match(svg, /<rect class="mark"[^>]*><title>port flood, not attributable<\/title>/);
  assert.match(x.text, /port flood, not attributable/);
});
