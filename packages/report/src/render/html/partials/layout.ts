// The page shell: CSP, inline stylesheet, header, synthetic-data banner, the sections in order, footer.
export const layout = `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="{{csp}}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<meta name="generator" content="ibsr-report (report version {{m.reportVersion}})">
<title>IBSR report: {{outcome m.verdict.outcome}} ({{hostsText}})</title>
<style>{{{css}}}</style>
</head>
<body>
<main>
<header class="top">
<h1>Inline Block Simulation Report</h1>
<div class="meta">{{hostsText}} · {{time m.scope.start}} to {{time m.scope.end}} · generated {{time m.generatedAt}}</div>
</header>
{{#if m.synthetic.isSynthetic}}
<div class="banner" role="note">SYNTHETIC DATA{{#if m.synthetic.label}}: {{m.synthetic.label}}{{/if}}. These numbers come from generated traffic, not from a real host.</div>
{{/if}}
<nav class="toc" aria-label="Sections"><a href="#verdict">Verdict</a>{{#if m.fleet}}<a href="#hosts">Hosts</a>{{/if}}{{#if history}}<a href="#history">History</a>{{/if}}<a href="#scope">Scope and coverage</a><a href="#traffic">Traffic over time</a><a href="#sources">Top sources</a><a href="#fp">False positives</a><a href="#allowlist">Allowlist</a><a href="#ports">Ports</a><a href="#sensitivity">Sensitivity</a><a href="#rollups">Roll-ups</a><a href="#blocks">Concurrent blocks</a><a href="#rules">Candidate rules</a></nav>
{{> verdict}}
{{#if m.fleet}}{{> hosts}}{{/if}}
{{#if history}}{{> history}}{{/if}}
{{> scope}}
{{> traffic}}
{{> sources}}
{{> fp}}
{{> allowlist}}
{{> ports}}
{{> sensitivity}}
{{> rollups}}
{{> blocks}}
{{> rules}}
<footer>
<p>Written by ibsr-report, profile {{m.profile}}, report version {{m.reportVersion}}, generated {{time m.generatedAt}} (the latest snapshot time unless --now was given). IBSR never drops a packet: this report is a simulation for a human decision.</p>
{{#if m.files.length}}<p>Files in this report: {{#each m.files}}<code>{{this}}</code>{{#unless @last}}, {{/unless}}{{/each}}.</p>{{/if}}
</footer>
</main>
<script type="application/json" id="{{explore.sources.id}}">{{{explore.sources.json}}}</script>
<script type="application/json" id="{{explore.episodes.id}}">{{{explore.episodes.json}}}</script>
<script type="application/json" id="{{explore.v4.id}}">{{{explore.v4.json}}}</script>
<script type="application/json" id="{{explore.v6.id}}">{{{explore.v6.json}}}</script>
<script type="application/json" id="ibsr-data-drill">{{{explore.drillJson}}}</script>
<script>{{{script}}}</script>
</body>
</html>
`;
