import assert from "node:assert/strict";
import { test } from "node:test";
import { sparkline } from "./sparkline.js";
import { COLORS, textWidth } from "./svg.js";
import { checkXml } from "./xml-check.js";

test("sparkline: path through every point, maximum marked and labelled", () => {
  const x = checkXml(sparkline({ title: "Distinct sources on port 80", values: [1, 5, 3, 9, 2] }));
  assert.equal(x.counts.get("path"), 1);
  assert.match(x.text, /max 9/);
  const d = x.attributes.find(([el, n]) => el === "path" && n === "d")![2];
  assert.equal(d.match(/[ML]/g)!.length, 5);
});

test("sparkline: empty, single point, escaped title", () => {
  assert.match(checkXml(sparkline({ title: "e", values: [] })).text, /no data/);
  const one = checkXml(sparkline({ title: "<b>&</b>", values: [4] }));
  assert.equal(one.counts.get("b"), undefined);
  assert.equal(one.counts.get("circle"), 2);
  assert.ok(one.text.startsWith("<b>&</b>"));
});

test("sparkline: 100 000 values and flags stay bounded", () => {
  const n = 100_000;
  const values = Array.from({ length: n }, (_, i) => (i === 777 ? 50_000 : i % 13));
  const flags = values.map((_, i) => i % 2 === 0);
  const svg = sparkline({ title: "big", values, flags });
  const x = checkXml(svg);
  assert.ok(svg.length < 40_000, `${svg.length} bytes`);
  assert.ok((x.counts.get("rect") ?? 0) <= 240, "at most one flag per pixel column");
  assert.match(x.text, /max 50k/);
});

/** The horizontal extent of the <text> whose content starts with `prefix`, from its x, anchor and estimated width. */
function textExtent(svg: string, prefix: string): { left: number; right: number; width: number } {
  const el = [...svg.matchAll(/<text([^>]*)>([^<]*)</g)].find((m) => m[2]!.startsWith(prefix));
  assert.ok(el, `a "${prefix}" label`);
  const attr = (n: string) => new RegExp(`\\b${n}="([^"]*)"`).exec(el[1]!)?.[1];
  const x = Number(attr("x"));
  const w = textWidth(el[2]!, Number(attr("font-size")));
  const anchor = attr("text-anchor") ?? "start";
  const left = anchor === "end" ? x - w : anchor === "middle" ? x - w / 2 : x;
  const width = Number(/viewBox="0 0 ([\d.]+)/.exec(svg)![1]);
  return { left, right: left + w, width };
}

test("sparkline: the max label fits inside the SVG ('max 34.4k' is not cut to 'max 34.4')", () => {
  for (const v of [34_400, 999_999, 1_234_567_890, 7]) {
    const svg = sparkline({ title: "t", values: [1, v, 3], width: 300 });
    const label = /<text[^>]*>(max [^<]*)</.exec(svg)![1]!;
    const e = textExtent(svg, "max ");
    assert.ok(e.right <= e.width, `${label}: right edge ${e.right} > ${e.width}`);
    // The line never runs under the label.
    const d = /<path d="([^"]+)"/.exec(svg)![1]!;
    const xs = [...d.matchAll(/[ML]([\d.]+) /g)].map((x) => Number(x[1]));
    assert.ok(Math.max(...xs) < e.left, `line reaches ${Math.max(...xs)}, label starts at ${e.left}`);
  }
});

test("sparkline: the maximum is not marked in the flags' red, and flags are explained in words", () => {
  const svg = sparkline({
    title: "t",
    values: [1, 9, 3, 4],
    flags: [false, true, true, false],
    flagLabel: "port hot",
  });
  const markers = [...svg.matchAll(/<circle[^>]*>/g)].map((m) => m[0]);
  assert.equal(markers.length, 1);
  assert.ok(!markers[0]!.includes(`fill="${COLORS.drop}"`), `max marker ${markers[0]} uses the flag colour`);
  assert.ok(svg.includes(`fill="${COLORS.drop}"/>`), "flags are red ticks");
  assert.match(checkXml(svg).text, /ticks: port hot/);
});
