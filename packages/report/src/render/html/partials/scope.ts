// What was read and how complete it is: hosts, runs, window, interface, XDP mode, map fill, eviction
// loss, gaps, baselines and skipped input. Coverage problems are listed first.
export const scope = `<section id="scope" aria-labelledby="scope-h">
<h2 id="scope-h">Scope and coverage</h2>
{{#if m.scope.problems.length}}
<ul class="problems" aria-label="Coverage problems">
{{#each m.scope.problems}}<li><strong>Warning:</strong> {{this}}</li>
{{/each}}
</ul>
{{/if}}
{{#if m.scope.notes.length}}
<ul class="coverage-notes muted small" aria-label="Coverage notes">
{{#each m.scope.notes}}<li>Note: {{this}}</li>
{{/each}}
</ul>
{{/if}}
<dl class="kv">
<dt>Hosts</dt><dd>{{hostsText}}</dd>
<dt>Interfaces</dt><dd>{{#each m.scope.ifaces}}<code>{{this}}</code>{{#unless @last}}, {{/unless}}{{else}}—{{/each}}</dd>
<dt>XDP mode</dt><dd>{{#each m.scope.xdpModes}}{{this}}{{#unless @last}}, {{/unless}}{{else}}unknown (legacy input){{/each}}</dd>
<dt>Destination ports</dt><dd>{{#each m.scope.dstPorts}}{{this}}{{#unless @last}}, {{/unless}}{{else}}—{{/each}}</dd>
<dt>Window</dt><dd>{{time m.scope.start}} to {{time m.scope.end}} ({{duration m.scope.durationSec}})</dd>
<dt>Observed time</dt><dd>{{duration m.scope.observedSec}} of intervals (summed over runs)</dd>
{{#if m.scope.since}}<dt>--since</dt><dd>{{time m.scope.since}}</dd>{{/if}}
{{#if m.scope.until}}<dt>--until</dt><dd>{{time m.scope.until}}</dd>{{/if}}
{{#if m.scope.hostFilter}}<dt>--host</dt><dd>{{m.scope.hostFilter}}</dd>{{/if}}
<dt>Snapshot interval</dt><dd>{{duration m.scope.intervalSec}}</dd>
<dt>Snapshots</dt><dd>{{int m.scope.snapshots}} in {{plural m.scope.runs.length "run"}}, {{int m.scope.rows}} rows, {{plural m.scope.files.total "file"}} ({{int m.scope.files.parquet}} Parquet, {{int m.scope.files.jsonl}} JSONL)</dd>
<dt>Map capacity</dt><dd>{{#if m.scope.mapCapacity}}{{int m.scope.mapCapacity}} entries, peak fill {{pct m.scope.peakFillPct}}{{else}}unknown (legacy input){{/if}}</dd>
<dt>Eviction loss</dt><dd>{{#if m.scope.evictionLossPct includeZero=true}}{{int m.scope.evictionLossPackets}} packets ({{pct m.scope.evictionLossPct}} of matched packets){{else}}unknown (no global totals in the input){{/if}}</dd>
<dt>Gaps</dt><dd>{{int m.scope.gaps.count}} ({{duration m.scope.gaps.totalMissingSec}} missing)</dd>
<dt>Baseline snapshots</dt><dd>{{int m.scope.baselines.count}} (read as the starting point, not counted)</dd>
<dt>Skipped input</dt><dd>{{plural m.scope.skipped.count "file or line" "files or lines"}}</dd>
</dl>
<h3>Runs</h3>
<div class="tw"><table>
<thead><tr><th>Host</th><th>Interface</th><th>Run</th><th>Format</th><th>Start</th><th>End</th><th class="n">Snapshots</th><th class="n">Intervals</th><th>XDP</th><th class="n">Peak fill</th><th class="n">Eviction loss</th><th class="n">Gaps</th></tr></thead>
<tbody>
{{#each runs.rows}}<tr><td>{{host}}</td><td>{{iface}}</td><td class="mono">{{runId}}</td><td>{{format}}</td><td class="t">{{time start}}</td><td class="t">{{time end}}</td><td class="n">{{int snapshots}}{{#if firstIsBaseline}} <span class="badge warn">baseline first</span>{{/if}}</td><td class="n">{{int intervals}}</td><td>{{#if xdpMode}}{{xdpMode}}{{else}}—{{/if}}</td><td class="n">{{pct peakFillPct}}</td><td class="n">{{pct evictionLossPct}}</td><td class="n">{{int gaps}}</td></tr>
{{/each}}
</tbody>
</table></div>
{{#if runs.notShown}}<p class="more">{{int runs.notShown}} more runs not shown; summary.json lists every run (input.runs).</p>{{/if}}
{{#if gaps.rows.length}}
<h3>Gaps between snapshots</h3>
<div class="tw"><table>
<thead><tr><th>Host</th><th>Interface</th><th>Run</th><th>From</th><th>To</th><th class="n">Missing</th></tr></thead>
<tbody>
{{#each gaps.rows}}<tr><td>{{host}}</td><td>{{iface}}</td><td class="mono">{{runId}}</td><td class="t">{{time from}}</td><td class="t">{{time to}}</td><td class="n">{{#if carried}}none (carried by the next snapshot){{else}}{{duration missingSec}}{{/if}}</td></tr>
{{/each}}
</tbody>
</table></div>
{{#if gaps.notShown}}<p class="more">{{int gaps.notShown}} more gaps not listed (the report keeps the first 100); summary.json gives each run's gap count (input.runs[].gaps).</p>{{/if}}
{{/if}}
{{#if baselines.rows.length}}
<h3>Baseline snapshots</h3>
<div class="tw"><table>
<thead><tr><th>Host</th><th>Interface</th><th>Run</th><th>At</th><th>Why</th></tr></thead>
<tbody>
{{#each baselines.rows}}<tr><td>{{host}}</td><td>{{iface}}</td><td class="mono">{{runId}}</td><td class="t">{{time at}}</td><td>{{reason}}</td></tr>
{{/each}}
</tbody>
</table></div>
{{#if baselines.notShown}}<p class="more">{{int baselines.notShown}} more baseline snapshots not shown; summary.json lists the first 100 (input.baseline_snapshots).</p>{{/if}}
{{/if}}
{{#if m.scope.skipped.first.length}}
<h3>Skipped input</h3>
<div class="tw"><table>
<thead><tr><th>File</th><th class="n">Line</th><th>Reason</th></tr></thead>
<tbody>
{{#each m.scope.skipped.first}}<tr><td class="src">{{file}}</td><td class="n">{{#if line}}{{int line}}{{else}}—{{/if}}</td><td>{{reason}}</td></tr>
{{/each}}
</tbody>
</table></div>
{{#if skippedNotShown}}<p class="more">{{int skippedNotShown}} more skipped inputs not listed; summary.json has their number (input.skipped.count).</p>{{/if}}
{{/if}}
</section>
`;
