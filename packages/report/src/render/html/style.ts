// The report's only stylesheet, inlined into <style>. Its SHA-256 goes into the Content-Security-Policy,
// so nothing else (no style="" attribute, no injected <style>) can apply styles. System fonts only.
export const CSS = `
:root { --ink:#1f2937; --muted:#6b7280; --line:#e5e7eb; --bg:#f8fafc; --ready:#166534; --ready-bg:#dcfce7;
  --bad:#991b1b; --bad-bg:#fee2e2; --none:#1e3a8a; --none-bg:#dbeafe; --warn:#92400e; --warn-bg:#fef3c7; }
* { box-sizing: border-box; }
html { -webkit-text-size-adjust: 100%; }
body { margin: 0; background: var(--bg); color: var(--ink);
  font: 14px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; }
main { max-width: 1180px; margin: 0 auto; padding: 24px 20px 48px; }
header.top { display: flex; justify-content: space-between; align-items: baseline; flex-wrap: wrap; gap: 8px;
  border-bottom: 1px solid var(--line); padding-bottom: 8px; margin-bottom: 16px; }
header.top h1 { font-size: 18px; margin: 0; }
header.top .meta { color: var(--muted); font-size: 12px; }
h2 { font-size: 18px; margin: 0 0 10px; }
h3 { font-size: 15px; margin: 18px 0 6px; }
section { background: #fff; border: 1px solid var(--line); border-radius: 8px; padding: 18px 20px; margin: 0 0 16px; }
p { margin: 6px 0; }
.muted { color: var(--muted); }
.small { font-size: 12px; }
code, .mono { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 12.5px; }
.banner { border: 2px dashed var(--warn); background: var(--warn-bg); color: var(--warn); padding: 10px 14px;
  border-radius: 8px; margin-bottom: 16px; font-weight: 600; }
nav.toc { font-size: 12px; margin: 0 0 16px; color: var(--muted); }
nav.toc a { color: var(--muted); margin-right: 10px; white-space: nowrap; }
.verdict { border-width: 2px; }
.verdict.ready { border-color: var(--ready); }
.verdict.not-ready { border-color: var(--bad); }
.verdict.nothing { border-color: var(--none); }
.verdict .label { display: inline-block; font-size: 34px; font-weight: 800; letter-spacing: .02em; padding: 2px 14px;
  border-radius: 6px; margin: 0 0 8px; }
.verdict.ready .label { color: var(--ready); background: var(--ready-bg); }
.verdict.not-ready .label { color: var(--bad); background: var(--bad-bg); }
.verdict.nothing .label { color: var(--none); background: var(--none-bg); }
.verdict .headline { font-size: 17px; font-weight: 600; margin: 4px 0 12px; }
.tiles { display: grid; grid-template-columns: repeat(auto-fit, minmax(200px, 1fr)); gap: 10px; margin: 12px 0; }
.tile { border: 1px solid var(--line); border-radius: 6px; padding: 8px 12px; background: var(--bg); }
.tile .k { font-size: 12px; color: var(--muted); }
.tile .v { font-size: 22px; font-weight: 700; }
.tile .d { font-size: 12px; color: var(--muted); }
.tile.bad .v { color: var(--bad); }
ol.reasons { margin: 6px 0 10px; padding-left: 22px; }
ol.reasons li { margin: 3px 0; }
ol.reasons li::marker { color: var(--bad); font-weight: 700; }
.assumptions { border-left: 3px solid var(--line); padding: 2px 0 2px 12px; margin-top: 12px; color: #374151; font-size: 13px; }
dl.kv { display: grid; grid-template-columns: max-content 1fr; gap: 3px 16px; margin: 6px 0; }
dl.kv dt { color: var(--muted); }
dl.kv dd { margin: 0; }
table { border-collapse: collapse; width: 100%; margin: 6px 0; font-size: 13px; }
th, td { text-align: left; padding: 4px 8px; border-bottom: 1px solid var(--line); vertical-align: top; }
th { font-size: 12px; color: var(--muted); font-weight: 600; background: var(--bg); }
td.n, th.n { text-align: right; font-variant-numeric: tabular-nums; }
td.n { white-space: nowrap; }
td.src { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 12.5px; min-width: 27ch;
  overflow-wrap: anywhere; }
td.t { white-space: nowrap; }
th.grp { text-align: center; border-bottom: 1px solid var(--line); }
.tw { overflow-x: auto; }
tr.current td { background: #f1f5f9; font-weight: 600; }
.more { font-size: 12px; color: var(--muted); margin: 4px 0 0; }
.badge { display: inline-block; font-size: 11px; padding: 0 6px; border-radius: 4px; border: 1px solid var(--line); }
.badge.block { color: var(--bad); border-color: var(--bad); }
.badge.allow { color: var(--none); border-color: var(--none); }
.badge.warn { color: var(--warn); border-color: var(--warn); }
.outcome-ready { color: var(--ready); font-weight: 700; }
.outcome-not-ready { color: var(--bad); font-weight: 700; }
.outcome-nothing { color: var(--none); font-weight: 700; }
ul.problems li { color: var(--warn); }
svg.chart { display: block; width: 100%; max-width: 1100px; height: auto; margin: 6px 0; }
svg.sparkline { max-width: 320px; }
.multiples { display: grid; grid-template-columns: max-content 1fr 1fr; gap: 4px 14px; align-items: center; }
.multiples svg.chart { margin: 0; }
details summary { cursor: pointer; color: var(--muted); }
pre { background: var(--bg); border: 1px solid var(--line); padding: 8px; overflow-x: auto; font-size: 12px; }
footer { color: var(--muted); font-size: 12px; margin-top: 24px; }
/* ---- H4: verdict checks, keys, charts, phone and print (issue 13). ---- */
/* A key (address, prefix and port) never breaks: a wrapped "[2001:2::]/64:4" + "43" misreads as another port. */
.key, td.src { white-space: nowrap; overflow-wrap: normal; }
table.checks { width: auto; max-width: 100%; }
table.checks th[scope=row] { font-size: 13px; color: var(--ink); background: none; font-weight: 400; }
table.checks tr.failed th, table.checks tr.failed td { background: var(--bad-bg); }
caption { text-align: left; font-size: 12px; color: var(--muted); padding: 2px 0; }
figure.chart { margin: 6px 0; overflow-x: auto; }
figure.chart figcaption { margin: 2px 0 8px; }
ul.coverage-notes { padding-left: 18px; }
ol.reasons li { overflow-wrap: anywhere; }
@media (max-width: 640px) {
  main { padding: 12px 8px 32px; }
  section { padding: 12px 10px; border-radius: 6px; }
  .verdict .label { font-size: 26px; }
  .verdict .headline { font-size: 16px; }
  .tiles { grid-template-columns: repeat(auto-fit, minmax(150px, 1fr)); }
  nav.toc { display: flex; flex-wrap: wrap; gap: 4px 12px; }
  nav.toc a { margin-right: 0; padding: 4px 0; }
  dl.kv { grid-template-columns: 1fr; }
  dl.kv dd { margin-bottom: 4px; }
  .multiples { grid-template-columns: minmax(0, 1fr); }
  /* Wide charts keep a readable text size (about 9 px) and scroll in their own box, never the page. */
  figure.chart svg.timeseries { min-width: 860px; }
  svg.chart.bars { min-width: 0; }
  td.src { min-width: 0; }
  pre { white-space: pre; max-width: 100%; }
}
@media print {
  thead { display: table-header-group; }
  caption, thead, h2, h3, h4 { break-after: avoid; page-break-after: avoid; }
  figure.chart, figcaption, table.checks { break-inside: avoid; page-break-inside: avoid; }
  figure.chart { overflow: visible; }
  figure.chart svg.timeseries { min-width: 0; }
}
/* ---- end H4 ---- */
@media print {
  @page { margin: 14mm; }
  body { background: #fff; font-size: 11pt; }
  main { max-width: none; padding: 0; }
  nav.toc { display: none; }
  section { border: none; border-top: 1px solid #999; border-radius: 0; padding: 10px 0; break-inside: auto; }
  .verdict { border: 2px solid #000; padding: 12px; break-inside: avoid; }
  h2, h3 { break-after: avoid; }
  tr, svg.chart, .tile { break-inside: avoid; }
  .tw { overflow: visible; }
  .tiles { grid-template-columns: repeat(4, 1fr); }
  table { font-size: 8.5pt; }
  td.src { min-width: 20ch; }
  details { display: block; }
  * { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
}
/* ==== H3: interactive tables and drill-down (render/html/explore) ==== */
caption { caption-side: top; text-align: left; font-size: 12px; color: var(--muted); padding: 2px 0 4px; }
td.src, .drill-key .src { white-space: nowrap; }
.tw { overflow-x: auto; max-width: 100%; -webkit-overflow-scrolling: touch; }
.explore-ctl { display: flex; flex-wrap: wrap; gap: 6px 12px; align-items: center; margin: 8px 0 2px; font-size: 13px; }
.explore-ctl input { font: inherit; padding: 3px 6px; min-width: 16em; max-width: 100%; }
.explore-ctl .count, .explore-ctl .pages { color: var(--muted); }
th button.sort { font: inherit; color: inherit; background: none; border: 0; padding: 0; cursor: pointer; text-align: inherit; }
th[aria-sort="ascending"] button.sort::after { content: " ▲"; }
th[aria-sort="descending"] button.sort::after { content: " ▼"; }
td.src button.key { font: inherit; color: inherit; background: none; border: 0; padding: 0; cursor: pointer; text-decoration: underline dotted; white-space: nowrap; }
.drill { margin: 8px 0; }
.drill-key { border: 1px solid var(--line); border-radius: 6px; padding: 8px 12px; margin: 10px 0; }
.drill-key h4 { margin: 2px 0 6px; }
svg.drill-chart .blk { fill: #9bb7d4; fill-opacity: 0.35; }
svg.drill-chart .pass { fill: #b8bec6; }
svg.drill-chart .drop { fill: #c0392b; }
svg.drill-chart .legit-bar { fill: #e6a23c; stroke: #7a4f00; stroke-width: 1; stroke-dasharray: 2 2; }
svg.drill-chart .axis { stroke: #888; stroke-width: 1; }
svg.drill-chart .ax { font-size: 11px; fill: #555; }
@media print { .explore-ctl { display: none; } }
/* ==== end H3 ==== */
`;
