// Earlier reports of the same scope (with history only): the verdict per report with colour and text, per
// host for a fleet, the FP bound and would-drop over time, new and recurring blocked keys, threshold changes.
export const history = `<section id="history" aria-labelledby="history-h">
<h2 id="history-h">History</h2>
<ul>
{{#each history.brief}}<li>{{this}}</li>
{{/each}}
</ul>
{{#if history.reports.length}}
<div class="tw"><table>
<caption>The last {{plural history.reports.length "report"}} of this scope (same hosts, overlapping ports), oldest first</caption>
<thead><tr><th scope="col">Window</th><th scope="col">Verdict</th><th scope="col">Why not ready</th><th scope="col" class="n">Blocked keys</th><th scope="col" class="n">Would drop (packets)</th><th scope="col" class="n">FP bound</th><th scope="col">Thresholds</th></tr></thead>
<tbody>
{{#each history.reports}}<tr><td>{{window}}{{#if r.current}} <strong>(this report)</strong>{{/if}}</td><td class="outcome-{{outcomeClass r.outcome}}">{{r.label}}</td><td class="small">{{#if reasonsText}}{{reasonsText}}{{else}}—{{/if}}</td><td class="n">{{int r.blockedKeys}}</td><td class="n">{{int r.wouldDropPackets}} ({{pct r.wouldDropPct}})</td><td class="n">{{fpText}}</td><td class="small"><code>{{r.configHash}}</code>{{#if changed}} <span class="badge warn">changed</span>{{/if}}</td></tr>
{{/each}}
</tbody>
</table></div>
{{#if history.h.leftOut}}<p class="more">{{int history.h.leftOut}} earlier reports not shown; see the history store.</p>{{/if}}
<figure class="chart">{{{history.fpSpark}}}<figcaption>FP bound per report, oldest first (a gap: not computed); the table above has the figures.</figcaption></figure>
<figure class="chart">{{{history.dropSpark}}}<figcaption>Would-drop packets per report, oldest first.</figcaption></figure>
{{/if}}
{{#if history.hosts.length}}
<div class="tw"><table>
<caption>Verdict per host and report</caption>
<thead><tr><th scope="col">Host</th>{{#each history.days}}<th scope="col">{{this}}</th>{{/each}}</tr></thead>
<tbody>
{{#each history.hosts}}<tr><td class="src">{{host}}</td>{{#each outcomes}}{{#if o}}<td class="outcome-{{outcomeClass o}}">{{outcome o}}</td>{{else}}<td>—</td>{{/if}}{{/each}}</tr>
{{/each}}
</tbody>
</table></div>
{{/if}}
{{#if history.keys.rows.length}}
<div class="tw"><table>
<caption>Keys blocked in this report and their past, longest run first</caption>
<thead><tr><th scope="col">Key</th><th scope="col" class="n">Reports in a row</th><th scope="col" class="n">Reports blocked</th><th scope="col">New</th><th scope="col">Healthy-blocked before</th></tr></thead>
<tbody>
{{#each history.keys.rows}}<tr><td class="src">{{label}}</td><td class="n">{{int k.streak}}</td><td class="n">{{int k.reportsBlocked}}</td><td>{{#if k.isNew}}new{{else}}—{{/if}}</td><td>{{#if k.healthyBefore}}<strong>yes</strong>{{else}}—{{/if}}</td></tr>
{{/each}}
</tbody>
</table></div>
{{#if history.keys.notShown}}<p class="more">{{int history.keys.notShown}} more keys not shown; see summary.json.</p>{{/if}}
{{/if}}
{{#if history.h.notes.length}}
<ul class="small">
{{#each history.h.notes}}<li>{{this}}</li>
{{/each}}
</ul>
{{/if}}
<p class="small">History store: <code>{{history.h.dir}}</code>{{#if history.h.recorded}} (this report is added to it){{else}} (this report is not added to it){{/if}}.</p>
</section>
`;
