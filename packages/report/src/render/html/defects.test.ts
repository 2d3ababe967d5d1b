// Issue 13's HTML defects, each checked on the rendered page of the sample model.
import assert from "node:assert/strict";
import { test } from "node:test";
import { sampleModel } from "../../testing/sample-model.js";
import { COLORS } from "../charts/svg.js";
import { renderHtml } from "../html.js";
import { CSS } from "./style.js";

test("two hosts: the blocks headline is per host and names the host; the chart says it sums hosts", () => {
  const html = renderHtml(sampleModel({ twoHosts: true }));
  assert.match(
    html,
    /At most 3 blocks would have been active at the same time on one host, on edge-1 \(eth0\)/,
  );
  assert.match(html, /Other hosts: edge-2 \(eth0\) 2\. The chart below sums all hosts\./);
  assert.match(html, /Blocks active at each interval end, summed over all 2 host interfaces/);
  assert.match(html, /on edge-1 \(eth0\), the busiest of 2 host interfaces; limit 10,000 rules per host/);
});

test("traffic charts: probably-legitimate would-drop is its own series, unattributed port-flood intervals are marked", () => {
  const html = renderHtml(sampleModel({ unattributed: true }));
  const traffic = html.slice(html.indexOf('id="traffic"'), html.indexOf('id="sources"'));
  assert.match(traffic, /<path class="legit"[^>]*stroke="#b45309"[^>]*stroke-dasharray/);
  assert.ok(!new RegExp(`<path class="legit"[^>]*fill="${COLORS.dropFill}"`).test(traffic));
  assert.match(traffic, /would drop, probably legitimate/);
  assert.equal(
    (traffic.match(/<rect class="mark"/g) ?? []).length,
    3 * 3,
    "3 flood intervals on each of 3 charts",
  );
  assert.match(traffic, /port flood no source explains/);
});

test("port sparklines: the legend says what the ring and the red ticks mean, matching the marks", () => {
  const html = renderHtml(sampleModel());
  const ports = html.slice(html.indexOf('id="ports"'), html.indexOf('id="sensitivity"'));
  assert.match(ports, /ring: maximum; red ticks under the line: port hot/);
  for (const circle of ports.match(/<circle class="max"[^>]*>/g) ?? [])
    assert.ok(!circle.includes(COLORS.drop), circle);
  assert.match(ports, /ticks: port hot/);
});

test("coverage: an expected merge is a note, the problems are warnings", () => {
  const html = renderHtml(sampleModel());
  assert.match(html, /<ul class="coverage-notes[^"]*"[^>]*>\n<li>Note: The short first interval of 1 run/);
  assert.match(html, /<ul class="problems"[^>]*>\n<li><strong>Warning:<\/strong> 1 gap/);
});

test("verdict: the reasons name the keys and the deciding checks are a table with words, not colour alone", () => {
  const html = renderHtml(sampleModel());
  const verdict = html.slice(html.indexOf('id="verdict"'), html.indexOf('id="scope"'));
  assert.match(verdict, /<ol class="reasons">[\s\S]*probably legitimate[^<]*198\.18\.5\.7:8899/);
  assert.match(verdict, /<caption>The checks that decide the verdict<\/caption>/);
  assert.match(
    verdict,
    /<th scope="row">Blocked keys that are probably legitimate<\/th><td class="n">1<\/td><td>none<\/td><td><strong class="outcome-not-ready">FAIL<\/strong>/,
  );
});

test("a 0 % false-positive tile is never shown over 0 would-drop packets", () => {
  const m = sampleModel({ outcome: "NOTHING_TO_ENFORCE" });
  m.fp.valuePct = 0;
  m.fp.probablyLegitPackets = 0n;
  m.fp.wouldDropPackets = 0n;
  const html = renderHtml(m);
  const tile =
    /<div class="k">Probably legitimate share \(FP bound\)<\/div><div class="v">([^<]*)<\/div><div class="d">([^<]*)</.exec(
      html,
    );
  assert.ok(tile);
  assert.equal(tile[1], "none");
  assert.match(tile[2]!, /no packet would be dropped/);
});

test("keys never wrap: key cells do not break, and the stylesheet has the rule", () => {
  assert.match(CSS, /\.key, td\.src \{ white-space: nowrap; overflow-wrap: normal; \}/);
  // The rule comes after the base td.src rule (which allowed breaking anywhere), so it wins.
  assert.ok(CSS.indexOf(".key, td.src {") > CSS.indexOf("td.src {"));
});

test("every chart has an accessible name and a text alternative next to it", () => {
  const html = renderHtml(sampleModel({ unattributed: true }));
  const svgs = html.match(/<svg [^>]*>/g) ?? [];
  assert.ok(svgs.length >= 8);
  for (const s of svgs) assert.match(s, /role="img" aria-label="[^"]+"/);
  for (const id of ["traffic-alt", "distinct-alt", "blocks-alt"]) {
    assert.match(html, new RegExp(`<figure class="chart" aria-describedby="${id}">`));
    assert.match(html, new RegExp(`<figcaption id="${id}"[^>]*>[^<]{20,}</figcaption>`));
  }
});
