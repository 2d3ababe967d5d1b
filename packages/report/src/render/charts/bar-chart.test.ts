import assert from "node:assert/strict";
import { test } from "node:test";
import { barChart, clipLabel } from "./bar-chart.js";
import { checkXml } from "./xml-check.js";

const EVIL = `<script>alert(1)</script>"><img src=x onerror=alert(2)>`;

function rectWidths(svg: string): number[] {
  return checkXml(svg)
    .attributes.filter(([el, name]) => el === "rect" && name === "width")
    .map(([, , v]) => Number(v));
}

test("bar chart: one group per bar, widths proportional to values", () => {
  const svg = barChart({
    title: "Top sources",
    bars: [
      { label: "198.18.0.1:80", value: 1000 },
      { label: "198.18.0.2:80", value: 500 },
      { label: "198.18.0.3:80", value: 0 },
    ],
    valueLabel: "would drop",
  });
  const x = checkXml(svg);
  assert.equal(x.counts.get("g"), 3);
  // First rect is the legend swatch; then one rect per bar.
  const [, a, b, c] = rectWidths(svg);
  assert.equal(a, 1000 - 200 - 70 - 8);
  assert.equal(b, a! / 2);
  assert.equal(c, 0, "zero stays zero");
  assert.ok(svg.includes('aria-label="Top sources"'));
});

test("bar chart: part-of-whole bars draw the whole behind the part", () => {
  const svg = barChart({
    title: "t",
    bars: [{ label: "k", value: 25, total: 100 }],
    valueLabel: "v",
    totalLabel: "all",
  });
  const widths = rectWidths(svg);
  // legend x2, whole, part
  assert.equal(widths.length, 4);
  assert.equal(widths[3], widths[2]! / 4);
});

test("bar chart: labels escaped, long labels clipped, bounded row count, empty input", () => {
  const bars = Array.from({ length: 1000 }, (_, i) => ({ label: `${EVIL}${i}`, value: i }));
  const svg = barChart({ title: EVIL, bars, valueLabel: EVIL, maxBars: 25 });
  const x = checkXml(svg);
  assert.equal(x.counts.get("g"), 25);
  assert.equal(x.counts.get("script"), undefined);
  assert.equal(x.counts.get("img"), undefined);
  assert.ok(x.text.includes("<script>alert(…"), "clipped before escaping");
  const empty = checkXml(barChart({ title: "e", bars: [], valueLabel: "v" }));
  assert.match(empty.text, /Nothing to show/);
  assert.equal(empty.counts.get("g"), undefined);
});

test("bar labels: a long IPv6 key is shortened in the middle of the address, never in the port", () => {
  for (const label of [
    "[2001:2:ffff:ffff:ffff:ffff:ffff:fffe]:65535",
    "[2001:2:abcd:ef01:2345::]/64:44321",
    "198.18.123.234:65535",
  ]) {
    const got = clipLabel(label);
    assert.ok(Array.from(got).length <= 28, got);
    const port = /:(\d+)$/.exec(label)![1]!;
    assert.ok(got.endsWith(`:${port}`), `${label} -> ${got}: the port must stay whole`);
    assert.equal(got.slice(0, 4), label.slice(0, 4));
  }
  const svg = barChart({
    title: "t",
    bars: [{ label: "[2001:2:ffff:ffff:ffff:ffff:ffff:fffe]:65535", value: 5 }],
    valueLabel: "v",
  });
  assert.match(svg, /…[0-9a-f:]*\]:65535<\/text>/);
  assert.match(svg, /<title>\[2001:2:ffff:ffff:ffff:ffff:ffff:fffe\]:65535: 5<\/title>/);
});
