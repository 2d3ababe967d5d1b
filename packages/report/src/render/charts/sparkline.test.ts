import assert from "node:assert/strict";
import { test } from "node:test";
import { sparkline } from "./sparkline.js";
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
