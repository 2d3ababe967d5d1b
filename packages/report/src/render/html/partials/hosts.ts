// A fleet report's hosts (several hosts only): each host's own verdict from the same checks over its own
// traffic, its figures and coverage, its rules files, and the keys hot on several hosts.
export const hosts = `<section id="hosts" aria-labelledby="hosts-h">
<h2 id="hosts-h">Hosts</h2>
<p>Each host enforces its own rules, so each has its own verdict from the same checks over its own traffic (its would-drop, its blocks, its peak against max_rules). The fleet is READY only when every host with something to enforce is READY.{{#if m.fleet.notReady.length}} Not ready: {{#each fleetNotReady.rows}}<strong>{{this}}</strong>{{#unless @last}}, {{/unless}}{{/each}}{{#if fleetNotReady.notShown}} and {{int fleetNotReady.notShown}} more{{/if}}.{{/if}}</p>
<div class="tw"><table>
<caption>Verdict per host, host name order</caption>
<thead><tr><th scope="col">Host</th><th scope="col">Verdict</th><th scope="col">Why not ready</th><th scope="col" class="n">Blocked keys</th><th scope="col" class="n">Rules</th><th scope="col" class="n">Would drop (packets)</th><th scope="col" class="n">FP bound</th><th scope="col" class="n">Peak blocks</th><th scope="col" class="n">Snapshots</th><th scope="col" class="n">Gaps</th><th scope="col" class="n">Observed</th><th scope="col">Rules files</th></tr></thead>
<tbody>
{{#each fleetHosts.rows}}<tr><td class="src">{{row.host}}</td><td class="outcome-{{outcomeClass row.outcome}}">{{row.label}}</td><td class="small">{{#if row.reasons.length}}<ul>{{#each row.reasons}}<li>{{text}}</li>{{/each}}</ul>{{else}}—{{/if}}</td><td class="n">{{int row.keysBlocked}}</td><td class="n">{{int row.rules}}{{#if row.heldBack}} <span class="badge warn">{{int row.heldBack}} held back</span>{{/if}}</td><td class="n">{{int row.wouldDrop.packets}} ({{pct row.wouldDropPct.packets}})</td><td class="n">{{#if row.fp.computed}}{{pct row.fp.valuePct}}{{else}}unknown{{/if}}</td><td class="n">{{int row.peakConcurrentBlocks}}</td><td class="n">{{int row.coverage.snapshots}}</td><td class="n">{{int row.coverage.gaps}}</td><td class="n">{{duration row.coverage.observedSec}}</td><td class="small">{{#if files}}<code>{{files.json}}</code>, <code>{{files.nft}}</code>, <code>{{files.txt}}</code>{{else}}—{{/if}}</td></tr>
{{/each}}
</tbody>
</table></div>
{{#if fleetHosts.notShown}}<p class="more">{{int fleetHosts.notShown}} more hosts not shown; see summary.json.</p>{{/if}}
{{#if fleetShared.rows.length}}
<h3 id="shared-keys">Keys hot on several hosts</h3>
<ul>
{{#each fleetShared.rows}}<li><span class="src">{{display}}</span> hot on {{plural hosts "host"}}: {{namesText}}{{#if rulesOn}} (a rule on {{plural rulesOn "host"}}){{/if}}</li>
{{/each}}
</ul>
{{#if fleetShared.notShown}}<p class="more">{{int fleetShared.notShown}} more keys not shown; see summary.json.</p>{{/if}}
{{/if}}
</section>
`;
