// Top sources that would be blocked (and allowlisted ones that would have been), their episodes, and
// keys that were hot in a single interval only (for manual review).
export const sources = `<section id="sources" aria-labelledby="sources-h">
<h2 id="sources-h">Top sources that would be blocked</h2>
{{#if hasBlocked}}{{{charts.topSources}}}{{/if}}
{{#if sources.rows.length}}
<div class="tw"><table>
<thead><tr><th rowspan="2">Source:port</th><th rowspan="2">Class</th><th rowspan="2">Decision</th><th class="n" rowspan="2">Peak SYN/s</th><th class="n" rowspan="2">Min success ratio</th><th class="n grp" colspan="3">Would drop</th><th class="n" rowspan="2">Probably legit</th><th class="n" rowspan="2">Episodes</th></tr>
<tr><th class="n">packets</th><th class="n">bytes</th><th class="n">SYNs</th></tr></thead>
<tbody>
{{#each sources.rows}}<tr><td class="src">{{display}}</td><td>{{abuseClass abuseClass}}</td><td>{{#if allowlisted}}<span class="badge allow">allowlisted</span>{{else}}<span class="badge {{decision}}">{{decision}}</span>{{/if}}{{#if healthyBlocked}} <span class="badge warn">healthy</span>{{/if}}</td><td class="n">{{num peakSynRate}}</td><td class="n">{{ratio minSuccessRatio}}</td><td class="n">{{int wouldDrop.packets}}</td><td class="n">{{bytes wouldDrop.bytes}}</td><td class="n">{{int wouldDrop.syn}}</td><td class="n">{{pct probablyLegitPct}}</td><td class="n">{{int episodes}}</td></tr>
{{/each}}
</tbody>
</table></div>
{{#if sources.notShown}}<p class="more">{{int sources.notShown}} more sources not shown; see evidence.csv and summary.json.</p>{{/if}}
{{else}}
<p>No source was hot in any interval: no per-source rule would have fired.</p>
{{/if}}
{{#if episodes.rows.length}}
<h3>Episodes</h3>
<div class="tw"><table>
<thead><tr><th>Source:port</th><th>Host</th><th>Start</th><th class="n">Duration</th><th class="n">Intervals</th><th>Class</th><th class="n">Peak SYN/s</th><th class="n">Peak pkt/s</th><th class="n">Min success ratio</th></tr></thead>
<tbody>
{{#each episodes.rows}}<tr><td class="src">{{display}}</td><td>{{host}}</td><td class="t">{{time start}}</td><td class="n">{{duration durationSec}}</td><td class="n">{{int intervals}}</td><td>{{abuseClass abuseClass}}{{#if allowlisted}} <span class="badge allow">allowlisted</span>{{/if}}</td><td class="n">{{num peakSynRate}}</td><td class="n">{{num peakPktRate}}</td><td class="n">{{ratio minSuccessRatio}}</td></tr>
{{/each}}
</tbody>
</table></div>
{{#if episodes.notShown}}<p class="more">{{int episodes.notShown}} more episodes not shown; see summary.json.</p>{{/if}}
{{/if}}
{{#if singles.rows.length}}
<h3>Hot in a single interval only (review by hand)</h3>
<p class="muted small">One hot interval can be a burst rather than abuse; these keys count in the figures above but deserve a look before a rule is approved.</p>
<p>{{#each singles.rows}}<code>{{display}}</code>{{#unless @last}}, {{/unless}}{{/each}}</p>
{{#if singles.notShown}}<p class="more">{{int singles.notShown}} more not shown; see summary.json.</p>{{/if}}
{{/if}}
</section>
`;
